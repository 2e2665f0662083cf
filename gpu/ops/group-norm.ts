// Mamba-2's grouped RMSNorm (shaders/group-norm.wgsl): each token's d_inner values as n_group
// blocks, each normalized with its own slice of ssm_norm. The gate is fused in ssd-scan. A
// per-row RMSNorm cannot serve here because the weight changes with the block (row % n_group).
// CPU reference: model/reference/mamba2.ts groupRmsNorm.
import source from '../../shaders/group-norm.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineCache, PipelineKey } from '../pipelines.ts';
import { checkCount, checkLimit, checkRows, checkVector, fail, type RowSlice } from './ssm-common.ts';

const OP = 'group-norm';

export interface GroupNormShape {
  /** n_group · group_size = d_inner. */
  readonly dInner: number;
  readonly nGroup: number;
  readonly nTokens: number;
  /** GGUF layer_norm_rms_epsilon. */
  readonly eps: number;
}

export interface GroupNormBuffers {
  /** (n_tokens, d_inner). */
  readonly y: RowSlice;
  /** (n_group, d_inner / n_group): ssm_norm.weight. */
  readonly weight: GPUBuffer;
  /** (n_tokens, d_inner); must not overlap y. */
  readonly out: RowSlice;
}

export function groupNormKey(workgroupSize: number): PipelineKey {
  return { family: 'group_norm', source, variant: {}, constants: { WG: workgroupSize } };
}

export async function prepareGroupNorm(device: GPUDevice, cache: PipelineCache, label: string, shape: GroupNormShape,
  buffers: GroupNormBuffers, options: { readonly workgroupSize?: number } = {}): Promise<Dispatch> {
  const { dInner, nGroup, nTokens, eps } = shape;
  const wg = options.workgroupSize ?? 64;
  checkCount(OP, 'dInner', dInner);
  checkCount(OP, 'nGroup', nGroup);
  checkCount(OP, 'nTokens', nTokens);
  if (dInner % nGroup !== 0) fail(OP, `d_inner ${dInner} is not a multiple of n_group ${nGroup}`);
  if ((wg & (wg - 1)) !== 0) fail(OP, `workgroupSize ${wg} must be a power of two`);
  checkRows(OP, 'y', buffers.y, nTokens, dInner);
  checkRows(OP, 'out', buffers.out, nTokens, dInner);
  checkVector(OP, 'weight', buffers.weight, dInner);
  checkLimit(OP, 'workgroup size', wg, device.limits.maxComputeInvocationsPerWorkgroup);
  checkLimit(OP, 'n_group', nGroup, device.limits.maxComputeWorkgroupsPerDimension);
  checkLimit(OP, 'n_tokens', nTokens, device.limits.maxComputeWorkgroupsPerDimension);

  const pipeline = await cache.get(groupNormKey(wg));
  const words = new ArrayBuffer(32);
  new Uint32Array(words, 0, 7).set([nTokens, nGroup, dInner / nGroup, buffers.y.offset ?? 0, buffers.y.stride, buffers.out.offset ?? 0, buffers.out.stride]);
  new Float32Array(words, 28, 1)[0] = eps;
  const params = uniformBuffer(device, `${label}/group_norm.params`, words);
  return {
    label: `${label}/group_norm`,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, `${label}/group_norm`, [params, buffers.y.buffer, buffers.weight, buffers.out.buffer])],
    workgroups: [nGroup, nTokens],
  };
}
