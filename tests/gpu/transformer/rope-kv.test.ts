import { describe, it } from 'vitest';
import { createKvCache } from '../../../gpu/ops/kv-cache.ts';
import { prepareRopeKv } from '../../../gpu/ops/rope-kv.ts';
import { createStepBuffer, writeStep } from '../../../gpu/ops/step.ts';
import { rmsNorm } from '../../../model/reference/norm.ts';
import { rope, type RopeParams } from '../../../model/reference/rope.ts';
import { f16ToF32 } from '../../../model/quant/float.ts';
import { expectClose, readBytes, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { needsF16 } from '../fixture.ts';
import { opEnv, randomF32 } from './env.ts';

// The Llama-3 factors of the llama_rope_llama3 fixture (manifest.rope_freqs), for n_rot 16.
const LLAMA3_FACTORS = Float32Array.from([1, 2.44, 8, 8, 8, 8, 8, 8]);

interface Case {
  readonly headDim: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly nTokens: number;
  readonly nPast: number;
  readonly nCtx: number;
  readonly norm: boolean;
  readonly rope?: RopeParams;
}

const CASES: Case[] = [
  // Qwen3: q/k norm then NEOX.
  { headDim: 128, nHead: 16, nHeadKv: 8, nTokens: 1, nPast: 300, nCtx: 512, norm: true, rope: { nRot: 128, freqBase: 1e6, freqScale: 1, neox: true } },
  { headDim: 32, nHead: 4, nHeadKv: 2, nTokens: 45, nPast: 7, nCtx: 64, norm: true, rope: { nRot: 32, freqBase: 1e6, freqScale: 1, neox: true } },
  // Llama: normal pairs, linear scaling, rope_freqs factors.
  { headDim: 64, nHead: 8, nHeadKv: 2, nTokens: 3, nPast: 2048, nCtx: 4096, norm: false, rope: { nRot: 64, freqBase: 500000, freqScale: 0.5, neox: false } },
  { headDim: 16, nHead: 4, nHeadKv: 2, nTokens: 41, nPast: 0, nCtx: 64, norm: false, rope: { nRot: 16, freqBase: 500000, freqScale: 1, neox: false, freqFactors: LLAMA3_FACTORS } },
  // Partial rotation (n_rot < head_dim), both pair kinds, and MQA.
  { headDim: 64, nHead: 6, nHeadKv: 1, nTokens: 5, nPast: 1000, nCtx: 1024, norm: true, rope: { nRot: 32, freqBase: 10000, freqScale: 1, neox: false } },
  { headDim: 256, nHead: 2, nHeadKv: 1, nTokens: 2, nPast: 9, nCtx: 16, norm: false, rope: { nRot: 64, freqBase: 10000, freqScale: 1, neox: true } },
  // No RoPE (Jamba's attention layers); the chunk runs past n_ctx: those rows are dropped.
  { headDim: 64, nHead: 4, nHeadKv: 2, nTokens: 6, nPast: 28, nCtx: 32, norm: false },
];

/** Rows [t][h] of width headDim from a (nTokens, stride) buffer at offset. */
function slice(x: Float32Array, nTokens: number, stride: number, offset: number, width: number): Float32Array {
  const out = new Float32Array(nTokens * width);
  for (let t = 0; t < nTokens; t++) out.set(x.subarray(t * stride + offset, t * stride + offset + width), t * width);
  return out;
}

async function check(f16: boolean, tol: typeof TOLERANCE.f32): Promise<void> {
  const env = await opEnv();
  const { device } = env.ctx;
  const step = createStepBuffer(device);
  for (const c of CASES) {
    const { headDim, nHead, nHeadKv, nTokens, nPast, nCtx } = c;
    const qw = nHead * headDim, kw = nHeadKv * headDim;
    // A fused (q | k | v) row with a few extra columns, as a projection output may carry.
    const pad = 4, stride = qw + 2 * kw + pad, base = 2;
    const seed = headDim * 13 + nHead * 5 + nTokens;
    const x = randomF32(base + nTokens * stride, seed, -2, 2);
    const qNorm = randomF32(headDim, seed + 1, 0.5, 1.5), kNorm = randomF32(headDim, seed + 2, 0.5, 1.5);
    const eps = 1e-6;
    const buf = storageBuffer(device, 'qkv', x);
    const cache = createKvCache(env, 'cache', nCtx, nHeadKv, headDim, f16);
    // A known cache content: positions not written must keep it.
    const before = randomF32(nCtx * kw, seed + 3, -2, 2);
    const beforeV = randomF32(nCtx * kw, seed + 4, -2, 2);
    if (!f16) {
      device.queue.writeBuffer(cache.k, 0, new Float32Array(before));
      device.queue.writeBuffer(cache.v, 0, new Float32Array(beforeV));
    }
    writeStep(device.queue, step, nPast);
    const label = `rope_kv hd${headDim} ${nHead}/${nHeadKv} n${nTokens}@${nPast} ${c.norm ? 'norm ' : ''}${c.rope ? `rot${c.rope.nRot} ${c.rope.neox ? 'neox' : 'normal'}` : 'no rope'} ${f16 ? 'f16' : 'f32'}`;
    await runDispatches(device, [await prepareRopeKv(env, {
      label, cache, step, nTokens, nHead,
      q: { buffer: buf, offset: base, stride }, k: { buffer: buf, offset: base + qw, stride }, v: { buffer: buf, offset: base + qw + kw, stride },
      qkNorm: c.norm ? { q: storageBuffer(device, 'q_norm', qNorm), k: storageBuffer(device, 'k_norm', kNorm), eps } : undefined,
      rope: c.rope,
    })]);
    const positions = Array.from({ length: nTokens }, (_, t) => nPast + t);
    const finish = (rows: Float32Array, nHeads: number, w: Float32Array): Float32Array => {
      const normed = c.norm ? rmsNorm(rows, headDim, eps, w) : rows;
      return c.rope ? rope(normed, nTokens, nHeads, headDim, positions, c.rope) : normed;
    };
    const q = finish(slice(x, nTokens, stride, base, qw), nHead, qNorm);
    const k = finish(slice(x, nTokens, stride, base + qw, kw), nHeadKv, kNorm);
    const v = slice(x, nTokens, stride, base + qw + kw, kw);
    // x: q rotated in place, everything else as it was.
    const wantX = Float32Array.from(x);
    for (let t = 0; t < nTokens; t++) wantX.set(q.subarray(t * qw, (t + 1) * qw), base + t * stride);
    expectClose(await readF32(device, buf, x.length), wantX, tol === TOLERANCE.f16 ? TOLERANCE.f32Transcendental : tol, `${label}: q in place`);
    const wantK = f16 ? undefined : Float32Array.from(before), wantV = f16 ? undefined : Float32Array.from(beforeV);
    for (let t = 0; t < nTokens && nPast + t < nCtx; t++) {
      wantK?.set(k.subarray(t * kw, (t + 1) * kw), (nPast + t) * kw);
      wantV?.set(v.subarray(t * kw, (t + 1) * kw), (nPast + t) * kw);
    }
    if (f16) {
      // Only the written rows: the f32 pass checks that the others are left alone.
      const rows = Math.min(nTokens, nCtx - nPast);
      const kc = await readF16Rows(device, cache.k, nPast * kw, rows * kw);
      const vc = await readF16Rows(device, cache.v, nPast * kw, rows * kw);
      expectClose(kc, k.subarray(0, rows * kw), tol, `${label}: k cache`);
      expectClose(vc, v.subarray(0, rows * kw), tol, `${label}: v cache`);
    } else {
      expectClose(await readF32(device, cache.k, nCtx * kw), wantK!, tol, `${label}: k cache`);
      expectClose(await readF32(device, cache.v, nCtx * kw), wantV!, TOLERANCE.f32, `${label}: v cache`);
    }
  }
}

/** `count` f16 values from element `first` of a buffer, as f32. */
async function readF16Rows(device: GPUDevice, buf: GPUBuffer, first: number, count: number): Promise<Float32Array> {
  const start = Math.floor(first / 2) * 2;
  const bytes = await readBytes(device, buf, Math.ceil((first - start + count) / 2) * 4, start * 2);
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return Float32Array.from({ length: count }, (_, i) => f16ToF32(halves[first - start + i]));
}

describe('q/k norm + rope + KV write (one dispatch)', () => {
  it('matches rmsNorm then rope then the cache write: normal/NEOX, partial n_rot, factors, no rope, GQA/MQA, past n_ctx', async () => {
    await check(false, TOLERANCE.f32Transcendental);
  });

  it('f16 KV cache (shader-f16)', async (test) => {
    const env = await opEnv();
    needsF16(env.ctx, test, 'the f16 KV cache write');
    await check(true, TOLERANCE.f16);
  });
});
