// CPU reference for the Mamba-1 recurrent kernels (shaders/ssm-conv.wgsl, shaders/ssm-scan.wgsl):
// plain loops, f64 arithmetic, state kept in Float32Array (f32, as on the GPU and in llama.cpp).
//
// Semantics are llama.cpp's (see ../shared/fixtures/README.md, "Architecture facts"):
//   conv:  y[t,c] = silu(Σ_k w[c,k]·u[t-(d_conv-1)+k, c] + b[c]), u = the carried state, then x
//   scan:  dt = softplus(dt + dt_bias); h = h·exp(dt·A) + (dt·x)·B; y = h·C + D·x; y·silu(z)
// Both update their state in place, so a sequence fed in chunks or one token at a time gives the
// same outputs and the same final state as one call. Mamba-2 (mamba2.ts) reuses the conv.

/**
 * A (n, width) activation inside a larger row-major buffer: element (t, i) is
 * data[offset + t·stride + i]. Lets a caller pass a slice of a fused projection without copying,
 * e.g. x and z of ssm_in's (n, 2·d_inner) output.
 */
export interface RowView {
  readonly data: Float32Array;
  readonly offset: number;
  readonly stride: number;
}

/** A dense (n, width) Float32Array, or a RowView into a wider buffer. */
export type Activation = Float32Array | RowView;

export function rowView(data: Float32Array, stride: number, offset = 0): RowView {
  return { data, offset, stride };
}

/** `a` as a RowView: a dense Float32Array is its own (n, width) view. */
export function asRowView(a: Activation, width: number): RowView {
  return a instanceof Float32Array ? { data: a, offset: 0, stride: width } : a;
}

/** llama.cpp's softplus: identity above 20, where log1p(exp x) equals x in f32. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** Conv state: the last d_conv-1 inputs of every channel, oldest first. data is (d_conv-1, channels). */
export interface ConvState {
  readonly channels: number;
  readonly dConv: number;
  readonly data: Float32Array;
}

export function createConvState(channels: number, dConv: number): ConvState {
  return { channels, dConv, data: new Float32Array((dConv - 1) * channels) };
}

/**
 * Causal depthwise conv1d + bias + SiLU over n tokens, continuing from `state` and updating it.
 * x: (n, channels); weight: (channels, d_conv), i.e. GGUF `ssm_conv1d.weight` ne {d_conv, channels};
 * bias: (channels) or null. Returns (n, channels).
 */
export function causalConv1d(state: ConvState, x: Activation, n: number, weight: Float32Array, bias: Float32Array | null): Float32Array {
  const { channels, dConv } = state;
  const k1 = dConv - 1;
  const xv = asRowView(x, channels);
  const out = new Float32Array(n * channels);
  // u(i, c): position i of [state (k1 rows) ; x (n rows)].
  const u = (i: number, c: number): number => (i < k1 ? state.data[i * channels + c] : xv.data[xv.offset + (i - k1) * xv.stride + c]);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < channels; c++) {
      let acc = bias ? bias[c] : 0;
      for (let k = 0; k < dConv; k++) acc += weight[c * dConv + k] * u(t + k, c);
      out[t * channels + c] = silu(acc);
    }
  }
  const next = new Float32Array(k1 * channels);
  for (let r = 0; r < k1; r++) for (let c = 0; c < channels; c++) next[r * channels + c] = u(n + r, c);
  state.data.set(next);
  return out;
}

/** One token: x (channels) → (channels). Same as causalConv1d with n = 1. */
export function causalConv1dStep(state: ConvState, x: Activation, weight: Float32Array, bias: Float32Array | null): Float32Array {
  return causalConv1d(state, x, 1, weight, bias);
}

/** Mamba-1 SSM state h, data is (d_inner, d_state). */
export interface SsmState {
  readonly dInner: number;
  readonly dState: number;
  readonly data: Float32Array;
}

export function createSsmState(dInner: number, dState: number): SsmState {
  return { dInner, dState, data: new Float32Array(dInner * dState) };
}

/**
 * What a scan reads for n tokens; the shapes are the scan's own (SelectiveScanInputs here,
 * SsdInputs in mamba2.ts). `DtBias` is null where a model may have no `ssm_dt.bias`.
 */
export interface ScanInputs<DtBias extends Float32Array | null> {
  /** The x part of the conv output. */
  readonly x: Activation;
  /** dt, projected but before the bias and softplus. */
  readonly dt: Activation;
  readonly B: Activation;
  readonly C: Activation;
  /** The gate; null for an ungated y. */
  readonly z: Activation | null;
  /** `ssm_a`, already -exp(A_log). */
  readonly A: Float32Array;
  /** `ssm_d`. */
  readonly D: Float32Array;
  /** `ssm_dt.bias`. */
  readonly dtBias: DtBias;
}

/**
 * Mamba-1: x, dt, z (n, d_inner), dt being ssm_dt·dt and z ssm_in's second half; B, C
 * (n, d_state) each, slices of ssm_x's [dt | B | C] output (after Jamba's B/C norms);
 * A (d_inner, d_state); D (d_inner); dtBias (d_inner), or null for none.
 */
export type SelectiveScanInputs = ScanInputs<Float32Array | null>;

/** Selective scan over n tokens, updating `state`. Returns y (n, d_inner), gated by silu(z) if z is given. */
export function selectiveScan(state: SsmState, inp: SelectiveScanInputs, n: number): Float32Array {
  const { dInner, dState } = state;
  const x = asRowView(inp.x, dInner), dt = asRowView(inp.dt, dInner), B = asRowView(inp.B, dState), C = asRowView(inp.C, dState);
  const z = inp.z ? asRowView(inp.z, dInner) : null;
  const h = state.data;
  const y = new Float32Array(n * dInner);
  for (let t = 0; t < n; t++) {
    const bRow = B.offset + t * B.stride, cRow = C.offset + t * C.stride;
    for (let c = 0; c < dInner; c++) {
      const xv = x.data[x.offset + t * x.stride + c];
      const d = softplus(dt.data[dt.offset + t * dt.stride + c] + (inp.dtBias ? inp.dtBias[c] : 0));
      let acc = 0;
      for (let s = 0; s < dState; s++) {
        const i = c * dState + s;
        h[i] = h[i] * Math.exp(d * inp.A[i]) + d * xv * B.data[bRow + s];
        acc += h[i] * C.data[cRow + s];
      }
      acc += inp.D[c] * xv;
      y[t * dInner + c] = z ? acc * silu(z.data[z.offset + t * z.stride + c]) : acc;
    }
  }
  return y;
}

/** One token: every input holds a single row. Same as selectiveScan with n = 1. */
export function selectiveScanStep(state: SsmState, inp: SelectiveScanInputs): Float32Array {
  return selectiveScan(state, inp, 1);
}
