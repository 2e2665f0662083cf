// Closing a value within a token budget: the shortest bytes that complete the JSON value from
// where the output stands (a breadth-first search over the automaton, one byte per level, bytes
// tried in ascending order so the result is deterministic), and those bytes as vocabulary tokens
// (greedy longest match in the token trie). The constrained backend writes them itself when
// sampling on would leave too few tokens to close the value.
//
// The search tries only the bytes a shortest completion can need (completionAlphabet): JSON's
// punctuation, number and literal characters, escape and hex characters, one continuation byte
// per UTF-8 range, a filler letter for minLength, and every byte of the schema's keys, enums,
// consts and formats. Free string content is never needed beyond filler, so this finds the same
// length as trying all 256 bytes, about five times faster; all 256 are the fallback.
import { completionKey, isCompleteStack, type Stack } from './automaton.ts';
import type { CompiledGrammar } from './matcher.ts';
import type { Grammar, GrammarNode } from './schema.ts';
import type { TokenIndex } from './token-index.ts';

/** Deepest search, in bytes: far beyond any schema's shortest completion. */
const MAX_COMPLETION_BYTES = 4096;

interface Path {
  readonly byte: number;
  readonly prev: Path | null;
}

/** States with equal keys have equally long shortest completions: the search visits one of them. */
const setKey = (states: readonly Stack[]) => states.map(completionKey).sort().join('|');

export const ALL_BYTES: readonly number[] = Array.from({ length: 256 }, (_, b) => b);
const BASE_ALPHABET = '"{}[],:-+.0123456789eEtruefalsnbu\\/abcdefABCDEF';

/** The bytes a shortest completion of `grammar`'s values may use, ascending. */
export function completionAlphabet(grammar: Grammar): number[] {
  const marks = new Uint8Array(256);
  for (const b of new TextEncoder().encode(BASE_ALPHABET)) marks[b] = 1;
  for (const b of [0x80, 0x90, 0xa0]) marks[b] = 1;   // continuations after any UTF-8 lead byte
  const visit = (n: GrammarNode): void => {
    if (n.kind === 'object') for (const p of n.props) { for (const b of p.key) marks[b] = 1; visit(p.value); }
    else if (n.kind === 'array') visit(n.item);
    else if (n.kind === 'anyOf') n.alts.forEach(visit);
    else if (n.kind === 'literal') n.set.markBytes(marks);
  };
  visit(grammar.root);
  return ALL_BYTES.filter((b) => marks[b]);
}

/**
 * The shortest byte string after which `states` hold a complete value (empty if they already
 * do), trying the bytes of `alphabet` (default: the grammar's completion alphabet, then all 256);
 * null if none is found.
 */
export function shortestCompletion(grammar: CompiledGrammar, states: readonly Stack[], alphabet?: readonly number[]): Uint8Array | null {
  if (alphabet) return search(grammar, states, alphabet);
  return search(grammar, states, grammar.completionBytes) ?? search(grammar, states, ALL_BYTES);
}

function search(grammar: CompiledGrammar, states: readonly Stack[], alphabet: readonly number[]): Uint8Array | null {
  if (states.some(isCompleteStack)) return new Uint8Array(0);
  const seen = new Set([setKey(states)]);
  let frontier: { states: readonly Stack[]; path: Path | null }[] = [{ states, path: null }];
  for (let depth = 0; depth < MAX_COMPLETION_BYTES && frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      for (const b of alphabet) {
        const s = grammar.advance(f.states, b);
        if (s.length === 0) continue;
        const path = { byte: b, prev: f.path };
        if (s.some(isCompleteStack)) return bytesOf(path, depth + 1);
        const key = setKey(s);
        if (seen.has(key)) continue;
        seen.add(key);
        next.push({ states: s, path });
      }
    }
    frontier = next;
  }
  return null;
}

function bytesOf(path: Path, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let p: Path | null = path, i = length - 1; p; p = p.prev, i--) out[i] = p.byte;
  return out;
}

/** `bytes` as tokens whose pieces concatenate to exactly them, longest match first; null where no token fits. */
export function tokensForBytes(index: TokenIndex, bytes: Uint8Array): number[] | null {
  const t = index.trie;
  const out: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    let node = 0, best = -1, bestLen = 0;
    for (let i = at; i < bytes.length; i++) {
      let child = -1;
      for (let c = node + 1; c < t.end[node]; c = t.end[c]) if (t.byte[c] === bytes[i]) { child = c; break; }
      if (child < 0) break;
      node = child;
      if (t.tokStart[node + 1] > t.tokStart[node]) { best = t.ids[t.tokStart[node]]; bestLen = i + 1 - at; }
    }
    if (best < 0) return null;
    out.push(best);
    at += bestLen;
  }
  return out;
}
