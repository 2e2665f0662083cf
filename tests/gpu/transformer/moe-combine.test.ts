import { describe, it } from 'vitest';
import { prepareMoeCombine } from '../../../gpu/ops/moe-combine.ts';
import { moeCombine, moeTopK, softmaxRows } from '../../../model/reference/elementwise.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { opEnv, randomF32 } from './env.ts';

describe('MoE combine', () => {
  it('adds each expert output weighted by its router weight, over awkward sizes, k and normalization', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const [nRows, width, nExpert, k] of [[1, 1, 2, 1], [3, 45, 4, 2], [5, 1000, 8, 2], [2, 2048 + 16, 16, 8]] as const) {
      for (const normalize of [false, true]) {
        for (const wg of [64, 256]) {
          const seed = nRows * 31 + width + nExpert * 7 + k + wg + (normalize ? 1 : 0);
          const sel = moeTopK(softmaxRows(randomF32(nRows * nExpert, seed, -3, 3), nExpert), nExpert, k);
          const y0 = randomF32(nRows * width, seed + 1);
          const want = Float32Array.from(y0);
          const yb = storageBuffer(device, 'y', y0);
          const ids = storageBuffer(device, 'ids', sel.ids);
          const weights = storageBuffer(device, 'weights', sel.weights);
          // Every expert in turn, as the session runs them; the experts not chosen must add nothing.
          for (let e = 0; e < nExpert; e++) {
            const x = randomF32(nRows * width, seed + 10 + e, -2, 2);
            moeCombine(want, x, sel, k, e, width, normalize, 0.5);
            const d = await prepareMoeCombine(env, {
              label: `moe_combine e${e}`, ids, weights, x: storageBuffer(device, 'x', x), y: yb,
              nRows, width, k, expert: e, normalize, scale: 0.5, workgroupSize: wg,
            });
            await runDispatches(device, [d]);
          }
          expectClose(await readF32(device, yb, nRows * width), want, TOLERANCE.f32, `moe combine ${nRows}x${width} E${nExpert} k${k} norm ${normalize} wg${wg}`);
        }
      }
    }
  });
});
