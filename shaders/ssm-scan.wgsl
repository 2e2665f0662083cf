// Mamba-1 selective scan over n tokens, with the D skip and the gate fused, continuing from and
// updating the SSM state in place (n = 1 is the decode step):
//   dt = softplus(dt + dt_bias[c]);  h[c, s] = h[c, s]·exp(dt·A[c, s]) + (dt·x[c])·B[s]
//   y[c] = (Σ_s h[c, s]·C[s] + D[c]·x[c]) · silu(z[c])
// A workgroup holds CPW channels × D_STATE lanes, one state element h[c, s] per invocation in a
// register, and walks the tokens in order. Partial products h·C of TB tokens are gathered in
// workgroup memory, then lane s < TB sums token t0 + s: two barriers per TB tokens.
// y is written over x (same rows): x of a token is read by every lane before the barrier that
// precedes its y being written.
// With BC_NORM (Jamba's decode step) B and C arrive as ssm_x wrote them and are RMS-normed here,
// each lane summing the D_STATE squares of its token's row itself, and weighted by ssm_b_norm /
// ssm_c_norm from the uniform: the dt/B/C norm dispatch goes away (dt is normed by the dt GEMV).
// Prefill uses this same sequential form on purpose. Mamba-1's decay exp(dt·A[c, s]) differs per
// channel AND state lane, so the chunked SSD form (which needs one scalar decay per head to turn
// the chunk into C·Bᵀ matmuls) does not apply, and a parallel (Blelloch) scan over a chunk does
// about twice the work and keeps L states per element. Sequential over tokens with all
// d_inner × d_state elements in parallel is work-optimal and already gives a GPU tens of
// thousands of invocations per layer (Jamba Reasoning 3B: d_inner 5120 × d_state 16); it is the form of the Mamba authors' CUDA selective_scan
// and of llama.cpp's ssm_scan on every backend.
#include "ssm-common.wgsl"

override D_STATE: u32 = 16;  // lanes per channel
override CPW: u32 = 4;       // channels per workgroup; D_STATE·CPW invocations
override TB: u32 = 16;       // tokens per reduction round; TB ≤ D_STATE
override BC_NORM: bool = false;
const BC_NORM_MAX = 64u;     // the most D_STATE lanes BC_NORM's weights have room for

struct Params {
  n_tokens: u32,
  d_inner: u32,
  xy_offset: u32,  // offsets and strides in elements
  xy_stride: u32,
  dt_offset: u32,
  dt_stride: u32,
  b_offset: u32,
  b_stride: u32,
  c_offset: u32,
  c_stride: u32,
  z_offset: u32,
  z_stride: u32,
  eps: f32,                                  // BC_NORM
  bc_w: array<vec4<f32>, BC_NORM_MAX / 2u>,  // BC_NORM: ssm_b_norm in [0, BC_NORM_MAX), ssm_c_norm after
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> xy: array<f32>;    // (n_tokens, d_inner) at xy_offset, stride xy_stride: x in, y out
@group(0) @binding(2) var<storage, read> dt: array<f32>;          // (n_tokens, d_inner) at dt_offset: projected dt, before bias and softplus
@group(0) @binding(3) var<storage, read> bc: array<f32>;          // B and C, (n_tokens, D_STATE) each, at b_offset / c_offset
@group(0) @binding(4) var<storage, read> z: array<f32>;           // (n_tokens, d_inner) at z_offset: the gate
@group(0) @binding(5) var<storage, read> a: array<f32>;           // (d_inner, D_STATE): ssm_a = -exp(A_log)
@group(0) @binding(6) var<storage, read> d_skip: array<f32>;      // (d_inner): ssm_d
@group(0) @binding(7) var<storage, read> dt_bias: array<f32>;     // (d_inner): ssm_dt.bias
@group(0) @binding(8) var<storage, read_write> state: array<f32>; // (d_inner, D_STATE)

#include "scan-reduce.wgsl"

fn bc_weight(i: u32) -> f32 {
  return p.bc_w[i / 4u][i % 4u];
}

/** 1 / RMS of the D_STATE values of B or C starting at `row`. */
fn bc_inv_rms(row: u32) -> f32 {
  var ss = 0.0;
  for (var i = 0u; i < D_STATE; i++) {
    let v = bc[row + i];
    ss += v * v;
  }
  return inverseSqrt(ss / f32(D_STATE) + p.eps);
}

// grid: (ceil(d_inner / CPW))
@compute @workgroup_size(D_STATE, CPW)
fn ssm_scan(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let s = lid.x;
  let j = lid.y;
  let c = wid.x * CPW + j;
  let live = c < p.d_inner;
  var h = 0.0;
  var a_cs = 0.0;
  var bias = 0.0;
  if (live) {
    h = state[c * D_STATE + s];
    a_cs = a[c * D_STATE + s];
    bias = dt_bias[c];
  }
  for (var t0 = 0u; t0 < p.n_tokens; t0 += TB) {
    let nt = min(TB, p.n_tokens - t0);
    for (var i = 0u; i < nt; i++) {
      let t = t0 + i;
      var part = 0.0;
      if (live) {
        let delta = softplus(dt[p.dt_offset + t * p.dt_stride + c] + bias);
        let xv = xy[p.xy_offset + t * p.xy_stride + c];
        let b_row = p.b_offset + t * p.b_stride;
        let c_row = p.c_offset + t * p.c_stride;
        var bv = bc[b_row + s];
        var cv = bc[c_row + s];
        if (BC_NORM) {
          bv *= bc_inv_rms(b_row) * bc_weight(s);
          cv *= bc_inv_rms(c_row) * bc_weight(BC_NORM_MAX + s);
        }
        h = h * exp(delta * a_cs) + delta * xv * bv;
        part = h * cv;
      }
      scan_put(i, j, s, part);
    }
    workgroupBarrier();
    if (live && s < nt) {
      let t = t0 + s;
      var acc = scan_sum(s, j);
      let xi = p.xy_offset + t * p.xy_stride + c;
      acc += d_skip[c] * xy[xi];
      xy[xi] = acc * silu(z[p.z_offset + t * p.z_stride + c]);
    }
    workgroupBarrier();
  }
  if (live) {
    state[c * D_STATE + s] = h;
  }
}
