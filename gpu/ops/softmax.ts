// Row softmax (shaders/softmax.wgsl): the MoE router's probabilities over experts.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/softmax.wgsl';
import { grid, packUniform, reductionWorkgroupSize, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export interface SoftmaxArgs {
  readonly label: string;
  /** (nRows, rowLen); stride defaults to rowLen. */
  readonly x: RowView;
  /** (nRows, rowLen); stride defaults to rowLen; a different buffer from x. */
  readonly y: RowView;
  readonly nRows: number;
  readonly rowLen: number;
  readonly workgroupSize?: number;
}

export async function prepareSoftmax(env: OpEnv, a: SoftmaxArgs): Promise<Dispatch> {
  const x = placeRows(a.label, 'x', a.x, a.nRows, a.rowLen);
  const y = placeRows(a.label, 'y', a.y, a.nRows, a.rowLen);
  const wg = reductionWorkgroupSize(a.label, a.workgroupSize ?? 64);
  const pipeline = await env.pipelines.get({ family: 'softmax', source, variant: {}, constants: { WG: wg } });
  const params = uniformBuffer(env.ctx.device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nRows], ['u32', a.rowLen], ['u32', x.offset], ['u32', x.stride], ['u32', y.offset], ['u32', y.stride], ['u32', 0], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(env.ctx.device, pipeline, a.label, [params, a.x.buffer, a.y.buffer])],
    workgroups: grid(env, a.nRows),
  };
}
