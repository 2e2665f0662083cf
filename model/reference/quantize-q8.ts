// CPU reference for shaders/quantize-q8.wgsl: activations to 8-bit blocks of 32 as llama.cpp's
// quantize_row_q8_1 makes them (d = max|x| / 127, q = x / d rounded half away from zero), in f32.

export const Q8_BLOCK = 32;

export interface Q8Blocks {
  /** One signed byte per element. */
  readonly q: Int8Array;
  /** One scale per block of 32: x ≈ d·q. */
  readonly d: Float32Array;
}

/** The nearest integer, ties away from zero (C's roundf). */
export function roundHalfAway(v: number): number {
  return Math.sign(v) * Math.floor(Math.abs(v) + 0.5) + 0;  // + 0: no negative zero
}

/** x (a whole number of blocks) as 8-bit blocks, in f32 arithmetic as the kernel does it. */
export function quantizeQ8(x: Float32Array): Q8Blocks {
  if (x.length % Q8_BLOCK !== 0) throw new RangeError(`quantizeQ8: ${x.length} values are not blocks of ${Q8_BLOCK}`);
  const q = new Int8Array(x.length), d = new Float32Array(x.length / Q8_BLOCK);
  for (let b = 0; b < d.length; b++) {
    let amax = 0;
    for (let i = 0; i < Q8_BLOCK; i++) amax = Math.max(amax, Math.abs(x[b * Q8_BLOCK + i]));
    d[b] = Math.fround(amax / 127);
    const id = d[b] > 0 ? Math.fround(1 / d[b]) : 0;
    for (let i = 0; i < Q8_BLOCK; i++) q[b * Q8_BLOCK + i] = roundHalfAway(Math.fround(x[b * Q8_BLOCK + i] * id));
  }
  return { q, d };
}

/** The values 8-bit blocks stand for: d·q. */
export function dequantizeQ8(blocks: Q8Blocks): Float32Array {
  return Float32Array.from(blocks.q, (v, i) => v * blocks.d[Math.floor(i / Q8_BLOCK)]);
}
