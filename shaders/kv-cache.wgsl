// KV cache write: the current chunk's k and v rows go to cache positions step.n_past … .
// The cache holds act values (f16 where the device has shader-f16, else f32).
#include "common.wgsl"

override WG: u32 = 256;

struct Params {
  n_tokens: u32,
  kv_width: u32,        // n_head_kv · head_dim
  n_ctx: u32,
  k_offset: u32,
  k_stride: u32,        // elements between tokens of k (e.g. the fused qkv row width)
  v_offset: u32,
  v_stride: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> k: array<f32>;               // (n_tokens, kv_width) at k_offset, stride k_stride
@group(0) @binding(3) var<storage, read> v: array<f32>;               // (n_tokens, kv_width) at v_offset, stride v_stride
@group(0) @binding(4) var<storage, read_write> k_cache: array<act>;   // (n_ctx, n_head_kv, head_dim)
@group(0) @binding(5) var<storage, read_write> v_cache: array<act>;   // (n_ctx, n_head_kv, head_dim)

@compute @workgroup_size(WG)
fn kv_write(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let e = linear_group(wg, nwg) * WG + lid.x;
  if (e >= p.n_tokens * p.kv_width) { return; }
  let t = e / p.kv_width;
  let j = e % p.kv_width;
  let pos = step.n_past + t;
  if (pos >= p.n_ctx) { return; }
  k_cache[pos * p.kv_width + j] = act(k[p.k_offset + t * p.k_stride + j]);
  v_cache[pos * p.kv_width + j] = act(v[p.v_offset + t * p.v_stride + j]);
}
