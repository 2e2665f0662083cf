// Matrix-vector product (decode): y (tokens, N) = x (tokens, K) · Wᵀ (+ bias) (+ y), for up to 8
// tokens, W read from its GGUF blocks (shaders/gemv.wgsl). prepareGemv: one matrix, one dispatch
// per weight part (a split tensor's parts cover consecutive output rows). prepareGemvMulti: up to
// three matrices reading the same x in one dispatch (Q|K|V of mixed types), or gate and up with
// SwiGLU applied on write. Either may apply the RMSNorm of x on the way in (GemvNorm), or read x
// as 8-bit blocks (variant.int8Dot, from prepareQuantizeQ8) with the packed integer dot product.
// Prepared once: pipelines, uniforms and bind groups.
import subgroupSource from '../../shaders/gemv-subgroups.wgsl';
import source from '../../shaders/gemv.wgsl';
import { subgroupReductions, type GpuContext } from '../device.ts';
import { uniformBuffer, workgroupGrid, type Dispatch } from '../dispatch.ts';
import type { ShaderVariant } from '../wgsl-variant.ts';
import { weightConstants, weightGeometry, type WeightPart, type WeightTensor } from '../weights.ts';
import { checkWithin, opError, packUniform, type OpEnv } from './common.ts';
import { checkBias, dummyStorage, gateWords, type ExpertGate, type MatmulArgs } from './matrix-common.ts';
import { ggmlType } from '../../model/quant/types.ts';
import { Q8_BLOCK_ELEMENTS, Q8_BYTES_PER_ELEMENT } from './quantize-q8.ts';
import { placeRows, type PlacedRows, type RowView } from './rows.ts';

export const GEMV_MAX_TOKENS = 8;
export const GEMV_MAX_ROWS = 4;
export const GEMV_MAX_SLOTS = 3;
/** Weight types read in 32-weight chunks (shaders/quant/chunks.wgsl chunked_type). */
const CHUNKED_TYPES: ReadonlySet<number> = new Set([2, 3, 6, 7, 8, 20, 12, 13, 14]);

/** Whether the GEMV reads this GGML type in 32-weight chunks: the types the 8-bit activation path (variant.int8Dot) takes. */
export function gemvReadsChunks(type: number): boolean {
  return CHUNKED_TYPES.has(type);
}

/**
 * Version of the decode GEMV kernel as its speed is concerned: part of the key under which a
 * tuned workgroup shape is cached per adapter (gpu/gemv-tuning-cache.ts). Bump it whenever
 * shaders/gemv*.wgsl, the chunk/unit readers they include, or the way prepareKernel maps a shape
 * onto the kernel changes, so that every adapter tunes the new kernel afresh
 * (tests/unit/gpu/gemv-kernel-version.test.ts pins it to a hash of the WGSL).
 */
export const GEMV_KERNEL_VERSION = 2;

/** RMSNorm of x fused into the product: y = (W (x⊙weight))·rsqrt(mean(x²) + eps). */
export interface GemvNorm {
  /** K f32 values (the GGUF norm tensor). */
  readonly weight: GPUBuffer;
  readonly eps: number;
}

/** A workgroup's threads (a power of two) and the output rows it computes (1..GEMV_MAX_ROWS). */
export interface GemvWorkgroupShape {
  readonly workgroupSize: number;
  readonly rowsPerWorkgroup: number;
}

/**
 * Workgroup shapes tuned for this adapter (gpu/gemv-tuning.ts) by gemvClassKey of the weight type
 * and row length K; a product of several matrices looks up its first. defaultGemvShape where absent.
 */
export type GemvShapeTable = ReadonlyMap<string, GemvWorkgroupShape>;

export function gemvClassKey(type: number, k: number): string {
  return `${type}:${k}`;
}

interface GemvShape {
  /** 1..GEMV_MAX_TOKENS (default 1). */
  readonly tokens?: number;
  /** Threads per workgroup (power of two) and output rows per workgroup (1..4); default env.gemvShapes, else defaultGemvShape. */
  readonly workgroupSize?: number;
  readonly rowsPerWorkgroup?: number;
  readonly norm?: GemvNorm;
  /** Outputs times this (after the bias, before the accumulate): y = y + scale·(W x + bias). Default 1. */
  readonly scale?: number;
  /** Reduce with subgroupAdd where the device has `subgroups` and `subgroup_id` (default); false forces the workgroup-memory tree. */
  readonly subgroups?: boolean;
}

export interface GemvArgs extends MatmulArgs, GemvShape {}

