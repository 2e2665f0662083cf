// Mamba-1 selective scan with D skip and gate fused (shaders/ssm-scan.wgsl), over n tokens from
// and into the layer's SSM state; n_tokens = 1 is the decode step. y is written over x. Prepared
// once per layer and token count. CPU reference: model/reference/mamba.ts selectiveScan.
//
// dt is taken projected (ssm_dt·dt, by the GEMV/GEMM op) but before its bias: the kernel adds
// ssm_dt.bias and applies softplus. f32 only, like ssm-conv.ts: every input and the state are f32.
// With `bcNorm` the kernel RMS-norms B and C itself (Jamba's ssm_b_norm / ssm_c_norm, carried in
// the uniform): the decode step needs no norm dispatch of its own.
import source from '../../shaders/ssm-scan.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineKey } from '../pipelines.ts';
import { checkLimit, checkWithin, opError, packUniform, type Field, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';
import { checkCount, scanLayout, type ScanLayout } from './ssm-common.ts';

export interface SsmScanArgs {
  readonly label: string;
  readonly dInner: number;
  readonly dState: number;
  readonly nTokens: number;
  /** (n_tokens, d_inner): the conv output in, y out (same rows). */
  readonly xy: RowView;
  /** (n_tokens, d_inner): ssm_dt·dt, before bias and softplus. */
  readonly dt: RowView;
  /** (n_tokens, d_state) each, in ONE buffer: slices of ssm_x's [dt | B | C] (after Jamba's B/C norms). */
  readonly B: RowView;
  readonly C: RowView;
  /** (n_tokens, d_inner): the gate, e.g. the z slice of ssm_in's [x | z]. */
  readonly z: RowView;
  /** (d_inner, d_state): ssm_a = -exp(A_log). */
  readonly A: GPUBuffer;
  /** (d_inner): ssm_d. */
  readonly D: GPUBuffer;
  /** (d_inner): ssm_dt.bias. */
  readonly dtBias: GPUBuffer;
  /** (d_inner, d_state): read and updated in place. */
  readonly state: GPUBuffer;
  readonly layout?: Partial<ScanLayout>;
  /** B and C RMS-normed on the way in and weighted by these (d_state each, at most BC_NORM_MAX). */
  readonly bcNorm?: { readonly b: Float32Array; readonly c: Float32Array; readonly eps: number };
}

/** The most d_state `bcNorm` takes (BC_NORM_MAX in the shader: its weights live in the uniform). */
export const BC_NORM_MAX = 64;

export function ssmScanKey(dState: number, layout: ScanLayout, bcNorm = false): PipelineKey {
  return {
    family: 'ssm_scan', source, variant: {},
    constants: { D_STATE: dState, CPW: layout.channelsPerWorkgroup, TB: layout.tokensPerRound, BC_NORM: bcNorm ? 1 : 0 },
  };
}

/** eps, padding to the array's 16-byte alignment, then the B and C norm weights (zeros without). */
function bcNormFields(label: string, dState: number, n: SsmScanArgs['bcNorm']): Field[] {
  const w = new Float32Array(2 * BC_NORM_MAX);
  if (n) {
    if (dState > BC_NORM_MAX) throw opError(label, `B/C norm in the scan takes d_state up to ${BC_NORM_MAX}, not ${dState}`);
    if (n.b.length !== dState || n.c.length !== dState) throw opError(label, `B/C norm weights have ${n.b.length} and ${n.c.length} values, not d_state ${dState}`);
    w.set(n.b, 0);
    w.set(n.c, BC_NORM_MAX);
  }
  return [['f32', n?.eps ?? 0], ['u32', 0], ['u32', 0], ['u32', 0], ...[...w].map((v): Field => ['f32', v])];
}

export async function prepareSsmScan(env: OpEnv, a: SsmScanArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const { label, dInner, dState, nTokens } = a;
  checkCount(label, 'dInner', dInner);
  checkCount(label, 'dState', dState);
  checkCount(label, 'nTokens', nTokens);
  if (a.B.buffer !== a.C.buffer) throw opError(label, 'B and C must be slices of one buffer (they share a binding)');
  const xy = placeRows(label, 'xy', a.xy, nTokens, dInner);
  const dt = placeRows(label, 'dt', a.dt, nTokens, dInner);
  const B = placeRows(label, 'B', a.B, nTokens, dState);
  const C = placeRows(label, 'C', a.C, nTokens, dState);
  const z = placeRows(label, 'z', a.z, nTokens, dInner);
  checkWithin(label, 'A', a.A, dInner * dState);
  checkWithin(label, 'D', a.D, dInner);
  checkWithin(label, 'dtBias', a.dtBias, dInner);
  checkWithin(label, 'state', a.state, dInner * dState);
  const l = scanLayout(label, env.ctx.limits, dState, a.layout ?? {});
  const groups = Math.ceil(dInner / l.channelsPerWorkgroup);
  checkLimit(label, 'workgroups', groups, env.ctx.limits.maxComputeWorkgroupsPerDimension);

  const pipeline = await env.pipelines.get(ssmScanKey(dState, l, a.bcNorm !== undefined));
  const params = uniformBuffer(device, `${label}/params`, packUniform(label, [
    ['u32', nTokens], ['u32', dInner],
    ['u32', xy.offset], ['u32', xy.stride], ['u32', dt.offset], ['u32', dt.stride],
    ['u32', B.offset], ['u32', B.stride], ['u32', C.offset], ['u32', C.stride], ['u32', z.offset], ['u32', z.stride],
    ...bcNormFields(label, dState, a.bcNorm),
  ]));
  return {
    label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, label,
      [params, a.xy.buffer, a.dt.buffer, a.B.buffer, a.z.buffer, a.A, a.D, a.dtBias, a.state])],
    workgroups: [groups],
  };
}
