// Prefill attention, causal, flash form: a chunk of n_tokens queries at positions step.n_past + t
// against cache positions 0..step.n_past + t (the chunk's own K/V were written to the cache first,
// so a chunk sees the earlier chunks' positions and itself causally).
//
// A workgroup holds a tile of BR query rows: TQ consecutive tokens × HG query heads that share one
// KV head (GQA/MQA), row r = (token r / HG, head r % HG). It walks the cache in tiles of BK
// positions, staged once in workgroup memory (as f16 where the cache is f16) and read by all BR
// rows, with an online softmax in f32 (running max m, sum l, accumulators rescaled by
// exp(m_old - m_new)). Tiles past the workgroup's last query are never visited (causal skip);
// only the diagonal tiles are masked per row.
// Per tile: stage K, scores S = Q·Kᵀ (BR × BK), stage V while BR invocations update the softmax
// rows, then O += P·V with each invocation owning BR·HEAD_DIM / WG output elements.
#include "common.wgsl"

override HEAD_DIM: u32 = 64;
override BR: u32 = 16;      // query rows per workgroup
override BK: u32 = 32;      // cache positions per tile
override KV_PAD: u32 = 1;   // row padding of the staged tile: spreads a column's reads over banks
const WG: u32 = 128u;
const MAX_OUT: u32 = 32u;   // BR · HEAD_DIM / WG ≤ MAX_OUT (checked by gpu/ops/attention-prefill.ts)

