// Decode attention (shaders/attention-decode*.wgsl): one query against the KV cache, split over
// the sequence (flash-decoding) then combined. Two dispatches, prepared once: the grid holds the
// most splits the context can use and the kernel uses as many as the current length calls for
// (n_past comes from the step uniform), so nothing is re-recorded as the sequence grows.
import { subgroupReductions } from '../device.ts';
import { uniformBuffer, type Dispatch } from '../dispatch.ts';
import workgroupSource from '../../shaders/attention-decode.wgsl';
import subgroupSource from '../../shaders/attention-decode-subgroups.wgsl';
import { checkWithin, opError, packUniform, sparseBindGroup, type OpEnv } from './common.ts';
import type { KvCache } from './kv-cache.ts';
import { placeRows, type RowView } from './rows.ts';

export const MAX_HEAD_DIM = 256;
/** Query heads one workgroup serves (GMAX in the shader). */
const MAX_HEADS_PER_GROUP = 8;
/** Splits of the longest context: enough workgroups to fill a large GPU at 8 KV heads. */
const MAX_SPLITS = 32;
/**
 * Positions a split takes before another split is used: 4 tiles of 32, so a split's fixed cost
 * (query load, final reduction, its share of the combine) stays small beside its K/V reads.
 */
export const DECODE_MIN_CHUNK = 128;

export interface AttentionDecodeArgs {
  readonly label: string;
  readonly cache: KvCache;
  readonly step: GPUBuffer;
  /** Query (nHead, headDim), one row, after RoPE. */
  readonly q: RowView;
  /** Output (nHead, headDim), one row. */
  readonly out: RowView;
  readonly nHead: number;
  readonly scale: number;
  /** The most splits the grid holds; default defaultDecodeSplits(n_ctx). */
  readonly nSplit?: number;
  /** Positions per split before another is used; default DECODE_MIN_CHUNK (tests lower it). */
  readonly minChunk?: number;
  /** Use the subgroup variant where the device has `subgroups` and `subgroup_id` (default); false forces the fallback. */
  readonly subgroups?: boolean;
  /** (nHead, nSplit, headDim + 2) f32 scratch, shareable between layers; allocated if omitted. */
  readonly partial?: GPUBuffer;
}

/** The most splits a decode over a context of nCtx positions uses (the grid's x size). */
export function defaultDecodeSplits(nCtx: number): number {
  return Math.min(MAX_SPLITS, Math.max(1, Math.ceil(nCtx / DECODE_MIN_CHUNK)));
}

export function decodePartialSize(nHead: number, nSplit: number, headDim: number): number {
  return nHead * nSplit * (headDim + 2) * 4;
}

/** Query heads per workgroup: the largest divisor of the GQA group up to MAX_HEADS_PER_GROUP. */
export function headsPerWorkgroup(group: number): number {
  for (let g = Math.min(group, MAX_HEADS_PER_GROUP); g > 1; g--) if (group % g === 0) return g;
  return 1;
}

export async function prepareAttentionDecode(env: OpEnv, a: AttentionDecodeArgs): Promise<Dispatch[]> {
  const { device } = env.ctx;
  const { cache } = a;
  const headDim = cache.headDim;
  if (headDim > MAX_HEAD_DIM) throw opError(a.label, `head_dim ${headDim} is over the kernel's ${MAX_HEAD_DIM}`);
  if (a.nHead % cache.nHeadKv !== 0) throw opError(a.label, `n_head ${a.nHead} is not a multiple of n_head_kv ${cache.nHeadKv}`);
  const nSplit = a.nSplit ?? defaultDecodeSplits(cache.nCtx);
  const minChunk = a.minChunk ?? DECODE_MIN_CHUNK;
  if (!(nSplit >= 1) || !(minChunk >= 1)) throw opError(a.label, `split count ${nSplit} and chunk ${minChunk} must be at least 1`);
  const group = a.nHead / cache.nHeadKv;
  const heads = headsPerWorkgroup(group);
  const q = placeRows(a.label, 'q', a.q, 1, a.nHead * headDim);
  const out = placeRows(a.label, 'out', a.out, 1, a.nHead * headDim);
  const partial = a.partial ?? device.createBuffer({
    label: `${a.label}/partial`, size: decodePartialSize(a.nHead, nSplit, headDim), usage: GPUBufferUsage.STORAGE,
  });
  checkWithin(a.label, 'partial', partial, decodePartialSize(a.nHead, nSplit, headDim) / 4);
  // The subgroup variant numbers positions by subgroup_id, so it needs that builtin too.
  const subgroups = (a.subgroups ?? true) && subgroupReductions(env.ctx);
  const constants = { HEAD_DIM: headDim, GH: heads, SCALAR_KV: headDim % 4 === 0 ? 0 : 1 };
  const [main, combine] = await Promise.all([
    env.pipelines.get({
      family: 'attention-decode', source: subgroups ? subgroupSource : workgroupSource, entryPoint: 'attention_decode',
      variant: { f16: cache.f16, subgroups }, constants,
    }),
    env.pipelines.get({ family: 'attention-decode', source: workgroupSource, entryPoint: 'attention_decode_combine', variant: { f16: cache.f16 }, constants }),
  ]);
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', cache.nHeadKv], ['u32', group], ['u32', group / heads], ['u32', nSplit], ['u32', minChunk], ['u32', q.offset], ['u32', out.offset], ['f32', a.scale],
  ]));
  return [
    {
      label: `${a.label}/split`,
      pipeline: main,
      bindGroups: [sparseBindGroup(device, main, `${a.label}/split`, { 0: params, 1: a.step, 2: a.q.buffer, 3: cache.k, 4: cache.v, 5: partial, 7: cache.k, 8: cache.v })],
      workgroups: [nSplit, cache.nHeadKv * (group / heads)],
    },
    {
      label: `${a.label}/combine`,
      pipeline: combine,
      bindGroups: [sparseBindGroup(device, combine, `${a.label}/combine`, { 0: params, 1: a.step, 5: partial, 6: a.out.buffer })],
      workgroups: [a.nHead],
    },
  ];
}
