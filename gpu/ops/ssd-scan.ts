// Mamba-2 SSD scan with D skip and gate fused (shaders/ssd-scan.wgsl), over n tokens from and
// into the layer's state; n_tokens = 1 is the decode step. Prepared once per layer and token
// count. CPU reference: model/reference/mamba2.ts ssdScan. The grouped RMSNorm that follows is
// rmsnorm.ts with rowsPerToken = nGroups = n_group and rowLen = d_inner/n_group, in place on y.
//
// dt is ssm_in's dt slice (Mamba-2 has no dt projection); the kernel adds ssm_dt.bias and
// applies softplus. f32 only, like ssm-conv.ts: every input and the state are f32.
import source from '../../shaders/ssd-scan.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineKey } from '../pipelines.ts';
import type { OpEnv } from './common.ts';
import { checkCount, checkLimit, checkRows, checkVector, fail, scanLayout, type RowSlice, type ScanLayout } from './ssm-common.ts';

const OP = 'ssd-scan';

export interface SsdScanShape {
  readonly nHead: number;
  readonly headDim: number;
  /** B/C groups; n_head is a multiple of it. */
  readonly nGroup: number;
  readonly dState: number;
  readonly nTokens: number;
}

export interface SsdScanBuffers {
  /** x (n_tokens, d_inner), B and C (n_tokens, n_group·d_state) each, in ONE buffer: slices of the conv output [x | B | C]. */
  readonly x: RowSlice;
  readonly B: RowSlice;
  readonly C: RowSlice;
  /** (n_tokens, d_inner): ssm_in's z slice. */
  readonly z: RowSlice;
  /** (n_tokens, n_head): ssm_in's dt slice, before bias and softplus. */
  readonly dt: RowSlice;
  /** (n_head) each: ssm_a (= -exp(A_log)), ssm_d, ssm_dt.bias. */
  readonly A: GPUBuffer;
  readonly D: GPUBuffer;
  readonly dtBias: GPUBuffer;
  /** (n_head, head_dim, d_state): read and updated in place. */
  readonly state: GPUBuffer;
  /** (n_tokens, d_inner): y · silu(z). */
  readonly y: RowSlice;
}

export function ssdScanKey(dState: number, layout: ScanLayout): PipelineKey {
  return { family: 'ssd_scan', source, variant: {}, constants: { D_STATE: dState, CPW: layout.channelsPerWorkgroup, TB: layout.tokensPerRound } };
}

export async function prepareSsdScan(env: OpEnv, label: string, shape: SsdScanShape,
  buffers: SsdScanBuffers, layout: Partial<ScanLayout> = {}): Promise<Dispatch> {
  const { device } = env.ctx;
  const { nHead, headDim, nGroup, dState, nTokens } = shape;
  for (const [name, v] of Object.entries({ nHead, headDim, nGroup, dState, nTokens })) checkCount(OP, name, v);
  if (nHead % nGroup !== 0) fail(OP, `n_head ${nHead} is not a multiple of n_group ${nGroup}`);
  const s = buffers;
  if (s.B.buffer !== s.x.buffer || s.C.buffer !== s.x.buffer) fail(OP, 'x, B and C must be slices of one buffer (they share a binding)');
  const dInner = nHead * headDim;
  checkRows(OP, 'x', s.x, nTokens, dInner);
  checkRows(OP, 'B', s.B, nTokens, nGroup * dState);
  checkRows(OP, 'C', s.C, nTokens, nGroup * dState);
  checkRows(OP, 'z', s.z, nTokens, dInner);
  checkRows(OP, 'dt', s.dt, nTokens, nHead);
  checkRows(OP, 'y', s.y, nTokens, dInner);
  checkVector(OP, 'A', s.A, nHead);
  checkVector(OP, 'D', s.D, nHead);
  checkVector(OP, 'dtBias', s.dtBias, nHead);
  checkVector(OP, 'state', s.state, dInner * dState);
  const l = scanLayout(OP, env.ctx.limits, dState, layout);
  const groups = Math.ceil(dInner / l.channelsPerWorkgroup);
  checkLimit(OP, 'workgroups', groups, env.ctx.limits.maxComputeWorkgroupsPerDimension);

  const pipeline = await env.pipelines.get(ssdScanKey(dState, l));
  const params = uniformBuffer(device, `${label}/ssd_scan.params`, new Uint32Array([
    nTokens, dInner, headDim, nHead / nGroup,
    s.x.offset ?? 0, s.x.stride, s.B.offset ?? 0, s.B.stride, s.C.offset ?? 0, s.C.stride,
    s.z.offset ?? 0, s.z.stride, s.dt.offset ?? 0, s.dt.stride, s.y.offset ?? 0, s.y.stride,
  ]));
  return {
    label: `${label}/ssd_scan`,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, `${label}/ssd_scan`,
      [params, s.x.buffer, s.z.buffer, s.dt.buffer, s.A, s.D, s.dtBias, s.state, s.y.buffer])],
    workgroups: [groups],
  };
}
