// The matcher: where the output stands in the grammar (a set of automaton stacks, usually one),
// and which vocabulary tokens keep it a valid prefix. Masks come from walking the token trie
// against the automaton, pruning every subtree whose first byte is refused, with a fast path
// inside strings (a precomputed bitset for tokens that stay in the string) and a cache of masks
// by state, shared by all matchers of one grammar and vocabulary.
import { Automaton, ROOT_DONE, cacheKey, exactKey, isCompleteStack, stringBoundaryRoom, type Stack } from './automaton.ts';
import { completionAlphabet, shortestCompletion, tokensForBytes } from './completion.ts';
import type { Grammar } from './schema.ts';
import type { TokenIndex, TokenTrie } from './token-index.ts';

/** How many masks a compiled grammar keeps (each vocabulary/8 bytes: ~19 KB for 150K tokens). */
const CACHE_LIMIT = 512;

/** A schema compiled against one vocabulary; matchers made from it share its mask cache. */
export class CompiledGrammar {
  readonly automaton: Automaton;
  private readonly cache = new Map<string, Uint32Array>();
  private readonly capChars: number;
  private readonly capItems: number;
  /** Masks computed and masks served from the cache, for benchmarks. */
  readonly stats = { computed: 0, cached: 0 };
  /** The bytes a shortest completion may use (completion.ts). */
  readonly completionBytes: readonly number[];

  constructor(grammar: Grammar, readonly index: TokenIndex) {
    this.automaton = new Automaton(grammar);
    this.completionBytes = completionAlphabet(grammar);
    this.capChars = index.maxBytes + 1;
    this.capItems = index.maxCommas + 1;
  }

  matcher(): GrammarMatcher {
    return new GrammarMatcher(this, [this.automaton.initial()]);
  }

  /** The mask of a state set (bit i: token i keeps the output valid; EOG ids iff complete). Do not modify it. */
  mask(states: readonly Stack[]): Uint32Array {
    const key = states.map((s) => cacheKey(s, this.capChars, this.capItems)).sort().join('|');
    const hit = this.cache.get(key);
    if (hit) {
      this.stats.cached++;
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    this.stats.computed++;
    const m = this.computeMask(states);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, m);
    return m;
  }

  private computeMask(states: readonly Stack[]): Uint32Array {
    const ix = this.index;
    const mask = new Uint32Array(ix.words);
    // All stacks at a string boundary (anyOf branches alike so far): a token that stays inside
    // the string is allowed iff it fits the roomiest of them.
    let room = -1;
    for (const s of states) {
      const r = stringBoundaryRoom(s);
      if (r < 0) { room = -1; break; }
      room = Math.max(room, r);
    }
    if (room >= 0) {
      mask.set(ix.inside);
      for (let i = 0; i < ix.insideIds.length && ix.insideCounts[i] > room; i++) {
        const id = ix.insideIds[i];
        mask[id >>> 5] &= ~(1 << (id & 31));
      }
      this.walk(ix.exitTrie, 0, states, mask);
    } else {
      this.walk(ix.trie, 0, states, mask);
    }
    if (states.some(isCompleteStack)) for (const id of ix.eog) mask[id >>> 5] |= 1 << (id & 31);
    return mask;
  }

  private walk(t: TokenTrie, node: number, states: readonly Stack[], mask: Uint32Array): void {
    const stop = t.end[node];
    for (let c = node + 1; c < stop; c = t.end[c]) {
      const next = this.advance(states, t.byte[c]);
      if (next.length === 0) continue;
      for (let i = t.tokStart[c]; i < t.tokStart[c + 1]; i++) {
        const id = t.ids[i];
        mask[id >>> 5] |= 1 << (id & 31);
      }
      if (t.end[c] > c + 1) this.walk(t, c, next, mask);
    }
  }

  /** The stacks after byte b, duplicates removed. */
  advance(states: readonly Stack[], b: number): Stack[] {
    const out: Stack[] = [];
    for (const s of states) this.automaton.feed(s, b, out);
    if (out.length < 2) return out;
    const seen = new Map<string, Stack>();
    for (const s of out) seen.set(exactKey(s), s);
    return [...seen.values()];
  }
}

export class GrammarMatcher {
  /** True once an end-of-generation token has been accepted. */
  private ended = false;

  constructor(readonly grammar: CompiledGrammar, private states: readonly Stack[]) {}

  clone(): GrammarMatcher {
    const m = new GrammarMatcher(this.grammar, this.states);
    m.ended = this.ended;
    return m;
  }

  /** Consumes the bytes if they keep the output a valid prefix (true); otherwise changes nothing (false). */
  acceptBytes(bytes: Uint8Array): boolean {
    if (this.ended) return bytes.length === 0;
    let s = this.states;
    for (const b of bytes) {
      s = this.grammar.advance(s, b);
      if (s.length === 0) return false;
    }
    this.states = s;
    return true;
  }

  /** Consumes a token if allowed (true); an end-of-generation token is allowed only when complete. */
  acceptToken(id: number): boolean {
    const ix = this.grammar.index;
    if (ix.eog.includes(id)) {
      if (this.ended || !this.isComplete()) return false;
      this.ended = true;
      return true;
    }
    const p = ix.pieces[id];
    return p !== null && p !== undefined && this.acceptBytes(p);
  }

  /** The output so far is a complete value (it may still be extendable, e.g. a top-level number). */
  isComplete(): boolean {
    return this.states.some(isCompleteStack);
  }

  /** Some byte could still follow. False once the value is closed: generation should end. */
  canContinue(): boolean {
    if (this.ended) return false;
    for (const s of this.states) {
      if (s === ROOT_DONE) continue;
      for (let b = 0; b < 256; b++) if (this.grammar.advance([s], b).length > 0) return true;
    }
    return false;
  }

  /** Bitset over the vocabulary (u32 words, bit i = token i): tokens that keep the output valid. Shared; do not modify. */
  allowedTokens(): Uint32Array {
    if (this.ended) return new Uint32Array(this.grammar.index.words);
    return this.grammar.mask(this.states);
  }

  /**
   * Tokens that close the value from here by its shortest completion (completion.ts): [] when it
   * is already complete, null when no completion is found or the vocabulary cannot spell it.
   */
  completion(): number[] | null {
    const bytes = this.completionBytes();
    return bytes && tokensForBytes(this.grammar.index, bytes);
  }

  /** The shortest bytes that close the value from here, trying `alphabet`'s bytes (default: see completion.ts). */
  completionBytes(alphabet?: readonly number[]): Uint8Array | null {
    if (this.ended || this.isComplete()) return new Uint8Array(0);
    return shortestCompletion(this.grammar, this.states, alphabet);
  }

  /** Identifies the state exactly (same key, same future). */
  get key(): string {
    return this.states.map(exactKey).sort().join('|');
  }
}

/** Bit `id` of a vocabulary bitset. */
export function maskHas(mask: Uint32Array, id: number): boolean {
  return ((mask[id >>> 5] >>> (id & 31)) & 1) === 1;
}
