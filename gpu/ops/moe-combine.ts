// MoE combine (shaders/moe-combine.wgsl): y += router_weight(row, e) · expert_e_output.
import source from '../../shaders/moe-combine.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import { checkWithin, grid, packUniform, type OpEnv } from './common.ts';

export interface MoeCombineArgs {
  readonly label: string;
  /** (nRows, k) u32 expert ids and f32 weights from gpu/ops/moe-topk.ts. */
  readonly ids: GPUBuffer;
  readonly weights: GPUBuffer;
  /** (nRows, width) expert e's output, contiguous. */
  readonly x: GPUBuffer;
  /** (nRows, width), accumulated in place. */
  readonly y: GPUBuffer;
  readonly nRows: number;
  readonly width: number;
  readonly k: number;
  readonly expert: number;
  /** Divide by the sum of the row's k weights (routers that renormalize). */
  readonly normalize: boolean;
  readonly scale?: number;
  readonly workgroupSize?: number;
}

export async function prepareMoeCombine(env: OpEnv, a: MoeCombineArgs): Promise<Dispatch> {
  const n = a.nRows * a.width;
  checkWithin(a.label, 'ids', a.ids, a.nRows * a.k);
  checkWithin(a.label, 'weights', a.weights, a.nRows * a.k);
  checkWithin(a.label, 'x', a.x, n);
  checkWithin(a.label, 'y', a.y, n);
  const wg = a.workgroupSize ?? 256;
  const pipeline = await env.pipelines.get({ family: 'moe_combine', source, variant: {}, constants: { WG: wg } });
  const params = uniformBuffer(env.ctx.device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nRows], ['u32', a.width], ['u32', a.k], ['u32', a.expert], ['f32', a.scale ?? 1], ['u32', a.normalize ? 1 : 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(env.ctx.device, pipeline, a.label, [params, a.ids, a.weights, a.x, a.y])],
    workgroups: grid(env, Math.ceil(n / wg)),
  };
}
