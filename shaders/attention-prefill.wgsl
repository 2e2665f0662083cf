// Prefill attention, causal: a chunk of n_tokens queries at positions step.n_past + t against
// cache positions 0..step.n_past + t (the chunk's own K/V written to the cache first).
// A workgroup takes BQ consecutive queries of one head and walks the cache in tiles of WG
// positions with an online softmax, so each K/V element read from memory serves BQ queries.
// GQA/MQA: query head h reads kv head h / (n_head / n_head_kv).
#include "common.wgsl"

override HEAD_DIM: u32 = 128;   // ≤ 256
const WG: u32 = 64u;
const BQ: u32 = 8u;
const DPT: u32 = 4u;            // head dims per invocation: ceil(256 / WG)
const MAX_HEAD_DIM: u32 = 256u;

struct Params {
  n_tokens: u32,
  n_head: u32,
  n_head_kv: u32,
  q_offset: u32,        // element of (token 0, head 0)
  q_stride: u32,        // elements between tokens of q
  out_offset: u32,
  out_stride: u32,      // elements between tokens of out
  scale: f32,           // KQ scale
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> q: array<f32>;            // (n_tokens, n_head, HEAD_DIM) at q_offset, token stride q_stride
@group(0) @binding(3) var<storage, read> k_cache: array<act>;      // (n_ctx, n_head_kv, HEAD_DIM)
@group(0) @binding(4) var<storage, read> v_cache: array<act>;      // (n_ctx, n_head_kv, HEAD_DIM)
@group(0) @binding(5) var<storage, read_write> out: array<f32>;    // (n_tokens, n_head, HEAD_DIM) at out_offset, token stride out_stride

var<workgroup> qs: array<array<f32, MAX_HEAD_DIM>, BQ>;   // scaled queries
var<workgroup> sc: array<array<f32, WG>, BQ>;             // scores, then probabilities of a tile
var<workgroup> row_m: array<f32, BQ>;
var<workgroup> row_l: array<f32, BQ>;
var<workgroup> row_alpha: array<f32, BQ>;

// Grid (ceil(n_tokens / BQ), n_head).
@compute @workgroup_size(WG)
fn attention_prefill(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let q0 = wg.x * BQ;
  let h = wg.y;
  let lid = lid3.x;
  let kvh = h / (p.n_head / p.n_head_kv);
  let kv_width = p.n_head_kv * HEAD_DIM;
  let rows = min(BQ, p.n_tokens - q0);
  let kv_end = step.n_past + q0 + rows;   // the last query of this workgroup sees positions < kv_end

  for (var e = lid; e < BQ * HEAD_DIM; e += WG) {
    let r = e / HEAD_DIM;
    let d = e % HEAD_DIM;
    var v = 0.0;
    if (r < rows) { v = q[p.q_offset + (q0 + r) * p.q_stride + h * HEAD_DIM + d] * p.scale; }
    qs[r][d] = v;
  }
  if (lid < BQ) {
    row_m[lid] = NEG_BIG;
    row_l[lid] = 0.0;
  }
  workgroupBarrier();

  var acc: array<array<f32, DPT>, BQ>;
  for (var t0 = 0u; t0 < kv_end; t0 += WG) {
    let pos = t0 + lid;
    var s: array<f32, BQ>;
    // Zeroed explicitly: SwiftShader carried this loop-local array over from the previous tile.
    for (var r = 0u; r < BQ; r++) { s[r] = 0.0; }
    if (pos < kv_end) {
      let kb = pos * kv_width + kvh * HEAD_DIM;
      for (var d = 0u; d < HEAD_DIM; d++) {
        let kd = f32(k_cache[kb + d]);
        for (var r = 0u; r < BQ; r++) { s[r] += qs[r][d] * kd; }
      }
    }
    for (var r = 0u; r < BQ; r++) { sc[r][lid] = s[r]; }
    workgroupBarrier();

    if (lid < BQ) {
      let r = lid;
      // Query r sees positions ≤ n_past + q0 + r; rows past n_tokens see nothing.
      let n_vis = select(0u, min(WG, step.n_past + q0 + r + 1u - min(t0, step.n_past + q0 + r + 1u)), r < rows);
      var mt = NEG_BIG;
      for (var j = 0u; j < n_vis; j++) { mt = max(mt, sc[r][j]); }
      let m_new = max(row_m[r], mt);
      var sum = 0.0;
      for (var j = 0u; j < WG; j++) {
        let pj = select(0.0, exp(sc[r][j] - m_new), j < n_vis);
        sc[r][j] = pj;
        sum += pj;
      }
      let alpha = exp(row_m[r] - m_new);
      row_alpha[r] = alpha;
      row_l[r] = row_l[r] * alpha + sum;
      row_m[r] = m_new;
    }
    workgroupBarrier();

    for (var r = 0u; r < BQ; r++) {
      let alpha = row_alpha[r];
      for (var i = 0u; i < DPT; i++) { acc[r][i] *= alpha; }
    }
    let n = min(WG, kv_end - t0);
    for (var j = 0u; j < n; j++) {
      let vb = (t0 + j) * kv_width + kvh * HEAD_DIM;
      for (var i = 0u; i < DPT; i++) {
        let d = lid + i * WG;
        if (d < HEAD_DIM) {
          let vd = f32(v_cache[vb + d]);
          for (var r = 0u; r < BQ; r++) { acc[r][i] += sc[r][j] * vd; }
        }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < rows; r++) {
    let inv = 1.0 / row_l[r];
    for (var i = 0u; i < DPT; i++) {
      let d = lid + i * WG;
      if (d < HEAD_DIM) { out[p.out_offset + (q0 + r) * p.out_stride + h * HEAD_DIM + d] = acc[r][i] * inv; }
    }
  }
}
