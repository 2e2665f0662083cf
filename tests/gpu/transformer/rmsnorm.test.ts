import { describe, it } from 'vitest';
import { prepareRmsNorm } from '../../../gpu/ops/rmsnorm.ts';
import { rmsNorm } from '../../../model/reference/norm.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { opEnv, randomF32 } from './env.ts';

describe('rmsnorm', () => {
  it('hidden-state rows, every size and workgroup size, with and without weight, in and out of place', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const rowLen of [1, 3, 45, 1000, 2048 + 16]) {
      for (const nTokens of [1, 3]) {
        for (const wg of [64, 256]) {
          for (const withWeight of [true, false]) {
            for (const inplace of [false, true]) {
              const seed = rowLen * 31 + nTokens * 7 + wg;
              const x = randomF32(nTokens * rowLen, seed, -3, 3);
              const w = randomF32(rowLen, seed + 1, 0.5, 1.5);
              const eps = 1e-5;
              const want = rmsNorm(x, rowLen, eps, withWeight ? w : undefined);
              const label = `rmsnorm ${rowLen}x${nTokens} wg${wg} w${withWeight} inplace${inplace}`;
              const xb = storageBuffer(device, 'x', x);
              const yb = inplace ? xb : storageBuffer(device, 'y', x.byteLength);
              const d = await prepareRmsNorm(env, {
                label, y: { buffer: yb }, x: inplace ? undefined : { buffer: xb }, weight: withWeight ? storageBuffer(device, 'w', w) : undefined,
                nTokens, rowLen, eps, workgroupSize: wg,
              });
              await runDispatches(device, [d]);
              expectClose(await readF32(device, yb, x.length), want, TOLERANCE.f32, label);
            }
          }
        }
      }
    }
  });

  it('per-head q/k norm in place on a slice of a fused qkv buffer (Qwen3)', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const [headDim, nHead, nHeadKv] of [[32, 4, 2], [64, 8, 1], [128, 3, 3]]) {
      const nTokens = 5;
      const width = (nHead + 2 * nHeadKv) * headDim;
      const qkv = randomF32(nTokens * width, headDim + nHead, -2, 2);
      const w = randomF32(headDim, 99, 0.5, 1.5);
      const buf = storageBuffer(device, 'qkv', qkv);
      const d = await prepareRmsNorm(env, {
        label: `k_norm hd${headDim}`, y: { buffer: buf, offset: nHead * headDim, stride: width }, weight: storageBuffer(device, 'k_norm', w), nTokens, rowLen: headDim,
        rowsPerToken: nHeadKv, eps: 1e-6,
      });
      await runDispatches(device, [d]);
      const want = Float32Array.from(qkv);
      for (let t = 0; t < nTokens; t++) {
        const at = t * width + nHead * headDim;
        want.set(rmsNorm(qkv.slice(at, at + nHeadKv * headDim), headDim, 1e-6, w), at);
      }
      expectClose(await readF32(device, buf, qkv.length), want, TOLERANCE.f32, `k_norm hd${headDim} ${nHead}/${nHeadKv}`);
    }
  });

  it('grouped weights (Mamba-2 norm) and a strided out-of-place slice (Jamba dt/B/C norms)', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const nTokens = 3, nGroup = 4, groupLen = 45;
    const x = randomF32(nTokens * nGroup * groupLen, 5, -2, 2);
    const w = randomF32(nGroup * groupLen, 6, 0.5, 1.5);
    const y = storageBuffer(device, 'y', x.byteLength);
    await runDispatches(device, [await prepareRmsNorm(env, {
      label: 'grouped', x: { buffer: storageBuffer(device, 'x', x) }, y: { buffer: y }, weight: storageBuffer(device, 'w', w), nGroups: nGroup,
      nTokens, rowLen: groupLen, rowsPerToken: nGroup, eps: 1e-5,
    })]);
    expectClose(await readF32(device, y, x.length), rmsNorm(x, groupLen, 1e-5, w), TOLERANCE.f32, 'grouped norm');

    // x_dbl rows (dt_rank | d_state B | d_state C): normalize B (offset dt_rank, length d_state).
    const dtRank = 3, dState = 16, row = dtRank + 2 * dState;
    const xdbl = randomF32(nTokens * row, 8, -2, 2);
    const bw = randomF32(dState, 9, 0.5, 1.5);
    const out = storageBuffer(device, 'B', nTokens * dState * 4);
    await runDispatches(device, [await prepareRmsNorm(env, {
      label: 'B norm', x: { buffer: storageBuffer(device, 'x_dbl', xdbl), offset: dtRank, stride: row }, y: { buffer: out }, weight: storageBuffer(device, 'ssm_b_norm', bw),
      nTokens, rowLen: dState, eps: 1e-6,
    })]);
    const b = new Float32Array(nTokens * dState);
    for (let t = 0; t < nTokens; t++) b.set(xdbl.subarray(t * row + dtRank, t * row + dtRank + dState), t * dState);
    expectClose(await readF32(device, out, b.length), rmsNorm(b, dState, 1e-6, bw), TOLERANCE.f32, 'B norm');
  });
});
