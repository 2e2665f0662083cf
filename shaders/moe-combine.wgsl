// MoE combine: y (n_rows, width) += w(row, e) · x (n_rows, width), where w(row, e) is the router
// weight that row gave expert e (the sum over its k slots whose id is e; 0 when e was not chosen).
// Rows with w = 0 are skipped: their x may be stale, since the expert's matrix products are gated
// by the same ids (expert-gate.wgsl). The MoE top-k op (moe-topk.wgsl) produced `ids` and `weights`.
#include "common.wgsl"

override WG: u32 = 256;

struct Params {
  n_rows: u32,
  width: u32,
  k: u32,          // experts used per row
  expert: u32,     // e
  scale: f32,      // extra factor on every weight (1, or 1/sum for renormalized routers: see below)
  normalize: u32,  // 1: divide by the sum of the row's k weights
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;      // (n_rows, k)
@group(0) @binding(2) var<storage, read> weights: array<f32>;  // (n_rows, k)
@group(0) @binding(3) var<storage, read> x: array<f32>;        // (n_rows, width): expert e's output
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // (n_rows, width)

@compute @workgroup_size(WG)
fn moe_combine(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let e = linear_group(wg, nwg) * WG + lid.x;
  if (e >= p.n_rows * p.width) { return; }
  let row = e / p.width;
  var w = 0.0;
  var sum = 0.0;
  for (var j = 0u; j < p.k; j++) {
    let wj = weights[row * p.k + j];
    sum += wj;
    if (ids[row * p.k + j] == p.expert) { w += wj; }
  }
  if (p.normalize == 1u) { w = w / sum; }
  if (w != 0.0) { y[e] += p.scale * w * x[e]; }
}
