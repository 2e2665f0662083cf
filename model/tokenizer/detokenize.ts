// Token → bytes (llama.cpp's token_to_piece) and ids → text (llama_detokenize), including its
// leading-space removal for SPM and the clean_up_tokenization_spaces passes of some BPE vocabs.
import { charToByte } from './byte-encoding.ts';
import { Attr, type Vocab } from './vocab.ts';

const encoder = new TextEncoder();
const SPACE = 0x20;

/** The bytes a token renders to when specials are rendered (llama.cpp's piece cache). */
export function renderPiece(vocab: Vocab, id: number): Uint8Array {
  const attr = vocab.attrs[id];
  const text = vocab.tokens[id];
  if (attr & (Attr.UNKNOWN | Attr.CONTROL | Attr.USER_DEFINED)) return encoder.encode(text);
  if (attr & Attr.NORMAL) {
    if (vocab.type === 'spm') return encoder.encode(text.replaceAll('\u2581', ' '));
    return decodeByteLevel(text);
  }
  if (attr & Attr.BYTE) return Uint8Array.of(parseInt(text.slice(3, 5), 16));
  return new Uint8Array(0);
}

/** GPT-2 characters back to bytes; a character outside the mapping is spelled out as llama.cpp does. */
function decodeByteLevel(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const b = charToByte(ch.codePointAt(0)!);
    if (b !== undefined) { out.push(b); continue; }
    const utf8 = encoder.encode(ch);
    const hex = [...utf8].map((x) => x.toString(16).padStart(2, '0')).join('');
    out.push(...encoder.encode(`[UNK_BYTE_0x${hex}${text}]`));
  }
  return Uint8Array.from(out);
}

export interface DetokenizeOptions {
  /** Drop a leading BOS and trailing EOS that the vocabulary adds by itself. */
  removeSpecial?: boolean;
  /** Render control and unknown tokens as their text (otherwise they render as nothing). */
  unparseSpecial?: boolean;
}

export function detokenizeBytes(vocab: Vocab, piece: (id: number) => Uint8Array, ids: readonly number[], opts: DetokenizeOptions = {}): Uint8Array {
  let first = 0;
  let end = ids.length;
  let removeSpace = vocab.addSpacePrefix;
  if (opts.removeSpecial && vocab.addBos && end > 0 && ids[0] === vocab.bos) { removeSpace = false; first = 1; }
  if (opts.removeSpecial && vocab.addEos && end > first && ids[end - 1] === vocab.eos) end--;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = first; i < end; i++) {
    const id = ids[i];
    if (!opts.unparseSpecial && (vocab.attrs[id] & (Attr.UNKNOWN | Attr.CONTROL))) { removeSpace = false; continue; }
    let p = piece(id);
    if (removeSpace && p.length > 0 && p[0] === SPACE) p = p.subarray(1);
    removeSpace = false;
    parts.push(p);
    total += p.length;
  }
  let bytes: Uint8Array = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  if (vocab.cleanSpaces) bytes = cleanSpaces(bytes);
  return bytes;
}

const Q = 0x3f, EXCL = 0x21, DOT = 0x2e, COMMA = 0x2c, APOS = 0x27;

/** llama.cpp's three clean-up passes: " ?" " !" " ." " ," → no space; " ' " → "'"; " 's" " 'm" " 're" " 've" → no space. */
function cleanSpaces(text: Uint8Array): Uint8Array {
  // pass 1
  let out: number[] = text.length ? [text[0]] : [];
  for (let i = 1; i < text.length; i++) {
    const x = text[i];
    if (text[i - 1] === SPACE && (x === Q || x === EXCL || x === DOT || x === COMMA)) out.pop();
    out.push(x);
  }
  // pass 2: the space after a lone apostrophe is zeroed in place, so it no longer counts as a space
  const t2 = Uint8Array.from(out);
  out = t2.length ? [t2[0]] : [];
  for (let i = 1; i < t2.length; i++) {
    const x = t2[i];
    if (x === APOS && i + 1 < t2.length && t2[i - 1] === SPACE && t2[i + 1] === SPACE) {
      out.pop();
      t2[++i] = 0;
    }
    out.push(x);
  }
  // pass 3
  const t3 = out;
  out = t3.length ? [t3[0]] : [];
  for (let i = 1; i < t3.length; i++) {
    const x = t3[i];
    if (t3[i - 1] === SPACE && x === APOS && i + 1 < t3.length) {
      const x1 = t3[i + 1];
      if (x1 === 0x73 || x1 === 0x6d) out.pop();
      else if (x1 !== 0x74 && x1 !== 0x64 && i + 2 < t3.length) {
        const x2 = t3[i + 2];
        if ((x1 === 0x72 && x2 === 0x65) || (x1 === 0x76 && x2 === 0x65)) out.pop();
      }
    }
    out.push(x);
  }
  return Uint8Array.from(out);
}
