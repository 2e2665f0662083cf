// CPU reference for the Mamba-2 kernels (shaders/ssd-scan.wgsl; the grouped norm runs on shaders/rmsnorm.wgsl): plain
// loops, f64 arithmetic, state kept in Float32Array (f32, as on the GPU and in llama.cpp).
// The causal conv1d over xBC is Mamba-1's (mamba.ts: causalConv1d with
// channels = d_inner + 2·n_group·d_state).
//
// Semantics are llama.cpp's (see ../shared/fixtures/README.md, "Architecture facts"):
//   ssm_in output = [z (d_inner) | xBC (d_inner + 2·n_group·d_state) | dt (n_head)], conv on xBC,
//   xBC = [x (n_head·head_dim) | B (n_group·d_state) | C (n_group·d_state)];
//   per head h (group g = h / (n_head/n_group)):
//     dt = softplus(dt[h] + dt_bias[h]); S[h,p,:] = S[h,p,:]·exp(dt·A[h]) + (dt·x[h,p])·B[g,:]
//     y[h,p] = S[h,p,:]·C[g,:] + D[h]·x[h,p];   then y·silu(z), then RMSNorm per group block.
import { asRowView, silu, softplus, type Activation, type ScanInputs } from './mamba.ts';

export interface Mamba2Dims {
  readonly nHead: number;
  readonly headDim: number;
  /** B/C groups; n_head is a multiple of it. */
  readonly nGroup: number;
  readonly dState: number;
}

/** SSD state S, data is (n_head, head_dim, d_state). */
export interface SsdState {
  readonly dims: Mamba2Dims;
  readonly data: Float32Array;
}

export function createSsdState(dims: Mamba2Dims): SsdState {
  return { dims, data: new Float32Array(dims.nHead * dims.headDim * dims.dState) };
}

/**
 * Mamba-2: x, z (n, d_inner), d_inner = n_head·head_dim, x being the x part of the conv output
 * and z ssm_in's z slice; dt (n, n_head), ssm_in's dt slice; B, C (n, n_group·d_state) each, the
 * B and C parts of the conv output; A, D, dtBias (n_head).
 */
export type SsdInputs = ScanInputs<Float32Array>;

/** SSD scan over n tokens, updating `state`. Returns y (n, d_inner) with the D skip, gated by silu(z) if z is given. */
export function ssdScan(state: SsdState, inp: SsdInputs, n: number): Float32Array {
  const { nHead, headDim, nGroup, dState } = state.dims;
  const dInner = nHead * headDim;
  const headsPerGroup = nHead / nGroup;
  const x = asRowView(inp.x, dInner), dt = asRowView(inp.dt, nHead), B = asRowView(inp.B, nGroup * dState), C = asRowView(inp.C, nGroup * dState);
  const z = inp.z ? asRowView(inp.z, dInner) : null;
  const S = state.data;
  const y = new Float32Array(n * dInner);
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < nHead; h++) {
      const g = Math.floor(h / headsPerGroup);
      const d = softplus(dt.data[dt.offset + t * dt.stride + h] + inp.dtBias[h]);
      const decay = Math.exp(d * inp.A[h]);
      const bRow = B.offset + t * B.stride + g * dState, cRow = C.offset + t * C.stride + g * dState;
      for (let p = 0; p < headDim; p++) {
        const c = h * headDim + p;
        const xv = x.data[x.offset + t * x.stride + c];
        let acc = 0;
        for (let s = 0; s < dState; s++) {
          const i = c * dState + s;
          S[i] = S[i] * decay + d * xv * B.data[bRow + s];
          acc += S[i] * C.data[cRow + s];
        }
        acc += inp.D[h] * xv;
        y[t * dInner + c] = z ? acc * silu(z.data[z.offset + t * z.stride + c]) : acc;
      }
    }
  }
  return y;
}

/** One token: every input holds a single row. Same as ssdScan with n = 1. */
export function ssdScanStep(state: SsdState, inp: SsdInputs): Float32Array {
  return ssdScan(state, inp, 1);
}

/**
 * Grouped RMSNorm: each token's d_inner values are n_group blocks of d_inner/n_group, each
 * normalized on its own: y / sqrt(mean(y²) + eps) · w. y: (n, d_inner); weight: (d_inner), i.e.
 * GGUF `ssm_norm` ne {d_inner/n_group, n_group}. Returns (n, d_inner).
 */
export function groupRmsNorm(y: Float32Array, n: number, weight: Float32Array, nGroup: number, eps: number): Float32Array {
  const dInner = weight.length;
  const gs = dInner / nGroup;
  const out = new Float32Array(n * dInner);
  for (let t = 0; t < n; t++) {
    for (let g = 0; g < nGroup; g++) {
      const base = t * dInner + g * gs;
      let ss = 0;
      for (let i = 0; i < gs; i++) ss += y[base + i] * y[base + i];
      const scale = 1 / Math.sqrt(ss / gs + eps);
      for (let i = 0; i < gs; i++) out[base + i] = y[base + i] * scale * weight[g * gs + i];
    }
  }
  return out;
}

/** Mamba-2's output norm as llama.cpp orders it: groupRmsNorm(y · silu(z)). y, z: (n, d_inner). */
export function gatedGroupRmsNorm(y: Float32Array, z: Activation, n: number, weight: Float32Array, nGroup: number, eps: number): Float32Array {
  const dInner = weight.length;
  const zv = asRowView(z, dInner);
  const gated = new Float32Array(n * dInner);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < dInner; c++) gated[t * dInner + c] = y[t * dInner + c] * silu(zv.data[zv.offset + t * zv.stride + c]);
  }
  return groupRmsNorm(gated, n, weight, nGroup, eps);
}
