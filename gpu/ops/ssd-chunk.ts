// Mamba-2 at prefill in the chunked SSD form (shaders/ssd-chunk.wgsl): the same inputs, outputs
// and state update as ssd-scan.ts, which stays the decode step (n_tokens = 1). CPU reference:
// model/reference/mamba2.ts ssdScan (llama.cpp's sequential ssm_scan semantics).
import source from '../../shaders/ssd-chunk.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineKey } from '../pipelines.ts';
import { checkLimit, checkWithin, opError, packUniform, type OpEnv } from './common.ts';
import { placeRows } from './rows.ts';
import { checkCount } from './ssm-common.ts';
import type { SsdScanArgs } from './ssd-scan.ts';

/** Invocations per workgroup (WG in the shader). */
const WG = 128;

/** The kernel's blocking: PB channels of one head per workgroup, chunks of L tokens. */
export interface SsdChunkLayout {
  readonly channels: number;
  readonly tokens: number;
}

/**
 * Default blocking. L = 16 keeps the (L, L) mask and the per-chunk serial cumulative sum small;
 * PB ≤ 8 keeps d_inner / PB workgroups (192 for Granite-4.0-H-350M) while the state block stays
 * within a quarter of WebGPU's default 16 KiB of workgroup memory for d_state 128.
 */
export function ssdChunkLayout(headDim: number, given: Partial<SsdChunkLayout> = {}): SsdChunkLayout {
  let channels = given.channels;
  if (channels === undefined) {
    channels = 1;
    for (let pb = Math.min(8, headDim); pb > 1; pb--) if (headDim % pb === 0) { channels = pb; break; }
  }
  return { channels, tokens: given.tokens ?? 16 };
}

function workgroupBytes(dState: number, l: SsdChunkLayout): number {
  return 4 * (l.channels * dState + l.tokens * l.tokens + l.tokens * l.channels + 3 * l.tokens);
}

export function ssdChunkKey(dState: number, l: SsdChunkLayout): PipelineKey {
  return { family: 'ssd_chunk', source, variant: {}, constants: { D_STATE: dState, PB: l.channels, L: l.tokens } };
}

export async function prepareSsdChunk(env: OpEnv, a: SsdScanArgs & { readonly chunk?: Partial<SsdChunkLayout> }): Promise<Dispatch> {
  const { device, limits } = env.ctx;
  const { label, nHead, headDim, nGroup, dState, nTokens } = a;
  for (const [name, v] of Object.entries({ nHead, headDim, nGroup, dState, nTokens })) checkCount(label, name, v);
  if (nHead % nGroup !== 0) throw opError(label, `n_head ${nHead} is not a multiple of n_group ${nGroup}`);
  if (a.B.buffer !== a.x.buffer || a.C.buffer !== a.x.buffer) throw opError(label, 'x, B and C must be slices of one buffer (they share a binding)');
  const l = ssdChunkLayout(headDim, a.chunk);
  checkCount(label, 'channels per workgroup', l.channels);
  checkCount(label, 'tokens per chunk', l.tokens);
  if (headDim % l.channels !== 0) throw opError(label, `head_dim ${headDim} is not a multiple of ${l.channels} channels per workgroup`);
  checkLimit(label, 'workgroup memory (state block, chunk mask)', workgroupBytes(dState, l), limits.maxComputeWorkgroupStorageSize);
  checkLimit(label, 'invocations per workgroup', WG, limits.maxComputeInvocationsPerWorkgroup);
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
  const gx = headDim / l.channels;
  checkLimit(label, 'workgroups along x (channel blocks)', gx, limits.maxComputeWorkgroupsPerDimension);
  checkLimit(label, 'workgroups along y (heads)', nHead, limits.maxComputeWorkgroupsPerDimension);

  const pipeline = await env.pipelines.get(ssdChunkKey(dState, l));
  const params = uniformBuffer(device, `${label}/params`, packUniform(label, [
    ['u32', nTokens], ['u32', dInner], ['u32', headDim], ['u32', nHead / nGroup],
    ['u32', x.offset], ['u32', x.stride], ['u32', B.offset], ['u32', B.stride], ['u32', C.offset], ['u32', C.stride],
    ['u32', z.offset], ['u32', z.stride], ['u32', dt.offset], ['u32', dt.stride], ['u32', y.offset], ['u32', y.stride],
    ['u32', dState], ['u32', 0], ['u32', 0], ['u32', 0],
  ]));
  return {
    label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, label,
      [params, a.x.buffer, a.z.buffer, a.dt.buffer, a.A, a.D, a.dtBias, a.state, a.y.buffer])],
    workgroups: [gx, nHead],
  };
}
