// Byte-level BPE over ranked merges, as llama.cpp's llm_tokenizer_bpe: each pre-token is spelled in
// GPT-2 byte characters, then the adjacent pair with the lowest merge rank is merged (leftmost on
// ties) until no pair has a rank. A leftover piece that is not a token falls back to its
// single-character tokens.
import { byteEncode } from './byte-encoding.ts';
import { SymbolMerger } from './merge-queue.ts';
import type { Vocab } from './vocab.ts';

const merger = new SymbolMerger(256);

/** Appends the tokens of one pre-token (plain text, not yet byte-encoded) to `out`. */
export function bpeTokenizeWord(vocab: Vocab, word: string, out: number[]): void {
  const w = byteEncode(word);
  if (w.length === 0) return;
  const { tokenToId, mergeRanks } = vocab;
  if (vocab.ignoreMerges) {
    const id = tokenToId.get(w);
    if (id !== undefined) { out.push(id); return; }
  }
  const n = w.length; // every GPT-2 byte character is one UTF-16 unit
  merger.reserve(n);
  const { start, len } = merger;
  for (let i = 0; i < n; i++) { start[i] = i; len[i] = 1; }
  merger.merge(n, (l, r) => mergeRanks.get(w.substr(start[l], len[l]) + ' ' + w.substr(start[r], len[r])));
  merger.forEachPiece(w, (piece) => {
    const id = tokenToId.get(piece);
    if (id !== undefined) { out.push(id); return; }
    // llama.cpp looks up each UTF-8 byte of the piece as a one-byte token: only ASCII ones can exist.
    for (let k = 0; k < piece.length; k++) {
      const c = piece.charCodeAt(k);
      const single = c < 0x80 ? tokenToId.get(piece[k]) : undefined;
      if (single !== undefined) out.push(single);
    }
  });
}
