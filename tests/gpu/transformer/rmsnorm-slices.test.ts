import { describe, it } from 'vitest';
import { prepareRmsNormSlices } from '../../../gpu/ops/rmsnorm-slices.ts';
import { rmsNorm } from '../../../model/reference/norm.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { opEnv, randomF32 } from './env.ts';

describe('RMSNorm of row slices in one dispatch (Jamba dt/B/C norms)', () => {
  it('matches rmsNorm on each slice, weighted and not, leaving the rest of the row', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    // (dt_rank, d_state) of the jamba fixtures, Jamba-3B's (160, 16), odd sizes; 1..3 slices.
    const shapes = [[4, 16], [160, 16], [3, 45], [300, 1]] as const;
    for (const [dtRank, dState] of shapes) {
      for (const nTokens of [1, 3, 45]) {
        for (const weighted of [true, false]) {
          for (const nSlices of [3, 1]) {
            const lens = [dtRank, dState, dState].slice(0, nSlices);
            const offsets = [0, dtRank, dtRank + dState].slice(0, nSlices);
            const width = dtRank + 2 * dState, stride = width + 5, base = 3;
            const seed = dtRank * 7 + dState + nTokens * 3 + (weighted ? 1 : 0) + nSlices;
            const y0 = randomF32(base + nTokens * stride, seed, -3, 3);
            const weights = lens.map((len, j) => randomF32(len, seed + 10 + j, 0.5, 1.5));
            const yb = storageBuffer(device, 'dbc', y0);
            const label = `norm slices ${lens.join('|')} n${nTokens}${weighted ? ' weighted' : ''}`;
            await runDispatches(device, [await prepareRmsNormSlices(env, {
              label, y: { buffer: yb, offset: base, stride }, nTokens, eps: 1e-6,
              slices: lens.map((len, j) => ({ offset: offsets[j], len, weight: weighted ? storageBuffer(device, `w${j}`, weights[j]) : undefined })),
            })]);
            const want = Float32Array.from(y0);
            for (let t = 0; t < nTokens; t++) {
              lens.forEach((len, j) => {
                const at = base + t * stride + offsets[j];
                want.set(rmsNorm(y0.subarray(at, at + len), len, 1e-6, weighted ? weights[j] : undefined), at);
              });
            }
            expectClose(await readF32(device, yb, y0.length), want, TOLERANCE.f32, label);
          }
        }
      }
    }
  });
});
