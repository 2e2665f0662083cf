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

// block_q4_0 { d: fp16; qs: u8[16] } — x = d·(q − 8), q 0..15.
export const Q4_0_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 18, y = b * QK;
      const d = readF16(src, o);
      for (let j = 0; j < 16; j++) {
        const v = src[o + 2 + j];
        dst[y + j] = d * ((v & 15) - 8);
        dst[y + j + 16] = d * ((v >>> 4) - 8);
      }
    }
  },
  encode(src, dst, blocks) {
    const q = new Uint8Array(QK);
    for (let b = 0; b < blocks; b++) {
      const o = b * 18, x = b * QK;
      const d = writeF16(dst, o, signedMax(src, x, QK) / -8);
      const id = d ? 1 / d : 0;
      for (let j = 0; j < QK; j++) q[j] = clamp(Math.round(src[x + j] * id) + 8, 0, 15);
      packNibbles(q, dst, o + 2);
    }
  },
};

// block_q4_1 { d: fp16; m: fp16; qs: u8[16] } — x = d·q + m, q 0..15.
export const Q4_1_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 20, y = b * QK;
      const d = readF16(src, o), m = readF16(src, o + 2);
      for (let j = 0; j < 16; j++) {
        const v = src[o + 4 + j];
        dst[y + j] = Math.fround(d * (v & 15)) + m;
        dst[y + j + 16] = Math.fround(d * (v >>> 4)) + m;
      }
    }
  },
  encode(src, dst, blocks) {
    const q = new Uint8Array(QK);
    for (let b = 0; b < blocks; b++) {
      const o = b * 20, x = b * QK;
      const [min, max] = minMax(src, x, QK);
      const d = writeF16(dst, o, (max - min) / 15);
      const m = writeF16(dst, o + 2, min);
      const id = d ? 1 / d : 0;
      for (let j = 0; j < QK; j++) q[j] = clamp(Math.round((src[x + j] - m) * id), 0, 15);
      packNibbles(q, dst, o + 4);
    }
  },
};

// block_q5_0 { d: fp16; qh: u8[4]; qs: u8[16] } — x = d·(q − 16), q 0..31.
export const Q5_0_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 22, y = b * QK;
      const d = readF16(src, o);
      const qh = readU32(src, o + 2);
      for (let j = 0; j < 16; j++) {
        const v = src[o + 6 + j];
        dst[y + j] = d * (((v & 15) | (((qh >>> j) & 1) << 4)) - 16);
        dst[y + j + 16] = d * (((v >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16);
      }
    }
  },
  encode(src, dst, blocks) {
    const q = new Uint8Array(QK);
    for (let b = 0; b < blocks; b++) {
      const o = b * 22, x = b * QK;
      const d = writeF16(dst, o, signedMax(src, x, QK) / -16);
      const id = d ? 1 / d : 0;
      for (let j = 0; j < QK; j++) q[j] = clamp(Math.round(src[x + j] * id) + 16, 0, 31);
      packHighBits(q, dst, o + 2);
      packNibbles(q, dst, o + 6);
    }
  },
};

// block_q5_1 { d: fp16; m: fp16; qh: u8[4]; qs: u8[16] } — x = d·q + m, q 0..31.
export const Q5_1_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 24, y = b * QK;
      const d = readF16(src, o), m = readF16(src, o + 2);
      const qh = readU32(src, o + 4);
      for (let j = 0; j < 16; j++) {
        const v = src[o + 8 + j];
        dst[y + j] = Math.fround(d * ((v & 15) | (((qh >>> j) & 1) << 4))) + m;
        dst[y + j + 16] = Math.fround(d * ((v >>> 4) | (((qh >>> (j + 16)) & 1) << 4))) + m;
      }
    }
  },
  encode(src, dst, blocks) {
    const q = new Uint8Array(QK);
    for (let b = 0; b < blocks; b++) {
      const o = b * 24, x = b * QK;
      const [min, max] = minMax(src, x, QK);
      const d = writeF16(dst, o, (max - min) / 31);
      const m = writeF16(dst, o + 2, min);
      const id = d ? 1 / d : 0;
      for (let j = 0; j < QK; j++) q[j] = clamp(Math.round((src[x + j] - m) * id), 0, 31);
      packHighBits(q, dst, o + 4);
      packNibbles(q, dst, o + 8);
    }
  },
};

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
export const IQ4_NL_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 18, y = b * QK;
      const d = readF16(src, o);
      for (let j = 0; j < 16; j++) {
        const v = src[o + 2 + j];
        dst[y + j] = d * IQ4_LEVELS[v & 15];
        dst[y + j + 16] = d * IQ4_LEVELS[v >>> 4];
      }
    }
  },
  encode(src, dst, blocks) {
    const q = new Uint8Array(QK);
    for (let b = 0; b < blocks; b++) {
      const o = b * 18, x = b * QK;
      // The largest magnitude lands on −127, the widest end of the level table.
      const d = writeF16(dst, o, signedMax(src, x, QK) / -127);
      const id = d ? 1 / d : 0;
      for (let j = 0; j < QK; j++) q[j] = nearestIq4Level(src[x + j] * id);
      packNibbles(q, dst, o + 2);
    }
  },
};
