// Prefill attention (shaders/attention-prefill.wgsl): causal, a chunk of nTokens queries at
// positions n_past.. (step uniform) against the KV cache, whose rows for this chunk were written
// first (gpu/ops/kv-cache.ts).
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/attention-prefill.wgsl';
import { checkWithin, packUniform, type OpEnv } from './common.ts';
import { MAX_HEAD_DIM } from './attention-decode.ts';
import type { KvCache } from './kv-cache.ts';

/** Queries per workgroup (BQ in the shader). */
const BQ = 8;

export interface AttentionPrefillArgs {
  readonly label: string;
  readonly cache: KvCache;
  readonly step: GPUBuffer;
  readonly nTokens: number;
  readonly nHead: number;
  readonly scale: number;
  /** (nTokens, nHead, headDim) at qOffset, token stride qStride (default nHead·headDim). */
  readonly q: GPUBuffer;
  readonly qOffset?: number;
  readonly qStride?: number;
  /** (nTokens, nHead, headDim) at outOffset, token stride outStride. */
  readonly out: GPUBuffer;
  readonly outOffset?: number;
  readonly outStride?: number;
}

export async function prepareAttentionPrefill(env: OpEnv, a: AttentionPrefillArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const { cache } = a;
  const headDim = cache.headDim;
  if (headDim > MAX_HEAD_DIM) throw new RangeError(`${a.label}: head_dim ${headDim} is over the kernel's ${MAX_HEAD_DIM}`);
  if (a.nHead % cache.nHeadKv !== 0) throw new RangeError(`${a.label}: n_head ${a.nHead} is not a multiple of n_head_kv ${cache.nHeadKv}`);
  const width = a.nHead * headDim;
  const qo = a.qOffset ?? 0, qs = a.qStride ?? width, oo = a.outOffset ?? 0, os = a.outStride ?? width;
  checkWithin(`${a.label} q`, a.q, qo + (a.nTokens - 1) * qs + width);
  checkWithin(`${a.label} out`, a.out, oo + (a.nTokens - 1) * os + width);
  const pipeline = await env.pipelines.get({ family: 'attention-prefill', source, entryPoint: 'attention_prefill', variant: { f16: cache.f16 }, constants: { HEAD_DIM: headDim } });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform([
    ['u32', a.nTokens], ['u32', a.nHead], ['u32', cache.nHeadKv], ['u32', qo], ['u32', qs], ['u32', oo], ['u32', os], ['f32', a.scale],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, a.label, [params, a.step, a.q, cache.k, cache.v, a.out])],
    workgroups: [Math.ceil(a.nTokens / BQ), a.nHead],
  };
}
