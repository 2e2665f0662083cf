// Row softmax (shaders/softmax.wgsl): the MoE router's probabilities over experts.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/softmax.wgsl';
import { checkWithin, grid, packUniform, reductionWorkgroupSize, type OpEnv } from './common.ts';

export interface SoftmaxArgs {
  readonly label: string;
  /** (nRows, rowLen) at xOffset, row stride xStride (default rowLen). */
  readonly x: GPUBuffer;
  /** (nRows, rowLen) at yOffset, row stride yStride (default rowLen); a different buffer from x. */
  readonly y: GPUBuffer;
  readonly nRows: number;
  readonly rowLen: number;
  readonly xOffset?: number;
  readonly xStride?: number;
  readonly yOffset?: number;
  readonly yStride?: number;
  readonly workgroupSize?: number;
}

export async function prepareSoftmax(env: OpEnv, a: SoftmaxArgs): Promise<Dispatch> {
  const xo = a.xOffset ?? 0, xs = a.xStride ?? a.rowLen, yo = a.yOffset ?? 0, ys = a.yStride ?? a.rowLen;
  checkWithin(`${a.label} x`, a.x, xo + (a.nRows - 1) * xs + a.rowLen);
  checkWithin(`${a.label} y`, a.y, yo + (a.nRows - 1) * ys + a.rowLen);
  const wg = reductionWorkgroupSize(a.label, a.workgroupSize ?? 64);
  const pipeline = await env.pipelines.get({ family: 'softmax', source, variant: {}, constants: { WG: wg } });
  const params = uniformBuffer(env.ctx.device, `${a.label}/params`, packUniform([
    ['u32', a.nRows], ['u32', a.rowLen], ['u32', xo], ['u32', xs], ['u32', yo], ['u32', ys], ['u32', 0], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(env.ctx.device, pipeline, a.label, [params, a.x, a.y])],
    workgroups: grid(env, a.nRows),
  };
}
