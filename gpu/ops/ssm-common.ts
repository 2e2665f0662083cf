// Shared by the recurrent-layer ops (ssm-conv, ssm-scan, ssd-scan): activation slices
// with element offsets and strides, argument checks that throw typed errors, and bind groups that
// name their binding numbers (an entry point using a subset of a module's bindings gets an 'auto'
// layout with only those).
import { EdgewiseError } from '../../model/errors.ts';
import type { Binding } from '../dispatch.ts';

/**
 * A (n_tokens, width) activation inside a buffer: element (t, i) at offset + t·stride + i, in
 * f32 elements. Lets an op read a slice of a fused projection output, e.g. z of ssm_in's
 * [x | z] or B and C of ssm_x's [dt | B | C].
 */
export interface RowSlice {
  readonly buffer: GPUBuffer;
  readonly stride: number;
  readonly offset?: number;
}

export function rowSlice(buffer: GPUBuffer, stride: number, offset = 0): RowSlice {
  return { buffer, stride, offset };
}

export function fail(op: string, problem: string): never {
  throw new EdgewiseError('tensor-shape', `${op}: ${problem}`);
}

export function checkCount(op: string, name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) fail(op, `${name} must be an integer ≥ ${min}, got ${value}`);
}

/** The slice holds n_tokens rows of `width` elements inside its buffer. */
export function checkRows(op: string, name: string, s: RowSlice, nTokens: number, width: number): void {
  const offset = s.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(s.stride) || s.stride < width) {
    fail(op, `${name} slice (offset ${offset}, stride ${s.stride}) cannot hold rows of ${width}`);
  }
  const end = offset + (nTokens - 1) * s.stride + width;
  if (end * 4 > s.buffer.size) fail(op, `${name} (${s.buffer.label}) holds ${s.buffer.size / 4} f32, needs ${end} for ${nTokens} rows of ${width}`);
}

export function checkVector(op: string, name: string, buffer: GPUBuffer, length: number): void {
  if (length * 4 > buffer.size) fail(op, `${name} (${buffer.label}) holds ${buffer.size / 4} f32, needs ${length}`);
}

export function checkLimit(op: string, what: string, value: number, limit: number): void {
  if (value > limit) {
    throw new EdgewiseError('device-too-small', `${op}: ${what} ${value} exceeds this GPU's limit of ${limit}`);
  }
}

/** A bind group whose entries name their binding numbers. */
export function sparseBindGroup(device: GPUDevice, pipeline: GPUComputePipeline, label: string, entries: readonly (readonly [number, Binding])[]): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: entries.map(([binding, b]) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })),
  });
}

/**
 * Default size of the scans' `red` workgroup array (TB·CPW·D_STATE f32). Small on purpose: two
 * barriers per round of TB tokens is cheap, and SwiftShader's pipeline compile time grows with
 * the array (about 1 s per 512 floats).
 */
const SCAN_RED_FLOATS = 512;

/** Workgroup layout of the scans: CPW channels × D_STATE lanes, partials of TB tokens per round. */
export interface ScanLayout {
  /** Channels per workgroup (override CPW). */
  readonly channelsPerWorkgroup: number;
  /** Tokens per reduction round (override TB). */
  readonly tokensPerRound: number;
}

/** The given layout or a default (about 64 invocations, SCAN_RED_FLOATS of workgroup memory), checked against the kernel and the device. */
export function scanLayout(op: string, limits: GPUSupportedLimits, dState: number, given: Partial<ScanLayout>): ScanLayout {
  const cpw = given.channelsPerWorkgroup ?? Math.max(1, Math.floor(64 / dState));
  const tb = given.tokensPerRound ?? Math.max(1, Math.min(16, dState, Math.floor(SCAN_RED_FLOATS / (cpw * dState))));
  checkCount(op, 'channelsPerWorkgroup', cpw);
  checkCount(op, 'tokensPerRound', tb);
  checkLimit(op, 'd_state (lanes along x)', dState, limits.maxComputeWorkgroupSizeX);
  checkLimit(op, 'channels per workgroup', cpw, limits.maxComputeWorkgroupSizeY);
  checkLimit(op, 'invocations per workgroup (d_state × channels)', dState * cpw, limits.maxComputeInvocationsPerWorkgroup);
  if (tb > dState) fail(op, `tokensPerRound ${tb} must not exceed d_state ${dState} (lane s sums token s of a round)`);
  checkLimit(op, 'workgroup memory (tokensPerRound × channelsPerWorkgroup × d_state × 4 bytes)', tb * cpw * dState * 4, limits.maxComputeWorkgroupStorageSize);
  return { channelsPerWorkgroup: cpw, tokensPerRound: tb };
}
