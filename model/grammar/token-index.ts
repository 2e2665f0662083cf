// The vocabulary as the grammar sees it, precomputed once per model: a byte-level prefix tree of
// every token's bytes (walked against the automaton, pruned where a byte is refused), and the
// string fast path: the tokens that, from a character boundary inside a JSON string, stay inside
// it (no quote, backslash or control byte; valid UTF-8, possibly ending mid-character) with their
// character counts, and a second tree of all other tokens.
import { Attr } from '../tokenizer/vocab.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { utf8Lead } from './automaton.ts';

export interface GrammarVocab {
  /** Bytes each token adds to the output; null for tokens that never may be emitted as text (control, unknown, unused, empty). */
  readonly pieces: readonly (Uint8Array | null)[];
  /** End-of-generation ids: allowed exactly when the value is complete. */
  readonly eog: readonly number[];
}

/** Pieces as the decode loop's stream decoder renders them (specials hidden). */
export function grammarVocabFromTokenizer(tok: Tokenizer): GrammarVocab {
  const pieces: (Uint8Array | null)[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    const hidden = tok.vocab.attrs[id] & (Attr.CONTROL | Attr.UNKNOWN | Attr.UNUSED);
    const p = hidden ? null : tok.tokenToPieceBytes(id, { special: false });
    pieces.push(p && p.length > 0 ? p : null);
  }
  return { pieces, eog: [...tok.eog].sort((a, b) => a - b) };
}

/**
 * A prefix tree in depth-first order: node 0 is the empty string; the children of node i run
 * from i + 1, each next sibling at end[child], until end[i]. Tokens whose bytes end at node i are
 * ids[tokStart[i] .. tokStart[i + 1]).
 */
export interface TokenTrie {
  readonly byte: Uint8Array;
  readonly end: Int32Array;
  readonly tokStart: Int32Array;
  readonly ids: Uint32Array;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 8192)));
  return s;
}

export function buildTrie(pieces: readonly (Uint8Array | null)[], ids: readonly number[]): TokenTrie {
  const sorted = ids.map((id) => ({ id, s: latin1(pieces[id]!) })).sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : a.id - b.id));
  let cap = 1;
  for (const t of sorted) cap += t.s.length;
  const byte = new Uint8Array(cap);
  const end = new Int32Array(cap);
  const tokStart = new Int32Array(cap + 1);
  const out = new Uint32Array(sorted.length);
  let nodes = 1, nIds = 0;
  const path = [0]; // path[d] = node at depth d
  let prev = '';
  for (const { id, s } of sorted) {
    let lcp = 0;
    const m = Math.min(prev.length, s.length);
    while (lcp < m && prev.charCodeAt(lcp) === s.charCodeAt(lcp)) lcp++;
    while (path.length > lcp + 1) end[path.pop()!] = nodes;
    for (let d = lcp; d < s.length; d++) {
      byte[nodes] = s.charCodeAt(d);
      tokStart[nodes] = nIds;
      path.push(nodes++);
    }
    out[nIds++] = id;
    prev = s;
  }
  while (path.length) end[path.pop()!] = nodes;
  tokStart[nodes] = nIds;
  return { byte: byte.slice(0, nodes), end: end.slice(0, nodes), tokStart: tokStart.slice(0, nodes + 1), ids: out };
}

/** Characters a token adds from a boundary inside a string, or -1 if it leaves or breaks the string. */
function insideChars(p: Uint8Array): number {
  let chars = 0, need = 0, lo = 0, hi = 0;
  for (const b of p) {
    if (need > 0) {
      if (b < lo || b > hi) return -1;
      need--; lo = 0x80; hi = 0xbf;
      continue;
    }
    if (b === 0x22 || b === 0x5c || b < 0x20) return -1;
    chars++;
    if (b < 0x80) continue;
    const lead = utf8Lead(b);
    if (lead < 0) return -1;
    need = lead & 3; lo = (lead >> 2) & 0xff; hi = lead >> 10;
  }
  return chars;
}

/** Bytes no output ever holds: control characters (no whitespace is emitted) and bytes UTF-8 never uses. */
function neverValid(p: Uint8Array): boolean {
  for (const b of p) if (b < 0x20 || b === 0xc0 || b === 0xc1 || b >= 0xf5) return true;
  return false;
}

export class TokenIndex {
  readonly size: number;
  /** u32 words of a vocabulary bitset. */
  readonly words: number;
  readonly pieces: readonly (Uint8Array | null)[];
  readonly eog: readonly number[];
  readonly trie: TokenTrie;
  /** Tokens that stay inside a string from a character boundary (bitset), and the same ids by character count, most first. */
  readonly inside: Uint32Array;
  readonly insideIds: Uint32Array;
  readonly insideCounts: Uint32Array;
  /** Every other emittable token. */
  readonly exitTrie: TokenTrie;
  /** Most bytes in a token, and most commas: bounds on how far one token reaches (mask-cache keys). */
  readonly maxBytes: number;
  readonly maxCommas: number;

  constructor(vocab: GrammarVocab) {
    this.size = vocab.pieces.length;
    this.words = Math.ceil(this.size / 32);
    this.pieces = vocab.pieces;
    for (const e of vocab.eog) if (!(e >= 0 && e < this.size)) throw new RangeError(`end-of-generation id ${e} is outside the vocabulary`);
    this.eog = vocab.eog;
    const usable: number[] = [];
    const inside: { id: number; chars: number }[] = [];
    const exit: number[] = [];
    let maxBytes = 0, maxCommas = 0;
    this.inside = new Uint32Array(this.words);
    const eog = new Set(vocab.eog);
    vocab.pieces.forEach((p, id) => {
      if (!p || neverValid(p) || eog.has(id)) return;
      usable.push(id);
      maxBytes = Math.max(maxBytes, p.length);
      let commas = 0;
      for (const b of p) if (b === 0x2c) commas++;
      maxCommas = Math.max(maxCommas, commas);
      const chars = insideChars(p);
      if (chars > 0) { inside.push({ id, chars }); this.inside[id >>> 5] |= 1 << (id & 31); }
      else exit.push(id);
    });
    inside.sort((a, b) => b.chars - a.chars);
    this.insideIds = Uint32Array.from(inside, (t) => t.id);
    this.insideCounts = Uint32Array.from(inside, (t) => t.chars);
    this.trie = buildTrie(vocab.pieces, usable);
    this.exitTrie = buildTrie(vocab.pieces, exit);
    this.maxBytes = maxBytes;
    this.maxCommas = maxCommas;
  }
}
