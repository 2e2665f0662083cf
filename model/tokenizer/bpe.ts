// Byte-level BPE over ranked merges, as llama.cpp's llm_tokenizer_bpe: each pre-token is spelled in
// GPT-2 byte characters, then the adjacent pair with the lowest merge rank is merged (leftmost on
// ties) until no pair has a rank. A leftover piece that is not a token falls back to its
// single-character tokens.
import { byteEncode } from './byte-encoding.ts';
import { MergeQueue } from './merge-queue.ts';
import type { Vocab } from './vocab.ts';

const queue = new MergeQueue();
const top = { prio: 0, left: 0, right: 0, size: 0 };
let len = new Int32Array(256);
let prev = new Int32Array(256);
let next = new Int32Array(256);

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
  if (len.length < n) {
    const cap = n * 2;
    len = new Int32Array(cap); prev = new Int32Array(cap); next = new Int32Array(cap);
  }
  for (let i = 0; i < n; i++) { len[i] = 1; prev[i] = i - 1; next[i] = i + 1; }
  next[n - 1] = -1;
  // Symbol i always starts at offset i of w, since merges absorb the right neighbour into the left.
  queue.clear();
  const tryAdd = (l: number, r: number) => {
    if (l < 0 || r < 0) return;
    const rank = mergeRanks.get(w.substr(l, len[l]) + ' ' + w.substr(r, len[r]));
    if (rank !== undefined) queue.push(rank, l, r, len[l] + len[r]);
  };
  for (let i = 1; i < n; i++) tryAdd(i - 1, i);
  while (queue.length > 0) {
    queue.pop(top);
    const l = top.left, r = top.right;
    if (len[l] === 0 || len[r] === 0 || len[l] + len[r] !== top.size) continue;
    len[l] += len[r];
    len[r] = 0;
    next[l] = next[r];
    if (next[r] >= 0) prev[next[r]] = l;
    tryAdd(prev[l], l);
    tryAdd(l, next[l]);
  }
  for (let i = 0; i !== -1; i = next[i]) {
    const piece = w.substr(i, len[i]);
    const id = tokenToId.get(piece);
    if (id !== undefined) { out.push(id); continue; }
    // llama.cpp looks up each UTF-8 byte of the piece as a one-byte token: only ASCII ones can exist.
    for (let k = 0; k < piece.length; k++) {
      const c = piece.charCodeAt(k);
      const single = c < 0x80 ? tokenToId.get(piece[k]) : undefined;
      if (single !== undefined) out.push(single);
    }
  }
}
