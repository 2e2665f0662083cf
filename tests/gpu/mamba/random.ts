// Seeded random inputs for the Mamba kernel tests: the same seed gives the same case on every run.
import { seededRandom } from '../../../engine/sampler.ts';

/** mulberry32, the sampler's seeded generator: the same seed gives the same case on every run. */
export const rng = seededRandom;

/** n values uniform in [lo, hi). */
export function uniform(next: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
  return a;
}

/** Rows [from, from + count) of a dense (n, width) array, as a dense copy. */
export function rowsOf(a: Float32Array, width: number, from: number, count: number): Float32Array {
  return a.slice(from * width, (from + count) * width);
}

/** Columns [start, start + count) of every row of a dense (n, width) array, as a dense (n, count) copy. */
export function columnsOf(a: Float32Array, n: number, width: number, start: number, count: number): Float32Array {
  const out = new Float32Array(n * count);
  for (let t = 0; t < n; t++) out.set(a.subarray(t * width + start, t * width + start + count), t * count);
  return out;
}
