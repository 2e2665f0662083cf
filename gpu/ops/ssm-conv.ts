// Causal depthwise conv1d + bias + SiLU with carried conv state (shaders/ssm-conv.wgsl), for
// Mamba-1 (channels = d_inner) and Mamba-2 (channels = d_inner + 2·n_group·d_state). Prepared once
// per layer and token count; n_tokens = 1 is the decode step. CPU reference:
// model/reference/mamba.ts causalConv1d.
//
// f32 only: its inputs (activations, ssm_conv1d, bias) and the state are f32 in every GGUF and
// on every device, so an f16 variant would only lose precision in a recurrence.
import source from '../../shaders/ssm-conv.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineKey } from '../pipelines.ts';
import type { OpEnv } from './common.ts';
import { checkCount, checkLimit, checkRows, checkVector, sparseBindGroup, type RowSlice } from './ssm-common.ts';

const OP = 'ssm-conv';

export interface SsmConvShape {
  readonly channels: number;
  /** Kernel width, GGUF ssm.conv_kernel (4 in every released Mamba). */
  readonly dConv: number;
  readonly nTokens: number;
}

export interface SsmConvBuffers {
  /** (n_tokens, channels): e.g. the x slice of ssm_in's output. */
  readonly x: RowSlice;
  /** (channels, d_conv): ssm_conv1d.weight. */
  readonly weight: GPUBuffer;
  /** (channels): ssm_conv1d.bias. */
  readonly bias: GPUBuffer;
  /** (d_conv - 1, channels): read and updated in place. */
  readonly state: GPUBuffer;
  /** (n_tokens, channels): the output; must not overlap x. */
  readonly y: RowSlice;
}

export interface SsmConvOptions {
  /** Invocations per workgroup (override WG). */
  readonly workgroupSize?: number;
}

export function ssmConvKey(dConv: number, workgroupSize: number, entryPoint: 'ssm_conv' | 'ssm_conv_state'): PipelineKey {
  return { family: 'ssm_conv', source, entryPoint, variant: {}, constants: { D_CONV: dConv, WG: workgroupSize } };
}

/** Two dispatches, in order: the output, then the state update. */
export async function prepareSsmConv(env: OpEnv, label: string, shape: SsmConvShape,
  buffers: SsmConvBuffers, options: SsmConvOptions = {}): Promise<readonly Dispatch[]> {
  const { device } = env.ctx;
  const { channels, dConv, nTokens } = shape;
  const wg = options.workgroupSize ?? 64;
  checkCount(OP, 'channels', channels);
  checkCount(OP, 'dConv', dConv, 2);
  checkCount(OP, 'nTokens', nTokens);
  checkRows(OP, 'x', buffers.x, nTokens, channels);
  checkRows(OP, 'y', buffers.y, nTokens, channels);
  checkVector(OP, 'weight', buffers.weight, channels * dConv);
  checkVector(OP, 'bias', buffers.bias, channels);
  checkVector(OP, 'state', buffers.state, (dConv - 1) * channels);
  const limits = env.ctx.limits;
  checkLimit(OP, 'workgroup size', wg, limits.maxComputeInvocationsPerWorkgroup);
  checkLimit(OP, 'n_tokens (workgroups along y)', nTokens, limits.maxComputeWorkgroupsPerDimension);
  const groups = Math.ceil(channels / wg);
  checkLimit(OP, 'workgroups along x', groups, limits.maxComputeWorkgroupsPerDimension);

  const [convPipeline, statePipeline] = await Promise.all([
    env.pipelines.get(ssmConvKey(dConv, wg, 'ssm_conv')),
    env.pipelines.get(ssmConvKey(dConv, wg, 'ssm_conv_state')),
  ]);
  const params = uniformBuffer(device, `${label}/ssm_conv.params`, new Uint32Array([
    nTokens, channels, buffers.x.offset ?? 0, buffers.x.stride, buffers.y.offset ?? 0, buffers.y.stride,
  ]));
  const conv: Dispatch = {
    label: `${label}/ssm_conv`,
    pipeline: convPipeline,
    bindGroups: [bindGroup(device, convPipeline, `${label}/ssm_conv`, [params, buffers.x.buffer, buffers.weight, buffers.bias, buffers.state, buffers.y.buffer])],
    workgroups: [groups, nTokens],
  };
  const state: Dispatch = {
    label: `${label}/ssm_conv_state`,
    pipeline: statePipeline,
    bindGroups: [sparseBindGroup(device, statePipeline, `${label}/ssm_conv_state`, [[0, params], [1, buffers.x.buffer], [4, buffers.state]])],
    workgroups: [groups],
  };
  return [conv, state];
}
