// Sampling on the GPU: repetition penalty, then the k best logits in the total order
// (value desc, id asc) — k = 1 is argmax with ties to the lowest id — in two passes:
// sample_topk_chunk finds each CHUNK-element chunk's k best, sample_topk_merge merges the
// n_chunks·k candidates and writes k (id, probability) pairs, probabilities being the softmax of
// logit/temperature over those k; then it keeps a top-p / min-p prefix and draws one with the
// counter-based random number of (seed, token index), exactly as engine/sampler.ts defines it
// (same f32 operations in the same order). The drawn id goes to the result, to the next step's
// input id and into the repetition-penalty window, so the next step can run before the CPU
// has read this one: only those 4 bytes are read back.
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
  top_p: f32,           // 1 = off
  min_p: f32,           // 0 = off
  seed: u32,
  counter: u32,         // index of this token in the generation
  window: u32,          // slots of `recent` the penalty window may fill (min(n_recent, last_n)); 0: none kept
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;      // (n_vocab); the penalty is applied in place
@group(0) @binding(2) var<storage, read_write> recent: array<u32>;      // (n_recent) recent token ids, oldest first
@group(0) @binding(3) var<storage, read_write> cand: array<u32>;        // (n_chunks, k, 2): id, bitcast value
@group(0) @binding(4) var<storage, read_write> result: array<u32>;      // (2k + 1): k ids best first, k bitcast f32 probabilities, the drawn id
@group(0) @binding(5) var<storage, read_write> next_id: array<u32>;     // (1) the next step's input id

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

fn lowbias32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

// drawUniform of engine/sampler.ts: 24 random bits, exact in f32.
fn draw_uniform(seed: u32, counter: u32) -> f32 {
  let h = lowbias32(seed ^ lowbias32(counter + 0x9e3779b9u));
  return f32(h >> 8u) * (1.0 / 16777216.0);
}

// keptCount of engine/sampler.ts over picked[0..n) (probabilities, best first).
fn kept_count(n: u32) -> u32 {
  var kept = n;
  if (p.top_p < 1.0) {
    var total = 0.0;
    for (var j = 0u; j < n; j++) { total += picked[j]; }
    var cum = 0.0;
    for (var j = 0u; j < n; j++) {
      cum += picked[j] / total;
      if (cum >= p.top_p) { kept = j + 1u; break; }
    }
  }
  if (p.min_p > 0.0 && kept > 0u) {
    let bar = p.min_p * picked[0];
    var m = 0u;
    while (m < kept && picked[m] >= bar) { m++; }
    kept = m;
  }
  return max(1u, min(kept, n));
}

// drawIndex of engine/sampler.ts.
fn draw_index(n: u32, u: f32) -> u32 {
  var total = 0.0;
  for (var j = 0u; j < n; j++) { total += picked[j]; }
  let r = u * total;
  var cum = 0.0;
  for (var j = 0u; j < n; j++) {
    cum += picked[j];
    if (r < cum) { return j; }
  }
  return n - 1u;
}

// fillRecentWindow of engine/sampler.ts, one token later: append while the window has room,
// else drop the oldest.
fn push_recent(id: u32) {
  let w = min(p.window, p.n_recent);
  if (w == 0u) { return; }
  var filled = 0u;
  while (filled < w && recent[filled] != NONE) { filled++; }
  if (filled < w) {
    recent[filled] = id;
    return;
  }
  for (var j = 0u; j + 1u < w; j++) { recent[j] = recent[j + 1u]; }
  recent[w - 1u] = id;
}

// One workgroup: the k best of all chunks' candidates, their probabilities, then the draw.
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
    var valid = 0u;
    for (var j = 0u; j < p.k; j++) {
      let real = result[j] != NONE;
      // A logit masked to -inf weighs 0, written out so no exp(-inf) is relied upon.
      let w = select(0.0, exp((picked[j] - best) * p.inv_temperature), real && picked[j] >= -3.4e38);
      valid += select(0u, 1u, real);
      picked[j] = w;
      sum += w;
    }
    for (var j = 0u; j < p.k; j++) {
      picked[j] = picked[j] / sum;
      result[p.k + j] = bitcast<u32>(picked[j]);
    }
    let id = result[draw_index(kept_count(valid), draw_uniform(p.seed, p.counter))];
    result[2u * p.k] = id;
    next_id[0] = id;
    push_recent(id);
  }
}
