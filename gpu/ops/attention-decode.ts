// Decode attention (shaders/attention-decode.wgsl): one query against the KV cache, split over
// the sequence (flash-decoding) then combined. Two dispatches, prepared once; the number of
// cached positions comes from the step uniform (n_past + 1 positions, this token's included).
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/attention-decode.wgsl';
import { checkWithin, opError, packUniform, sparseBindGroup, type OpEnv } from './common.ts';
import type { KvCache } from './kv-cache.ts';
import { placeRows, type RowView } from './rows.ts';

export const MAX_HEAD_DIM = 256;

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
  /** Splits of the sequence; default grows with n_ctx up to 32. */
  readonly nSplit?: number;
  /** (nHead, nSplit, headDim + 2) f32 scratch, shareable between layers; allocated if omitted. */
  readonly partial?: GPUBuffer;
}

export function defaultDecodeSplits(nCtx: number): number {
  return Math.min(32, Math.max(1, Math.ceil(nCtx / 512)));
}

export function decodePartialSize(nHead: number, nSplit: number, headDim: number): number {
  return nHead * nSplit * (headDim + 2) * 4;
}

export async function prepareAttentionDecode(env: OpEnv, a: AttentionDecodeArgs): Promise<Dispatch[]> {
  const { device } = env.ctx;
  const { cache } = a;
  const headDim = cache.headDim;
  if (headDim > MAX_HEAD_DIM) throw opError(a.label, `head_dim ${headDim} is over the kernel's ${MAX_HEAD_DIM}`);
  if (a.nHead % cache.nHeadKv !== 0) throw opError(a.label, `n_head ${a.nHead} is not a multiple of n_head_kv ${cache.nHeadKv}`);
  const nSplit = a.nSplit ?? defaultDecodeSplits(cache.nCtx);
  const q = placeRows(a.label, 'q', a.q, 1, a.nHead * headDim);
  const out = placeRows(a.label, 'out', a.out, 1, a.nHead * headDim);
  const partial = a.partial ?? device.createBuffer({
    label: `${a.label}/partial`, size: decodePartialSize(a.nHead, nSplit, headDim), usage: GPUBufferUsage.STORAGE,
  });
  checkWithin(a.label, 'partial', partial, decodePartialSize(a.nHead, nSplit, headDim) / 4);
  const key = { family: 'attention-decode', source, variant: { f16: cache.f16 }, constants: { HEAD_DIM: headDim } };
  const [main, combine] = await Promise.all([
    env.pipelines.get({ ...key, entryPoint: 'attention_decode' }),
    env.pipelines.get({ ...key, entryPoint: 'attention_decode_combine' }),
  ]);
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nHead], ['u32', cache.nHeadKv], ['u32', nSplit], ['u32', q.offset], ['u32', out.offset], ['f32', a.scale], ['u32', 0], ['u32', 0],
  ]));
  return [
    {
      label: `${a.label}/split`,
      pipeline: main,
      bindGroups: [bindGroup(device, main, `${a.label}/split`, [params, a.step, a.q.buffer, cache.k, cache.v, partial])],
      workgroups: [nSplit, a.nHead],
    },
    {
      label: `${a.label}/combine`,
      pipeline: combine,
      bindGroups: [sparseBindGroup(device, combine, `${a.label}/combine`, { 0: params, 5: partial, 6: a.out.buffer })],
      workgroups: [a.nHead],
    },
  ];
}