/** One matrix of a multi-matrix product: rows rowStart..rowStart+rows of `weight` (default all). */
export interface GemvSlot {
  readonly weight: WeightTensor;
  readonly rowStart?: number;
  readonly rows?: number;
  /** Where its first output row goes, in elements from y's offset. */
  readonly yOffset: number;
}

export interface GemvMultiArgs extends GemvShape {
  readonly label: string;
  /** (tokens, K), K the same for every slot. */
  readonly x: RowView;
  /** Every slot writes into this buffer with this token stride. */
  readonly y: RowView;
  readonly slots: readonly GemvSlot[];
  /** Two slots (gate, up) of equal rows: y row r = silu(gate row r)·(up row r). */
  readonly swiglu?: boolean;
  /** One F32 vector of biases laid out as the outputs: value j is added to the output at slot 0's
   *  y offset + j (Q|K|V biases joined at upload, gpu/model-weights.ts). Not with swiglu. */
  readonly bias?: WeightTensor;
  readonly accumulate?: boolean;
  readonly gate?: ExpertGate;
  readonly variant?: ShaderVariant;
}

/**
 * Default workgroup shape. On a CPU adapter (SwiftShader) every invocation and barrier is costly,
 * so few threads per workgroup: 16 threads × 4 rows ran 1024×1024 Q4_0 in ~45-65 ms against
 * ~350 ms for 128 × 2 (this machine, noisy). GPUs: 64 threads × 4 rows, not yet tuned on one.
 */
export function defaultGemvShape(ctx: GpuContext): GemvWorkgroupShape {
  return ctx.adapterInfo.architecture === 'swiftshader' ? { workgroupSize: 16, rowsPerWorkgroup: 4 } : { workgroupSize: 64, rowsPerWorkgroup: 4 };
}

/** The part of `weight` holding rows rowStart..rowStart+rows whole, if one does. */
export function gemvSlotPart(weight: WeightTensor, rowStart: number, rows: number): WeightPart | undefined {
  return weight.parts.find((p) => p.rowStart <= rowStart && rowStart + rows <= p.rowStart + p.rows);
}

/** A matrix as the kernel reads it: its part's buffer and the rows of it a slot covers. */
interface BoundSlot {
  readonly buffer: GPUBuffer;
  readonly weight: WeightTensor;
  readonly rows: number;
  readonly firstByte: number;
  readonly yOffset: number;
}

interface Kernel {
  readonly label: string;
  readonly k: number;
  readonly tokens: number;
  readonly x: RowView;
  readonly y: RowView;
  readonly slots: readonly BoundSlot[];
  readonly swiglu: boolean;
  readonly bias?: { readonly buffer: GPUBuffer; readonly offset: number };
  readonly accumulate: boolean;
  readonly gate?: ExpertGate;
  readonly norm?: GemvNorm;
  readonly scale?: number;
  readonly variant: ShaderVariant;
  readonly workgroupSize?: number;
  readonly rowsPerWorkgroup?: number;
  readonly subgroups?: boolean;
}

/**
 * With variant.int8Dot x is quantize-q8 blocks (gpu/ops/quantize-q8.ts): whole blocks only, every
 * matrix of a chunked type, no fused norm (the quantize step norms instead).
 */
function placeQ8(label: string, o: Kernel): PlacedRows {
  const bad = o.slots.find((s) => !gemvReadsChunks(s.weight.type));
  if (bad) throw opError(label, `8-bit activations need a weight type read in 32-weight chunks; "${bad.weight.name}" is ${ggmlType(bad.weight.type)?.name ?? bad.weight.type}`);
  if (o.norm) throw opError(label, 'a fused norm with 8-bit activations: norm them when they are quantized (prepareQuantizeQ8)');
  const x = placeRows(label, 'x', o.x, o.tokens, o.k, Q8_BYTES_PER_ELEMENT);
  if (x.offset % Q8_BLOCK_ELEMENTS || (o.tokens > 1 && x.stride % Q8_BLOCK_ELEMENTS)) {
    throw opError(label, `8-bit activations at offset ${x.offset}, stride ${x.stride}: both must be whole blocks of ${Q8_BLOCK_ELEMENTS}`);
  }
  return x;
}

/** The pipeline's batch capacity for `tokens`: the next power of two (1, 2, 4, 8). */
export function gemvTokenCapacity(tokens: number): number {
  return 2 ** Math.ceil(Math.log2(tokens));
}

