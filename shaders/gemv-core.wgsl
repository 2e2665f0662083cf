// Matrix-vector product for decode: y = W x (+ bias) (+ y) for a batch of p.tokens ≤ 8 tokens,
// W read straight from its GGUF blocks (any type of quant/decode.wgsl). A workgroup computes
// ROWS output rows for every token: its WG threads stride over the row's 32-weight chunks
// (every block type but Q2_K, Q3_K and IQ4_XS: quant/chunks.wgsl, scales decoded once per chunk,
// aligned word loads) or 8-element units (those three and the float types), then reduce over K: gemv.wgsl in workgroup memory (a tree
// of log2(WG) steps; WG is a power of two), gemv-subgroups.wgsl with subgroupAdd. Each of those
// two files holds the entry point, `fn reduce_partials` and this core.
// W has ne {k, n}: row r is the k contiguous elements of output r. With GATED (an MoE expert's
// matrix), nothing is read or written unless one of the tokens chose the expert.
//
// Fusions, so that a decoded layer needs few dispatches without any kernel reading more bytes:
// - SLOTS matrices (≤ 3, each its own binding, type and output offset) in one dispatch, reading
//   the same x: Q|K|V when their types differ (Q4_K_M gives some layers a Q6_K V). Workgroups
//   take rows of slot 0, then of slot 1, then of slot 2 (p.slot_end). The words of slot m are
//   read through w_word while w_slot = m; each slot's type is a pipeline constant, so once the
//   compiler inlines the per-slot loop each copy folds to one type.
// - NORM: x is the residual stream and the kernel applies RMSNorm on the way in: it multiplies x
//   by the norm weight g, sums x² over the same pass over K, and scales each output by
//   rsqrt(Σx²/k + eps): y = (W (x⊙g))·rsqrt(mean(x²) + eps), which equals W·rmsnorm(x)⊙g.
// - out_scale: y = y + scale·(W x + bias), a residual branch's scale in the residual add's
//   epilogue, or the logits' scale.
// - bias with SLOTS > 1: one vector holding every slot's biases at the slots' y offsets (Qwen2's
//   Q|K|V biases, joined at upload), so biased Q, K and V still take one dispatch.
// - SWIGLU (SLOTS = 2): a workgroup computes rows r of slot 0 (gate) and of slot 1 (up) and
//   writes silu(gate)·up at row r, llama.cpp's silu x/(1 + e^−x).
#include "quant/decode.wgsl"
#include "quant/chunks.wgsl"

override WG: u32 = 64u;
override ROWS: u32 = 1u;        // ≤ MAX_ROWS
override TOKENS: u32 = 1u;      // capacity, ≤ MAX_TOKENS; p.tokens ≤ TOKENS are real (one pipeline per capacity 1, 2, 4, 8)
override HAS_BIAS: bool = false;    // not with SWIGLU; with SLOTS > 1 one vector laid out as the outputs (q|k|v biases)
override ACCUMULATE: bool = false;  // y = y + W x (residual add in place)
override NORM: bool = false;
override SLOTS: u32 = 1u;
override SWIGLU: bool = false;
// Slot m's GGML type and block geometry (float types: a virtual block of 8 elements).
override W0TYPE: u32 = 0u;
override W0_BLOCK_ELEMS: u32 = 8u;
override W0_BLOCK_BYTES: u32 = 32u;
override W1TYPE: u32 = 0u;
override W1_BLOCK_ELEMS: u32 = 8u;
override W1_BLOCK_BYTES: u32 = 32u;
override W2TYPE: u32 = 0u;
override W2_BLOCK_ELEMS: u32 = 8u;
override W2_BLOCK_BYTES: u32 = 32u;

const MAX_ROWS: u32 = 4u;
const MAX_TOKENS: u32 = 8u;
// Rows of partial sums per token in workgroup memory: the outputs (twice with SWIGLU), then Σx².
override PARTIALS: u32 = ROWS * select(1u, 2u, SWIGLU) + select(0u, 1u, NORM);

