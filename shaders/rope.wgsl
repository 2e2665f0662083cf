// Rotary position embedding, in place, as llama.cpp's ggml_rope_ext with ext_factor 0 and
// attn_factor 1. Token t of the chunk sits at position step.n_past + t.
// NEOX rotates pairs (i, i + n_rot/2), normal RoPE pairs (2i, 2i+1); dims from n_rot on pass
// through. θ_i = pos · inv_freq[i], where the host computed inv_freq[i] =
// freq_scale · base^(-2i/n_rot) / rope_freqs[i] once in f64 (no pow() on the GPU).
#include "common.wgsl"
#include "rope-common.wgsl"

override WG: u32 = 256;
override NEOX: bool = false;

struct Params {
  n_tokens: u32,
  n_heads: u32,
  head_dim: u32,
  n_rot: u32,
  offset: u32,          // element of (token 0, head 0, dim 0)
  token_stride: u32,    // elements between tokens; heads are contiguous rows of head_dim
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> inv_freq: array<f32>;  // (n_rot/2)
@group(0) @binding(3) var<storage, read_write> x: array<f32>;   // (n_tokens, n_heads, head_dim) at offset, token stride token_stride

// One invocation per (token, head, pair).
@compute @workgroup_size(WG)
fn rope(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let half = p.n_rot / 2u;
  let e = linear_group(wg, nwg) * WG + lid.x;
  if (e >= p.n_tokens * p.n_heads * half) { return; }
  let i = e % half;
  let h = (e / half) % p.n_heads;
  let t = e / (half * p.n_heads);
  let base = p.offset + t * p.token_stride + h * p.head_dim;
  let i0 = base + select(2u * i, i, NEOX);
  let i1 = i0 + select(1u, half, NEOX);
  let sc = sincos(f32(step.n_past + t) * inv_freq[i]);
  let x0 = x[i0];
  let x1 = x[i1];
  x[i0] = x0 * sc.y - x1 * sc.x;
  x[i1] = x0 * sc.x + x1 * sc.y;
}
