// Decode attention (flash-decoding), the part both reduction variants share: one query token at
// position step.n_past against cache positions 0..step.n_past (its own K/V already written).
// Included by attention-decode.wgsl (workgroup-memory reductions) and
// attention-decode-subgroups.wgsl (subgroup shuffles), which each define
//   fn cluster_sum(s: array<f32, GMAX>, lid: u32, lane: u32) -> array<f32, GMAX>
// (the sum over the CLUSTER invocations that share one cached position) and the entry point.
//
// One workgroup per (split, KV head, block of GH query heads): every query head of a KV head
// is served by the workgroup that reads that KV head's rows, so GQA/MQA read K and V once
// (GH is the largest divisor of n_head/n_head_kv up to GMAX; past GMAX a KV head is read by
// n_head/n_head_kv/GH workgroups). The grid holds n_split_max splits; the splits used grow with
// the length, n_split = clamp(ceil(n_kv / min_chunk), 1, n_split_max), and workgroups past it
// return at once, so one recorded dispatch serves every position. Each split runs an online
// softmax over tiles of TILE positions and leaves (acc, m, l) in `partial`; the combine entry
// point merges the n_split of them.
//
// Loads: scores read K as vec4 with CLUSTER = 4 invocations per position (4 consecutive vec4s,
// 64 bytes f32 / 32 bytes f16, per step); V is read one whole row per D4 consecutive
// invocations. Both are the cache's own layout (n_ctx, n_head_kv, HEAD_DIM).
#include "common.wgsl"

override HEAD_DIM: u32 = 128;           // ≤ MAX_HEAD_DIM
override GH: u32 = 8;                   // query heads per workgroup, ≤ GMAX
override D4: u32 = (HEAD_DIM + 3u) / 4u;  // vec4s per head row
// HEAD_DIM not a multiple of 4 (tiny test models): rows are not vec4-aligned, so K/V are read
// element by element through k_flat/v_flat (the same buffers) and the tail vec4 is zero-padded.
override SCALAR_KV: bool = false;
override R: u32 = WG / D4;              // positions the V pass reads at once
const MAX_HEAD_DIM: u32 = 256u;
const WG: u32 = 128u;
const CLUSTER: u32 = 4u;                // ≤ the smallest subgroup WebGPU allows (4)
const TILE: u32 = WG / CLUSTER;         // positions per tile
const GMAX: u32 = 8u;

