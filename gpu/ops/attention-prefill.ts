// Prefill attention (shaders/attention-prefill.wgsl): causal flash attention, a chunk of nTokens
// queries at positions n_past.. (step uniform) against the KV cache, whose rows for this chunk were
// written first (gpu/ops/kv-cache.ts). CPU reference: model/reference/attention.ts attention.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/attention-prefill.wgsl';
import { MAX_HEAD_DIM } from './attention-decode.ts';
import { checkLimit, opError, packUniform, type OpEnv } from './common.ts';
import type { KvCache } from './kv-cache.ts';
import { placeRows, type RowView } from './rows.ts';

/** Invocations per workgroup (WG in the shader). */
const WG = 128;
/** Accumulators per invocation (MAX_OUT in the shader). */
const MAX_OUT = 32;


/** The kernel's tile: BR query rows (tokens × heads of one KV head) against BK cache positions. */
export interface PrefillTile {
  readonly rows: number;
  readonly keys: number;
  /** Padding of a staged K/V row, in elements. */
  readonly pad: number;
}

/**
 * Tiles in order of preference: many rows first (each staged K/V element serves BR rows), then
 * long key tiles (fewer barriers per position). BK = 32 matches what llama.cpp's WebGPU and
 * Vulkan flash attention stage per step for small head dims.
 */
const TILES: readonly (readonly [number, number])[] = [[16, 32], [16, 16], [8, 32], [8, 16], [16, 8], [8, 8], [4, 16], [4, 8], [2, 8]];

/** Workgroup bytes of a tile: Q (f32), one staged K/V tile, scores, three row statistics. */
function tileBytes(headDim: number, f16: boolean, rows: number, keys: number, pad: number): number {
  return rows * headDim * 4 + keys * (headDim + pad) * (f16 ? 2 : 4) + rows * keys * 4 + 3 * rows * 4;
}

/** The largest preferred tile that fits the device's workgroup memory. */
export function prefillTile(label: string, headDim: number, f16: boolean, limits: GPUSupportedLimits): PrefillTile {
  // An odd stride in 32-bit words keeps one column's reads on distinct banks.
  const pad = f16 ? 2 : 1;
  for (const [rows, keys] of TILES) {
    if (rows * headDim > WG * MAX_OUT) continue;
    if (tileBytes(headDim, f16, rows, keys, pad) <= limits.maxComputeWorkgroupStorageSize) return { rows, keys, pad };
  }
  throw opError(label, `head_dim ${headDim} needs more workgroup memory than this GPU's ${limits.maxComputeWorkgroupStorageSize} bytes`);
}

/** Query heads per workgroup: the whole GQA group when it fits the rows, else its largest divisor that does. */
export function headsPerWorkgroup(group: number, rows: number): number {
  for (let hg = Math.min(group, rows); hg > 1; hg--) if (group % hg === 0) return hg;
  return 1;
}

export interface AttentionPrefillArgs {
  readonly label: string;
  readonly cache: KvCache;
  readonly step: GPUBuffer;
  readonly nTokens: number;
  readonly nHead: number;
  readonly scale: number;
  /** (nTokens, nHead·headDim); stride defaults to nHead·headDim. */
  readonly q: RowView;
  /** (nTokens, nHead·headDim); stride defaults to nHead·headDim. */
  readonly out: RowView;
  /** A tile other than the preferred one (tests sweep them). */
  readonly tile?: PrefillTile;
}

export async function prepareAttentionPrefill(env: OpEnv, a: AttentionPrefillArgs): Promise<Dispatch> {
  const { device, limits } = env.ctx;
  const { cache } = a;
  const headDim = cache.headDim;
  if (headDim > MAX_HEAD_DIM) throw opError(a.label, `head_dim ${headDim} is over the kernel's ${MAX_HEAD_DIM}`);
  if (a.nHead % cache.nHeadKv !== 0) throw opError(a.label, `n_head ${a.nHead} is not a multiple of n_head_kv ${cache.nHeadKv}`);
  const tile = a.tile ?? prefillTile(a.label, headDim, cache.f16, limits);
  if (tile.rows * headDim > WG * MAX_OUT) throw opError(a.label, `a tile of ${tile.rows} rows × head_dim ${headDim} is over the kernel's ${WG * MAX_OUT} accumulators`);
  checkLimit(a.label, 'workgroup memory (attention tile)', tileBytes(headDim, cache.f16, tile.rows, tile.keys, tile.pad), limits.maxComputeWorkgroupStorageSize);
  const group = a.nHead / cache.nHeadKv;
  const hg = headsPerWorkgroup(group, tile.rows);
  const tq = Math.floor(tile.rows / hg);
  const width = a.nHead * headDim;
  const q = placeRows(a.label, 'q', a.q, a.nTokens, width);
  const out = placeRows(a.label, 'out', a.out, a.nTokens, width);
  const gx = Math.ceil(a.nTokens / tq), gy = cache.nHeadKv * (group / hg);
  checkLimit(a.label, 'workgroups along x (query tiles)', gx, limits.maxComputeWorkgroupsPerDimension);
  checkLimit(a.label, 'workgroups along y (head blocks)', gy, limits.maxComputeWorkgroupsPerDimension);
  const pipeline = await env.pipelines.get({
    family: 'attention-prefill', source, entryPoint: 'attention_prefill', variant: { f16: cache.f16 },
    constants: { HEAD_DIM: headDim, BR: tile.rows, BK: tile.keys, KV_PAD: tile.pad },
  });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nTokens], ['u32', a.nHead], ['u32', cache.nHeadKv], ['u32', q.offset], ['u32', q.stride], ['u32', out.offset], ['u32', out.stride], ['f32', a.scale],
    ['u32', hg], ['u32', tq], ['u32', 0], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, a.label, [params, a.step, a.q.buffer, cache.k, cache.v, a.out.buffer])],
    workgroups: [gx, gy],
  };
}
