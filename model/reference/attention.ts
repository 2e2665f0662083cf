// CPU reference for shaders/attention-decode.wgsl and attention-prefill.wgsl: causal softmax
// attention with GQA/MQA, f64 accumulation.
//
// Shapes: q (nTokens, nHead, headDim); k and v (nKv, nHeadKv, headDim) — the whole cache so far,
// positions 0..nKv-1; out (nTokens, nHead, headDim). Query head h uses kv head h / (nHead/nHeadKv).

export interface AttentionShape {
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  /** KQ scale, e.g. 1/sqrt(head_dim), or Granite's attention.scale. */
  readonly scale: number;
}

/**
 * Causal attention for nTokens queries at positions nPast..nPast+nTokens-1 over k/v holding
 * positions 0..nPast+nTokens-1 (at least that many rows). Query t sees kv positions 0..nPast+t.
 */
export function attention(q: Float32Array, k: Float32Array, v: Float32Array, nTokens: number, nPast: number, s: AttentionShape): Float32Array {
  const { nHead, nHeadKv, headDim, scale } = s;
  if (nHead % nHeadKv !== 0) throw new RangeError(`attention: n_head ${nHead} is not a multiple of n_head_kv ${nHeadKv}`);
  const nKv = nPast + nTokens;
  const kvWidth = nHeadKv * headDim;
  if (q.length < nTokens * nHead * headDim) throw new RangeError(`attention: q has ${q.length} values, need ${nTokens}×${nHead}×${headDim}`);
  if (k.length < nKv * kvWidth || v.length < nKv * kvWidth) throw new RangeError(`attention: k/v need ${nKv}×${kvWidth} values`);
  const group = nHead / nHeadKv;
  const out = new Float32Array(nTokens * nHead * headDim);
  const scores = new Float64Array(nKv);
  const acc = new Float64Array(headDim);
  for (let t = 0; t < nTokens; t++) {
    const last = nPast + t;
    for (let h = 0; h < nHead; h++) {
      const qBase = (t * nHead + h) * headDim;
      const kvHead = Math.floor(h / group);
      let max = -Infinity;
      for (let p = 0; p <= last; p++) {
        const kBase = p * kvWidth + kvHead * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[qBase + d] * k[kBase + d];
        scores[p] = dot * scale;
        if (scores[p] > max) max = scores[p];
      }
      let sum = 0;
      acc.fill(0);
      for (let p = 0; p <= last; p++) {
        const w = Math.exp(scores[p] - max);
        sum += w;
        const vBase = p * kvWidth + kvHead * headDim;
        for (let d = 0; d < headDim; d++) acc[d] += w * v[vBase + d];
      }
      for (let d = 0; d < headDim; d++) out[qBase + d] = acc[d] / sum;
    }
  }
  return out;
}

/** One query (nHead, headDim) against the first nKv cache positions: the decode step. */
export function attentionDecode(q: Float32Array, k: Float32Array, v: Float32Array, nKv: number, s: AttentionShape): Float32Array {
  return attention(q, k, v, 1, nKv - 1, s);
}
