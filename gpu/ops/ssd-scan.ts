// Mamba-2 SSD scan with D skip and gate fused (shaders/ssd-scan.wgsl), over n tokens from and
// into the layer's state; n_tokens = 1 is the decode step (the graph sends prefill chunks to the
// chunked SSD form, ssd-chunk.ts). Prepared once per layer and token count. CPU reference:
// model/reference/mamba2.ts ssdScan. The grouped RMSNorm that follows is rmsnorm.ts with
// rowsPerToken = nGroups = n_group and rowLen = d_inner/n_group, in place on y.
//
// dt is ssm_in's dt slice (Mamba-2 has no dt projection); the kernel adds ssm_dt.bias and
// applies softplus. f32 only, like ssm-conv.ts: every input and the state are f32.
import source from '../../shaders/ssd-scan.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineKey } from '../pipelines.ts';
import { checkLimit, checkWithin, opError, packUniform, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';
import { checkCount, scanLayout, type ScanLayout } from './ssm-common.ts';

export interface SsdScanArgs {
  readonly label: string;
  readonly nHead: number;
  readonly headDim: number;
  /** B/C groups; n_head is a multiple of it. */
  readonly nGroup: number;
  readonly dState: number;
  readonly nTokens: number;
  /** x (n_tokens, d_inner), B and C (n_tokens, n_group·d_state) each, in ONE buffer: slices of the conv output [x | B | C]. */
  readonly x: RowView;
  readonly B: RowView;
  readonly C: RowView;
  /** (n_tokens, d_inner): ssm_in's z slice. */
  readonly z: RowView;
  /** (n_tokens, n_head): ssm_in's dt slice, before bias and softplus. */
  readonly dt: RowView;
  /** (n_head) each: ssm_a (= -exp(A_log)), ssm_d, ssm_dt.bias. */
  readonly A: GPUBuffer;
  readonly D: GPUBuffer;
  readonly dtBias: GPUBuffer;
  /** (n_head, head_dim, d_state): read and updated in place. */
  readonly state: GPUBuffer;
  /** (n_tokens, d_inner): y · silu(z). */
  readonly y: RowView;
  readonly layout?: Partial<ScanLayout>;
}

export function ssdScanKey(dState: number, layout: ScanLayout): PipelineKey {
  return { family: 'ssd_scan', source, variant: {}, constants: { D_STATE: dState, CPW: layout.channelsPerWorkgroup, TB: layout.tokensPerRound } };
}

/**
 * Checks the arguments both Mamba-2 kernels take (ssd-scan, ssd-chunk) and packs what they share,
 * shaders/ssd-io.wgsl: the parameters and the bindings, in binding order.
 */
export function ssdIo(device: GPUDevice, a: SsdScanArgs): { readonly dInner: number; readonly buffers: GPUBuffer[] } {
  const { label, nHead, headDim, nGroup, dState, nTokens } = a;
  for (const [name, v] of Object.entries({ nHead, headDim, nGroup, dState, nTokens })) checkCount(label, name, v);
  if (nHead % nGroup !== 0) throw opError(label, `n_head ${nHead} is not a multiple of n_group ${nGroup}`);
  if (a.B.buffer !== a.x.buffer || a.C.buffer !== a.x.buffer) throw opError(label, 'x, B and C must be slices of one buffer (they share a binding)');
  const dInner = nHead * headDim;
  const x = placeRows(label, 'x', a.x, nTokens, dInner);
  const B = placeRows(label, 'B', a.B, nTokens, nGroup * dState);
  const C = placeRows(label, 'C', a.C, nTokens, nGroup * dState);
  const z = placeRows(label, 'z', a.z, nTokens, dInner);
  const dt = placeRows(label, 'dt', a.dt, nTokens, nHead);
  const y = placeRows(label, 'y', a.y, nTokens, dInner);
  checkWithin(label, 'A', a.A, nHead);
  checkWithin(label, 'D', a.D, nHead);
  checkWithin(label, 'dtBias', a.dtBias, nHead);
  checkWithin(label, 'state', a.state, dInner * dState);
  const params = uniformBuffer(device, `${label}/params`, packUniform(label, [
    ['u32', nTokens], ['u32', dInner], ['u32', headDim], ['u32', nHead / nGroup],
    ['u32', x.offset], ['u32', x.stride], ['u32', B.offset], ['u32', B.stride], ['u32', C.offset], ['u32', C.stride],
    ['u32', z.offset], ['u32', z.stride], ['u32', dt.offset], ['u32', dt.stride], ['u32', y.offset], ['u32', y.stride],
    ['u32', dState], ['u32', 0], ['u32', 0], ['u32', 0],
  ]));
  return { dInner, buffers: [params, a.x.buffer, a.z.buffer, a.dt.buffer, a.A, a.D, a.dtBias, a.state, a.y.buffer] };
}

export async function prepareSsdScan(env: OpEnv, a: SsdScanArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const { dInner, buffers } = ssdIo(device, a);
  const l = scanLayout(a.label, env.ctx.limits, a.dState, a.layout ?? {});
  const groups = Math.ceil(dInner / l.channelsPerWorkgroup);
  checkLimit(a.label, 'workgroups', groups, env.ctx.limits.maxComputeWorkgroupsPerDimension);
  const pipeline = await env.pipelines.get(ssdScanKey(a.dState, l));
  return { label: a.label, pipeline, bindGroups: [bindGroup(device, pipeline, a.label, buffers)], workgroups: [groups] };
}
