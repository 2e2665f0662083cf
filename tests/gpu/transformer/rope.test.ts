import { describe, it } from 'vitest';
import { prepareRope, ropeInvFreq } from '../../../gpu/ops/rope.ts';
import { createStepBuffer, writeStep } from '../../../gpu/ops/step.ts';
import { rope, type RopeParams } from '../../../model/reference/rope.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { opEnv, randomF32 } from './env.ts';

// The Llama-3 factors of the llama_rope_llama3 fixture (manifest.rope_freqs), for n_rot 16.
const LLAMA3_FACTORS = Float32Array.from([1, 2.44, 8, 8, 8, 8, 8, 8]);

describe('rope', () => {
  it('normal and NEOX, partial n_rot, linear scaling, rope_freqs factors, positions from the step buffer', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const step = createStepBuffer(device, 'step');
    const cases: Array<{ headDim: number; nHeads: number; nTokens: number; nPast: number; p: Omit<RopeParams, 'neox'> }> = [
      { headDim: 32, nHeads: 4, nTokens: 3, nPast: 0, p: { nRot: 32, freqBase: 10000, freqScale: 1 } },
      { headDim: 64, nHeads: 3, nTokens: 45, nPast: 17, p: { nRot: 64, freqBase: 1e6, freqScale: 0.5 } },
      { headDim: 128, nHeads: 2, nTokens: 1, nPast: 2048 + 16, p: { nRot: 128, freqBase: 500000, freqScale: 1 } },
      { headDim: 64, nHeads: 2, nTokens: 5, nPast: 1000, p: { nRot: 32, freqBase: 10000, freqScale: 1 } },
      { headDim: 16, nHeads: 4, nTokens: 41, nPast: 0, p: { nRot: 16, freqBase: 500000, freqScale: 1, freqFactors: LLAMA3_FACTORS } },
    ];
    for (const c of cases) {
      for (const neox of [false, true]) {
        const p: RopeParams = { ...c.p, neox };
        // q sits in a fused (q | k | v) row: rotate the q slice in place, the rest must not move.
        const width = c.nHeads * c.headDim, stride = 3 * width;
        const qkv = randomF32(c.nTokens * stride, c.headDim * 7 + c.nTokens + (neox ? 1 : 0), -2, 2);
        const buf = storageBuffer(device, 'qkv', qkv);
        writeStep(device.queue, step, c.nPast);
        const label = `rope hd${c.headDim} rot${p.nRot} neox${neox} pos${c.nPast}+${c.nTokens} scale${p.freqScale}${p.freqFactors ? ' factors' : ''}`;
        await runDispatches(device, [await prepareRope(env, { label, x: { buffer: buf, offset: 0, stride }, step, nTokens: c.nTokens, nHeads: c.nHeads, headDim: c.headDim, rope: p })]);
        const want = Float32Array.from(qkv);
        const q = new Float32Array(c.nTokens * width);
        for (let t = 0; t < c.nTokens; t++) q.set(qkv.subarray(t * stride, t * stride + width), t * width);
        const rotated = rope(q, c.nTokens, c.nHeads, c.headDim, Array.from({ length: c.nTokens }, (_, t) => c.nPast + t), p);
        for (let t = 0; t < c.nTokens; t++) want.set(rotated.subarray(t * width, (t + 1) * width), t * stride);
        expectClose(await readF32(device, buf, qkv.length), want, TOLERANCE.f32Transcendental, label);
      }
    }
  });

  it('stays accurate at long-context positions (θ up to 2.6·10^5 rad, reduced into [-π, π] before sin/cos)', async () => {
    // θ itself is an f32 product, as in llama.cpp, so the reference takes the same f32 θ and
    // applies f64 sin/cos: what is checked is the range reduction and the rotation.
    const env = await opEnv();
    const { device } = env.ctx;
    const step = createStepBuffer(device, 'step');
    const headDim = 128, nHeads = 2, nTokens = 3, nPast = 262144 - nTokens;
    for (const neox of [false, true]) {
      const p: RopeParams = { nRot: headDim, freqBase: 10000, freqScale: 1, neox };
      const x = randomF32(nTokens * nHeads * headDim, neox ? 11 : 12, -2, 2);
      const buf = storageBuffer(device, 'q', x);
      writeStep(device.queue, step, nPast);
      await runDispatches(device, [await prepareRope(env, { label: `rope long neox${neox}`, x: { buffer: buf }, step, nTokens, nHeads, headDim, rope: p })]);
      const inv = ropeInvFreq(p);
      const want = Float32Array.from(x);
      const half = headDim / 2;
      for (let t = 0; t < nTokens; t++) {
        for (let h = 0; h < nHeads; h++) {
          const base = (t * nHeads + h) * headDim;
          for (let i = 0; i < half; i++) {
            const theta = Math.fround((nPast + t) * inv[i]);
            const i0 = base + (neox ? i : 2 * i), i1 = i0 + (neox ? half : 1);
            want[i0] = x[i0] * Math.cos(theta) - x[i1] * Math.sin(theta);
            want[i1] = x[i0] * Math.sin(theta) + x[i1] * Math.cos(theta);
          }
        }
      }
      expectClose(await readF32(device, buf, x.length), want, TOLERANCE.f32Transcendental, `rope at position ${nPast} neox${neox}`);
    }
  });
});
