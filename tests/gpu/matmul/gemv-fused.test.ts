// The fused GEMV (shaders/gemv.wgsl) on a real WebGPU device against the CPU reference composed
// of the unfused ops: RMSNorm of x on the way in (model/reference/norm.ts), up to three matrices
// of different types in one dispatch, gate and up with SwiGLU on write
// (model/reference/elementwise.ts), the output scale and the residual add. Odd shapes: K not a
// multiple of 256 where the type allows, N = 1 and 3, a vocabulary-sized N at small K.
import { describe, expect, it } from 'vitest';
import { prepareGemv, prepareGemvMulti, type GemvSlot } from '../../../gpu/ops/gemv.ts';
import { uploadWeight } from '../../../gpu/weights.ts';
import { swiglu } from '../../../model/reference/elementwise.ts';
import { matMul, type RefWeight } from '../../../model/reference/matmul.ts';
import { rmsNorm } from '../../../model/reference/norm.ts';
import { quantize } from '../../../model/quant/index.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { gpuContext, needsF16 } from '../fixture.ts';
import { expectClose, runDispatches, storageBuffer } from '../harness.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { activationBuffer, randomF32, readActivations, typeId } from './data.ts';

const EPS = 1e-6;

interface FusedCase {
  /** One type per matrix; with `joined`, the matrices are row ranges of one tensor of types[0]. */
  types: string[];
  k: number;
  /** Rows per matrix. */
  n: number[];
  tokens?: number;
  norm?: boolean;
  swiglu?: boolean;
  joined?: boolean;
  scale?: number;
  accumulate?: boolean;
  f16?: boolean;
  wg?: number;
  rows?: number;
  /** false forces the workgroup-memory reduction where the device has subgroups. */
  subgroups?: boolean;
  /** One bias vector laid out as the outputs (Q|K|V biases joined). */
  bias?: boolean;
  seed?: number;
}

