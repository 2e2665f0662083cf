// Rotary position embedding, in place, as llama.cpp's ggml_rope_ext with ext_factor 0 and
// attn_factor 1. Token t of the chunk sits at position step.n_past + t.
// NEOX rotates pairs (i, i + n_rot/2), normal RoPE pairs (2i, 2i+1); dims from n_rot on pass
// through. θ_i = pos · inv_freq[i], where the host computed inv_freq[i] =
// freq_scale · base^(-2i/n_rot) / rope_freqs[i] once in f64 (no pow() on the GPU).
#include "common.wgsl"

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

// sin and cos of θ computed here rather than with the builtins: WGSL only promises 2^-11
// absolute error for sin/cos (SwiftShader uses that latitude: 1e-3 in the logits), far from the
// f32 precision the reference reaches. θ (up to ~10^5 rad at long contexts) is reduced into
// [-π, π] by multiples of 2π (Cody–Waite: k·6.28125 is exact for k < 2^16), then into
// [-π/4, π/4] by quadrants of π/2, where short Taylor polynomials are accurate to ~2e-9.
fn sincos(theta: f32) -> vec2f {
  let k = round(theta * 0.15915494309189535);
  let r1 = (theta - k * 6.28125) - k * 1.9353071795864769e-3;
  let q = round(r1 * 0.6366197723675814);
  let r = ((r1 - q * 1.5703125) - q * 4.837512969970703e-4) - q * 7.549789954891882e-8;
  let r2 = r * r;
  let s = r * (1.0 + r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0)))));
  let c = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 + r2 * (-1.0 / 3628800.0)))));
  switch i32(q) {
    case 0: { return vec2f(s, c); }
    case 1: { return vec2f(c, -s); }
    case -1: { return vec2f(-c, s); }
    default: { return vec2f(-s, -c); }
  }
}

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
