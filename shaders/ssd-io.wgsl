// Mamba-2 SSD kernels' inputs and outputs (ssd-scan.wgsl for decode, ssd-chunk.wgsl for
// prefill): the same parameters and bindings, packed by gpu/ops/ssd-scan.ts ssdIo.
struct Params {
  n_tokens: u32,
  d_inner: u32,          // n_head · head_dim
  head_dim: u32,
  heads_per_group: u32,  // n_head / n_group
  x_offset: u32,         // offsets and strides in elements
  x_stride: u32,
  b_offset: u32,
  b_stride: u32,
  c_offset: u32,
  c_stride: u32,
  z_offset: u32,
  z_stride: u32,
  dt_offset: u32,
  dt_stride: u32,
  y_offset: u32,
  y_stride: u32,
  d_state: u32,          // = D_STATE, as a uniform: ssd-chunk.wgsl's loops over it keep a runtime
                         // bound, which stops CPU Vulkan drivers (lavapipe) unrolling them into
                         // minute-long compiles
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xbc: array<f32>;         // conv output: x (n_tokens, d_inner), B and C (n_tokens, n_group·D_STATE) each, at their offsets
@group(0) @binding(2) var<storage, read> z: array<f32>;           // (n_tokens, d_inner) at z_offset: the gate
@group(0) @binding(3) var<storage, read> dt: array<f32>;          // (n_tokens, n_head) at dt_offset: before bias and softplus
@group(0) @binding(4) var<storage, read> a: array<f32>;           // (n_head): ssm_a = -exp(A_log)
@group(0) @binding(5) var<storage, read> d_skip: array<f32>;      // (n_head): ssm_d
@group(0) @binding(6) var<storage, read> dt_bias: array<f32>;     // (n_head): ssm_dt.bias
@group(0) @binding(7) var<storage, read_write> state: array<f32>; // (n_head, head_dim, D_STATE) = (d_inner, D_STATE)
@group(0) @binding(8) var<storage, read_write> y: array<f32>;     // (n_tokens, d_inner) at y_offset, stride y_stride
