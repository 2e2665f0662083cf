// CPU reference for shaders/elementwise.wgsl and softmax.wgsl: residual add, scale, SwiGLU,
// row softmax, and the MoE router's top-k.

/** a + scale·b (Granite scales the branch by residual_scale before the residual add). */
export function add(a: Float32Array, b: Float32Array, scale = 1): Float32Array {
  if (a.length !== b.length) throw new RangeError(`add: lengths ${a.length} and ${b.length} differ`);
  return a.map((x, i) => x + scale * b[i]);
}

/** x·s (embedding_scale, 1/logit_scale). */
export function scale(x: Float32Array, s: number): Float32Array {
  return x.map((v) => v * s);
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** silu(gate)·up, element-wise. */
export function swiglu(gate: Float32Array, up: Float32Array): Float32Array {
  if (gate.length !== up.length) throw new RangeError(`swiglu: lengths ${gate.length} and ${up.length} differ`);
  return gate.map((g, i) => silu(g) * up[i]);
}

/** Softmax over each row of x (nRows, rowLen). */
export function softmaxRows(x: Float32Array, rowLen: number): Float32Array {
  if (rowLen <= 0 || x.length % rowLen !== 0) throw new RangeError(`softmaxRows: ${x.length} values are not rows of ${rowLen}`);
  const y = new Float32Array(x.length);
  for (let base = 0; base < x.length; base += rowLen) {
    let max = -Infinity;
    for (let i = 0; i < rowLen; i++) max = Math.max(max, x[base + i]);
    let sum = 0;
    for (let i = 0; i < rowLen; i++) sum += Math.exp(x[base + i] - max);
    for (let i = 0; i < rowLen; i++) y[base + i] = Math.exp(x[base + i] - max) / sum;
  }
  return y;
}

/** Per row: expert ids (nRows, k), best first, and their probabilities as weights (not renormalized). */
export interface MoeSelection {
  readonly ids: Uint32Array;
  readonly weights: Float32Array;
}

/**
 * The k largest entries of each row of probs (nRows, nExperts): descending, ties to the lower id.
 * The weights are the router probabilities themselves (llama.cpp's Jamba: no renormalization).
 */
export function moeTopK(probs: Float32Array, nExperts: number, k: number): MoeSelection {
  if (k < 1 || k > nExperts) throw new RangeError(`moeTopK: k ${k} outside 1..${nExperts}`);
  const nRows = probs.length / nExperts;
  const ids = new Uint32Array(nRows * k);
  const weights = new Float32Array(nRows * k);
  for (let r = 0; r < nRows; r++) {
    const order = Array.from({ length: nExperts }, (_, e) => e);
    order.sort((a, b) => probs[r * nExperts + b] - probs[r * nExperts + a] || a - b);
    for (let j = 0; j < k; j++) {
      ids[r * k + j] = order[j];
      weights[r * k + j] = probs[r * nExperts + order[j]];
    }
  }
  return { ids, weights };
}

/**
 * MoE combine for one expert: y (nRows, width) += w·x where w is the weight row t gave expert e
 * (sum over its k slots with that id), divided by the row's weight sum when `normalize`.
 */
export function moeCombine(y: Float32Array, x: Float32Array, sel: MoeSelection, k: number, expert: number, width: number, normalize: boolean, scale = 1): void {
  const nRows = y.length / width;
  for (let t = 0; t < nRows; t++) {
    let w = 0, sum = 0;
    for (let j = 0; j < k; j++) {
      sum += sel.weights[t * k + j];
      if (sel.ids[t * k + j] === expert) w += sel.weights[t * k + j];
    }
    if (normalize) w /= sum;
    for (let c = 0; c < width; c++) y[t * width + c] += scale * w * x[t * width + c];
  }
}
