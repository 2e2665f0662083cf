// Sampling on the GPU: repetition penalty, then the k best logits in the total order
// (value desc, id asc) — k = 1 is argmax with ties to the lowest id — in two passes:
// sample_topk_chunk finds each CHUNK-element chunk's k best, sample_topk_merge merges the
// n_chunks·k candidates and writes k (id, probability) pairs, probabilities being the softmax of
// logit/temperature over those k. Only those 2k words are read back; top-p, min-p and the draw
// happen on the CPU (gpu/sampler.ts).
// Each pick is the best element strictly after the previous pick in the order, so no element is
// marked or moved and equal values are taken in id order.

const WG: u32 = 256u;
const PER_THREAD: u32 = 8u;
const CHUNK: u32 = 2048u;       // WG · PER_THREAD
const NONE: u32 = 0xffffffffu;

struct Params {
  n_vocab: u32,
  n_chunks: u32,
  n_recent: u32,        // slots in `recent`; empty slots hold 0xffffffff
  k: u32,               // candidates wanted, 1..64 (1 = argmax)
  penalty: f32,         // repetition penalty (1 = none)
  inv_temperature: f32, // 1 / temperature, > 0
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;      // (n_vocab); the penalty is applied in place
@group(0) @binding(2) var<storage, read> recent: array<u32>;            // (n_recent) recent token ids
@group(0) @binding(3) var<storage, read_write> cand: array<u32>;        // (n_chunks, k, 2): id, bitcast value
@group(0) @binding(4) var<storage, read_write> result: array<u32>;      // (2k): k ids best first, then k bitcast f32 probabilities

var<workgroup> chunk_vals: array<f32, CHUNK>;
var<workgroup> red_v: array<f32, WG>;
var<workgroup> red_i: array<u32, WG>;

fn before(av: f32, ai: u32, bv: f32, bi: u32) -> bool {
  return ai != NONE && (bi == NONE || av > bv || (av == bv && ai < bi));
}

// Best (value, id) of all invocations' candidates; every invocation gets the answer.
fn reduce_best(lid: u32, v: f32, i: u32) -> vec2u {
  red_v[lid] = v;
  red_i[lid] = i;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s && before(red_v[lid + s], red_i[lid + s], red_v[lid], red_i[lid])) {
      red_v[lid] = red_v[lid + s];
      red_i[lid] = red_i[lid + s];
    }
    workgroupBarrier();
  }
  let r = vec2u(red_i[0], bitcast<u32>(red_v[0]));
  workgroupBarrier();
  return r;
}

// One invocation per recent slot: llama.cpp's penalty, once per distinct id.
@compute @workgroup_size(64)
fn sample_penalty(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.n_recent) { return; }
  let id = recent[j];
  if (id >= p.n_vocab) { return; }
  for (var e = 0u; e < j; e++) { if (recent[e] == id) { return; } }
  let l = logits[id];
  logits[id] = select(l * p.penalty, l / p.penalty, l > 0.0);
}

// Grid (n_chunks).
@compute @workgroup_size(WG)
fn sample_topk_chunk(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  let base = wg.x * CHUNK;
  let n = min(CHUNK, p.n_vocab - base);
  for (var e = lid; e < n; e += WG) { chunk_vals[e] = logits[base + e]; }
  workgroupBarrier();
  var pv = 0.0;
  var pi = NONE;
  for (var j = 0u; j < p.k; j++) {
    var bv = 0.0;
    var bi = NONE;
    for (var e = lid; e < n; e += WG) {
      let v = chunk_vals[e];
      let id = base + e;
      if ((j == 0u || before(pv, pi, v, id)) && before(v, id, bv, bi)) { bv = v; bi = id; }
    }
    let best = reduce_best(lid, bv, bi);
    if (lid == 0u) {
      cand[(wg.x * p.k + j) * 2u] = best.x;
      cand[(wg.x * p.k + j) * 2u + 1u] = best.y;
    }
    pi = best.x;
    pv = bitcast<f32>(best.y);
  }
}

var<workgroup> picked: array<f32, 64>;

// One workgroup: the k best of all chunks' candidates, then their probabilities.
@compute @workgroup_size(WG)
fn sample_topk_merge(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  let n = p.n_chunks * p.k;
  var pv = 0.0;
  var pi = NONE;
  for (var j = 0u; j < p.k; j++) {
    var bv = 0.0;
    var bi = NONE;
    for (var c = lid; c < n; c += WG) {
      let id = cand[c * 2u];
      let v = bitcast<f32>(cand[c * 2u + 1u]);
      if ((j == 0u || before(pv, pi, v, id)) && before(v, id, bv, bi)) { bv = v; bi = id; }
    }
    let best = reduce_best(lid, bv, bi);
    pi = best.x;
    pv = bitcast<f32>(best.y);
    if (lid == 0u) {
      result[j] = pi;
      picked[j] = pv;
    }
  }
  if (lid == 0u) {
    let best = picked[0];
    var sum = 0.0;
    for (var j = 0u; j < p.k; j++) {
      let w = select(0.0, exp((picked[j] - best) * p.inv_temperature), result[j] != NONE);
      picked[j] = w;
      sum += w;
    }
    for (var j = 0u; j < p.k; j++) { result[p.k + j] = bitcast<u32>(picked[j] / sum); }
  }
}
