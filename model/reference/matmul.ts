// CPU reference for the matrix kernels (shaders/gemv.wgsl, gemm.wgsl, embedding.wgsl): plain
// loops over Float32Array with f64 accumulation, on weights dequantized by model/quant.
//
// Conventions (ggml): a weight with ne = {K, N} holds N rows of K contiguous elements; row r is
// output r, so y = W x with x of length K and y of length N. Activations are row-major
// (n_tokens, width).
import { dequantize } from '../quant/index.ts';

/** A weight matrix as its raw GGUF bytes: `type` is the GGML type id, N rows of K elements. */
export interface RefWeight {
  readonly type: number;
  readonly bytes: Uint8Array;
  /** ne[0]: row length (innermost). */
  readonly k: number;
  /** ne[1]: number of rows. */
  readonly n: number;
}

/** A dequantized (n, k) matrix, row-major: dequantize once, multiply many times. */
export interface DenseWeight {
  readonly data: Float32Array;
  readonly k: number;
  readonly n: number;
}

export function dequantizeWeight(w: RefWeight): DenseWeight {
  return { data: dequantize(w.type, w.bytes, w.k * w.n), k: w.k, n: w.n };
}

function dense(w: RefWeight | DenseWeight): DenseWeight {
  return 'data' in w ? w : dequantizeWeight(w);
}

/** Dot products of rows of a dense (n, k) matrix `w` with x; f64 accumulation. */
function denseMatVec(w: Float32Array, k: number, n: number, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): void {
  for (let r = 0; r < n; r++) {
    let acc = 0;
    const base = r * k;
    for (let i = 0; i < k; i++) acc += w[base + i] * x[xOffset + i];
    y[yOffset + r] = acc;
  }
}

export interface MatOptions {
  /** (N) added to every output row. */
  readonly bias?: Float32Array;
  /** Same shape as the output: out = accumulate + W x (residual add). */
  readonly accumulate?: Float32Array;
}

/** y (N) = W x (+ bias) (+ accumulate); x has length K. */
export function matVec(w: RefWeight | DenseWeight, x: Float32Array, options: MatOptions = {}): Float32Array {
  return matMul(w, x, 1, options);
}

/** Y (nTokens, N) = X (nTokens, K) · Wᵀ (+ bias per row) (+ accumulate). */
export function matMul(weight: RefWeight | DenseWeight, x: Float32Array, nTokens: number, options: MatOptions = {}): Float32Array {
  const w = dense(weight);
  if (x.length < nTokens * w.k) throw new RangeError(`matMul: x has ${x.length} values, need ${nTokens}×${w.k}`);
  const y = new Float32Array(nTokens * w.n);
  for (let t = 0; t < nTokens; t++) denseMatVec(w.data, w.k, w.n, x, t * w.k, y, t * w.n);
  for (let t = 0; t < nTokens; t++) {
    for (let r = 0; r < w.n; r++) {
      const i = t * w.n + r;
      y[i] = y[i] + (options.bias ? options.bias[r] : 0) + (options.accumulate ? options.accumulate[i] : 0);
    }
  }
  return y;
}

/** Rows `ids` of an embedding table W (ne {width, n_vocab}), dequantized: (ids.length, width). */
export function embeddingRows(weight: RefWeight | DenseWeight, ids: ArrayLike<number>): Float32Array {
  const w = dense(weight);
  const out = new Float32Array(ids.length * w.k);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!(id >= 0 && id < w.n)) throw new RangeError(`embeddingRows: token id ${id} outside 0..${w.n - 1}`);
    out.set(w.data.subarray(id * w.k, (id + 1) * w.k), t * w.k);
  }
  return out;
}
