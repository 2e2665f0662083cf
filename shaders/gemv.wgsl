// Matrix-vector product for decode: y = W x (+ bias) (+ y) for a batch of TOKENS ≤ 8 tokens,
// W read straight from its GGUF blocks (any type of quant/weights.wgsl). A workgroup computes
// ROWS output rows for every token: its WG threads stride over the row's 8-element units, then
// reduce over K in workgroup memory (a tree of log2(WG) steps; WG is a power of two).
// W has ne {k, n}: row r is the k contiguous elements of output r. With GATED (an MoE expert's
// matrix), nothing is read or written unless one of the tokens chose the expert.
#include "quant/weights.wgsl"

override WG: u32 = 64u;
override ROWS: u32 = 1u;        // ≤ MAX_ROWS
override TOKENS: u32 = 1u;      // ≤ MAX_TOKENS
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;  // y = y + W x (residual add in place)

const MAX_ROWS: u32 = 4u;
const MAX_TOKENS: u32 = 8u;

struct Params {
  k: u32,           // row length (elements)
  n: u32,           // rows in this weight part
  row_bytes: u32,   // bytes per row
  units: u32,       // 8-element units per row
  x_offset: u32,    // elements
  x_stride: u32,    // elements between tokens
  y_offset: u32,    // elements; includes the part's first row
  y_stride: u32,    // elements between tokens
  bias_offset: u32, // elements; the part's first row
  groups_x: u32,    // workgroups along x (the grid may be 2-D)
  gate_expert: u32, // GATED: this matrix's expert id
  gate_k: u32,      // GATED: experts chosen per token
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<u32>;          // (n, row_bytes) raw GGUF bytes
@group(0) @binding(2) var<storage, read> x: array<act>;          // (TOKENS, k) at x_offset, stride x_stride
@group(0) @binding(3) var<storage, read_write> y: array<act>;    // (TOKENS, n) at y_offset, stride y_stride
@group(0) @binding(4) var<storage, read> bias: array<f32>;       // (n) at bias_offset; F32 GGUF tensor

#include "expert-gate.wgsl"

var<workgroup> red: array<f32, WG * ROWS * TOKENS>;

fn x4(i: u32) -> vec4<f32> {
  return vec4<f32>(f32(x[i]), f32(x[i + 1u]), f32(x[i + 2u]), f32(x[i + 3u]));
}

@compute @workgroup_size(WG)
fn gemv(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let row0 = (wg.x + wg.y * p.groups_x) * ROWS;
  var acc: array<f32, MAX_ROWS * MAX_TOKENS>;
  let chosen = expert_chosen(0u, TOKENS);
  let units = select(0u, p.units, chosen);
  for (var g = lid; g < units; g += WG) {
    let e = w_unit_pos(g % W_UNITS) + vec2<u32>((g / W_UNITS) * W_BLOCK_ELEMS);
    var xs: array<Unit, MAX_TOKENS>;
    for (var t = 0u; t < TOKENS; t++) {
      let base = p.x_offset + t * p.x_stride;
      xs[t] = w_mask(RowUnit(Unit(x4(base + e.x), x4(base + e.y)), e), p.k);
    }
    for (var r = 0u; r < ROWS; r++) {
      let row = min(row0 + r, p.n - 1u);
      let v = w_mask(w_row_unit(row * p.row_bytes, g), p.k);
      for (var t = 0u; t < TOKENS; t++) {
        acc[r * MAX_TOKENS + t] += dot(v.lo, xs[t].lo) + dot(v.hi, xs[t].hi);
      }
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    for (var t = 0u; t < TOKENS; t++) {
      red[(r * TOKENS + t) * WG + lid] = acc[r * MAX_TOKENS + t];
    }
  }
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      for (var i = 0u; i < ROWS * TOKENS; i++) {
        red[i * WG + lid] += red[i * WG + lid + s];
      }
    }
    workgroupBarrier();
  }
  if (!chosen) { return; }
  for (var i = lid; i < ROWS * TOKENS; i += WG) {
    let row = row0 + i / TOKENS;
    if (row < p.n) {
      var v = red[i * WG];
      if (HAS_BIAS) { v += bias[p.bias_offset + row]; }
      let j = p.y_offset + (i % TOKENS) * p.y_stride + row;
      if (ACCUMULATE) { v += f32(y[j]); }
      y[j] = act(v);
    }
  }
}
