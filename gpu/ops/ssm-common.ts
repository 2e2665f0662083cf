// Shared by the recurrent-layer ops (ssm-conv, ssm-scan, ssd-scan): count checks and the scans'
// workgroup layout.
import { checkLimit, opError } from './common.ts';

export function checkCount(label: string, name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw opError(label, `${name} must be an integer ≥ ${min}, got ${value}`);
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
export function scanLayout(label: string, limits: GPUSupportedLimits, dState: number, given: Partial<ScanLayout>): ScanLayout {
  const cpw = given.channelsPerWorkgroup ?? Math.max(1, Math.floor(64 / dState));
  const tb = given.tokensPerRound ?? Math.max(1, Math.min(16, dState, Math.floor(SCAN_RED_FLOATS / (cpw * dState))));
  checkCount(label, 'channelsPerWorkgroup', cpw);
  checkCount(label, 'tokensPerRound', tb);
  checkLimit(label, 'd_state (lanes along x)', dState, limits.maxComputeWorkgroupSizeX);
  checkLimit(label, 'channels per workgroup', cpw, limits.maxComputeWorkgroupSizeY);
  checkLimit(label, 'invocations per workgroup (d_state × channels)', dState * cpw, limits.maxComputeInvocationsPerWorkgroup);
  if (tb > dState) throw opError(label, `tokensPerRound ${tb} must not exceed d_state ${dState} (lane s sums token s of a round)`);
  checkLimit(label, 'workgroup memory (tokensPerRound × channelsPerWorkgroup × d_state × 4 bytes)', tb * cpw * dState * 4, limits.maxComputeWorkgroupStorageSize);
  return { channelsPerWorkgroup: cpw, tokensPerRound: tb };
}
