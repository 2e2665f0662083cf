// RMSNorm of up to three slices of each token's row, in place, in one dispatch
// (shaders/rmsnorm-slices.wgsl): Jamba's dt/B/C norms. CPU reference: model/reference/norm.ts
// rmsNorm on each slice.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/rmsnorm-slices.wgsl';
import { checkWithin, grid, opError, packUniform, placeholderBuffer, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export interface NormSlice {
  /** Start within a token's row, in elements. */
  readonly offset: number;
  readonly len: number;
  /** (len); all slices have a weight or none has. */
  readonly weight?: GPUBuffer;
}

export interface RmsNormSlicesArgs {
  readonly label: string;
  /** (nTokens, width ≥ every slice's end), normalized in place. */
  readonly y: RowView;
  readonly nTokens: number;
  readonly slices: readonly NormSlice[];
  readonly eps: number;
}

export async function prepareRmsNormSlices(env: OpEnv, a: RmsNormSlicesArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const n = a.slices.length;
  if (n < 1 || n > 3) throw opError(a.label, `${n} slices; the kernel takes 1 to 3`);
  const weighted = a.slices[0].weight !== undefined;
  if (a.slices.some((s) => (s.weight !== undefined) !== weighted)) throw opError(a.label, 'either every slice has a weight or none has');
  const width = Math.max(...a.slices.map((s) => s.offset + s.len));
  const y = placeRows(a.label, 'y', a.y, a.nTokens, width);
  a.slices.forEach((s, j) => {
    if (!(s.len >= 1)) throw opError(a.label, `slice ${j} is empty`);
    if (s.weight) checkWithin(a.label, `slice ${j} weight`, s.weight, s.len);
  });
  const unused = placeholderBuffer(device, a.label);
  const pipeline = await env.pipelines.get({ family: 'rmsnorm-slices', source, entryPoint: 'rmsnorm_slices', variant: {}, constants: { WG: 64, WEIGHTED: weighted ? 1 : 0 } });
  const at = (j: number, f: (s: NormSlice) => number) => (j < n ? f(a.slices[j]) : 0);
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nTokens], ['u32', n], ['u32', y.offset], ['u32', y.stride],
    ...[0, 1, 2, 3].map((j) => ['u32', at(j, (s) => s.offset)] as const),
    ...[0, 1, 2, 3].map((j) => ['u32', at(j, (s) => s.len)] as const),
    ['f32', a.eps],
  ]));
  const weights = [0, 1, 2].map((j) => (j < n ? a.slices[j].weight : undefined) ?? unused);
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, a.label, [params, ...weights, a.y.buffer])],
    workgroups: grid(env, a.nTokens * n),
  };
}
