// Matrix-matrix product for prefill: Y (tokens, n) = X (tokens, k) · Wᵀ (+ bias) (+ Y), W read
// from its GGUF blocks (any type of quant/weights.wgsl). A workgroup computes a TM × TN tile
// (tokens × rows), stepping over K by UT units (8·UT elements): it dequantizes the W tile and
// loads the matching X tile into workgroup memory, then each thread accumulates a 4 × 4 block.
// Within a K step the elements are kept in unit order (lo run, hi run), the same for W and X,
// so the tile never needs the format's element order. W has ne {k, n}. With GATED (an MoE
// expert's matrix), a tile none of whose tokens chose the expert reads and writes nothing.
#include "quant/weights.wgsl"

override TM: u32 = 32u;  // tokens per tile, multiple of 4
override TN: u32 = 32u;  // rows per tile, multiple of 4
override UT: u32 = 4u;   // units per K step
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;  // Y = Y + X Wᵀ (residual add in place)
override WG: u32 = (TM / 4u) * (TN / 4u);

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

// (TN, UT, 2) and (TM, UT, 2) runs of 4: one K step of W rows and X tokens, in unit order.
var<workgroup> ws: array<vec4<f32>, TN * UT * 2u>;
var<workgroup> xs: array<vec4<f32>, TM * UT * 2u>;
var<workgroup> tile_chosen: u32;

#include "expert-gate.wgsl"

fn x4(i: u32) -> vec4<f32> {
  return vec4<f32>(f32(x[i]), f32(x[i + 1u]), f32(x[i + 2u]), f32(x[i + 3u]));
}

@compute @workgroup_size(WG)
fn gemm(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let col0 = wg.x * TN;
  let tok0 = wg.y * TM;
  let tx = lid % (TN / 4u);
  let ty = lid / (TN / 4u);
  var acc: array<vec4<f32>, 4>;  // [token i][row j]
  if (lid == 0u) { tile_chosen = select(0u, 1u, expert_chosen(tok0, min(tok0 + TM, p.tokens))); }
  let chosen = workgroupUniformLoad(&tile_chosen) == 1u;
  let steps = select(0u, (p.units + UT - 1u) / UT, chosen);
  for (var step = 0u; step < steps; step++) {
    for (var i = lid; i < TN * UT; i += WG) {
      let g = step * UT + i % UT;
      let row = min(col0 + i / UT, p.n - 1u);
      var v = Unit(vec4<f32>(), vec4<f32>());
      if (g < p.units) { v = w_mask(w_row_unit(row * p.row_bytes, g), p.k); }
      ws[2u * i] = v.lo;
      ws[2u * i + 1u] = v.hi;
    }
    for (var i = lid; i < TM * UT; i += WG) {
      let g = step * UT + i % UT;
      let tok = tok0 + i / UT;
      var v = Unit(vec4<f32>(), vec4<f32>());
      if (g < p.units && tok < p.tokens) {
        let e = w_unit_pos(g % W_UNITS) + vec2<u32>((g / W_UNITS) * W_BLOCK_ELEMS);
        let base = p.x_offset + tok * p.x_stride;
        v = w_mask(RowUnit(Unit(x4(base + e.x), x4(base + e.y)), e), p.k);
      }
      xs[2u * i] = v.lo;
      xs[2u * i + 1u] = v.hi;
    }
    workgroupBarrier();
    for (var q = 0u; q < 2u * UT; q++) {
      var b: array<vec4<f32>, 4>;
      for (var j = 0u; j < 4u; j++) { b[j] = ws[(tx * 4u + j) * 2u * UT + q]; }
      for (var i = 0u; i < 4u; i++) {
        let a = xs[(ty * 4u + i) * 2u * UT + q];
        acc[i] += vec4<f32>(dot(a, b[0]), dot(a, b[1]), dot(a, b[2]), dot(a, b[3]));
      }
    }
    workgroupBarrier();
  }
  if (!chosen) { return; }
  for (var i = 0u; i < 4u; i++) {
    let tok = tok0 + ty * 4u + i;
    if (tok >= p.tokens) { break; }
    for (var j = 0u; j < 4u; j++) {
      let row = col0 + tx * 4u + j;
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
