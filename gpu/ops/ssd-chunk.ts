// Mamba-2 at prefill in the chunked SSD form (shaders/ssd-chunk.wgsl): the same inputs, outputs
// and state update as ssd-scan.ts, which stays the decode step (n_tokens = 1). CPU reference:
// model/reference/mamba2.ts ssdScan (llama.cpp's sequential ssm_scan semantics).
import source from '../../shaders/ssd-chunk.wgsl';
import { bindGroup, type Dispatch } from '../dispatch.ts';
import type { PipelineKey } from '../pipelines.ts';
import { checkLimit, opError, type OpEnv } from './common.ts';
import { checkCount } from './ssm-common.ts';
import { ssdIo, type SsdScanArgs } from './ssd-scan.ts';

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
  const { label, headDim, nHead, dState } = a;
  const { buffers } = ssdIo(device, a);
  const l = ssdChunkLayout(headDim, a.chunk);
  checkCount(label, 'channels per workgroup', l.channels);
  checkCount(label, 'tokens per chunk', l.tokens);
  if (headDim % l.channels !== 0) throw opError(label, `head_dim ${headDim} is not a multiple of ${l.channels} channels per workgroup`);
  checkLimit(label, 'workgroup memory (state block, chunk mask)', workgroupBytes(dState, l), limits.maxComputeWorkgroupStorageSize);
  checkLimit(label, 'invocations per workgroup', WG, limits.maxComputeInvocationsPerWorkgroup);
  const gx = headDim / l.channels;
  checkLimit(label, 'workgroups along x (channel blocks)', gx, limits.maxComputeWorkgroupsPerDimension);
  checkLimit(label, 'workgroups along y (heads)', nHead, limits.maxComputeWorkgroupsPerDimension);
  const pipeline = await env.pipelines.get(ssdChunkKey(dState, l));
  return { label, pipeline, bindGroups: [bindGroup(device, pipeline, label, buffers)], workgroups: [gx, nHead] };
}
