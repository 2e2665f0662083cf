// The CPU end of sampling: the GPU (gpu/ops/sample.ts) hands back the k best candidates with
// probabilities already penalized, tempered and normalized over those k; here top-p and min-p
// filter them (llama.cpp's definitions) and a seeded PRNG draws one. Same seed → same tokens.

/** k candidates, best first. */
export interface Candidates {
  readonly ids: Uint32Array;
  readonly probs: Float32Array;
}

const NONE = 0xffffffff;

/** Reads the GPU result words (k ids, then k f32 probabilities as bits); drops empty slots. */
export function parseCandidates(words: Uint32Array, k: number): Candidates {
  const probs = new Float32Array(words.buffer, words.byteOffset + k * 4, k);
  let n = 0;
  while (n < k && words[n] !== NONE) n++;
  return { ids: words.slice(0, n), probs: probs.slice(0, n) };
}

/**
 * The repetition penalty's window, written into `ring` (its length is the GPU buffer's slot
 * count): the last `lastN` tokens of `history` followed by `next` (the token being run), capped at
 * the ring's size; unused slots hold 0xffffffff. Allocates nothing.
 */
export function fillRecentWindow<T extends Uint32Array>(ring: T, history: readonly number[], next: number, lastN: number): T {
  ring.fill(NONE);
  const n = Math.min(ring.length, Math.max(0, lastN), history.length + 1);
  for (let i = 0; i < n - 1; i++) ring[i] = history[history.length - (n - 1) + i];
  if (n > 0) ring[n - 1] = next;
  return ring;
}

/** mulberry32: a small, fast 32-bit PRNG; uniform floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many of the best-first candidates to keep: top-p keeps the shortest prefix whose
 * probabilities sum to ≥ topP; min-p then keeps those with p ≥ minP · p_max. At least one stays.
 */
export function keptCount(probs: Float32Array, topP = 1, minP = 0): number {
  let n = probs.length;
  if (topP < 1) {
    const total = probs.reduce((a, b) => a + b, 0);
    let cum = 0;
    for (let i = 0; i < probs.length; i++) {
      cum += probs[i] / total;
      if (cum >= topP) { n = i + 1; break; }
    }
  }
  if (minP > 0 && n > 0) {
    const bar = minP * probs[0];
    let m = 0;
    while (m < n && probs[m] >= bar) m++;
    n = m;
  }
  return Math.max(1, Math.min(n, probs.length));
}

export interface DrawOptions {
  readonly topP?: number;
  readonly minP?: number;
  /**
   * The temperature the GPU applied. Given, top-p and min-p judge the untempered distribution
   * (q ∝ p^temperature), as llama.cpp's default chain does (top-k, top-p, min-p, then temperature);
   * omitted, they judge the tempered p, as Hugging Face's order does. The draw always uses p.
   */
  readonly temperature?: number;
}

/** p^t renormalized: undoes a temperature t applied to a softmax. */
export function untempered(probs: Float32Array, t: number): Float32Array {
  const q = probs.map((p) => Math.pow(p, t));
  const sum = q.reduce((a, b) => a + b, 0);
  return q.map((x) => x / sum);
}

export class Sampler {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** One token id from the candidates after top-p and min-p, renormalized. */
  draw(c: Candidates, options: DrawOptions = {}): number {
    if (c.ids.length === 0) throw new RangeError('sampler: no candidates');
    const judged = options.temperature !== undefined && options.temperature !== 1 ? untempered(c.probs, options.temperature) : c.probs;
    const n = keptCount(judged, options.topP, options.minP);
    let total = 0;
    for (let i = 0; i < n; i++) total += c.probs[i];
    const r = this.random() * total;
    let cum = 0;
    for (let i = 0; i < n; i++) {
      cum += c.probs[i];
      if (r < cum) return c.ids[i];
    }
    return c.ids[n - 1];
  }
}
