// Shared WGSL helpers (keep small). Included with `#include "common.wgsl"`.

// Values that change once per decoded token, written by the scheduler into one 16-byte uniform
// buffer (gpu/ops/step.ts) so that dispatches and bind groups never change between tokens.
struct Step {
  // Tokens already in the KV cache: the current chunk's tokens sit at positions n_past, n_past+1, …
  n_past: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

// Most negative finite f32: an empty max that exp() turns into exactly 0 without NaN.
const NEG_BIG: f32 = -3.0e38;

// Linear workgroup index for grids split over x and y (gpu/dispatch.ts workgroupGrid).
fn linear_group(wg: vec3u, nwg: vec3u) -> u32 {
  return wg.x + wg.y * nwg.x;
}
