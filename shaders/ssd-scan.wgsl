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

#include "ssd-io.wgsl"

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
