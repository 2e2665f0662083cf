// The sampler's definition, shared by the CPU reference backend and the GPU (shaders/sample.wgsl
// draws the same way in f32): from the k best candidates, penalized, tempered and normalized
// over those k, top-p and min-p keep a prefix (llama.cpp's definitions) and a counter-based
// random number (seed, token index) draws one. Same seed → same tokens on either backend.

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

/** mulberry32: a small, fast 32-bit PRNG; uniform floats in [0, 1). For tests and tools; the sampler draws with drawUniform. */
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

/** Chris Wellons' lowbias32 integer hash: a bijection on u32 with low bias; 2 multiplies, WGSL-friendly. */
function lowbias32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The sampler's random number: a counter-based draw, uniform on [0, 1) in 24 bits (exact in f32),
 * from the generation's seed and the index of the token in it. Counter-based so that the GPU
 * (draw_uniform in shaders/sample.wgsl, the same arithmetic) can draw token t+1 before the CPU
 * has seen token t, and still give what this CPU sampler gives.
 */
export function drawUniform(seed: number, counter: number): number {
  const h = lowbias32((seed >>> 0) ^ lowbias32((counter + 0x9e3779b9) >>> 0));
  return (h >>> 8) / 16777216;
}

/**
 * How many of the best-first candidates to keep: top-p keeps the shortest prefix whose
 * probabilities sum to ≥ topP; min-p then keeps those with p ≥ minP · p_max. At least one stays.
 * Every operation is rounded to f32 in this order, as sample_topk_merge does, so that the GPU and
 * this reference cut at the same candidate unless exp() itself differs in the last bits.
 */
export function keptCount(probs: Float32Array, topP = 1, minP = 0): number {
  const f = Math.fround;
  let n = probs.length;
  const p = f(topP), m = f(minP);
  if (p < 1) {
    let total = 0;
    for (let i = 0; i < probs.length; i++) total = f(total + probs[i]);
    let cum = 0;
    for (let i = 0; i < probs.length; i++) {
      cum = f(cum + f(probs[i] / total));
      if (cum >= p) { n = i + 1; break; }
    }
  }
  if (m > 0 && n > 0) {
    const bar = f(m * probs[0]);
    let k = 0;
    while (k < n && probs[k] >= bar) k++;
    n = k;
  }
  return Math.max(1, Math.min(n, probs.length));
}

/**
 * The draw over the first `n` candidates, in f32 as the GPU does it: r = u · Σp, the first
 * candidate whose running sum exceeds r.
 */
export function drawIndex(probs: Float32Array, n: number, u: number): number {
  const f = Math.fround;
  let total = 0;
  for (let i = 0; i < n; i++) total = f(total + probs[i]);
  const r = f(f(u) * total);
  let cum = 0;
  for (let i = 0; i < n; i++) {
    cum = f(cum + probs[i]);
    if (r < cum) return i;
  }
  return n - 1;
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

/**
 * The seeded draw of one generation: its i-th sampled token uses drawUniform(seed, i), whether
 * it is drawn here or on the GPU. A greedy token takes its counter too (skip), so that a
 * generation that mixes greedy and sampled steps draws the same on both.
 */
export class Sampler {
  private counter = 0;
  constructor(readonly seed: number) {}

  /** Index of the next token in the generation: the draw counter the GPU is given. */
  get drawn(): number {
    return this.counter;
  }

  /** A token chosen without a draw (greedy) still takes its counter. */
  skip(): void {
    this.counter++;
  }

  /** One token id from the candidates after top-p and min-p, renormalized. */
  draw(c: Candidates, options: DrawOptions = {}): number {
    if (c.ids.length === 0) throw new RangeError('sampler: no candidates');
    const u = drawUniform(this.seed, this.counter++);
    const judged = options.temperature !== undefined && options.temperature !== 1 ? untempered(c.probs, options.temperature) : c.probs;
    const n = keptCount(judged, options.topP, options.minP);
    return c.ids[drawIndex(c.probs, n, u)];
  }
}
