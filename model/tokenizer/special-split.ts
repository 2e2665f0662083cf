// llama.cpp's first tokenization step (tokenizer_st_partition): cut the text around occurrences
// of special tokens, longest token first. User-defined tokens are always cut out; control and
// unknown tokens only when parsing specials. A token with LSTRIP/RSTRIP also eats the ASCII
// whitespace on that side.
import { Attr, type Vocab } from './vocab.ts';

/** A piece of text still to tokenize, or a token id. */
export type Fragment = string | number;

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

export function partitionSpecial(vocab: Vocab, text: string, parseSpecial: boolean): Fragment[] {
  let fragments: Fragment[] = text.length > 0 ? [text] : [];
  for (const id of vocab.specialTokens) {
    const attr = vocab.attrs[id];
    if (!parseSpecial && (attr & (Attr.CONTROL | Attr.UNKNOWN))) continue;
    const tok = vocab.tokens[id];
    if (!fragments.some((f) => typeof f === 'string' && f.includes(tok))) continue;
    const out: Fragment[] = [];
    for (const f of fragments) {
      if (typeof f === 'number') { out.push(f); continue; }
      let base = 0;
      for (;;) {
        const m = f.indexOf(tok, base);
        if (m < 0) {
          if (base < f.length) out.push(base === 0 ? f : f.slice(base));
          break;
        }
        let leftEnd = m;
        if (attr & Attr.LSTRIP) while (leftEnd > base && isSpace(f.charCodeAt(leftEnd - 1))) leftEnd--;
        if (leftEnd > base) out.push(f.slice(base, leftEnd));
        out.push(id);
        base = m + tok.length;
        if (base >= f.length) break;
        if (attr & Attr.RSTRIP) while (base < f.length && isSpace(f.charCodeAt(base))) base++;
      }
    }
    fragments = out;
  }
  return fragments;
}
