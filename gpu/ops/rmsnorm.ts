// RMSNorm (shaders/rmsnorm.wgsl): hidden-state norm, per-head q/k norm (rows of head_dim inside
// a token), grouped norm (n_groups weight rows), no-weight form, in place or out of place.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/rmsnorm.wgsl';
import { checkWithin, grid, opError, packUniform, placeholderBuffer, reductionWorkgroupSize, sparseBindGroup, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export interface RmsNormArgs {
  readonly label: string;
  /** (nTokens, rowsPerToken·rowLen) output; also the input when `x` is omitted (in place). Token stride defaults to rowsPerToken·rowLen. */
  readonly y: RowView;
  readonly x?: RowView;
  /** (nGroups, rowLen); omitted = no weight. */
  readonly weight?: GPUBuffer;
  readonly nGroups?: number;
  readonly nTokens: number;
  readonly rowLen: number;
  /** Rows per token, contiguous (e.g. n_head for a per-head norm). Default 1. */
  readonly rowsPerToken?: number;
  readonly eps: number;
  /** Workgroup size override (64 or 256); default by row length. */
  readonly workgroupSize?: number;
}

export async function prepareRmsNorm(env: OpEnv, a: RmsNormArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const rowsPerToken = a.rowsPerToken ?? 1;
  const nRows = a.nTokens * rowsPerToken;
  const nGroups = a.weight ? (a.nGroups ?? 1) : 0;
  if (nGroups > 1 && rowsPerToken % nGroups !== 0) throw opError(a.label, `${rowsPerToken} rows per token do not split into ${nGroups} weight groups`);
  const tokenWidth = rowsPerToken * a.rowLen;
  const y = placeRows(a.label, 'y', a.y, a.nTokens, tokenWidth);
  // In place the kernel reads y; the x words are unused and stay at their defaults.
  const x = a.x ? placeRows(a.label, 'x', a.x, a.nTokens, tokenWidth) : { offset: 0, stride: tokenWidth };
  if (a.weight) checkWithin(a.label, 'weight', a.weight, nGroups * a.rowLen);
  const wg = reductionWorkgroupSize(a.label, a.workgroupSize ?? (a.rowLen <= 256 ? 64 : 256));
  const inplace = !a.x;
  const pipeline = await env.pipelines.get({
    family: 'rmsnorm', source, entryPoint: inplace ? 'rmsnorm_inplace' : 'rmsnorm', variant: {}, constants: { WG: wg },
  });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', nRows], ['u32', a.rowLen], ['u32', rowsPerToken], ['u32', nGroups],
    ['u32', x.offset], ['u32', x.stride], ['u32', y.offset], ['u32', y.stride], ['f32', a.eps],
  ]));
  const weight = a.weight ?? placeholderBuffer(device, a.label);
  const group = inplace
    ? sparseBindGroup(device, pipeline, a.label, { 0: params, 1: weight, 3: a.y.buffer })
    : bindGroup(device, pipeline, a.label, [params, weight, a.x!.buffer, a.y.buffer]);
  return {
    label: a.label,
    pipeline,
    bindGroups: [group],
    workgroups: grid(env, nRows),
  };
}

