// Unquantized element types (F32, F16, BF16) and the f16/bf16 <-> f32 conversions the rest of the
// engine reuses. Conversions to the narrow types round to nearest, ties to even, handle
// subnormals, keep ±inf, and map NaN to a quiet NaN of the same sign. Little-endian throughout.
import type { BlockCodec } from './codec.ts';

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

function decodeHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Every f16 bit pattern's value: indexing this table is the fast path of every fp16 read. */
export const F16_TO_F32: Float32Array = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = decodeHalf(h);
  return t;
})();

/** Value of the f16 with bit pattern `h` (0..65535). */
export function f16ToF32(h: number): number {
  return F16_TO_F32[h & 0xffff];
}

/** Bit pattern of the f16 nearest to `x` (first rounded to f32), ties to even. */
export function f32ToF16(x: number): number {
  const b = f32Bits(x);
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return mant ? sign | 0x7e00 | (mant >>> 13) : sign | 0x7c00;
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal f16 (or zero): value = M · 2^-38 with M the 24-bit significand, unit 2^-24.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to inf: exactly IEEE's overflow rounding.
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** `x` rounded to the nearest f16 value. */
export function roundF16(x: number): number {
  return F16_TO_F32[f32ToF16(x)];
}

/** The smallest f16 value ≥ x, for x ≥ 0 finite: a stored scale that never shrinks the range. */
export function roundUpF16(x: number): number {
  let h = f32ToF16(x);
  if (F16_TO_F32[h] < x) h++;
  return F16_TO_F32[h];
}

/** Value of the bf16 with bit pattern `h`: the top half of an f32. */
export function bf16ToF32(h: number): number {
  scratchU32[0] = (h & 0xffff) << 16;
  return scratchF32[0];
}

/**
 * Bit pattern of the bf16 nearest to `x` (first rounded to f32), ties to even. Subnormals round
 * like any other value (as numpy and convert_hf_to_gguf do) rather than flushing to zero.
 */
export function f32ToBf16(x: number): number {
  const b = f32Bits(x);
  if ((b & 0x7fffffff) > 0x7f800000) return (b >>> 16) | 0x40;
  return (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
}

export const F32_CODEC: BlockCodec = {
  decode(src, dst, n) {
    if (src.byteOffset % 4 === 0) dst.set(new Float32Array(src.buffer, src.byteOffset, n));
    else dst.set(new Float32Array(src.slice(0, 4 * n).buffer));
  },
  encode(src, dst, n) {
    dst.set(new Uint8Array(src.buffer, src.byteOffset, 4 * n));
  },
};

export const F16_CODEC: BlockCodec = {
  decode(src, dst, n) {
    for (let i = 0; i < n; i++) dst[i] = F16_TO_F32[src[2 * i] | (src[2 * i + 1] << 8)];
  },
  encode(src, dst, n) {
    for (let i = 0; i < n; i++) {
      const h = f32ToF16(src[i]);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >>> 8;
    }
  },
};

export const BF16_CODEC: BlockCodec = {
  decode(src, dst, n) {
    const bits = new Uint32Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0; i < n; i++) bits[i] = (src[2 * i] | (src[2 * i + 1] << 8)) << 16;
  },
  encode(src, dst, n) {
    for (let i = 0; i < n; i++) {
      const h = f32ToBf16(src[i]);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >>> 8;
    }
  },
};

/** The fp16 stored little-endian at `bytes[offset]`, as a number. */
export function readF16(bytes: Uint8Array, offset: number): number {
  return F16_TO_F32[bytes[offset] | (bytes[offset + 1] << 8)];
}

/** Stores `x` as fp16 at `bytes[offset]`; returns the value actually stored. */
export function writeF16(bytes: Uint8Array, offset: number, x: number): number {
  const h = f32ToF16(x);
  bytes[offset] = h & 0xff;
  bytes[offset + 1] = h >>> 8;
  return F16_TO_F32[h];
}
