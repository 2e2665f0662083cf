// Element-wise ops over (n_rows, width) slices: residual add with an optional scale on the added
// branch (Granite's residual_scale), scale by a constant (embedding_scale, 1/logit_scale) and
// SwiGLU silu(gate)·up. Element (t, i) of operand z lives at z_offset + t·z_stride + i.
// One invocation per element; grids past 65535 workgroups are split over x and y.
#include "common.wgsl"

override WG: u32 = 256;

struct Params {
  n_rows: u32,
  width: u32,
  y_offset: u32,
  y_stride: u32,
  a_offset: u32,
  a_stride: u32,
  b_offset: u32,
  b_stride: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;        // (n_rows, width): add's first operand, SwiGLU's gate
@group(0) @binding(2) var<storage, read> b: array<f32>;        // (n_rows, width): the added branch, SwiGLU's up
@group(0) @binding(3) var<storage, read_write> y: array<f32>;  // (n_rows, width): result (in place for *_inplace)

// (row, column) of this invocation, or row = n_rows when it lies past the end.
fn element(wg: vec3u, nwg: vec3u, lid: u32) -> vec2u {
  let e = linear_group(wg, nwg) * WG + lid;
  if (e >= p.n_rows * p.width) { return vec2u(p.n_rows, 0u); }
  return vec2u(e / p.width, e % p.width);
}

fn at(offset: u32, stride: u32, rc: vec2u) -> u32 {
  return offset + rc.x * stride + rc.y;
}

// y = a + scale·b
@compute @workgroup_size(WG)
fn add(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let rc = element(wg, nwg, lid.x);
  if (rc.x >= p.n_rows) { return; }
  y[at(p.y_offset, p.y_stride, rc)] = a[at(p.a_offset, p.a_stride, rc)] + p.scale * b[at(p.b_offset, p.b_stride, rc)];
}

// y += scale·b (the residual stream y accumulates a branch)
@compute @workgroup_size(WG)
fn add_inplace(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let rc = element(wg, nwg, lid.x);
  if (rc.x >= p.n_rows) { return; }
  let i = at(p.y_offset, p.y_stride, rc);
  y[i] = y[i] + p.scale * b[at(p.b_offset, p.b_stride, rc)];
}

// y *= scale
@compute @workgroup_size(WG)
fn scale_inplace(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let rc = element(wg, nwg, lid.x);
  if (rc.x >= p.n_rows) { return; }
  let i = at(p.y_offset, p.y_stride, rc);
  y[i] = y[i] * p.scale;
}

// y = silu(a)·b with a = gate, b = up (both may be slices of one fused buffer)
@compute @workgroup_size(WG)
fn swiglu(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let rc = element(wg, nwg, lid.x);
  if (rc.x >= p.n_rows) { return; }
  let g = a[at(p.a_offset, p.a_stride, rc)];
  y[at(p.y_offset, p.y_stride, rc)] = g / (1.0 + exp(-g)) * b[at(p.b_offset, p.b_stride, rc)];
}