async function prepareKernel(env: OpEnv, o: Kernel): Promise<Dispatch> {
  const { device, limits } = env.ctx;
  const { label, k, tokens, slots } = o;
  const shape = env.gemvShapes?.get(gemvClassKey(slots[0].weight.type, k)) ?? defaultGemvShape(env.ctx);
  const rowsPerGroup = o.rowsPerWorkgroup ?? shape.rowsPerWorkgroup;
  if (!(tokens >= 1 && tokens <= GEMV_MAX_TOKENS)) throw opError(label, `gemv of ${tokens} tokens; use 1..${GEMV_MAX_TOKENS} (gemm for more)`);
  if (!(rowsPerGroup >= 1 && rowsPerGroup <= GEMV_MAX_ROWS)) throw opError(label, `gemv rowsPerWorkgroup ${rowsPerGroup} not in 1..${GEMV_MAX_ROWS}`);
  let wg = o.workgroupSize ?? shape.workgroupSize;
  if (!(wg >= 1 && (wg & (wg - 1)) === 0)) throw opError(label, `gemv workgroupSize ${wg} is not a power of two`);
  wg = Math.min(wg, limits.maxComputeInvocationsPerWorkgroup);
  const partials = rowsPerGroup * (o.swiglu ? 2 : 1) + (o.norm ? 1 : 0);
  const capacity = gemvTokenCapacity(tokens);
  while (wg > 1 && wg * partials * capacity * 4 > limits.maxComputeWorkgroupStorageSize) wg /= 2;

  const actBytes = o.variant.f16 ? 2 : 4;
  if (o.variant.int8Dot && !env.ctx.features.int8Dot) throw opError(label, "8-bit activations need WGSL's packed_4x8_integer_dot_product, which this browser lacks");
  const x = o.variant.int8Dot ? placeQ8(label, o) : placeRows(label, 'x', o.x, tokens, k, actBytes);
  const yStride = o.y.stride ?? (o.swiglu ? slots[0].rows : slots.reduce((a, s) => a + s.rows, 0));
  for (const s of slots.slice(0, o.swiglu ? 1 : slots.length)) {
    placeRows(label, 'y', { buffer: o.y.buffer, offset: (o.y.offset ?? 0) + s.yOffset, stride: yStride }, tokens, s.rows, actBytes);
  }
  if (o.norm) checkWithin(label, 'norm weight', o.norm.weight, k);
  const gate = gateWords(label, device, o.gate, tokens);

  const constants: Record<string, number> = {
    WG: wg, ROWS: rowsPerGroup, TOKENS: capacity, HAS_BIAS: o.bias ? 1 : 0, ACCUMULATE: o.accumulate ? 1 : 0,
    GATED: gate.constant, NORM: o.norm ? 1 : 0, SLOTS: slots.length, SWIGLU: o.swiglu ? 1 : 0,
  };
  slots.forEach((s, m) => {
    const c = weightConstants(s.weight);
    Object.assign(constants, { [`W${m}TYPE`]: c.WTYPE, [`W${m}_BLOCK_ELEMS`]: c.W_BLOCK_ELEMS, [`W${m}_BLOCK_BYTES`]: c.W_BLOCK_BYTES });
  });
  const subgroups = (o.subgroups ?? true) && subgroupReductions(env.ctx);
  const pipeline = await env.pipelines.get({
    family: 'gemv', source: subgroups ? subgroupSource : source, variant: { ...o.variant, subgroups }, constants,
  });

  const groups = (o.swiglu ? [slots[0]] : slots).map((s) => Math.ceil(s.rows / rowsPerGroup));
  const ends = groups.map((_, i) => groups.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const total = ends[ends.length - 1];
  const [gx, gy] = workgroupGrid(total, limits.maxComputeWorkgroupsPerDimension);
  const slotWords = [0, 1, 2].flatMap((m): ['u32', number][] => {
    const s = slots[m];
    return s ? [['u32', s.rows], ['u32', weightGeometry(s.weight).rowBytes], ['u32', s.firstByte], ['u32', (o.y.offset ?? 0) + s.yOffset]] : [['u32', 0], ['u32', 0], ['u32', 0], ['u32', 0]];
  });
  const params = uniformBuffer(device, `${label}/params`, packUniform(label, [
    ['u32', k], ['u32', Math.ceil(k / 8)], ['u32', x.offset], ['u32', x.stride],
    ['u32', yStride], ['u32', o.bias?.offset ?? 0], ['u32', gx], ['u32', gate.words[0]],
    ['u32', gate.words[1]], ['f32', o.norm?.eps ?? 0], ['f32', o.scale ?? 1], ['u32', tokens],
    ...slotWords,
    ['u32', ends[0]], ['u32', ends[1] ?? total], ['u32', ends[2] ?? total], ['u32', total],
  ]));
  const unused = dummyStorage(device);
  const w = slots.map((s) => s.buffer);
  return {
    label,
    pipeline,
    bindGroups: [device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: ([[0, params], [1, w[0]], [2, o.x.buffer], [3, o.y.buffer], [4, o.bias?.buffer ?? unused], [5, gate.buffer],
        [6, o.norm?.weight ?? unused], [7, w[1] ?? w[0]], [8, w[2] ?? w[0]]] as [number, GPUBuffer][])
        .map(([binding, buffer]) => ({ binding, resource: { buffer } })),
    })],
    workgroups: [gx, gy],
  };
}