struct Params {
  n_head_kv: u32,
  group: u32,           // query heads per KV head: n_head / n_head_kv
  head_blocks: u32,     // workgroups per KV head: group / GH
  n_split_max: u32,     // grid x
  min_chunk: u32,       // fewest positions a split takes before another split is used
  q_offset: u32,        // element of head 0 of the query: q is (n_head, HEAD_DIM)
  out_offset: u32,      // element of head 0 of the output (n_head, HEAD_DIM)
  scale: f32,           // KQ scale
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> q: array<f32>;                 // (n_head, HEAD_DIM) at q_offset
@group(0) @binding(3) var<storage, read> k_cache: array<vec4<act>>;     // (n_ctx, n_head_kv, D4)
@group(0) @binding(4) var<storage, read> v_cache: array<vec4<act>>;     // (n_ctx, n_head_kv, D4)
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;     // (n_head, n_split_max, HEAD_DIM + 2): acc, then m, l
@group(0) @binding(6) var<storage, read_write> out: array<f32>;         // (n_head, HEAD_DIM) at out_offset
@group(0) @binding(7) var<storage, read> k_flat: array<act>;            // k_cache as elements, read when SCALAR_KV
@group(0) @binding(8) var<storage, read> v_flat: array<act>;            // v_cache as elements

var<workgroup> qs: array<vec4f, GMAX * MAX_HEAD_DIM / 4u>;   // (GH, D4) query rows, pre-scaled
var<workgroup> sc: array<f32, GMAX * TILE>;                  // (GH, TILE) scores, then probabilities
var<workgroup> stat_m: array<f32, GMAX>;                     // running max per query head
var<workgroup> stat_l: array<f32, GMAX>;                     // running softmax sum
var<workgroup> stat_alpha: array<f32, GMAX>;                 // exp(m_old − m_new) of the current tile
var<workgroup> red: array<vec4f, WG>;                        // end-of-split sum over the V pass's rows

// vec4 i of the K (or V) row that starts at element `row`.
fn load_k(row: u32, i: u32) -> vec4f {
  if (SCALAR_KV) {
    var r = vec4f(0.0);
    for (var c = 0u; c < 4u; c++) { if (4u * i + c < HEAD_DIM) { r[c] = f32(k_flat[row + 4u * i + c]); } }
    return r;
  }
  return vec4f(k_cache[row / 4u + i]);
}

fn load_v(row: u32, i: u32) -> vec4f {
  if (SCALAR_KV) {
    var r = vec4f(0.0);
    for (var c = 0u; c < 4u; c++) { if (4u * i + c < HEAD_DIM) { r[c] = f32(v_flat[row + 4u * i + c]); } }
    return r;
  }
  return vec4f(v_cache[row / 4u + i]);
}

fn n_splits(n_kv: u32) -> u32 {
  return clamp((n_kv + p.min_chunk - 1u) / p.min_chunk, 1u, p.n_split_max);
}

fn partial_base(h: u32, split: u32) -> u32 {
  return (h * p.n_split_max + split) * (HEAD_DIM + 2u);
}

// One split of one (KV head, head block). `slot` is the position in a tile this invocation scores
// and `lane` its part of that position (lane 0..CLUSTER-1); the variant picks them so that a
// cluster is what cluster_sum reduces over.
fn decode_split(wg: vec3u, lid: u32, slot: u32, lane: u32) {
  let split = wg.x;
  let n_kv = step.n_past + 1u;
  let ns = n_splits(n_kv);
  if (split >= ns) { return; }
  let kvh = wg.y / p.head_blocks;
  let h0 = kvh * p.group + (wg.y % p.head_blocks) * GH;
  let chunk = (n_kv + ns - 1u) / ns;
  let start = min(split * chunk, n_kv);
  let end = min(start + chunk, n_kv);

  for (var i = lid; i < GH * D4; i += WG) {
    let g = i / D4;
    let d = 4u * (i % D4);
    let b = p.q_offset + (h0 + g) * HEAD_DIM + d;
    var v = vec4f(0.0);
    for (var c = 0u; c < 4u; c++) { if (d + c < HEAD_DIM) { v[c] = q[b + c]; } }
    qs[i] = v * p.scale;
  }
  if (lid < GH) {
    stat_m[lid] = NEG_BIG;
    stat_l[lid] = 0.0;
  }
  workgroupBarrier();

  let vd = lid % D4;
  let vr = lid / D4;
  var acc: array<vec4f, GMAX>;
  for (var t0 = start; t0 < end; t0 += TILE) {
    // Scores of TILE positions for every query head of the block.
    let pos = t0 + slot;
    let valid = pos < end;
    // Zeroed by hand: SwiftShader keeps a loop-body `var`'s value from the previous iteration.
    var s: array<f32, GMAX>;
    for (var g = 0u; g < GH; g++) { s[g] = 0.0; }
    if (valid) {
      let kb = (pos * p.n_head_kv + kvh) * HEAD_DIM;
      for (var i = lane; i < D4; i += CLUSTER) {
        let k = load_k(kb, i);
        for (var g = 0u; g < GH; g++) { s[g] += dot(qs[g * D4 + i], k); }
      }
    }
    s = cluster_sum(s, lid, lane);
    if (lane == 0u) {
      for (var g = 0u; g < GH; g++) { sc[g * TILE + slot] = select(NEG_BIG, s[g], valid); }
    }
    workgroupBarrier();

    // Online softmax: the tile's max per head, then its probabilities.
    if (lid < GH) {
      var mx = NEG_BIG;
      for (var j = 0u; j < TILE; j++) { mx = max(mx, sc[lid * TILE + j]); }
      let m_new = max(stat_m[lid], mx);
      stat_alpha[lid] = exp(stat_m[lid] - m_new);
      stat_m[lid] = m_new;
    }
    workgroupBarrier();
    for (var e = lid; e < GH * TILE; e += WG) { sc[e] = exp(sc[e] - stat_m[e / TILE]); }
    workgroupBarrier();

    if (lid < GH) {
      var l = 0.0;
      for (var j = 0u; j < TILE; j++) { l += sc[lid * TILE + j]; }
      stat_l[lid] = stat_l[lid] * stat_alpha[lid] + l;
    }
    // acc[g] = acc[g]·alpha + Σ_j p[g, j]·V[j]: invocation (vr, vd) takes vec4 vd of rows vr, vr + R, …
    if (vr < R) {
      for (var g = 0u; g < GH; g++) { acc[g] *= stat_alpha[g]; }
      let n = end - t0;
      for (var j = vr; j < min(n, TILE); j += R) {
        let v = load_v(((t0 + j) * p.n_head_kv + kvh) * HEAD_DIM, vd);
        for (var g = 0u; g < GH; g++) { acc[g] += sc[g * TILE + j] * v; }
      }
    }
    workgroupBarrier();
  }

  for (var g = 0u; g < GH; g++) {
    red[lid] = acc[g];
    workgroupBarrier();
    if (lid < D4) {
      var a = vec4f(0.0);
      for (var r = 0u; r < R; r++) { a += red[r * D4 + lid]; }
      let pb = partial_base(h0 + g, split) + 4u * lid;
      for (var c = 0u; c < 4u; c++) { if (4u * lid + c < HEAD_DIM) { partial[pb + c] = a[c]; } }
    }
    workgroupBarrier();
  }
  if (lid < GH) {
    let pb = partial_base(h0 + lid, split);
    partial[pb + HEAD_DIM] = stat_m[lid];
    partial[pb + HEAD_DIM + 1u] = stat_l[lid];
  }
}

// Grid (n_head): out = Σ_s acc_s·exp(m_s − M) / Σ_s l_s·exp(m_s − M), M = max_s m_s, over the
// splits this length used.
@compute @workgroup_size(WG)
fn attention_decode_combine(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = wg.x;
  let ns = n_splits(step.n_past + 1u);
  var mx = NEG_BIG;
  for (var s = 0u; s < ns; s++) { mx = max(mx, partial[partial_base(h, s) + HEAD_DIM]); }
  var l = 0.0;
  for (var s = 0u; s < ns; s++) {
    let sb = partial_base(h, s);
    l += partial[sb + HEAD_DIM + 1u] * exp(partial[sb + HEAD_DIM] - mx);
  }
  for (var d = lid; d < HEAD_DIM; d += WG) {
    var a = 0.0;
    for (var s = 0u; s < ns; s++) {
      let sb = partial_base(h, s);
      a += partial[sb + d] * exp(partial[sb + HEAD_DIM] - mx);
    }
    out[p.out_offset + h * HEAD_DIM + d] = a / l;
  }
}
