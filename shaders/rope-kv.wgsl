// The attention block's step between the q|k|v projection and attention, in one dispatch:
// per-head RMSNorm of q and k (Qwen3's attn_q_norm / attn_k_norm, where the model has them),
// RoPE on q and k, then k and v into the KV cache at positions step.n_past + t; q is written
// back in place for the attention. The math and its order are those of the kernels it replaces
// (rmsnorm.wgsl per head, rope.wgsl, kv-cache.wgsl) and of llama.cpp (norm, then rope): each
// value is read once and written once.
#include "common.wgsl"
#include "rope-common.wgsl"

override HEAD_DIM: u32 = 128;   // ≤ MAX_HEAD_DIM
override NORM: bool = false;    // q and k RMSNorm (with their weights) before RoPE
override ROPE: bool = true;     // false: no rotation (an architecture without RoPE)
override NEOX: bool = false;    // NEOX pairs (i, i + n_rot/2), else normal pairs (2i, 2i+1)
const WG: u32 = 64u;
const MAX_HEAD_DIM: u32 = 256u;

struct Params {
  n_tokens: u32,
  n_head: u32,
  n_head_kv: u32,
  n_rot: u32,           // rotated dims (even, ≤ HEAD_DIM); the rest pass through
  q_offset: u32,        // element of (token 0, q head 0) in x
  k_offset: u32,
  v_offset: u32,
  token_stride: u32,    // elements between tokens of x (the fused q|k|v row width)
  n_ctx: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> inv_freq: array<f32>;        // (n_rot/2), see rope.wgsl
@group(0) @binding(3) var<storage, read> q_norm: array<f32>;          // (HEAD_DIM), read when NORM
@group(0) @binding(4) var<storage, read> k_norm: array<f32>;          // (HEAD_DIM), read when NORM
@group(0) @binding(5) var<storage, read_write> x: array<f32>;         // (n_tokens, token_stride): q (n_head, HEAD_DIM), k and v (n_head_kv, HEAD_DIM) at their offsets
@group(0) @binding(6) var<storage, read_write> k_cache: array<act>;   // (n_ctx, n_head_kv, HEAD_DIM)
@group(0) @binding(7) var<storage, read_write> v_cache: array<act>;   // (n_ctx, n_head_kv, HEAD_DIM)

var<workgroup> row: array<f32, MAX_HEAD_DIM>;
var<workgroup> red: array<f32, WG>;

// Element i of the finished row: q back in place, k into the cache (dropped past n_ctx, as the
// plain cache write does).
fn put(is_q: bool, dst: u32, in_ctx: bool, i: u32, v: f32) {
  if (is_q) {
    x[dst + i] = v;
  } else if (in_ctx) {
    k_cache[dst + i] = act(v);
  }
}

// Grid: n_tokens · (n_head + 2·n_head_kv) workgroups, linear over x and y. Workgroup r is token
// r / heads and head r % heads of [q heads | k heads | v heads].
@compute @workgroup_size(WG)
fn rope_kv(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let heads = p.n_head + 2u * p.n_head_kv;
  let r = linear_group(wg, nwg);
  if (r >= p.n_tokens * heads) { return; }
  let t = r / heads;
  let j = r % heads;
  let pos = step.n_past + t;
  let in_ctx = pos < p.n_ctx;
  let xt = t * p.token_stride;

  if (j >= p.n_head + p.n_head_kv) {
    let vh = j - p.n_head - p.n_head_kv;
    if (!in_ctx) { return; }
    let src = p.v_offset + xt + vh * HEAD_DIM;
    let dst = (pos * p.n_head_kv + vh) * HEAD_DIM;
    for (var i = lid; i < HEAD_DIM; i += WG) { v_cache[dst + i] = act(x[src + i]); }
    return;
  }

  let is_q = j < p.n_head;
  let kh = j - select(p.n_head, 0u, is_q);
  let src = select(p.k_offset, p.q_offset, is_q) + xt + kh * HEAD_DIM;
  let dst = select((pos * p.n_head_kv + kh) * HEAD_DIM, src, is_q);
  var ss = 0.0;
  for (var i = lid; i < HEAD_DIM; i += WG) {
    let v = x[src + i];
    row[i] = v;
    ss += v * v;
  }
  if (NORM) {
    red[lid] = ss;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (lid < s) { red[lid] += red[lid + s]; }
      workgroupBarrier();
    }
    let inv = inverseSqrt(red[0] / f32(HEAD_DIM) + p.eps);
    for (var i = lid; i < HEAD_DIM; i += WG) { row[i] *= inv * select(k_norm[i], q_norm[i], is_q); }
  }
  workgroupBarrier();

  if (!ROPE) {
    for (var i = lid; i < HEAD_DIM; i += WG) { put(is_q, dst, in_ctx, i, row[i]); }
    return;
  }
  let half = p.n_rot / 2u;
  for (var i = lid; i < half; i += WG) {
    let i0 = select(2u * i, i, NEOX);
    let i1 = i0 + select(1u, half, NEOX);
    let sc = sincos(f32(pos) * inv_freq[i]);
    let x0 = row[i0];
    let x1 = row[i1];
    put(is_q, dst, in_ctx, i0, x0 * sc.y - x1 * sc.x);
    put(is_q, dst, in_ctx, i1, x0 * sc.x + x1 * sc.y);
  }
  for (var i = p.n_rot + lid; i < HEAD_DIM; i += WG) { put(is_q, dst, in_ctx, i, row[i]); }
}
