// The 32-element block formats of ggml-common.h: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and IQ4_NL.
// Shared nibble layout (Q4_*, Q5_*, IQ4_NL): byte j of qs holds element j in its low nibble and
// element j+16 in its high nibble. Q5_*: bit k of qh (a little-endian u32) is bit 4 of element k.
//
// The quantizers are plain round-to-nearest against the scale as stored (already rounded to
// fp16), so the error bound of each format holds for the bytes actually written.
import type { BlockCodec } from './codec.ts';
import { readF16, writeF16 } from './float.ts';

const QK = 32;

/** The value of largest magnitude in x[o..o+n) (keeping its sign), as ggml's quantizers pick it. */
function signedMax(x: Float32Array, o: number, n: number): number {
  let amax = 0, max = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i];
    if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
  }
  return max;
}

function minMax(x: Float32Array, o: number, n: number): [number, number] {
  let min = x[o], max = x[o];
  for (let i = 1; i < n; i++) {
    const v = x[o + i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** Writes 32 nibbles q[0..32) into 16 bytes at dst[o] in the Q4_0 layout. */
function packNibbles(q: Uint8Array, dst: Uint8Array, o: number): void {
  for (let j = 0; j < 16; j++) dst[o + j] = (q[j] & 15) | ((q[j + 16] & 15) << 4);
}

/** Bit 4 of each of q[0..32) as the little-endian u32 qh at dst[o]. */
function packHighBits(q: Uint8Array, dst: Uint8Array, o: number): void {
  let qh = 0;
  for (let j = 0; j < QK; j++) qh |= ((q[j] >>> 4) & 1) << j;
  dst[o] = qh & 0xff;
  dst[o + 1] = (qh >>> 8) & 0xff;
  dst[o + 2] = (qh >>> 16) & 0xff;
  dst[o + 3] = qh >>> 24;
}

const readU32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

// block_q8_0 { d: fp16; qs: int8[32] } — x = d·q.
export const Q8_0_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 34, y = b * QK;
      const d = readF16(src, o);
      for (let j = 0; j < QK; j++) dst[y + j] = d * ((src[o + 2 + j] << 24) >> 24);
    }
  },
  encode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 34, x = b * QK;
      const d = writeF16(dst, o, Math.abs(signedMax(src, x, QK)) / 127);
      const id = d ? 1 / d : 0;
      for (let j = 0; j < QK; j++) dst[o + 2 + j] = clamp(Math.round(src[x + j] * id), -127, 127) & 0xff;
    }
  },
};

/**
 * A 32-element format in the shared nibble layout. A block is d: fp16, then m: fp16 where
 * `hasMin`, then qh: u8[4] where `bits` is 5, then qs: u8[16].
 */
interface NibbleFormat {
  readonly bits: 4 | 5;
  readonly hasMin: boolean;
  /** The block's d and m before rounding to fp16 (m is 0 without a min). */
  scales(src: Float32Array, x: number): [number, number];
  /** The level of element v, given id = 1/d (0 where d is 0) and m as stored. */
  level(v: number, id: number, m: number): number;
  /** The value of level q, given d and m as stored. */
  value(q: number, d: number, m: number): number;
}

function nibbleCodec(f: NibbleFormat): BlockCodec {
  const qhAt = f.hasMin ? 4 : 2;
  const qsAt = f.bits === 5 ? qhAt + 4 : qhAt;
  const size = qsAt + 16;
  return {
    decode(src, dst, blocks) {
      for (let b = 0; b < blocks; b++) {
        const o = b * size, y = b * QK;
        const d = readF16(src, o), m = f.hasMin ? readF16(src, o + 2) : 0;
        const qh = f.bits === 5 ? readU32(src, o + qhAt) : 0;
        for (let j = 0; j < 16; j++) {
          const v = src[o + qsAt + j];
          dst[y + j] = f.value((v & 15) | (((qh >>> j) & 1) << 4), d, m);
          dst[y + j + 16] = f.value((v >>> 4) | (((qh >>> (j + 16)) & 1) << 4), d, m);
        }
      }
    },
    encode(src, dst, blocks) {
      const q = new Uint8Array(QK);
      for (let b = 0; b < blocks; b++) {
        const o = b * size, x = b * QK;
        const [dx, mx] = f.scales(src, x);
        const d = writeF16(dst, o, dx);
        const m = f.hasMin ? writeF16(dst, o + 2, mx) : 0;
        const id = d ? 1 / d : 0;
        for (let j = 0; j < QK; j++) q[j] = f.level(src[x + j], id, m);
        if (f.bits === 5) packHighBits(q, dst, o + qhAt);
        packNibbles(q, dst, o + qsAt);
      }
    },
  };
}

/** x = d·(q − half), q 0..2·half−1: the largest magnitude lands on −half. */
function symmetricCodec(bits: 4 | 5): BlockCodec {
  const half = 1 << (bits - 1), top = 2 * half - 1;
  return nibbleCodec({
    bits, hasMin: false,
    scales: (src, x) => [signedMax(src, x, QK) / -half, 0],
    level: (v, id) => clamp(Math.round(v * id) + half, 0, top),
    value: (q, d) => d * (q - half),
  });
}

/** x = d·q + m, q 0..2^bits−1, over the block's [min, max]. */
function affineCodec(bits: 4 | 5): BlockCodec {
  const top = (1 << bits) - 1;
  return nibbleCodec({
    bits, hasMin: true,
    scales: (src, x) => {
      const [min, max] = minMax(src, x, QK);
      return [(max - min) / top, min];
    },
    level: (v, id, m) => clamp(Math.round((v - m) * id), 0, top),
    value: (q, d, m) => Math.fround(d * q) + m,
  });
}

// block_q4_0 { d: fp16; qs: u8[16] } — x = d·(q − 8), q 0..15.
export const Q4_0_CODEC: BlockCodec = symmetricCodec(4);

// block_q4_1 { d: fp16; m: fp16; qs: u8[16] } — x = d·q + m, q 0..15.
export const Q4_1_CODEC: BlockCodec = affineCodec(4);

// block_q5_0 { d: fp16; qh: u8[4]; qs: u8[16] } — x = d·(q − 16), q 0..31.
export const Q5_0_CODEC: BlockCodec = symmetricCodec(5);

// block_q5_1 { d: fp16; m: fp16; qh: u8[4]; qs: u8[16] } — x = d·q + m, q 0..31.
export const Q5_1_CODEC: BlockCodec = affineCodec(5);

/** The 16 non-uniform levels of IQ4_NL and IQ4_XS (kvalues_iq4nl in ggml-common.h). */
export const IQ4_LEVELS: Int8Array = Int8Array.of(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);

/** Index of the IQ4 level nearest to t. */
export function nearestIq4Level(t: number): number {
  let best = 0, err = Math.abs(t - IQ4_LEVELS[0]);
  for (let k = 1; k < 16; k++) {
    const e = Math.abs(t - IQ4_LEVELS[k]);
    if (e < err) { err = e; best = k; }
  }
  return best;
}

// block_iq4_nl { d: fp16; qs: u8[16] } — x = d·kvalues[q], the Q4_0 nibble layout.
export const IQ4_NL_CODEC: BlockCodec = nibbleCodec({
  bits: 4, hasMin: false,
  // The largest magnitude lands on −127, the widest end of the level table.
  scales: (src, x) => [signedMax(src, x, QK) / -127, 0],
  level: (v, id) => nearestIq4Level(v * id),
  value: (q, d) => d * IQ4_LEVELS[q],
});