async function checkFused(c: FusedCase): Promise<void> {
  const ctx = await gpuContext();
  const { device } = ctx;
  const tokens = c.tokens ?? 1, seed = c.seed ?? 1, f16 = c.f16 ?? false, slack = 3;
  const refs: RefWeight[] = c.types.map((type, m) => {
    const id = typeId(type);
    return { type: id, bytes: quantize(id, randomF32(c.k * c.n[m], seed + 10 * m)), k: c.k, n: c.n[m] };
  });
  let slots: GemvSlot[];
  if (c.joined) {
    const bytes = new Uint8Array(refs.reduce((a, r) => a + r.bytes.length, 0));
    refs.reduce((at, r) => (bytes.set(r.bytes, at), at + r.bytes.length), 0);
    const total = c.n.reduce((a, b) => a + b, 0);
    const w = uploadWeight(device, { name: 'test.joined', type: refs[0].type, dims: [c.k, total] }, bytes);
    let row = 0;
    slots = c.n.map((rows) => ({ weight: w, rowStart: (row += rows) - rows, rows, yOffset: 0 }));
  } else {
    slots = refs.map((r, m) => ({ weight: uploadWeight(device, { name: `test.${c.types[m]}.${m}`, type: r.type, dims: [c.k, r.n] }, r.bytes), yOffset: 0 }));
  }
  // Outputs side by side in each token's row (q|k|v), or one matrix's rows for SwiGLU.
  const widths = c.swiglu ? [c.n[0]] : c.n;
  let off = 0;
  slots = slots.map((s, m) => ({ ...s, yOffset: c.swiglu ? 0 : (off += widths[m]) - widths[m] }));
  const width = widths.reduce((a, b) => a + b, 0);
  const xStride = c.k + slack, yStride = width + slack;

  const x = activationBuffer(device, 'x', randomF32(slack + tokens * xStride, seed + 1, 2), f16);
  const y = activationBuffer(device, 'y', randomF32(slack + tokens * yStride, seed + 2), f16);
  const g = randomF32(c.k, seed + 3);
  const norm = c.norm ? { weight: storageBuffer(device, 'norm', g), eps: EPS } : undefined;
  const biasValues = randomF32(width, seed + 4);
  const bias = c.bias ? uploadWeight(device, { name: 'test.bias', type: 0, dims: [width] }, new Uint8Array(biasValues.buffer)) : undefined;

  const env = { ctx, pipelines: PipelineCache.for(device) };
  const common = {
    label: `gemv fused ${JSON.stringify(c)}`, x: { buffer: x.buffer, offset: slack, stride: xStride }, tokens,
    y: { buffer: y.buffer, offset: slack, stride: yStride }, norm, scale: c.scale, accumulate: c.accumulate,
    variant: { f16 }, workgroupSize: c.wg, rowsPerWorkgroup: c.rows, subgroups: c.subgroups,
  };
  const dispatches = slots.length === 1 && !c.joined
    ? await prepareGemv(env, { ...common, weight: slots[0].weight, bias })
    : [await prepareGemvMulti(env, { ...common, slots, swiglu: c.swiglu, bias })];
  expect(dispatches.length).toBe(1);
  await runDispatches(device, dispatches);
  const got = await readActivations(device, y.buffer, slack + tokens * yStride, f16);

  // Reference: the unfused ops, each token on its own.
  const want = Float32Array.from(y.seen);
  for (let t = 0; t < tokens; t++) {
    let h: Float32Array = x.seen.slice(slack + t * xStride, slack + t * xStride + c.k);
    if (c.norm) h = rmsNorm(h, c.k, EPS, g);
    const outs = refs.map((r) => matMul(r, h, 1));
    const parts = c.swiglu ? [swiglu(outs[0], outs[1])] : outs;
    parts.forEach((o, m) => o.forEach((v, i) => {
      const j = slack + t * yStride + slots[m].yOffset + i;
      const b = c.bias ? biasValues[slots[m].yOffset + i] : 0;
      want[j] = (c.accumulate ? want[j] : 0) + (v + b) * (c.scale ?? 1);
    }));
  }
  expectClose(got, want, f16 ? TOLERANCE.f16 : TOLERANCE.f32, common.label);
}

