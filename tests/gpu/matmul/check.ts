// The shared check of the matrix kernels (gemv, gemm): random weights of a type quantized by
// model/quant, random activations (optionally a slice with gaps), run on the real device, compared
// with model/reference/matmul.ts; the gaps and the elements before the slice must stay untouched.
import { gemmTile, prepareGemm, type GemmTile } from '../../../gpu/ops/gemm.ts';
import { prepareGemv } from '../../../gpu/ops/gemv.ts';
import { prepareQuantizeQ8, Q8_BLOCK_ELEMENTS, Q8_BLOCK_WORDS, q8Bytes } from '../../../gpu/ops/quantize-q8.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { uploadWeight } from '../../../gpu/weights.ts';
import { matMul } from '../../../model/reference/matmul.ts';
import { dequantizeQ8, type Q8Blocks } from '../../../model/reference/quantize-q8.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { gpuContext } from '../fixture.ts';
import { expectClose, readU32, runDispatches } from '../harness.ts';

import { activationBuffer, randomF32, randomWeight, readActivations } from './data.ts';

export const LEGACY_TYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL'];
export const BLOCK256_TYPES = ['Q4_K', 'Q5_K', 'Q6_K', 'Q2_K', 'Q3_K', 'IQ4_XS'];

export interface Case {
  type: string;
  k: number;
  n: number;
  tokens?: number;
  wg?: number;
  rows?: number;
  bias?: boolean;
  accumulate?: boolean;
  /** Activations as a slice: extra elements before and between tokens. */
  slack?: number;
  f16?: boolean;
  /** gemm only: f16 workgroup tiles with f32 activations (the f16 tolerance applies). */
  f16Math?: boolean;
  maxBytes?: number;
  /** gemv only: false forces the workgroup-memory reduction where the device has subgroups. */
  subgroups?: boolean;
  /** gemm only. */
  tile?: GemmTile;
  seed?: number;
  /** gemv only: x quantized to 8-bit blocks on the GPU first (prepareQuantizeQ8), read with the
   *  packed integer dot product; the reference takes the blocks' values (d·q) as x. k and slack
   *  must be whole blocks of 32. */
  int8?: boolean;
  /** MoE gating: per token, whether its router chose this matrix's expert (k = 3 ids each). */
  gate?: boolean[];
}

const GATE_EXPERT = 5, GATE_K = 3;

