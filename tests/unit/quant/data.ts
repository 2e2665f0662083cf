// Seeded test data for the quant tests: reproducible, and varied per block (centred, all positive,
// all negative, tiny and large magnitudes, heavy-tailed, a constant block, an all-zero block) so scales and mins get exercised.
import { seededRandom } from '../../../engine/sampler.ts';

/** mulberry32, the sampler's seeded generator: the same seed gives the same case on every run. */
export const rng = seededRandom;

/** `blocks` blocks of `blockSize` values; block b follows one of several shapes, chosen by b. */
export function blockData(seed: number, blocks: number, blockSize: number): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(blocks * blockSize);
  for (let b = 0; b < blocks; b++) {
    const kind = b % 7;
    const scale = [1, 1, 1e-3, 40, 1, 0, 0.5][kind];
    const shift = [0, 2.5, 0, -30, 0, 0, -2][kind];
    for (let i = 0; i < blockSize; i++) {
      // kind 4: a heavy-tailed block (one outlier per 32) stresses the per-sub-block scales.
      const u = 2 * next() - 1;
      const v = kind === 4 && i % 32 === 7 ? 8 * u : u;
      out[b * blockSize + i] = kind === 5 && b % 14 === 12 ? 0.75 : v * scale + shift;
    }
  }
  return out;
}
