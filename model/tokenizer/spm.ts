// SentencePiece-style BPE over scores, as llama.cpp's llm_tokenizer_spm: start from single
// characters, repeatedly merge the adjacent pair whose concatenation is the highest-scoring
// vocabulary entry (leftmost on ties), then spell any leftover character as <0xNN> byte tokens.
import { EdgewiseError } from '../errors.ts';
import { MergeQueue } from './merge-queue.ts';
import type { Vocab } from './vocab.ts';

const encoder = new TextEncoder();
const queue = new MergeQueue();
const top = { prio: 0, left: 0, right: 0, size: 0 };
let start = new Int32Array(1024);
let len = new Int32Array(1024);
let prev = new Int32Array(1024);
let next = new Int32Array(1024);

/** Appends the tokens of `text` (already ▁-escaped, prefix space included) to `out`. */
export function spmTokenize(vocab: Vocab, text: string, out: number[]): void {
  if (text.length === 0) return;
  if (start.length < text.length) {
    const cap = text.length * 2;
    start = new Int32Array(cap); len = new Int32Array(cap); prev = new Int32Array(cap); next = new Int32Array(cap);
  }
  // One symbol per codepoint, as a UTF-16 slice [start, start + len).
  let n = 0;
  for (let i = 0; i < text.length; n++) {
    const c = text.charCodeAt(i);
    const units = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    start[n] = i; len[n] = units; prev[n] = n - 1; next[n] = n + 1;
    i += units;
  }
  next[n - 1] = -1;

  const { tokenToId, scores } = vocab;
  queue.clear();
  const tryAdd = (l: number, r: number) => {
    if (l < 0 || r < 0) return;
    const size = len[l] + len[r];
    const id = tokenToId.get(text.substr(start[l], size));
    if (id !== undefined) queue.push(-scores[id], l, r, size);
  };
  for (let i = 1; i < n; i++) tryAdd(i - 1, i);

  while (queue.length > 0) {
    queue.pop(top);
    const l = top.left, r = top.right;
    // A pair is stale once either side has changed (lengths only ever grow or drop to 0).
    if (len[l] === 0 || len[r] === 0 || len[l] + len[r] !== top.size) continue;
    len[l] += len[r];
    len[r] = 0;
    next[l] = next[r];
    if (next[r] >= 0) prev[next[r]] = l;
    tryAdd(prev[l], l);
    tryAdd(l, next[l]);
  }

  for (let i = 0; i !== -1; i = next[i]) {
    const piece = text.substr(start[i], len[i]);
    const id = tokenToId.get(piece);
    if (id !== undefined) { out.push(id); continue; }
    for (const b of encoder.encode(piece)) out.push(byteToken(vocab, b));
  }
}

const HEX = '0123456789ABCDEF';

/** The token for one raw byte: <0xNN>, else the byte as a one-character token. */
export function byteToken(vocab: Vocab, b: number): number {
  const id = vocab.tokenToId.get(`<0x${HEX[b >> 4]}${HEX[b & 15]}>`) ?? (b < 0x80 ? vocab.tokenToId.get(String.fromCharCode(b)) : undefined);
  if (id === undefined) throw new EdgewiseError('tokenizer', `the vocabulary has no byte token for 0x${HEX[b >> 4]}${HEX[b & 15]} (byte fallback impossible)`);
  return id;
}