export async function prepareGemv(env: OpEnv, o: GemvArgs): Promise<Dispatch[]> {
  const { label } = o;
  const { k, rows: n } = weightGeometry(o.weight);
  const tokens = o.tokens ?? 1;
  const variant = o.variant ?? {};
  if (o.bias) checkBias(label, o.bias, n);
  placeRows(label, 'y', o.y, tokens, n, variant.f16 ? 2 : 4);
  const parts = o.weight.parts.filter((part) => part.rows > 0);
  return Promise.all(parts.map((part, i) => prepareKernel(env, {
    label: o.weight.parts.length > 1 ? `${label}[${i}]` : label,
    k, tokens, x: o.x, y: { buffer: o.y.buffer, offset: o.y.offset, stride: o.y.stride ?? n },
    slots: [{ buffer: part.buffer, weight: o.weight, rows: part.rows, firstByte: 0, yOffset: part.rowStart }],
    swiglu: false, bias: o.bias ? { buffer: o.bias.parts[0].buffer, offset: part.rowStart } : undefined,
    accumulate: o.accumulate ?? false, gate: o.gate, norm: o.norm, scale: o.scale, variant,
    workgroupSize: o.workgroupSize, rowsPerWorkgroup: o.rowsPerWorkgroup, subgroups: o.subgroups,
  })));
}

export async function prepareGemvMulti(env: OpEnv, o: GemvMultiArgs): Promise<Dispatch> {
  const { label } = o;
  if (!(o.slots.length >= 1 && o.slots.length <= GEMV_MAX_SLOTS)) throw opError(label, `gemv of ${o.slots.length} matrices; use 1..${GEMV_MAX_SLOTS}`);
  if (o.swiglu && o.slots.length !== 2) throw opError(label, `SwiGLU takes two matrices (gate, up), not ${o.slots.length}`);
  const k = weightGeometry(o.slots[0].weight).k;
  const slots = o.slots.map((s, m): BoundSlot => {
    const g = weightGeometry(s.weight);
    if (g.k !== k) throw opError(label, `matrix ${m} "${s.weight.name}" has rows of ${g.k}, matrix 0 of ${k}: one x cannot feed both`);
    const rowStart = s.rowStart ?? 0, rows = s.rows ?? g.rows - rowStart;
    const part = gemvSlotPart(s.weight, rowStart, rows);
    if (!part || rows < 1) throw opError(label, `rows ${rowStart}..${rowStart + rows} of "${s.weight.name}" are not in one weight buffer; use prepareGemv per matrix`);
    return { buffer: part.buffer, weight: s.weight, rows, firstByte: (rowStart - part.rowStart) * g.rowBytes, yOffset: s.yOffset };
  });
  if (o.swiglu && slots[0].rows !== slots[1].rows) throw opError(label, `SwiGLU gate has ${slots[0].rows} rows, up ${slots[1].rows}`);
  if (o.bias) {
    if (o.swiglu) throw opError(label, 'a bias with SwiGLU on write is not supported');
    const first = Math.min(...slots.map((s) => s.yOffset));
    if (slots[0].yOffset !== first) throw opError(label, 'with a bias, matrix 0 must write the first outputs');
    checkBias(label, o.bias, Math.max(...slots.map((s) => s.yOffset + s.rows)) - first);
  }
  return prepareKernel(env, {
    label, k, tokens: o.tokens ?? 1, x: o.x, y: o.y, slots, swiglu: o.swiglu ?? false,
    bias: o.bias ? { buffer: o.bias.parts[0].buffer, offset: 0 } : undefined,
    accumulate: o.accumulate ?? false, gate: o.gate, norm: o.norm, scale: o.scale, variant: o.variant ?? {},
    workgroupSize: o.workgroupSize, rowsPerWorkgroup: o.rowsPerWorkgroup, subgroups: o.subgroups,
  });
}
