// Mamba-2 SSD scan over n tokens, sequential over tokens, with the D skip and the gate fused,
// continuing from and updating the state in place. The graph uses it for the decode step (n = 1);
// prefill chunks take the chunked SSD form (ssd-chunk.wgsl), which gives the same y and state.
// Channel c = head·head_dim + p, its head h = c / head_dim, B/C group g = h / heads_per_group:
//   dt = softplus(dt[h] + dt_bias[h]);  S[c, s] = S[c, s]·exp(dt·A[h]) + (dt·x[c])·B[g, s]
//   y[c] = (Σ_s S[c, s]·C[g, s] + D[h]·x[c]) · silu(z[c])
// The grouped RMSNorm that follows is rmsnorm.wgsl (one weight row per group). Parallel layout as ssm-scan.wgsl: CPW
// channels × D_STATE lanes per workgroup, one state element per invocation, partial S·C of TB
// tokens reduced in workgroup memory with two barriers per round.
#include "ssm-common.wgsl"

override D_STATE: u32 = 128;  // lanes per channel
override CPW: u32 = 2;        // channels per workgroup; D_STATE·CPW invocations
override TB: u32 = 16;        // tokens per reduction round; TB ≤ D_STATE

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

#include "scan-reduce.wgsl"

// grid: (ceil(d_inner / CPW))
@compute @workgroup_size(D_STATE, CPW)
fn ssd_scan(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let s = lid.x;
  let j = lid.y;
  let c = wid.x * CPW + j;
  let live = c < p.d_inner;
  let head = c / p.head_dim;
  let gs = (head / p.heads_per_group) * D_STATE + s;
  var h = 0.0;
  var a_h = 0.0;
  var bias = 0.0;
  if (live) {
    h = state[c * D_STATE + s];
    a_h = a[head];
    bias = dt_bias[head];
  }
  for (var t0 = 0u; t0 < p.n_tokens; t0 += TB) {
    let nt = min(TB, p.n_tokens - t0);
    for (var i = 0u; i < nt; i++) {
      let t = t0 + i;
      var part = 0.0;
      if (live) {
        let delta = softplus(dt[p.dt_offset + t * p.dt_stride + head] + bias);
        let xv = xbc[p.x_offset + t * p.x_stride + c];
        h = h * exp(delta * a_h) + delta * xv * xbc[p.b_offset + t * p.b_stride + gs];
        part = h * xbc[p.c_offset + t * p.c_stride + gs];
      }
      scan_put(i, j, s, part);
    }
    workgroupBarrier();
    if (live && s < nt) {
      let t = t0 + s;
      var acc = scan_sum(s, j);
      acc += d_skip[head] * xbc[p.x_offset + t * p.x_stride + c];
      y[p.y_offset + t * p.y_stride + c] = acc * silu(z[p.z_offset + t * p.z_stride + c]);
    }
    workgroupBarrier();
  }
  if (live) {
    state[c * D_STATE + s] = h;
  }
}
