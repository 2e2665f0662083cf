// Decode attention (flash-decoding): one query token at position step.n_past against cache
// positions 0..step.n_past (its own K/V already written). The sequence is cut into n_split
// chunks of ceil(n_kv / n_split) positions; attention_decode computes per (split, head) the
// chunk's running max m, softmax sum l and unnormalized acc with an online softmax over tiles of
// WG positions, and attention_decode_combine merges the splits. GQA/MQA: query head h reads kv
// head h / (n_head / n_head_kv). The split count is fixed when the dispatch is prepared, so the
// dispatch never changes between tokens; only the chunk length grows with n_kv.
#include "common.wgsl"

override HEAD_DIM: u32 = 128;   // ≤ 256
const WG: u32 = 64u;
const DPT: u32 = 4u;            // head dims per invocation: ceil(256 / WG)
const MAX_HEAD_DIM: u32 = 256u;

struct Params {
  n_head: u32,
  n_head_kv: u32,
  n_split: u32,
  q_offset: u32,        // element of head 0 of the query: q is (n_head, HEAD_DIM)
  out_offset: u32,      // element of head 0 of the output (n_head, HEAD_DIM)
  scale: f32,           // KQ scale
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> q: array<f32>;                 // (n_head, HEAD_DIM) at q_offset
@group(0) @binding(3) var<storage, read> k_cache: array<act>;           // (n_ctx, n_head_kv, HEAD_DIM)
@group(0) @binding(4) var<storage, read> v_cache: array<act>;           // (n_ctx, n_head_kv, HEAD_DIM)
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;     // (n_head, n_split, HEAD_DIM + 2): acc, then m, l
@group(0) @binding(6) var<storage, read_write> out: array<f32>;         // (n_head, HEAD_DIM) at out_offset

var<workgroup> qs: array<f32, MAX_HEAD_DIM>;
var<workgroup> probs: array<f32, WG>;
var<workgroup> tile_max: array<f32, WG>;

// Grid (n_split, n_head).
@compute @workgroup_size(WG)
fn attention_decode(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let split = wg.x;
  let h = wg.y;
  let lid = lid3.x;
  let kvh = h / (p.n_head / p.n_head_kv);
  let kv_width = p.n_head_kv * HEAD_DIM;
  let n_kv = step.n_past + 1u;
  let chunk = (n_kv + p.n_split - 1u) / p.n_split;
  let start = min(split * chunk, n_kv);
  let end = min(start + chunk, n_kv);

  for (var d = lid; d < HEAD_DIM; d += WG) { qs[d] = q[p.q_offset + h * HEAD_DIM + d] * p.scale; }
  workgroupBarrier();

  var m = NEG_BIG;
  var l = 0.0;
  var acc: array<f32, DPT>;
  for (var t0 = start; t0 < end; t0 += WG) {
    let pos = t0 + lid;
    var s = NEG_BIG;
    if (pos < end) {
      let kb = pos * kv_width + kvh * HEAD_DIM;
      s = 0.0;
      for (var d = 0u; d < HEAD_DIM; d++) { s += qs[d] * f32(k_cache[kb + d]); }
    }
    tile_max[lid] = s;
    workgroupBarrier();
    for (var w = WG / 2u; w > 0u; w >>= 1u) {
      if (lid < w) { tile_max[lid] = max(tile_max[lid], tile_max[lid + w]); }
      workgroupBarrier();
    }
    let m_new = max(m, tile_max[0]);
    probs[lid] = select(0.0, exp(s - m_new), pos < end);
    workgroupBarrier();
    let alpha = exp(m - m_new);
    l *= alpha;
    for (var i = 0u; i < DPT; i++) { acc[i] *= alpha; }
    let n = min(WG, end - t0);
    for (var j = 0u; j < n; j++) {
      let pj = probs[j];
      l += pj;
      let vb = (t0 + j) * kv_width + kvh * HEAD_DIM;
      for (var i = 0u; i < DPT; i++) {
        let d = lid + i * WG;
        if (d < HEAD_DIM) { acc[i] += pj * f32(v_cache[vb + d]); }
      }
    }
    m = m_new;
    workgroupBarrier();
  }

  let pb = (h * p.n_split + split) * (HEAD_DIM + 2u);
  for (var i = 0u; i < DPT; i++) {
    let d = lid + i * WG;
    if (d < HEAD_DIM) { partial[pb + d] = acc[i]; }
  }
  if (lid == 0u) {
    partial[pb + HEAD_DIM] = m;
    partial[pb + HEAD_DIM + 1u] = l;
  }
}

// Grid (n_head): out = Σ_s acc_s·exp(m_s − M) / Σ_s l_s·exp(m_s − M), M = max_s m_s.
@compute @workgroup_size(WG)
fn attention_decode_combine(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let h = wg.x;
  let lid = lid3.x;
  let stride = HEAD_DIM + 2u;
  let hb = h * p.n_split * stride;
  var mx = NEG_BIG;
  for (var s = 0u; s < p.n_split; s++) { mx = max(mx, partial[hb + s * stride + HEAD_DIM]); }
  var l = 0.0;
  var acc: array<f32, DPT>;
  for (var s = 0u; s < p.n_split; s++) {
    let sb = hb + s * stride;
    let f = exp(partial[sb + HEAD_DIM] - mx);
    l += partial[sb + HEAD_DIM + 1u] * f;
    for (var i = 0u; i < DPT; i++) {
      let d = lid + i * WG;
      if (d < HEAD_DIM) { acc[i] += partial[sb + d] * f; }
    }
  }
  for (var i = 0u; i < DPT; i++) {
    let d = lid + i * WG;
    if (d < HEAD_DIM) { out[p.out_offset + h * HEAD_DIM + d] = acc[i] / l; }
  }
}
