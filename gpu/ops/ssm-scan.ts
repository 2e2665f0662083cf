// Mamba-1 selective scan with D skip and gate fused (shaders/ssm-scan.wgsl), over n tokens from
// and into the layer's SSM state; n_tokens = 1 is the decode step. y is written over x. Prepared
// once per layer and token count. CPU reference: model/reference/mamba.ts selectiveScan.
//
// dt is taken projected (ssm_dt·dt, by the GEMV/GEMM op) but before its bias: the kernel adds
// ssm_dt.bias and applies softplus. f32 only, like ssm-conv.ts: every input and the state are f32.
import source from '../../shaders/ssm-scan.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineKey } from '../pipelines.ts';
import type { OpEnv } from './common.ts';
import { checkCount, checkLimit, fail, checkRows, checkVector, scanLayout, type RowSlice, type ScanLayout } from './ssm-common.ts';

const OP = 'ssm-scan';

export interface SsmScanShape {
  readonly dInner: number;
  readonly dState: number;
  readonly nTokens: number;
}

export interface SsmScanBuffers {
  /** (n_tokens, d_inner): the conv output in, y out (same rows). */
  readonly xy: RowSlice;
  /** (n_tokens, d_inner): ssm_dt·dt, before bias and softplus. */
  readonly dt: RowSlice;
  /** (n_tokens, d_state) each, in ONE buffer: slices of ssm_x's [dt | B | C] (after Jamba's B/C norms). */
  readonly B: RowSlice;
  readonly C: RowSlice;
  /** (n_tokens, d_inner): the gate, e.g. the z slice of ssm_in's [x | z]. */
  readonly z: RowSlice;
  /** (d_inner, d_state): ssm_a = -exp(A_log). */
  readonly A: GPUBuffer;
  /** (d_inner): ssm_d. */
  readonly D: GPUBuffer;
  /** (d_inner): ssm_dt.bias. */
  readonly dtBias: GPUBuffer;
  /** (d_inner, d_state): read and updated in place. */
  readonly state: GPUBuffer;
}

export function ssmScanKey(dState: number, layout: ScanLayout): PipelineKey {
  return { family: 'ssm_scan', source, variant: {}, constants: { D_STATE: dState, CPW: layout.channelsPerWorkgroup, TB: layout.tokensPerRound } };
}

export async function prepareSsmScan(env: OpEnv, label: string, shape: SsmScanShape,
  buffers: SsmScanBuffers, layout: Partial<ScanLayout> = {}): Promise<Dispatch> {
  const { device } = env.ctx;
  const { dInner, dState, nTokens } = shape;
  checkCount(OP, 'dInner', dInner);
  checkCount(OP, 'dState', dState);
  checkCount(OP, 'nTokens', nTokens);
  if (buffers.B.buffer !== buffers.C.buffer) fail(OP, 'B and C must be slices of one buffer (they share a binding)');
  checkRows(OP, 'xy', buffers.xy, nTokens, dInner);
  checkRows(OP, 'dt', buffers.dt, nTokens, dInner);
  checkRows(OP, 'B', buffers.B, nTokens, dState);
  checkRows(OP, 'C', buffers.C, nTokens, dState);
  checkRows(OP, 'z', buffers.z, nTokens, dInner);
  checkVector(OP, 'A', buffers.A, dInner * dState);
  checkVector(OP, 'D', buffers.D, dInner);
  checkVector(OP, 'dtBias', buffers.dtBias, dInner);
  checkVector(OP, 'state', buffers.state, dInner * dState);
  const l = scanLayout(OP, env.ctx.limits, dState, layout);
  const groups = Math.ceil(dInner / l.channelsPerWorkgroup);
  checkLimit(OP, 'workgroups', groups, env.ctx.limits.maxComputeWorkgroupsPerDimension);

  const pipeline = await env.pipelines.get(ssmScanKey(dState, l));
  const s = buffers;
  const params = uniformBuffer(device, `${label}/ssm_scan.params`, new Uint32Array([
    nTokens, dInner,
    s.xy.offset ?? 0, s.xy.stride, s.dt.offset ?? 0, s.dt.stride,
    s.B.offset ?? 0, s.B.stride, s.C.offset ?? 0, s.C.stride, s.z.offset ?? 0, s.z.stride,
  ]));
  return {
    label: `${label}/ssm_scan`,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, `${label}/ssm_scan`,
      [params, s.xy.buffer, s.dt.buffer, s.B.buffer, s.z.buffer, s.A, s.D, s.dtBias, s.state])],
    workgroups: [groups],
  };
}
