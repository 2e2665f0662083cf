// RMSNorm (shaders/rmsnorm.wgsl): hidden-state norm, per-head q/k norm (rows of head_dim inside
// a token), grouped norm (n_groups weight rows), no-weight form, in place or out of place.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/rmsnorm.wgsl';
import { checkWithin, grid, packUniform, placeholderBuffer, reductionWorkgroupSize, sparseBindGroup, type OpEnv } from './common.ts';

export interface RmsNormArgs {
  readonly label: string;
  /** Output rows; also the input when `x` is omitted (in place). */
  readonly y: GPUBuffer;
  readonly x?: GPUBuffer;
  /** (nGroups, rowLen); omitted = no weight. */
  readonly weight?: GPUBuffer;
  readonly nGroups?: number;
  readonly nTokens: number;
  readonly rowLen: number;
  /** Rows per token, contiguous (e.g. n_head for a per-head norm). Default 1. */
  readonly rowsPerToken?: number;
  readonly eps: number;
  readonly xOffset?: number;
  readonly xTokenStride?: number;
  readonly yOffset?: number;
  readonly yTokenStride?: number;
  /** Workgroup size override (64 or 256); default by row length. */
  readonly workgroupSize?: number;
}

export async function prepareRmsNorm(env: OpEnv, a: RmsNormArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const rowsPerToken = a.rowsPerToken ?? 1;
  const nRows = a.nTokens * rowsPerToken;
  const nGroups = a.weight ? (a.nGroups ?? 1) : 0;
  if (nGroups > 1 && rowsPerToken % nGroups !== 0) throw new RangeError(`${a.label}: ${rowsPerToken} rows per token do not split into ${nGroups} weight groups`);
  const tokenWidth = rowsPerToken * a.rowLen;
  const xOffset = a.xOffset ?? 0, xStride = a.xTokenStride ?? tokenWidth;
  const yOffset = a.yOffset ?? 0, yStride = a.yTokenStride ?? tokenWidth;
  checkWithin(a.label, a.y, yOffset + (a.nTokens - 1) * yStride + tokenWidth);
  if (a.x) checkWithin(a.label, a.x, xOffset + (a.nTokens - 1) * xStride + tokenWidth);
  if (a.weight) checkWithin(a.label, a.weight, nGroups * a.rowLen);
  const wg = reductionWorkgroupSize(a.label, a.workgroupSize ?? (a.rowLen <= 256 ? 64 : 256));
  const inplace = !a.x;
  const pipeline = await env.pipelines.get({
    family: 'rmsnorm', source, entryPoint: inplace ? 'rmsnorm_inplace' : 'rmsnorm', variant: {}, constants: { WG: wg },
  });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform([
    ['u32', nRows], ['u32', a.rowLen], ['u32', rowsPerToken], ['u32', nGroups],
    ['u32', xOffset], ['u32', xStride], ['u32', yOffset], ['u32', yStride], ['f32', a.eps],
  ]));
  const weight = a.weight ?? placeholderBuffer(device, a.label);
  const group = inplace
    ? sparseBindGroup(device, pipeline, a.label, { 0: params, 1: weight, 3: a.y })
    : bindGroup(device, pipeline, a.label, [params, weight, a.x!, a.y]);
  return {
    label: a.label,
    pipeline,
    bindGroups: [group],
    workgroups: grid(env, nRows),
  };
}

