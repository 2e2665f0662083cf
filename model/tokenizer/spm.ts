// SentencePiece-style BPE over scores, as llama.cpp's llm_tokenizer_spm: start from single
// characters, repeatedly merge the adjacent pair whose concatenation is the highest-scoring
// vocabulary entry (leftmost on ties), then spell any leftover character as <0xNN> byte tokens.
import { EdgewiseError } from '../errors.ts';
import { SymbolMerger } from './merge-queue.ts';
import type { Vocab } from './vocab.ts';

const encoder = new TextEncoder();
const merger = new SymbolMerger(1024);

/** Appends the tokens of `text` (already ▁-escaped, prefix space included) to `out`. */
export function spmTokenize(vocab: Vocab, text: string, out: number[]): void {
  if (text.length === 0) return;
  merger.reserve(text.length);
  const { start, len } = merger;
  // One symbol per codepoint, as a UTF-16 slice [start, start + len).
  let n = 0;
  for (let i = 0; i < text.length; n++) {
    const c = text.charCodeAt(i);
    const units = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    start[n] = i; len[n] = units;
    i += units;
  }

  const { tokenToId, scores } = vocab;
  merger.merge(n, (l, r) => {
    const id = tokenToId.get(text.substr(start[l], len[l] + len[r]));
    return id === undefined ? undefined : -scores[id];
  });
  merger.forEachPiece(text, (piece) => {
    const id = tokenToId.get(piece);
    if (id !== undefined) { out.push(id); return; }
    for (const b of encoder.encode(piece)) out.push(byteToken(vocab, b));
  });
}

const HEX = '0123456789ABCDEF';

/** The token for one raw byte: <0xNN>, else the byte as a one-character token. */
export function byteToken(vocab: Vocab, b: number): number {
  const id = vocab.tokenToId.get(`<0x${HEX[b >> 4]}${HEX[b & 15]}>`) ?? (b < 0x80 ? vocab.tokenToId.get(String.fromCharCode(b)) : undefined);
  if (id === undefined) throw new EdgewiseError('tokenizer', `the vocabulary has no byte token for 0x${HEX[b >> 4]}${HEX[b & 15]} (byte fallback impossible)`);
  return id;
}