struct Params {
  n_tokens: u32,
  n_head: u32,
  n_head_kv: u32,
  q_offset: u32,        // element of (token 0, head 0)
  q_stride: u32,        // elements between tokens of q
  out_offset: u32,
  out_stride: u32,      // elements between tokens of out
  scale: f32,           // KQ scale
  heads_per_wg: u32,    // HG: divides n_head / n_head_kv
  tokens_per_wg: u32,   // TQ = floor(BR / HG)
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> q: array<f32>;            // (n_tokens, n_head, HEAD_DIM) at q_offset, token stride q_stride
@group(0) @binding(3) var<storage, read> k_cache: array<act>;      // (n_ctx, n_head_kv, HEAD_DIM)
@group(0) @binding(4) var<storage, read> v_cache: array<act>;      // (n_ctx, n_head_kv, HEAD_DIM)
@group(0) @binding(5) var<storage, read_write> out: array<f32>;    // (n_tokens, n_head, HEAD_DIM) at out_offset, token stride out_stride

override KS: u32 = HEAD_DIM + KV_PAD;
var<workgroup> qs: array<f32, BR * HEAD_DIM>;       // (BR, HEAD_DIM) scaled queries
var<workgroup> kv: array<act, BK * KS>;             // (BK, HEAD_DIM) K tile, then V tile
var<workgroup> sc: array<f32, BR * BK>;             // (BR, BK) scores, then probabilities
var<workgroup> row_m: array<f32, BR>;
var<workgroup> row_l: array<f32, BR>;
var<workgroup> row_alpha: array<f32, BR>;

/** Stages cache rows t0..t0+BK of kv head kvh (zeros past nk: a masked p of 0 times them stays 0). */
fn stage(src_is_v: bool, t0: u32, nk: u32, kvh: u32, lid: u32) {
  let kv_width = p.n_head_kv * HEAD_DIM;
  for (var e = lid; e < BK * HEAD_DIM; e += WG) {
    let j = e / HEAD_DIM;
    let d = e % HEAD_DIM;
    var v = act(0.0);
    if (j < nk) {
      let i = (t0 + j) * kv_width + kvh * HEAD_DIM + d;
      if (src_is_v) { v = v_cache[i]; } else { v = k_cache[i]; }
    }
    kv[j * KS + d] = v;
  }
}

// Grid (ceil(n_tokens / TQ), n_head_kv · (n_head / n_head_kv) / HG).
@compute @workgroup_size(WG)
fn attention_prefill(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  let hg = p.heads_per_wg;
  let tq = p.tokens_per_wg;
  let group = p.n_head / p.n_head_kv;
  let blocks = group / hg;               // head blocks per kv head
  let kvh = wg.y / blocks;
  let h0 = kvh * group + (wg.y % blocks) * hg;
  let q0 = wg.x * tq;
  let n_rows_tok = min(tq, p.n_tokens - q0);
  let kv_end = step.n_past + q0 + n_rows_tok;   // the workgroup's last query sees positions < kv_end

  for (var e = lid; e < BR * HEAD_DIM; e += WG) {
    let r = e / HEAD_DIM;
    let d = e % HEAD_DIM;
    let t = r / hg;
    var v = 0.0;
    if (t < n_rows_tok) { v = q[p.q_offset + (q0 + t) * p.q_stride + (h0 + r % hg) * HEAD_DIM + d] * p.scale; }
    qs[e] = v;
  }
  if (lid < BR) {
    row_m[lid] = NEG_BIG;
    row_l[lid] = 0.0;
  }
  var acc: array<f32, MAX_OUT>;
  for (var i = 0u; i < MAX_OUT; i++) { acc[i] = 0.0; }
  let n_out = (BR * HEAD_DIM + WG - 1u) / WG;
  workgroupBarrier();

  for (var t0 = 0u; t0 < kv_end; t0 += BK) {
    let nk = min(BK, kv_end - t0);
    stage(false, t0, nk, kvh, lid);
    workgroupBarrier();

    for (var e = lid; e < BR * BK; e += WG) {
      let r = e / BK;
      let j = e % BK;
      let t = r / hg;
      // Row r (token q0 + t) sees positions ≤ n_past + q0 + t; rows past the chunk see nothing.
      var s = NEG_BIG;
      if (t < n_rows_tok && t0 + j <= step.n_past + q0 + t) {
        s = 0.0;
        for (var d = 0u; d < HEAD_DIM; d++) { s += qs[r * HEAD_DIM + d] * f32(kv[j * KS + d]); }
      }
      sc[e] = s;
    }
    workgroupBarrier();

    stage(true, t0, nk, kvh, lid);
    if (lid < BR) {
      let r = lid;
      var mt = NEG_BIG;
      for (var j = 0u; j < BK; j++) { mt = max(mt, sc[r * BK + j]); }
      let m_new = max(row_m[r], mt);
      var sum = 0.0;
      for (var j = 0u; j < BK; j++) {
        let s = sc[r * BK + j];
        // Masked entries hold NEG_BIG exactly; they weigh 0 even while the row's max is NEG_BIG.
        let pj = select(exp(s - m_new), 0.0, s == NEG_BIG);
        sc[r * BK + j] = pj;
        sum += pj;
      }
      let alpha = exp(row_m[r] - m_new);
      row_alpha[r] = alpha;
      row_l[r] = row_l[r] * alpha + sum;
      row_m[r] = m_new;
    }
    workgroupBarrier();

    for (var i = 0u; i < n_out; i++) {
      let e = lid + i * WG;
      if (e < BR * HEAD_DIM) {
        let r = e / HEAD_DIM;
        let d = e % HEAD_DIM;
        var a = acc[i] * row_alpha[r];
        for (var j = 0u; j < nk; j++) { a += sc[r * BK + j] * f32(kv[j * KS + d]); }
        acc[i] = a;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < n_out; i++) {
    let e = lid + i * WG;
    if (e < BR * HEAD_DIM) {
      let r = e / HEAD_DIM;
      let d = e % HEAD_DIM;
      let t = r / hg;
      if (t < n_rows_tok && r < tq * hg) {
        out[p.out_offset + (q0 + t) * p.out_stride + (h0 + r % hg) * HEAD_DIM + d] = acc[i] / row_l[r];
      }
    }
  }
}
