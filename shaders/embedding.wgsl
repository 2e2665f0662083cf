// Embedding lookup: out[t, :] = row ids[t] of the table W, dequantized (any type of
// quant/weights.wgsl). W has ne {k, n_vocab}; a split table is one dispatch per part, each
// writing only the tokens whose row it holds. One invocation per (8-element unit, token).
// Every value is multiplied by p.scale (Granite's embedding multiplier; 1 for most models).
#include "quant/weights.wgsl"

override WG: u32 = 64u;

struct Params {
  k: u32,          // row length (elements)
  units: u32,      // 8-element units per row
  row_bytes: u32,
  row_start: u32,  // first row of this part
  rows: u32,       // rows in this part
  tokens: u32,
  ids_offset: u32, // elements
  y_offset: u32,   // elements
  y_stride: u32,   // elements between tokens
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<u32>;        // (rows, row_bytes) raw GGUF bytes
@group(0) @binding(2) var<storage, read> ids: array<u32>;      // (tokens) at ids_offset
@group(0) @binding(3) var<storage, read_write> y: array<act>;  // (tokens, k) at y_offset, stride y_stride

@compute @workgroup_size(WG)
fn embedding(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x;
  let t = gid.y;
  if (g >= p.units || t >= p.tokens) { return; }
  let row = ids[p.ids_offset + t] - p.row_start;  // wraps past rows when below row_start
  if (row >= p.rows) { return; }
  let r = w_row_unit(row * p.row_bytes, g);
  let v = w_mask(r, p.k);
  let lo = v.lo * p.scale;
  let hi = v.hi * p.scale;
  let base = p.y_offset + t * p.y_stride;
  for (var i = 0u; i < 4u; i++) {
    if (r.e.x + i < p.k) { y[base + r.e.x + i] = act(lo[i]); }
    if (r.e.y + i < p.k) { y[base + r.e.y + i] = act(hi[i]); }
  }
}
