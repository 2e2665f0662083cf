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
import { checkLimit, checkWithin, packUniform, sparseBindGroup, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';
import { checkCount } from './ssm-common.ts';

export interface SsmConvArgs {
  readonly label: string;
  readonly channels: number;
  /** Kernel width, GGUF ssm.conv_kernel (4 in every released Mamba). */
  readonly dConv: number;
  readonly nTokens: number;
  /** (n_tokens, channels): e.g. the x slice of ssm_in's output. */
  readonly x: RowView;
  /** (channels, d_conv): ssm_conv1d.weight. */
  readonly weight: GPUBuffer;
  /** (channels): ssm_conv1d.bias. */
  readonly bias: GPUBuffer;
  /** (d_conv - 1, channels): read and updated in place. */
  readonly state: GPUBuffer;
  /** (n_tokens, channels): the output; must not overlap x. */
  readonly y: RowView;
  /** Invocations per workgroup (override WG). */
  readonly workgroupSize?: number;
  /** One dispatch walking the tokens per channel; default for up to FUSED_MAX_TOKENS tokens. */
  readonly fused?: boolean;
}

/**
 * Up to this many tokens the conv and its state update run as one dispatch (ssm_conv_fused):
 * one invocation per channel is parallel enough for a decode step; a prefill chunk keeps the
 * (channel, token) grid.
 */
export const FUSED_MAX_TOKENS = 4;

export function ssmConvKey(dConv: number, workgroupSize: number, entryPoint: 'ssm_conv' | 'ssm_conv_state' | 'ssm_conv_fused'): PipelineKey {
  return { family: 'ssm_conv', source, entryPoint, variant: {}, constants: { D_CONV: dConv, WG: workgroupSize } };
}

/** One dispatch (fused), or two in order: the output, then the state update. */
export async function prepareSsmConv(env: OpEnv, a: SsmConvArgs): Promise<Dispatch[]> {
  const { device } = env.ctx;
  const { label, channels, dConv, nTokens } = a;
  const wg = a.workgroupSize ?? 64;
  checkCount(label, 'channels', channels);
  checkCount(label, 'dConv', dConv, 2);
  checkCount(label, 'nTokens', nTokens);
  const x = placeRows(label, 'x', a.x, nTokens, channels);
  const y = placeRows(label, 'y', a.y, nTokens, channels);
  checkWithin(label, 'weight', a.weight, channels * dConv);
  checkWithin(label, 'bias', a.bias, channels);
  checkWithin(label, 'state', a.state, (dConv - 1) * channels);
  const limits = env.ctx.limits;
  checkLimit(label, 'workgroup size', wg, limits.maxComputeInvocationsPerWorkgroup);
  checkLimit(label, 'n_tokens (workgroups along y)', nTokens, limits.maxComputeWorkgroupsPerDimension);
  const groups = Math.ceil(channels / wg);
  checkLimit(label, 'workgroups along x', groups, limits.maxComputeWorkgroupsPerDimension);

  const params = uniformBuffer(device, `${label}/params`, packUniform(label, [
    ['u32', nTokens], ['u32', channels], ['u32', x.offset], ['u32', x.stride], ['u32', y.offset], ['u32', y.stride],
  ]));
  if (a.fused ?? nTokens <= FUSED_MAX_TOKENS) {
    const pipeline = await env.pipelines.get(ssmConvKey(dConv, wg, 'ssm_conv_fused'));
    return [{
      label,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, label, [params, a.x.buffer, a.weight, a.bias, a.state, a.y.buffer])],
      workgroups: [groups],
    }];
  }
  const [convPipeline, statePipeline] = await Promise.all([
    env.pipelines.get(ssmConvKey(dConv, wg, 'ssm_conv')),
    env.pipelines.get(ssmConvKey(dConv, wg, 'ssm_conv_state')),
  ]);
  const conv: Dispatch = {
    label,
    pipeline: convPipeline,
    bindGroups: [bindGroup(device, convPipeline, label, [params, a.x.buffer, a.weight, a.bias, a.state, a.y.buffer])],
    workgroups: [groups, nTokens],
  };
  const state: Dispatch = {
    label: `${label}/state`,
    pipeline: statePipeline,
    bindGroups: [sparseBindGroup(device, statePipeline, `${label}/state`, { 0: params, 1: a.x.buffer, 4: a.state })],
    workgroups: [groups],
  };
  return [conv, state];
}