struct Params {
  k: u32,           // row length (elements), the same for every slot
  units: u32,       // 8-element units per row
  x_offset: u32,    // elements
  x_stride: u32,    // elements between tokens
  y_stride: u32,    // elements between tokens
  bias_offset: u32, // elements; the part's first row
  groups_x: u32,    // workgroups along x (the grid may be 2-D)
  gate_expert: u32, // GATED: this matrix's expert id
  gate_k: u32,      // GATED: experts chosen per token
  eps: f32,         // NORM
  out_scale: f32,   // each output times this before the residual add (Granite's residual and logit scales)
  tokens: u32,      // 1..TOKENS: the tokens in this batch (rows of x and y)
  // Per slot: (rows, bytes per row, byte offset of its first row in its binding, y offset of its
  // first row in elements).
  slot: array<vec4<u32>, 3>,
  slot_end: vec4<u32>,  // the workgroup index where each slot's workgroups end (cumulative)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w0: array<u32>;         // slot 0: (n, row_bytes) raw GGUF bytes
@group(0) @binding(2) var<storage, read> x: array<x_elem>;       // (TOKENS, k) at x_offset, stride x_stride; X_INT8: 8-bit blocks (below)
@group(0) @binding(3) var<storage, read_write> y: array<act>;    // (TOKENS, ·) rows at each slot's y offset, stride y_stride
@group(0) @binding(4) var<storage, read> bias: array<f32>;       // (n) at bias_offset, outputs in y-offset order; F32
@group(0) @binding(6) var<storage, read> norm_w: array<f32>;     // (k) NORM: the RMSNorm weight
@group(0) @binding(7) var<storage, read> w1: array<u32>;         // slot 1 (slot 0's buffer again when unused)
@group(0) @binding(8) var<storage, read> w2: array<u32>;         // slot 2 (likewise)

#include "expert-gate.wgsl"

var<private> w_slot: u32;

fn w_word(i: u32) -> u32 {
  if (SLOTS == 1u || w_slot == 0u) { return w0[i]; }
  if (w_slot == 1u) { return w1[i]; }
  return w2[i];
}

fn slot_type(m: u32) -> u32 {
  return select(select(W2TYPE, W1TYPE, m == 1u), W0TYPE, m == 0u);
}

/** (elements, bytes) of a block of slot m's type. */
fn slot_block(m: u32) -> vec2<u32> {
  return select(select(vec2<u32>(W2_BLOCK_ELEMS, W2_BLOCK_BYTES), vec2<u32>(W1_BLOCK_ELEMS, W1_BLOCK_BYTES), m == 1u),
                vec2<u32>(W0_BLOCK_ELEMS, W0_BLOCK_BYTES), m == 0u);
}

// Per token: rows of partials (the outputs, twice with SWIGLU, then Σx²), WG lanes each; after
// reduce_partials, lane 0 of each row holds its total.
var<workgroup> red: array<f32, WG * PARTIALS * TOKENS>;
// This thread's partials, row i of red: reduce_partials sums them over the workgroup.
var<private> part: array<f32, (2u * MAX_ROWS + 1u) * MAX_TOKENS>;

fn x4(i: u32) -> vec4<f32> {
  return vec4<f32>(f32(x[i]), f32(x[i + 1u]), f32(x[i + 2u]), f32(x[i + 3u]));
}

fn g4(i: u32) -> vec4<f32> {
  return vec4<f32>(norm_w[i], norm_w[i + 1u], norm_w[i + 2u], norm_w[i + 3u]);
}

fn silu(v: f32) -> f32 {
  return v / (1.0 + exp(-v));
}

var<private> ss: array<f32, MAX_TOKENS>;  // NORM: this thread's share of Σx² per token

/** A chunk's 32 activations of one token (runs A and B, normed with NORM) and the sum of each run. */
struct ChunkX {
  a: array<vec4<f32>, 4>,
  b: array<vec4<f32>, 4>,
  sums: vec2<f32>,
}

/**
 * Token t's activations at the chunk's runs e = (e0, e1), from x; adds their squares to ss[t]
 * where sum_squares (NORM: once per token and chunk). A row past p.tokens reads the last real
 * one (in bounds); its sums are never written.
 */
fn chunk_x(t: u32, e: vec2<u32>, sum_squares: bool) -> ChunkX {
  var r: ChunkX;
  let base = p.x_offset + min(t, p.tokens - 1u) * p.x_stride;
  for (var i = 0u; i < 4u; i++) {
    var xa = x4(base + e.x + 4u * i);
    var xb = x4(base + e.y + 4u * i);
    if (NORM && sum_squares) { ss[t] += dot(xa, xa) + dot(xb, xb); }
    if (NORM) { xa *= g4(e.x + 4u * i); xb *= g4(e.y + 4u * i); }
    r.a[i] = xa;
    r.b[i] = xb;
    r.sums += vec2<f32>(dot(xa, vec4<f32>(1.0)), dot(xb, vec4<f32>(1.0)));
  }
  return r;
}

/** chunk·x = sA·Σ qA·xA − mA·Σ xA + sB·Σ qB·xB − mB·Σ xB (quant/chunks.wgsl). */
fn chunk_dot(w: Chunk, xc: ChunkX) -> f32 {
  var d = vec2<f32>();
  for (var i = 0u; i < 4u; i++) { d += vec2<f32>(dot(sbytes4(w.q[i]), xc.a[i]), dot(sbytes4(w.q[4u + i]), xc.b[i])); }
  return dot(w.s, vec4<f32>(d.x, xc.sums.x, d.y, xc.sums.y) * vec4<f32>(1.0, -1.0, 1.0, -1.0));
}

// X_INT8 (variant int8Dot): x holds quantize-q8.wgsl's blocks, 12 words per 32 elements (8 words
// of signed bytes, d, d·Σq of each half), offsets and strides still counted in elements (multiples
// of 32). A chunk's run of 16 lies in one half of one block, so chunk·x takes two packed integer
// dot products of 4 words each: sA·dA·Σ qA·xqA − mA·(dA·Σ xqA) + the same for B. Chunked types only.
struct ChunkXQ {
  a: vec4<u32>,
  b: vec4<u32>,
  d: vec2<f32>,     // the blocks' d of runs A and B
  sums: vec2<f32>,  // d·Σq of runs A and B
}

/** Word i of x as 32 bits (X_INT8; the conversion keeps the float variants compiling). */
fn x_word(i: u32) -> u32 {
  return u32(x[i]);
}

/** The 8-bit run of 16 at element `at` (a multiple of 16): its 4 words, d and d·Σq. */
fn xq_run(at: u32) -> ChunkXQ {
  var r: ChunkXQ;
  let block = (at >> 5u) * 12u;
  let w = block + ((at & 31u) >> 2u);
  r.a = vec4<u32>(x_word(w), x_word(w + 1u), x_word(w + 2u), x_word(w + 3u));
  r.d.x = bitcast<f32>(x_word(block + 8u));
  r.sums.x = bitcast<f32>(x_word(block + 9u + ((at >> 4u) & 1u)));
  return r;
}

fn chunk_xq(t: u32, e: vec2<u32>) -> ChunkXQ {
  let base = p.x_offset + min(t, p.tokens - 1u) * p.x_stride;
  let a = xq_run(base + e.x);
  let b = xq_run(base + e.y);
  return ChunkXQ(a.a, b.a, vec2<f32>(a.d.x, b.d.x), vec2<f32>(a.sums.x, b.sums.x));
}

fn chunk_dot_q(w: Chunk, xq: ChunkXQ) -> f32 {
  let ia = dot_i8x4(w.q[0], xq.a.x) + dot_i8x4(w.q[1], xq.a.y) + dot_i8x4(w.q[2], xq.a.z) + dot_i8x4(w.q[3], xq.a.w);
  let ib = dot_i8x4(w.q[4], xq.b.x) + dot_i8x4(w.q[5], xq.b.y) + dot_i8x4(w.q[6], xq.b.z) + dot_i8x4(w.q[7], xq.b.w);
  return w.s.x * xq.d.x * f32(ia) - w.s.y * xq.sums.x + w.s.z * xq.d.y * f32(ib) - w.s.w * xq.sums.y;
}

/** A chunk's activations of one token in the form the variant reads: 8-bit (X_INT8) or f32. */
struct ChunkIn {
  f: ChunkX,
  q: ChunkXQ,
}

fn chunk_in(t: u32, e: vec2<u32>, sum_squares: bool) -> ChunkIn {
  var r: ChunkIn;
  if (X_INT8) { r.q = chunk_xq(t, e); } else { r.f = chunk_x(t, e, sum_squares); }
  return r;
}

fn chunk_in_dot(w: Chunk, x: ChunkIn) -> f32 {
  if (X_INT8) { return chunk_dot_q(w, x.q); }
  return chunk_dot(w, x.f);
}

/**
 * This thread's partial sums of rows row0.. of slot m, per token. Called with a literal m, so that
 * once inlined the slot's type switch folds to one format, as with a single-type pipeline.
 */
fn slot_dot(m: u32, row0: u32, units: u32, lid: u32, sum_squares: bool) -> array<f32, MAX_ROWS * MAX_TOKENS> {
  var acc: array<f32, MAX_ROWS * MAX_TOKENS>;
  w_slot = m;
  let t_m = slot_type(m);
  let blk = slot_block(m);
  let per_block = blk.x / 8u;
  let s = p.slot[m];
  if (chunked_type(t_m)) {
    // units = k / 8 here, k a whole number of blocks, so k / 32 chunks.
    let per = chunks_per_block(t_m);
    for (var c = lid; c < units / 4u; c += WG) {
      let b = c / per;
      let e = chunk_pos(t_m, c % per) + vec2<u32>(b * blk.x);
      let w_at = s.z + b * blk.y;
      if (TOKENS == 1u) {
        // Decode: the chunk's 32 activations are read (and normed, and summed) once, then serve
        // every row, so the loads per row are the weight words alone.
        let xc = chunk_in(0u, e, sum_squares);
        for (var r = 0u; r < ROWS; r++) {
          acc[r * MAX_TOKENS] += chunk_in_dot(chunk_t(t_m, w_at + min(row0 + r, s.x - 1u) * s.y, c % per), xc);
        }
      } else {
        // A batch: each row's chunk is decoded once and serves every token.
        for (var r = 0u; r < ROWS; r++) {
          let w = chunk_t(t_m, w_at + min(row0 + r, s.x - 1u) * s.y, c % per);
          for (var t = 0u; t < TOKENS; t++) {
            acc[r * MAX_TOKENS + t] += chunk_in_dot(w, chunk_in(t, e, sum_squares && r == 0u));
          }
        }
      }
    }
    return acc;
  }
  for (var g = lid; g < units; g += WG) {
    let b = g / per_block;
    let u = g % per_block;
    let e = w_unit_pos_t(t_m, u) + vec2<u32>(b * blk.x);
    var xs: array<Unit, MAX_TOKENS>;
    for (var t = 0u; t < TOKENS; t++) {
      let base = p.x_offset + min(t, p.tokens - 1u) * p.x_stride;
      let xv = w_mask_t(t_m, Unit(x4(base + e.x), x4(base + e.y)), e, p.k);
      if (NORM && sum_squares) { ss[t] += dot(xv.lo, xv.lo) + dot(xv.hi, xv.hi); }
      xs[t] = xv;
      if (NORM) { xs[t] = Unit(xv.lo * g4(e.x), xv.hi * g4(e.y)); }
    }
    for (var r = 0u; r < ROWS; r++) {
      let row = min(row0 + r, s.x - 1u);
      let v = w_mask_t(t_m, w_unit_t(t_m, s.z + row * s.y + b * blk.y, u), e, p.k);
      for (var t = 0u; t < TOKENS; t++) {
        acc[r * MAX_TOKENS + t] += dot(v.lo, xs[t].lo) + dot(v.hi, xs[t].hi);
      }
    }
  }
  return acc;
}

/** The workgroup's outputs: partial sums over K into `part`, reduce_partials, then the epilogue. */
fn gemv_main(lid: u32, wg: vec3<u32>) {
  let group = wg.x + wg.y * p.groups_x;
  // SWIGLU: every workgroup takes rows of slots 0 and 1; otherwise rows of the one slot its index
  // falls in (a grid rounded up past the last slot's groups finds no row to write).
  var first = 0u;
  if (!SWIGLU && SLOTS > 1u) {
    first = select(select(min(2u, SLOTS - 1u), 1u, group < p.slot_end.y), 0u, group < p.slot_end.x);
  }
  let count = select(1u, 2u, SWIGLU);
  let start = select(0u, p.slot_end[max(first, 1u) - 1u], first > 0u);
  let row0 = (group - start) * ROWS;
  let n = p.slot[first].x;

  let chosen = expert_chosen(0u, p.tokens);
  let units = select(0u, p.units, chosen);
  // Slot 1 of a SwiGLU pair: the up rows, beside slot 0's gate rows.
  var acc: array<f32, MAX_ROWS * MAX_TOKENS>;
  var up: array<f32, MAX_ROWS * MAX_TOKENS>;
  if (SLOTS == 1u || first == 0u) { acc = slot_dot(0u, row0, units, lid, true); }
  else if (first == 1u) { acc = slot_dot(1u, row0, units, lid, true); }
  else { acc = slot_dot(2u, row0, units, lid, true); }
  if (SWIGLU) { up = slot_dot(1u, row0, units, lid, false); }
  for (var r = 0u; r < ROWS; r++) {
    for (var t = 0u; t < TOKENS; t++) {
      part[r * TOKENS + t] = acc[r * MAX_TOKENS + t];
      if (SWIGLU) { part[(ROWS + r) * TOKENS + t] = up[r * MAX_TOKENS + t]; }
    }
  }
  if (NORM) {
    for (var t = 0u; t < TOKENS; t++) { part[count * ROWS * TOKENS + t] = ss[t]; }
  }
  reduce_partials(lid);
  if (!chosen) { return; }
  for (var i = lid; i < ROWS * TOKENS; i += WG) {
    let row = row0 + i / TOKENS;
    let t = i % TOKENS;
    if (row < n && t < p.tokens) {
      var scale = 1.0;
      if (NORM) { scale = inverseSqrt(red[((count * ROWS) * TOKENS + t) * WG] / f32(p.k) + p.eps); }
      var v = red[i * WG] * scale;
      if (SWIGLU) { v = silu(v) * (red[(ROWS * TOKENS + i) * WG] * scale); }
      if (HAS_BIAS) { v += bias[p.bias_offset + p.slot[first].w - p.slot[0].w + row]; }
      v *= p.out_scale;
      let j = p.slot[first].w + t * p.y_stride + row;
      if (ACCUMULATE) { v += f32(y[j]); }
      y[j] = act(v);
    }
  }
}
