// Prefill attention (shaders/attention-prefill.wgsl): causal, a chunk of nTokens queries at
// positions n_past.. (step uniform) against the KV cache, whose rows for this chunk were written
// first (gpu/ops/kv-cache.ts).
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/attention-prefill.wgsl';
import { MAX_HEAD_DIM } from './attention-decode.ts';
import { opError, packUniform, type OpEnv } from './common.ts';
import type { KvCache } from './kv-cache.ts';
import { placeRows, type RowView } from './rows.ts';

/** Queries per workgroup (BQ in the shader). */
const BQ = 8;

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
}

export async function prepareAttentionPrefill(env: OpEnv, a: AttentionPrefillArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const { cache } = a;
  const headDim = cache.headDim;
  if (headDim > MAX_HEAD_DIM) throw opError(a.label, `head_dim ${headDim} is over the kernel's ${MAX_HEAD_DIM}`);
  if (a.nHead % cache.nHeadKv !== 0) throw opError(a.label, `n_head ${a.nHead} is not a multiple of n_head_kv ${cache.nHeadKv}`);
  const width = a.nHead * headDim;
  const q = placeRows(a.label, 'q', a.q, a.nTokens, width);
  const out = placeRows(a.label, 'out', a.out, a.nTokens, width);
  const pipeline = await env.pipelines.get({ family: 'attention-prefill', source, entryPoint: 'attention_prefill', variant: { f16: cache.f16 }, constants: { HEAD_DIM: headDim } });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nTokens], ['u32', a.nHead], ['u32', cache.nHeadKv], ['u32', q.offset], ['u32', q.stride], ['u32', out.offset], ['u32', out.stride], ['f32', a.scale],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, a.label, [params, a.step, a.q.buffer, cache.k, cache.v, a.out.buffer])],
    workgroups: [Math.ceil(a.nTokens / BQ), a.nHead],
  };
}
