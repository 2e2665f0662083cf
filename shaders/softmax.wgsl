// Softmax over rows (the MoE router's probabilities) and the router's top-k expert selection,
// separately (softmax, moe_topk) or in one dispatch (moe_router: the probabilities stay in
// workgroup memory and never go to a buffer).
#include "common.wgsl"

override WG: u32 = 64;    // power of two, ≤ 256 (the reduction array)

struct Params {
  n_rows: u32,
  row_len: u32,         // n_expert for the router
  x_offset: u32,
  x_stride: u32,
  y_offset: u32,
  y_stride: u32,
  k: u32,               // moe_topk: experts used per token, 1..8
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (n_rows, row_len) at x_offset, row stride x_stride
@group(0) @binding(2) var<storage, read_write> y: array<f32>;    // softmax: (n_rows, row_len) at y_offset; moe_topk: weights (n_rows, k)
@group(0) @binding(3) var<storage, read_write> ids: array<u32>;  // moe_topk: expert ids (n_rows, k), best first

var<workgroup> red: array<f32, 256>;
var<workgroup> row: array<f32, 256>;   // moe_router: one row of probabilities, row_len ≤ 256

fn reduce(lid: u32, v: f32, is_max: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), is_max); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

// The row at xb's maximum m and Σ exp(x − m), the workgroup's threads striding over it.
fn max_and_sum(lid: u32, xb: u32) -> vec2<f32> {
  var m = NEG_BIG;
  for (var i = lid; i < p.row_len; i += WG) { m = max(m, x[xb + i]); }
  m = reduce(lid, m, true);
  var s = 0.0;
  for (var i = lid; i < p.row_len; i += WG) { s += exp(x[xb + i] - m); }
  s = reduce(lid, s, false);
  return vec2<f32>(m, s);
}

// One workgroup per row.
@compute @workgroup_size(WG)
fn softmax(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let r = linear_group(wg, nwg);
  let lid = lid3.x;
  let xb = p.x_offset + min(r, p.n_rows - 1u) * p.x_stride;
  let ms = max_and_sum(lid, xb);
  let m = ms.x;
  let s = ms.y;
  if (r >= p.n_rows) { return; }
  let yb = p.y_offset + r * p.y_stride;
  for (var i = lid; i < p.row_len; i += WG) { y[yb + i] = exp(x[xb + i] - m) / s; }
}

// (value, id) a comes before b: larger value first, lower id on ties.
fn before(av: f32, ai: u32, bv: f32, bi: u32) -> bool {
  return av > bv || (av == bv && ai < bi);
}

// The k best experts of row r, best first, with their probabilities as weights (not
// renormalized, as llama.cpp does for Jamba), read from `row` (moe_router) or from x at xb. Each pick is
// the best entry that comes strictly after the previous pick in the (value desc, id asc) order.
fn top_k(r: u32, from_row: bool, xb: u32) {
  var pv = 3.4e38;
  var pi = 0xffffffffu;
  var first = true;
  for (var j = 0u; j < p.k; j++) {
    var bv = 0.0;
    var bi = 0xffffffffu;
    for (var e = 0u; e < p.row_len; e++) {
      var v: f32;
      if (from_row) { v = row[e]; } else { v = x[xb + e]; }
      if ((first || before(pv, pi, v, e)) && (bi == 0xffffffffu || before(v, e, bv, bi))) { bv = v; bi = e; }
    }
    ids[r * p.k + j] = bi;
    y[p.y_offset + r * p.y_stride + j] = bv;
    pv = bv;
    pi = bi;
    first = false;
  }
}

// One invocation per row of router probabilities x.
@compute @workgroup_size(WG)
fn moe_topk(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = linear_group(wg, nwg) * WG + lid.x;
  if (r >= p.n_rows) { return; }
  top_k(r, false, p.x_offset + r * p.x_stride);
}

// One workgroup per row of router logits x: softmax as `softmax` computes it, then top_k.
@compute @workgroup_size(WG)
fn moe_router(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let r = linear_group(wg, nwg);
  let lid = lid3.x;
  let xb = p.x_offset + min(r, p.n_rows - 1u) * p.x_stride;
  let ms = max_and_sum(lid, xb);
  for (var i = lid; i < p.row_len; i += WG) { row[i] = exp(x[xb + i] - ms.x) / ms.y; }
  workgroupBarrier();
  if (r >= p.n_rows || lid != 0u) { return; }
  top_k(r, true, 0u);
}
