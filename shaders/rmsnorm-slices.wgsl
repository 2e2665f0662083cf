// RMSNorm of up to three slices of each token's row, in place, in one dispatch: Jamba's dt, B and
// C norms over [dt | B | C] of ssm_x's output (llama.cpp: ggml_rms_norm of each view, then the
// weight multiply where the model has the weights). The same per-row math as rmsnorm.wgsl.
#include "common.wgsl"

override WG: u32 = 64;   // power of two, ≤ 256 (the reduction array)
override WEIGHTED: bool = true;

struct Params {
  n_tokens: u32,
  n_slices: u32,        // 1..3
  offset: u32,          // element of token 0's row
  token_stride: u32,
  slice_offset: vec4u,  // start of slice j within a token's row
  slice_len: vec4u,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w0: array<f32>;       // (slice_len[0]), read when WEIGHTED
@group(0) @binding(2) var<storage, read> w1: array<f32>;       // (slice_len[1])
@group(0) @binding(3) var<storage, read> w2: array<f32>;       // (slice_len[2])
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // (n_tokens, token_stride) at offset

#include "reduce-sum.wgsl"

fn weight(j: u32, i: u32) -> f32 {
  if (!WEIGHTED) { return 1.0; }
  switch j {
    case 0u: { return w0[i]; }
    case 1u: { return w1[i]; }
    default: { return w2[i]; }
  }
}

// Grid: n_tokens · n_slices workgroups (linear over x and y): token r / n_slices, slice r % n_slices.
@compute @workgroup_size(WG)
fn rmsnorm_slices(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = linear_group(wg, nwg);
  if (r >= p.n_tokens * p.n_slices) { return; }
  let j = r % p.n_slices;
  let len = p.slice_len[j];
  let base = p.offset + (r / p.n_slices) * p.token_stride + p.slice_offset[j];
  var ss = 0.0;
  for (var i = lid; i < len; i += WG) { let v = y[base + i]; ss += v * v; }
  let inv = inverseSqrt(reduce_sum(lid, ss) / f32(len) + p.eps);
  for (var i = lid; i < len; i += WG) { y[base + i] = y[base + i] * inv * weight(j, i); }
}
