// CPU reference for shaders/rmsnorm.wgsl: plain loops, f64 accumulation.
// llama.cpp semantics: y = x / sqrt(mean(x²) + eps) * w.

/**
 * RMSNorm over consecutive rows of `rowLen` elements of x (n_rows, rowLen).
 *
 * `weight` may be omitted (no-weight form), have `rowLen` elements (one weight shared by every
 * row: a hidden-state norm, or Qwen3's per-head q/k norm with rowLen = head_dim), or a multiple
 * of `rowLen` (n_group rows of weights: row r uses weight row r mod n_group — Mamba-2's grouped
 * norm with rows of d_inner/n_group).
 */
export function rmsNorm(x: Float32Array, rowLen: number, eps: number, weight?: Float32Array): Float32Array {
  if (rowLen <= 0 || x.length % rowLen !== 0) throw new RangeError(`rmsNorm: ${x.length} values are not rows of ${rowLen}`);
  if (weight && weight.length % rowLen !== 0) throw new RangeError(`rmsNorm: weight of ${weight.length} is not rows of ${rowLen}`);
  const nGroups = weight ? weight.length / rowLen : 1;
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length / rowLen; r++) {
    const base = r * rowLen;
    let ss = 0;
    for (let i = 0; i < rowLen; i++) ss += x[base + i] * x[base + i];
    const inv = 1 / Math.sqrt(ss / rowLen + eps);
    const wBase = (r % nGroups) * rowLen;
    for (let i = 0; i < rowLen; i++) y[base + i] = x[base + i] * inv * (weight ? weight[wBase + i] : 1);
  }
  return y;
}
