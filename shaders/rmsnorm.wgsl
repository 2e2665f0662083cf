// RMSNorm: y = x / sqrt(mean(x²) + eps) * w over rows of row_len elements (llama.cpp ggml_rms_norm
// followed by the weight multiply). One workgroup per row.
//
// Rows are addressed as (token t, row j within the token): row r = t·rows_per_token + j starts at
// offset + t·token_stride + j·row_len. That covers a hidden-state norm (rows_per_token 1), Qwen3's
// per-head q/k norm inside a fused qkv buffer (rows of head_dim) and Jamba's dt/B/C norms over
// slices of one buffer. The weight has n_groups rows of row_len: row j uses weight row j % n_groups
// (1 for a shared weight, n_group for Mamba-2's grouped norm); n_groups = 0 means no weight.
#include "common.wgsl"

override WG: u32 = 256;   // power of two, ≤ 256 (the reduction array)

struct Params {
  n_rows: u32,          // total rows = n_tokens · rows_per_token
  row_len: u32,
  rows_per_token: u32,
  n_groups: u32,        // weight rows; 0 = no weight
  x_offset: u32,
  x_token_stride: u32,
  y_offset: u32,
  y_token_stride: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;        // (n_groups, row_len), or 1 unused value
@group(0) @binding(2) var<storage, read> x: array<f32>;        // rows of row_len at x_offset (rmsnorm only)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;  // rows of row_len at y_offset

#include "reduce-sum.wgsl"

fn row_base(r: u32, offset: u32, token_stride: u32) -> u32 {
  return offset + (r / p.rows_per_token) * token_stride + (r % p.rows_per_token) * p.row_len;
}

fn weight(r: u32, i: u32) -> f32 {
  if (p.n_groups == 0u) { return 1.0; }
  return w[((r % p.rows_per_token) % p.n_groups) * p.row_len + i];
}

@compute @workgroup_size(WG)
fn rmsnorm(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let r = linear_group(wg, nwg);
  let lid = lid3.x;
  let xb = row_base(min(r, p.n_rows - 1u), p.x_offset, p.x_token_stride);
  var ss = 0.0;
  for (var i = lid; i < p.row_len; i += WG) { let v = x[xb + i]; ss += v * v; }
  let inv = inverseSqrt(reduce_sum(lid, ss) / f32(p.row_len) + p.eps);
  if (r >= p.n_rows) { return; }
  let yb = row_base(r, p.y_offset, p.y_token_stride);
  for (var i = lid; i < p.row_len; i += WG) { y[yb + i] = x[xb + i] * inv * weight(r, i); }
}

// In place: x is y (x_offset/x_token_stride are ignored).
@compute @workgroup_size(WG)
fn rmsnorm_inplace(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let r = linear_group(wg, nwg);
  let lid = lid3.x;
  let yb = row_base(min(r, p.n_rows - 1u), p.y_offset, p.y_token_stride);
  var ss = 0.0;
  for (var i = lid; i < p.row_len; i += WG) { let v = y[yb + i]; ss += v * v; }
  let inv = inverseSqrt(reduce_sum(lid, ss) / f32(p.row_len) + p.eps);
  if (r >= p.n_rows) { return; }
  for (var i = lid; i < p.row_len; i += WG) { y[yb + i] = y[yb + i] * inv * weight(r, i); }
}
