// MoE router top-k (shaders/softmax.wgsl): per token the k most probable experts, best first
// (ties to the lower id), weighted by their probabilities, not renormalized. prepareMoeTopK takes
// probabilities (moe_topk); prepareMoeRouter takes the router logits and does the softmax too, in
// the same dispatch (moe_router).
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/softmax.wgsl';
import { checkWithin, grid, opError, packUniform, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export const MAX_EXPERTS_USED = 8;

export interface MoeTopKArgs {
  readonly label: string;
  /** Router probabilities (nRows, nExperts); stride defaults to nExperts. */
  readonly probs: RowView;
  /** (nRows, k) u32 expert ids, best first. */
  readonly ids: GPUBuffer;
  /** (nRows, k) f32 weights. */
  readonly weights: GPUBuffer;
  readonly nRows: number;
  readonly nExperts: number;
  readonly k: number;
}

export async function prepareMoeTopK(env: OpEnv, a: MoeTopKArgs): Promise<Dispatch> {
  if (!(a.k >= 1 && a.k <= Math.min(MAX_EXPERTS_USED, a.nExperts))) {
    throw opError(a.label, `expert_used_count ${a.k} outside 1..${Math.min(MAX_EXPERTS_USED, a.nExperts)}`);
  }
  const probs = placeRows(a.label, 'probs', a.probs, a.nRows, a.nExperts);
  checkWithin(a.label, 'ids', a.ids, a.nRows * a.k);
  checkWithin(a.label, 'weights', a.weights, a.nRows * a.k);
  const wg = 64;
  const pipeline = await env.pipelines.get({ family: 'softmax', source, entryPoint: 'moe_topk', variant: {}, constants: { WG: wg } });
  const params = uniformBuffer(env.ctx.device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nRows], ['u32', a.nExperts], ['u32', probs.offset], ['u32', probs.stride], ['u32', 0], ['u32', a.k], ['u32', a.k], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(env.ctx.device, pipeline, a.label, [params, a.probs.buffer, a.weights, a.ids])],
    workgroups: grid(env, Math.ceil(a.nRows / wg)),
  };
}

/** Experts a row of router logits may have for moe_router (its workgroup row array). */
export const MAX_ROUTER_EXPERTS = 256;

export interface MoeRouterArgs extends Omit<MoeTopKArgs, 'probs'> {
  /** Router logits (nRows, nExperts); stride defaults to nExperts. */
  readonly logits: RowView;
}

/** Softmax over the router logits and the top k of each row, in one dispatch. */
export async function prepareMoeRouter(env: OpEnv, a: MoeRouterArgs): Promise<Dispatch> {
  if (!(a.k >= 1 && a.k <= Math.min(MAX_EXPERTS_USED, a.nExperts))) {
    throw opError(a.label, `expert_used_count ${a.k} outside 1..${Math.min(MAX_EXPERTS_USED, a.nExperts)}`);
  }
  if (a.nExperts > MAX_ROUTER_EXPERTS) throw opError(a.label, `${a.nExperts} experts are over the router kernel's ${MAX_ROUTER_EXPERTS}`);
  const logits = placeRows(a.label, 'logits', a.logits, a.nRows, a.nExperts);
  checkWithin(a.label, 'ids', a.ids, a.nRows * a.k);
  checkWithin(a.label, 'weights', a.weights, a.nRows * a.k);
  const wg = 64;
  const pipeline = await env.pipelines.get({ family: 'softmax', source, entryPoint: 'moe_router', variant: {}, constants: { WG: wg } });
  const params = uniformBuffer(env.ctx.device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nRows], ['u32', a.nExperts], ['u32', logits.offset], ['u32', logits.stride], ['u32', 0], ['u32', a.k], ['u32', a.k], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(env.ctx.device, pipeline, a.label, [params, a.logits.buffer, a.weights, a.ids])],
    workgroups: grid(env, a.nRows),
  };
}
