// CPU reference for shaders/logit-mask.wgsl: logits of tokens whose bit is 0 in the vocabulary
// bitset (u32 words, bit i = token i) become -Infinity; the others are unchanged. Returns a copy.
export function applyLogitMask(logits: Float32Array, mask: Uint32Array): Float32Array {
  if (mask.length * 32 < logits.length) throw new RangeError(`logit mask: ${mask.length} words cover ${mask.length * 32} tokens, fewer than ${logits.length}`);
  const out = Float32Array.from(logits);
  for (let i = 0; i < out.length; i++) if (((mask[i >>> 5] >>> (i & 31)) & 1) === 0) out[i] = -Infinity;
  return out;
}
