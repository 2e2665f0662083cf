// Matrix-matrix product for prefill: Y (tokens, n) = X (tokens, k) · Wᵀ (+ bias) (+ Y), W read
// from its GGUF blocks (any type of quant/weights.wgsl). W has ne {k, n}.
//
// A workgroup computes a TM × TN tile (tokens × rows) and steps over K by UT units (8·UT
// elements). Each step's W tile is dequantized once into workgroup memory, where every thread of
// the tile reuses it, and the matching X tile is loaded beside it. Workgroup memory holds two
// steps (double buffering): step s is loaded while step s-1 is multiplied, so one barrier per K
// step suffices (the one after the multiply; the buffer written next was last read before it).
// A thread owns RM × RN outputs, tokens ty + i·TMT and rows tx + j·TNT: neighbouring threads read
// neighbouring W rows from workgroup memory (no bank conflicts) and write neighbouring outputs.
// Within a K step the elements are kept in unit order (lo run, hi run), the same for W and X,
// so the tile never needs the format's element order.
// `math` is the tile's element type: f16 where the op asks for it (shader-f16: half the
// workgroup memory per element, so K steps twice as long fit); products and sums are f32, as
// dots of 4 products rounded in f16 put a K=512 unit-scale sum past the f16 tolerance (lavapipe).
// With GATED (an MoE expert's matrix), a tile none of whose tokens chose the expert reads and
// writes nothing.
#include "quant/weights.wgsl"

const RM = 8u;  // tokens per thread
const RN = 4u;  // rows per thread

override TM: u32 = 64u;  // tokens per tile, multiple of RM
override TN: u32 = 64u;  // rows per tile, multiple of RN
override UT: u32 = 4u;   // units per K step
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;  // Y = Y + X Wᵀ (residual add in place)
override TMT: u32 = TM / RM;        // threads along tokens
override TNT: u32 = TN / RN;        // threads along rows
override WG: u32 = TMT * TNT;
override Q: u32 = 2u * UT;          // runs of 4 elements per K step

struct Params {
  k: u32,           // row length (elements)
  n: u32,           // rows in this weight part
  row_bytes: u32,
  units: u32,       // 8-element units per row
  tokens: u32,
  x_offset: u32,    // elements
  x_stride: u32,    // elements between tokens
  y_offset: u32,    // elements; includes the part's first row
  y_stride: u32,
  bias_offset: u32, // elements; the part's first row
  gate_expert: u32, // GATED: this matrix's expert id
  gate_k: u32,      // GATED: experts chosen per token
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<u32>;          // (n, row_bytes) raw GGUF bytes
@group(0) @binding(2) var<storage, read> x: array<act>;          // (tokens, k) at x_offset, stride x_stride
@group(0) @binding(3) var<storage, read_write> y: array<act>;    // (tokens, n) at y_offset, stride y_stride
@group(0) @binding(4) var<storage, read> bias: array<f32>;       // (n) at bias_offset; F32 GGUF tensor

// (2, Q, TN) and (2, Q, TM): two K steps of W rows and X tokens, run q of the step outermost.
var<workgroup> ws: array<vec4<math>, 2u * Q * TN>;
var<workgroup> xs: array<vec4<math>, 2u * Q * TM>;

#include "expert-gate.wgsl"

fn x4(i: u32) -> vec4<f32> {
  return vec4<f32>(f32(x[i]), f32(x[i + 1u]), f32(x[i + 2u]), f32(x[i + 3u]));
}

/** Dequantizes K step `step` of the W tile and loads the X tile into buffer `buf`. */
fn load_step(lid: u32, col0: u32, tok0: u32, step: u32, buf: u32) {
  for (var i = lid; i < TN * UT; i += WG) {
    let u = i % UT;
    let r = i / UT;
    let g = step * UT + u;
    let row = min(col0 + r, p.n - 1u);
    var v = Unit(vec4<f32>(), vec4<f32>());
    if (g < p.units) { v = w_mask(w_row_unit(row * p.row_bytes, g), p.k); }
    let at = (buf * Q + 2u * u) * TN + r;
    ws[at] = vec4<math>(v.lo);
    ws[at + TN] = vec4<math>(v.hi);
  }
  for (var i = lid; i < TM * UT; i += WG) {
    let u = i % UT;
    let t = i / UT;
    let g = step * UT + u;
    let tok = tok0 + t;
    var v = Unit(vec4<f32>(), vec4<f32>());
    if (g < p.units && tok < p.tokens) {
      let e = w_unit_pos(g % W_UNITS) + vec2<u32>((g / W_UNITS) * W_BLOCK_ELEMS);
      let base = p.x_offset + tok * p.x_stride;
      v = w_mask(RowUnit(Unit(x4(base + e.x), x4(base + e.y)), e), p.k);
    }
    let at = (buf * Q + 2u * u) * TM + t;
    xs[at] = vec4<math>(v.lo);
    xs[at + TM] = vec4<math>(v.hi);
  }
}

@compute @workgroup_size(WG)
fn gemm(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let col0 = wg.x * TN;
  let tok0 = wg.y * TM;
  let tx = lid % TNT;
  let ty = lid / TNT;
  // Uniform: read-only storage at indices from the workgroup id and uniforms.
  if (!expert_chosen(tok0, min(tok0 + TM, p.tokens))) { return; }
  var acc: array<vec4<f32>, RM>;  // [token ty + i·TMT][row tx + j·TNT]
  let steps = (p.units + UT - 1u) / UT;
  // Runs of the step that can hold data: all of them once the row spans a step. A bound from a
  // uniform, not the constant Q, so that CPU compilers (lavapipe, SwiftShader) keep the loop
  // instead of unrolling Q copies of the RM × RN block; GPUs unroll it as they see fit.
  let runs = min(Q, 2u * p.units);
  // Step s loads buffer s & 1 and multiplies the other (step s - 1): one call site of the
  // dequantizer, one barrier per step (the buffer loaded next was last read before it).
  for (var s = 0u; s <= steps; s++) {
    if (s < steps) { load_step(lid, col0, tok0, s, s & 1u); }
    if (s > 0u) {
      let prev = (s - 1u) & 1u;
      let wb = prev * Q * TN + tx;
      let xb = prev * Q * TM + ty;
      for (var q = 0u; q < runs; q++) {
        var b: array<vec4<f32>, RN>;
        for (var j = 0u; j < RN; j++) { b[j] = vec4<f32>(ws[wb + q * TN + j * TNT]); }
        for (var i = 0u; i < RM; i++) {
          let a = vec4<f32>(xs[xb + q * TM + i * TMT]);
          acc[i] += vec4<f32>(dot(a, b[0]), dot(a, b[1]), dot(a, b[2]), dot(a, b[3]));
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < RM; i++) {
    let tok = tok0 + ty + i * TMT;
    if (tok >= p.tokens) { break; }
    for (var j = 0u; j < RN; j++) {
      let row = col0 + tx + j * TNT;
      if (row < p.n) {
        var v = acc[i][j];
        if (HAS_BIAS) { v += bias[p.bias_offset + row]; }
        let o = p.y_offset + tok * p.y_stride + row;
        if (ACCUMULATE) { v += f32(y[o]); }
        y[o] = act(v);
      }
    }
  }
}