/** (tokens, GATE_K) ids: GATE_EXPERT in a random slot where `chosen`, other experts elsewhere. */
function gateIds(device: GPUDevice, chosen: boolean[], seed: number): GPUBuffer {
  const ids = new Uint32Array(chosen.length * GATE_K);
  let r = seed;
  const next = () => (r = (Math.imul(r, 1103515245) + 12345) >>> 0) >>> 8;
  chosen.forEach((c, t) => {
    for (let j = 0; j < GATE_K; j++) ids[t * GATE_K + j] = GATE_EXPERT + 1 + (next() % 58);
    if (c) ids[t * GATE_K + (next() % GATE_K)] = GATE_EXPERT;
  });
  const b = device.createBuffer({ label: 'gate ids', size: ids.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Uint32Array(b.getMappedRange()).set(ids);
  b.unmap();
  return b;
}

/** The q and d of quantize-q8 blocks as the GPU wrote them (gpu/ops/quantize-q8.ts: 8 words of bytes, then d). */
export function q8BlocksFromWords(words: Uint32Array): Q8Blocks {
  const blocks = words.length / Q8_BLOCK_WORDS;
  const f = new Float32Array(words.buffer, words.byteOffset, words.length);
  const bytes = new Int8Array(words.buffer, words.byteOffset, words.byteLength);
  const q = new Int8Array(blocks * Q8_BLOCK_ELEMENTS), d = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    q.set(bytes.subarray(4 * b * Q8_BLOCK_WORDS, 4 * b * Q8_BLOCK_WORDS + Q8_BLOCK_ELEMENTS), b * Q8_BLOCK_ELEMENTS);
    d[b] = f[b * Q8_BLOCK_WORDS + 8];
  }
  return { q, d };
}

/** The values (d·q) of `elements` activations as 8-bit blocks in `buffer`. */
export async function readQ8Values(device: GPUDevice, buffer: GPUBuffer, elements: number): Promise<Float32Array> {
  return dequantizeQ8(q8BlocksFromWords(await readU32(device, buffer, (elements / Q8_BLOCK_ELEMENTS) * Q8_BLOCK_WORDS)));
}

export async function checkMatmul(op: 'gemv' | 'gemm', c: Case): Promise<void> {
  const ctx = await gpuContext();
  const { device } = ctx;
  const cache = PipelineCache.for(device);
  const tokens = c.tokens ?? 1, slack = c.slack ?? 0, f16 = c.f16 ?? false, seed = c.seed ?? 1;
  const w = randomWeight(device, c.type, c.k, c.n, seed, c.maxBytes);
  const xStride = c.k + slack, yStride = c.n + slack;
  const xAll = randomF32(slack + tokens * xStride, seed + 1);
  const x = activationBuffer(device, 'x', xAll, f16);
  const yAll = randomF32(slack + tokens * yStride, seed + 2);
  const y = activationBuffer(device, 'y', yAll, f16);
  const biasValues = randomF32(c.n, seed + 3);
  const bias = c.bias ? uploadWeight(device, { name: 'bias', type: 0, dims: [c.n] }, new Uint8Array(biasValues.buffer)) : undefined;

  const env = { ctx, pipelines: cache };
  const common = {
    label: `${op} ${c.type} ${c.k}x${c.n}`, weight: w.gpu,
    x: { buffer: x.buffer, offset: slack, stride: xStride }, y: { buffer: y.buffer, offset: slack, stride: yStride }, tokens,
    bias, accumulate: c.accumulate, variant: { f16, f16Math: c.f16Math },
    gate: c.gate ? { ids: gateIds(device, c.gate, seed + 4), k: GATE_K, expert: GATE_EXPERT } : undefined,
  };
  // 8-bit: the whole of x quantized as one row, so that every token's row starts a block.
  const xq = c.int8 ? device.createBuffer({ label: 'xq', size: q8Bytes(xAll.length), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC }) : undefined;
  const quantizeX = xq ? [await prepareQuantizeQ8(env, { label: 'quantize x', x: { buffer: x.buffer }, y: xq, tokens: 1, k: xAll.length, variant: { f16 } })] : [];
  const dispatches = op === 'gemv'
    ? await prepareGemv(env, {
      ...common, ...(xq ? { x: { buffer: xq, offset: slack, stride: xStride }, variant: { f16, int8Dot: true } } : {}),
      workgroupSize: c.wg, rowsPerWorkgroup: c.rows, subgroups: c.subgroups,
    })
    : await prepareGemm(env, { ...common, tile: c.tile });
  await runDispatches(device, [...quantizeX, ...dispatches]);
  const got = await readActivations(device, y.buffer, slack + tokens * yStride, f16);
  const xSeen = xq ? await readQ8Values(device, xq, xAll.length) : x.seen;

  const xs = new Float32Array(tokens * c.k), acc = new Float32Array(tokens * c.n);
  for (let t = 0; t < tokens; t++) {
    xs.set(xSeen.subarray(slack + t * xStride, slack + t * xStride + c.k), t * c.k);
    acc.set(y.seen.subarray(slack + t * yStride, slack + t * yStride + c.n), t * c.n);
  }
  const want = matMul(w.ref, xs, tokens, { bias: c.bias ? biasValues : undefined, accumulate: c.accumulate ? acc : undefined });
  const what = `${op} ${JSON.stringify(c)}`;
  // Gated: the kernel works per workgroup, on all of its tokens (gemv: every token; gemm: a tile)
  // when any of them chose the expert; a group where none did leaves y as it was.
  const group = op === 'gemv' ? tokens : (c.tile ?? gemmTile(ctx.limits, c.f16Math ?? false)).tokens;
  const groupChose = (t: number) => !c.gate || c.gate.slice(t - (t % group), t - (t % group) + group).some(Boolean);
  for (let t = 0; t < tokens; t++) {
    const row = got.subarray(slack + t * yStride, slack + t * yStride + c.n);
    if (groupChose(t)) expectClose(row, want.subarray(t * c.n, (t + 1) * c.n), f16 || c.f16Math ? TOLERANCE.f16 : TOLERANCE.f32, `${what} token ${t}`);
    else expectClose(row, y.seen.subarray(slack + t * yStride, slack + t * yStride + c.n), { abs: 0, rel: 0 }, `${what} token ${t} (expert not chosen: untouched)`);
    // The slack between token rows must be untouched.
    expectClose(got.subarray(slack + t * yStride + c.n, slack + (t + 1) * yStride), y.seen.subarray(slack + t * yStride + c.n, slack + (t + 1) * yStride), { abs: 0, rel: 0 }, `${what} gap ${t}`);
  }
  expectClose(got.subarray(0, slack), y.seen.subarray(0, slack), { abs: 0, rel: 0 }, `${what} before offset`);
}


