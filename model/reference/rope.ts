// CPU reference for shaders/rope.wgsl (llama.cpp's ggml_rope_ext with ext_factor 0, attn_factor 1).

export interface RopeParams {
  /** Number of rotated dimensions (≤ head_dim, even); dims from nRot on pass through. */
  readonly nRot: number;
  readonly freqBase: number;
  /** Linear scaling: 1 / rope.scaling.factor (1 = none). */
  readonly freqScale: number;
  /** NEOX pairs (i, i + nRot/2) instead of normal pairs (2i, 2i+1). */
  readonly neox: boolean;
  /** Optional rope_freqs.weight (nRot/2): θ_i is divided by factor i. */
  readonly freqFactors?: Float32Array;
}

/** θ for pair i at position pos: pos · freqScale · base^(-2i/nRot) / factor_i. */
export function ropeTheta(pos: number, i: number, p: RopeParams): number {
  const f = p.freqFactors ? p.freqFactors[i] : 1;
  return (pos * p.freqScale * Math.pow(p.freqBase, (-2 * i) / p.nRot)) / f;
}

/**
 * Rotates x (nTokens, nHeads, headDim); token t sits at position positions[t].
 * Returns a new array; x is not changed.
 */
export function rope(x: Float32Array, nTokens: number, nHeads: number, headDim: number, positions: ArrayLike<number>, p: RopeParams): Float32Array {
  if (x.length !== nTokens * nHeads * headDim) throw new RangeError(`rope: x has ${x.length} values, need ${nTokens}×${nHeads}×${headDim}`);
  if (p.nRot > headDim || p.nRot % 2 !== 0) throw new RangeError(`rope: nRot ${p.nRot} must be even and ≤ head_dim ${headDim}`);
  const y = Float32Array.from(x);
  const half = p.nRot / 2;
  for (let t = 0; t < nTokens; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const theta = ropeTheta(positions[t], i, p);
        const c = Math.cos(theta), s = Math.sin(theta);
        const i0 = p.neox ? base + i : base + 2 * i;
        const i1 = p.neox ? base + i + half : base + 2 * i + 1;
        const x0 = x[i0], x1 = x[i1];
        y[i0] = x0 * c - x1 * s;
        y[i1] = x0 * s + x1 * c;
      }
    }
  }
  return y;
}
