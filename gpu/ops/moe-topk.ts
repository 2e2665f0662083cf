// MoE router top-k (shaders/softmax.wgsl, moe_topk): per token the k most probable experts, best
// first (ties to the lower id), weighted by their probabilities, not renormalized.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/softmax.wgsl';
import { checkWithin, grid, packUniform, type OpEnv } from './common.ts';

export const MAX_EXPERTS_USED = 8;

export interface MoeTopKArgs {
  readonly label: string;
  /** Router probabilities (nRows, nExperts) at probsOffset, row stride probsStride. */
  readonly probs: GPUBuffer;
  /** (nRows, k) u32 expert ids, best first. */
  readonly ids: GPUBuffer;
  /** (nRows, k) f32 weights. */
  readonly weights: GPUBuffer;
  readonly nRows: number;
  readonly nExperts: number;
  readonly k: number;
  readonly probsOffset?: number;
  readonly probsStride?: number;
}

export async function prepareMoeTopK(env: OpEnv, a: MoeTopKArgs): Promise<Dispatch> {
  if (!(a.k >= 1 && a.k <= Math.min(MAX_EXPERTS_USED, a.nExperts))) {
    throw new RangeError(`${a.label}: expert_used_count ${a.k} outside 1..${Math.min(MAX_EXPERTS_USED, a.nExperts)}`);
  }
  const po = a.probsOffset ?? 0, ps = a.probsStride ?? a.nExperts;
  checkWithin(`${a.label} probs`, a.probs, po + (a.nRows - 1) * ps + a.nExperts);
  checkWithin(`${a.label} ids`, a.ids, a.nRows * a.k);
  checkWithin(`${a.label} weights`, a.weights, a.nRows * a.k);
  const wg = 64;
  const pipeline = await env.pipelines.get({ family: 'softmax', source, entryPoint: 'moe_topk', variant: {}, constants: { WG: wg } });
  const params = uniformBuffer(env.ctx.device, `${a.label}/params`, packUniform([
    ['u32', a.nRows], ['u32', a.nExperts], ['u32', po], ['u32', ps], ['u32', 0], ['u32', a.k], ['u32', a.k], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(env.ctx.device, pipeline, a.label, [params, a.probs, a.weights, a.ids])],
    workgroups: grid(env, Math.ceil(a.nRows / wg)),
  };
}
