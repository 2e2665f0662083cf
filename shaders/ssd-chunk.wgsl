// Mamba-2 at prefill in the chunked SSD (matmul) form, with the D skip and the gate fused,
// continuing from and updating the state in place. Same math as ssd-scan.wgsl (its header gives
// the recurrence); per chunk of L tokens, per head h (group g), with dA_t = softplus(dt_t + bias)·A
// and the in-chunk cumulative sum cs_t = Σ_{τ≤t} dA_τ:
//   y_t  = exp(cs_t)·(C_t · S_0)                                  inter-chunk: the carried state
//        + Σ_{τ≤t} exp(cs_t − cs_τ)·(C_t · B_τ)·dt_τ·x_τ          intra-chunk: (C·Bᵀ ⊙ decay mask)·(dt·X)
//   S_L  = exp(cs_L)·S_0 + Σ_τ exp(cs_L − cs_τ)·dt_τ·x_τ ⊗ B_τ     the state passed to the next chunk
// A workgroup takes PB channels of one head and walks the chunks in order; its state block
// (PB, D_STATE) lives in workgroup memory, so no per-token reduction over D_STATE or barrier
// remains: four barriers per chunk of L tokens.
#include "ssm-common.wgsl"

override D_STATE: u32 = 128;
override PB: u32 = 8;     // channels per workgroup; divides head_dim
override L: u32 = 16;     // tokens per chunk
const WG: u32 = 128u;

#include "ssd-io.wgsl"

var<workgroup> S: array<f32, PB * D_STATE>;   // (PB, D_STATE) this block's state
var<workgroup> M: array<f32, L * L>;          // (L, L) C·Bᵀ ⊙ decay mask
var<workgroup> xs: array<f32, L * PB>;        // (L, PB) dt·x
var<workgroup> cs: array<f32, L>;             // in-chunk cumulative dt·A
var<workgroup> dts: array<f32, L>;            // softplus(dt + bias)
var<workgroup> to_end: array<f32, L>;         // exp(cs_last − cs_τ)

// grid: (head_dim / PB, n_head)
@compute @workgroup_size(WG)
fn ssd_chunk(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let lid = lid3.x;
  let head = wid.y;
  let c0 = head * p.head_dim + wid.x * PB;
  let gs = (head / p.heads_per_group) * D_STATE;
  let a_h = a[head];
  let bias = dt_bias[head];
  let d_h = d_skip[head];

  for (var e = lid; e < PB * D_STATE; e += WG) { S[e] = state[c0 * D_STATE + e]; }

  for (var t0 = 0u; t0 < p.n_tokens; t0 += L) {
    let nt = min(L, p.n_tokens - t0);
    if (lid == 0u) {
      var run = 0.0;
      for (var t = 0u; t < nt; t++) {
        let d = softplus(dt[p.dt_offset + (t0 + t) * p.dt_stride + head] + bias);
        dts[t] = d;
        run += d * a_h;
        cs[t] = run;
      }
      for (var t = 0u; t < nt; t++) { to_end[t] = exp(run - cs[t]); }
    }
    workgroupBarrier();

    for (var e = lid; e < L * PB; e += WG) {
      let t = e / PB;
      var v = 0.0;
      if (t < nt) { v = xbc[p.x_offset + (t0 + t) * p.x_stride + c0 + e % PB] * dts[t]; }
      xs[e] = v;
    }
    for (var e = lid; e < L * L; e += WG) {
      let t = e / L;
      let tau = e % L;
      var m = 0.0;
      if (tau <= t && t < nt) {
        let cb = p.c_offset + (t0 + t) * p.c_stride + gs;
        let bb = p.b_offset + (t0 + tau) * p.b_stride + gs;
        var g = 0.0;
        for (var n = 0u; n < p.d_state; n++) { g += xbc[cb + n] * xbc[bb + n]; }
        m = g * exp(cs[t] - cs[tau]);
      }
      M[e] = m;
    }
    workgroupBarrier();

    for (var e = lid; e < L * PB; e += WG) {
      let t = e / PB;
      let j = e % PB;
      if (t < nt) {
        let cb = p.c_offset + (t0 + t) * p.c_stride + gs;
        var inter = 0.0;
        for (var n = 0u; n < p.d_state; n++) { inter += xbc[cb + n] * S[j * D_STATE + n]; }
        var acc = exp(cs[t]) * inter;
        for (var tau = 0u; tau <= t; tau++) { acc += M[t * L + tau] * xs[tau * PB + j]; }
        let c = c0 + j;
        acc += d_h * xbc[p.x_offset + (t0 + t) * p.x_stride + c];
        y[p.y_offset + (t0 + t) * p.y_stride + c] = acc * silu(z[p.z_offset + (t0 + t) * p.z_stride + c]);
      }
    }
    workgroupBarrier();

    let decay = exp(cs[nt - 1u]);
    for (var e = lid; e < PB * D_STATE; e += WG) {
      let j = e / D_STATE;
      let n = e % D_STATE;
      var acc = decay * S[e];
      for (var tau = 0u; tau < nt; tau++) {
        acc += to_end[tau] * xs[tau * PB + j] * xbc[p.b_offset + (t0 + tau) * p.b_stride + gs + n];
      }
      S[e] = acc;
    }
    workgroupBarrier();
  }

  for (var e = lid; e < PB * D_STATE; e += WG) { state[c0 * D_STATE + e] = S[e]; }
}