// Each case compiles its own pipelines; on an emulated device (SwiftShader, lavapipe) on a busy
// machine that alone can pass the default 120 s per test.
describe('gemv fusions', { timeout: 600_000 }, () => {
  it('RMSNorm on the way in: every weight layout family, odd K, N = 1 and 3, 1..8 tokens', async () => {
    await checkFused({ types: ['Q8_0'], k: 96, n: [3], norm: true });
    await checkFused({ types: ['F32'], k: 13, n: [1], norm: true, tokens: 3 });
    await checkFused({ types: ['F16'], k: 45, n: [7], norm: true, tokens: 8, wg: 1 });
    await checkFused({ types: ['Q4_0'], k: 160, n: [3], norm: true, tokens: 2, wg: 64 });
    await checkFused({ types: ['Q4_K'], k: 768, n: [37], norm: true, tokens: 3, rows: 3 });
    await checkFused({ types: ['Q6_K'], k: 256, n: [1], norm: true });
  });

  it('RMSNorm + output scale at a vocabulary-sized N (the logits GEMV): N = 151936, K = 32', async () => {
    await checkFused({ types: ['Q8_0'], k: 32, n: [151936], norm: true, scale: 0.125 });
  });

  it('residual epilogue: y = y + scale·(W rmsnorm(x))', async () => {
    await checkFused({ types: ['Q4_K'], k: 512, n: [45], norm: true, accumulate: true, scale: 0.22, tokens: 2 });
    await checkFused({ types: ['Q5_0'], k: 64, n: [3], accumulate: true, scale: 1.5 });
  });

  it('Q|K|V of mixed types in one dispatch (Q4_K_M: Q4_K q, k with a Q6_K v), with and without the norm', async () => {
    await checkFused({ types: ['Q4_K', 'Q4_K', 'Q6_K'], k: 256, n: [64, 32, 32], norm: true });
    await checkFused({ types: ['Q4_K', 'Q4_K', 'Q6_K'], k: 512, n: [13, 3, 1], tokens: 3, seed: 5 });
  });

  it('the workgroup-memory reduction (subgroups off): mixed Q|K|V with the norm, SwiGLU with the residual epilogue', async () => {
    await checkFused({ types: ['Q4_K', 'Q8_0', 'Q6_K'], k: 768, n: [13, 3, 1], norm: true, tokens: 3, subgroups: false });
    await checkFused({ types: ['Q6_K', 'Q4_0'], k: 256, n: [7, 7], swiglu: true, norm: true, accumulate: true, scale: 0.5, tokens: 2, subgroups: false });
  });

  it('mixed types with odd K: legacy and float blocks, two or three matrices', async () => {
    await checkFused({ types: ['Q8_0', 'F16', 'Q5_1'], k: 96, n: [5, 3, 7], norm: true, tokens: 2, wg: 32 });
    await checkFused({ types: ['F32', 'BF16'], k: 45, n: [3, 1], norm: true, tokens: 2 });
  });

  it('biased Q|K|V of mixed types in one dispatch (Qwen2): one bias vector laid out as the outputs', async () => {
    await checkFused({ types: ['Q4_K', 'Q4_K', 'Q6_K'], k: 256, n: [64, 32, 32], norm: true, bias: true });
    await checkFused({ types: ['Q8_0', 'F16', 'Q5_1'], k: 96, n: [5, 3, 7], tokens: 3, bias: true, subgroups: false, seed: 7 });
    await checkFused({ types: ['Q8_0', 'Q8_0', 'Q8_0'], k: 64, n: [16, 8, 8], joined: true, norm: true, tokens: 2, bias: true, accumulate: true, scale: 0.5 });
    await expect(checkFused({ types: ['Q4_0', 'Q4_0'], k: 96, n: [3, 3], swiglu: true, bias: true })).rejects.toThrow(/bias with SwiGLU/);
  });

  it('Q|K|V joined in one tensor: row ranges of one binding', async () => {
    await checkFused({ types: ['Q8_0', 'Q8_0', 'Q8_0'], k: 64, n: [16, 8, 8], joined: true, norm: true, tokens: 2 });
  });

  it('gate and up with SwiGLU on write: separate tensors of mixed types', async () => {
    await checkFused({ types: ['Q4_K', 'Q6_K'], k: 256, n: [45, 45], swiglu: true, norm: true });
    await checkFused({ types: ['Q8_0', 'Q4_K'], k: 512, n: [3, 3], swiglu: true, tokens: 2, wg: 64 });
  });

  it('gate and up with SwiGLU on write: joined gate|up, row ranges of one binding', async () => {
    await checkFused({ types: ['Q4_0', 'Q4_0'], k: 96, n: [3, 3], swiglu: true, joined: true, norm: true, tokens: 3 });
    await checkFused({ types: ['F16', 'F16'], k: 13, n: [1, 1], swiglu: true, joined: true, tokens: 8, rows: 1 });
  });

  it('f16 activations (shader-f16): norm with mixed Q|K|V; norm with SwiGLU, residual add and scale', async (test) => {
    needsF16(await gpuContext(), test, 'the fused gemv f16 variant');
    await checkFused({ types: ['Q4_K', 'Q4_K', 'Q6_K'], k: 256, n: [64, 32, 32], norm: true, tokens: 2, f16: true });
    await checkFused({ types: ['Q4_K', 'Q6_K'], k: 512, n: [45, 45], swiglu: true, norm: true, accumulate: true, scale: 0.22, f16: true });
    await checkFused({ types: ['Q8_0', 'Q4_K', 'Q6_K'], k: 768, n: [3, 1, 5], norm: true, tokens: 3, f16: true, subgroups: false });
  });
});
