// The 256-element super-block formats of ggml-common.h: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS.
// Each super-block holds sub-blocks (16 or 32 elements) with small integer scales (and mins)
// that multiply one or two fp16 super-block scales. Decoding follows dequantize_row_*: scale
// products are rounded to f32 before use, as ggml's float arithmetic does.
//
// Quantizers are round-to-nearest: per sub-block scale (and min) from max-abs or min/max, the
// super-block scale rounded *up* to fp16 so that no integer scale overflows, integer scales
// rounded up so that each sub-block's range is covered, then the values against those scales.
import type { BlockCodec } from './codec.ts';
import { readF16, roundUpF16, writeF16 } from './float.ts';
import { IQ4_LEVELS, nearestIq4Level } from './legacy.ts';

const QK_K = 256;
const f32 = Math.fround;
const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

// ── Q4_K / Q5_K 6-bit scale and min packing (get_scale_min_k4) ──────────────────────────────
// 12 bytes hold 8 scales and 8 mins of 6 bits. For j < 4: scale j is q[j] & 63, min j is
// q[j+4] & 63. For j ≥ 4: the low 4 bits are the nibbles of q[j+4] (scale low, min high) and the
// top 2 bits are the top bits of q[j−4] (scale) and q[j] (min).

function scaleMinK4(q: Uint8Array, o: number, j: number): [number, number] {
  if (j < 4) return [q[o + j] & 63, q[o + j + 4] & 63];
  return [(q[o + j + 4] & 15) | ((q[o + j - 4] >> 6) << 4), (q[o + j + 4] >> 4) | ((q[o + j] >> 6) << 4)];
}

function packScaleMinK4(sc: Uint8Array, mn: Uint8Array, dst: Uint8Array, o: number): void {
  for (let j = 0; j < 4; j++) {
    dst[o + j] = (sc[j] & 63) | ((sc[j + 4] >> 4) << 6);
    dst[o + j + 4] = (mn[j] & 63) | ((mn[j + 4] >> 4) << 6);
    dst[o + j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
  }
}

// ── Round-to-nearest planning shared by the encoders ─────────────────────────────────────────

/**
 * Affine sub-blocks x ≈ d·sc·q − dmin·m with q in 0..levels and sc, m in 0..scaleMax: fills
 * sc, mn and q for the super-block at src[o..o+256) and returns the stored d and dmin.
 */
function planAffine(src: Float32Array, o: number, sub: number, levels: number, scaleMax: number,
  sc: Uint8Array, mn: Uint8Array, q: Uint8Array): { d: number; dmin: number } {
  const n = QK_K / sub;
  const lo = new Float64Array(n), hi = new Float64Array(n);
  let negMinMax = 0;
  for (let s = 0; s < n; s++) {
    let a = 0, b = -Infinity; // the offset is −dmin·m ≤ 0, so a sub-block's floor is min(0, min x)
    for (let i = 0; i < sub; i++) { const v = src[o + s * sub + i]; if (v < a) a = v; if (v > b) b = v; }
    lo[s] = a; hi[s] = b;
    negMinMax = Math.max(negMinMax, -a);
  }
  const dmin = roundUpF16(negMinMax / scaleMax);
  const required = new Float64Array(n);
  let reqMax = 0;
  for (let s = 0; s < n; s++) {
    mn[s] = dmin > 0 ? clamp(Math.round(-lo[s] / dmin), 0, scaleMax) : 0;
    required[s] = Math.max(0, (hi[s] + f32(dmin * mn[s])) / levels);
    reqMax = Math.max(reqMax, required[s]);
  }
  const d = roundUpF16(reqMax / scaleMax);
  for (let s = 0; s < n; s++) {
    sc[s] = d > 0 ? clamp(Math.ceil(required[s] / d), 0, scaleMax) : 0;
    const step = f32(d * sc[s]), off = f32(dmin * mn[s]);
    const inv = step > 0 ? 1 / step : 0;
    for (let i = 0; i < sub; i++) q[s * sub + i] = clamp(Math.round((src[o + s * sub + i] + off) * inv), 0, levels);
  }
  return { d, dmin };
}

/**
 * Symmetric sub-blocks x ≈ d·sc·q with q in −qmax..qmax and sc in 0..scaleMax: fills sc and q
 * (signed, as numbers) for the super-block at src[o..o+256) and returns the stored d.
 */
function planSymmetric(src: Float32Array, o: number, sub: number, qmax: number, scaleMax: number,
  sc: Int32Array, q: Int32Array): number {
  const n = QK_K / sub;
  const required = new Float64Array(n);
  let reqMax = 0;
  for (let s = 0; s < n; s++) {
    let amax = 0;
    for (let i = 0; i < sub; i++) amax = Math.max(amax, Math.abs(src[o + s * sub + i]));
    required[s] = amax / qmax;
    reqMax = Math.max(reqMax, required[s]);
  }
  const d = roundUpF16(reqMax / scaleMax);
  for (let s = 0; s < n; s++) {
    sc[s] = d > 0 ? clamp(Math.ceil(required[s] / d), 0, scaleMax) : 0;
    const step = f32(d * sc[s]);
    const inv = step > 0 ? 1 / step : 0;
    for (let i = 0; i < sub; i++) q[s * sub + i] = clamp(Math.round(src[o + s * sub + i] * inv), -qmax, qmax);
  }
  return d;
}

// ── Q2_K: scales[16] qs[64] d dmin (84 bytes) ─────────────────────────────────────────────────
// 16 sub-blocks of 16; scales[s] = sc | m << 4. Element e = 128h + 32j + l is bits 2j..2j+1 of
// qs[32h + l]; x = d·sc·q − dmin·m.

export const Q2_K_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 84, y = b * QK_K;
      const d = readF16(src, o + 80), dmin = readF16(src, o + 82);
      for (let e = 0; e < QK_K; e++) {
        const sc = src[o + (e >> 4)];
        const h = e >> 7, j = (e >> 5) & 3, l = e & 31;
        const q = (src[o + 16 + 32 * h + l] >> (2 * j)) & 3;
        dst[y + e] = f32(f32(d * (sc & 15)) * q) - f32(dmin * (sc >> 4));
      }
    }
  },
  encode(src, dst, blocks) {
    const sc = new Uint8Array(16), mn = new Uint8Array(16), q = new Uint8Array(QK_K);
    for (let b = 0; b < blocks; b++) {
      const o = b * 84;
      const { d, dmin } = planAffine(src, b * QK_K, 16, 3, 15, sc, mn, q);
      for (let s = 0; s < 16; s++) dst[o + s] = sc[s] | (mn[s] << 4);
      dst.fill(0, o + 16, o + 80);
      for (let e = 0; e < QK_K; e++) dst[o + 16 + 32 * (e >> 7) + (e & 31)] |= q[e] << (2 * ((e >> 5) & 3));
      writeF16(dst, o + 80, d);
      writeF16(dst, o + 82, dmin);
    }
  },
};

// ── Q3_K: hmask[32] qs[64] scales[12] d (110 bytes) ───────────────────────────────────────────
// 16 sub-blocks of 16, x = d·(S − 32)·q with q = low2 − (hmask bit ? 0 : 4). low2 as Q2_K's bits;
// the hmask bit of e = 128h + 32j + l is bit 4h + j of hmask[l]. Six-bit S_k: low nibble of
// scales[k] (k < 8) or high nibble of scales[k − 8] (k ≥ 8); top 2 bits at bit 2·(k/4) of scales[8 + k%4].

function q3kScale(src: Uint8Array, o: number, k: number): number {
  const low = k < 8 ? src[o + k] & 15 : src[o + k - 8] >> 4;
  return low | (((src[o + 8 + (k & 3)] >> (2 * (k >> 2))) & 3) << 4);
}

export const Q3_K_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 110, y = b * QK_K;
      const d = readF16(src, o + 108);
      for (let k = 0; k < 16; k++) {
        const dl = f32(d * (q3kScale(src, o + 96, k) - 32));
        for (let e = 16 * k; e < 16 * k + 16; e++) {
          const h = e >> 7, j = (e >> 5) & 3, l = e & 31;
          const low2 = (src[o + 32 + 32 * h + l] >> (2 * j)) & 3;
          const high = (src[o + l] >> (4 * h + j)) & 1;
          dst[y + e] = dl * (low2 - (high ? 0 : 4));
        }
      }
    }
  },
  encode(src, dst, blocks) {
    const sc = new Int32Array(16), q = new Int32Array(QK_K);
    for (let b = 0; b < blocks; b++) {
      const o = b * 110;
      const d = planSymmetric(src, b * QK_K, 16, 3, 31, sc, q);
      dst.fill(0, o, o + 108);
      for (let e = 0; e < QK_K; e++) {
        const u = q[e] + 4; // 0..7: low2 = u & 3, hmask bit = u >> 2
        const h = e >> 7, j = (e >> 5) & 3, l = e & 31;
        dst[o + 32 + 32 * h + l] |= (u & 3) << (2 * j);
        dst[o + l] |= (u >> 2) << (4 * h + j);
      }
      for (let k = 0; k < 16; k++) {
        const S = sc[k] + 32;
        dst[o + 96 + (k & 7)] |= (S & 15) << (k < 8 ? 0 : 4);
        dst[o + 104 + (k & 3)] |= (S >> 4) << (2 * (k >> 2));
      }
      writeF16(dst, o + 108, d);
    }
  },
};

// ── Q4_K: d dmin scales[12] qs[128] (144 bytes) ───────────────────────────────────────────────
// 8 sub-blocks of 32; element e = 64c + 32h + l is nibble h of qs[32c + l], sub-block 2c + h.

export const Q4_K_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 144, y = b * QK_K;
      const d = readF16(src, o), dmin = readF16(src, o + 2);
      for (let s = 0; s < 8; s++) {
        const [sc, m] = scaleMinK4(src, o + 4, s);
        const d1 = f32(d * sc), m1 = f32(dmin * m);
        const qs = o + 16 + 32 * (s >> 1), shift = 4 * (s & 1);
        for (let l = 0; l < 32; l++) dst[y + 32 * s + l] = f32(d1 * ((src[qs + l] >> shift) & 15)) - m1;
      }
    }
  },
  encode(src, dst, blocks) {
    const sc = new Uint8Array(8), mn = new Uint8Array(8), q = new Uint8Array(QK_K);
    for (let b = 0; b < blocks; b++) {
      const o = b * 144;
      const { d, dmin } = planAffine(src, b * QK_K, 32, 15, 63, sc, mn, q);
      writeF16(dst, o, d);
      writeF16(dst, o + 2, dmin);
      packScaleMinK4(sc, mn, dst, o + 4);
      for (let c = 0; c < 4; c++) {
        for (let l = 0; l < 32; l++) dst[o + 16 + 32 * c + l] = q[64 * c + l] | (q[64 * c + 32 + l] << 4);
      }
    }
  },
};

// ── Q5_K: d dmin scales[12] qh[32] qs[128] (176 bytes) ────────────────────────────────────────
// Q4_K's layout plus a fifth bit: bit 4 of element 32s + l is bit s of qh[l].

export const Q5_K_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 176, y = b * QK_K;
      const d = readF16(src, o), dmin = readF16(src, o + 2);
      for (let s = 0; s < 8; s++) {
        const [sc, m] = scaleMinK4(src, o + 4, s);
        const d1 = f32(d * sc), m1 = f32(dmin * m);
        const qs = o + 48 + 32 * (s >> 1), shift = 4 * (s & 1);
        for (let l = 0; l < 32; l++) {
          const v = ((src[qs + l] >> shift) & 15) | (((src[o + 16 + l] >> s) & 1) << 4);
          dst[y + 32 * s + l] = f32(d1 * v) - m1;
        }
      }
    }
  },
  encode(src, dst, blocks) {
    const sc = new Uint8Array(8), mn = new Uint8Array(8), q = new Uint8Array(QK_K);
    for (let b = 0; b < blocks; b++) {
      const o = b * 176;
      const { d, dmin } = planAffine(src, b * QK_K, 32, 31, 63, sc, mn, q);
      writeF16(dst, o, d);
      writeF16(dst, o + 2, dmin);
      packScaleMinK4(sc, mn, dst, o + 4);
      dst.fill(0, o + 16, o + 48);
      for (let e = 0; e < QK_K; e++) dst[o + 16 + (e & 31)] |= (q[e] >> 4) << (e >> 5);
      for (let c = 0; c < 4; c++) {
        for (let l = 0; l < 32; l++) dst[o + 48 + 32 * c + l] = (q[64 * c + l] & 15) | ((q[64 * c + 32 + l] & 15) << 4);
      }
    }
  },
};

// ── Q6_K: ql[128] qh[64] scales[16] (int8) d (210 bytes) ──────────────────────────────────────
// 16 sub-blocks of 16, x = d·scales[e/16]·(q − 32), q 0..63. Element e = 128n + 32k + l: its low
// 4 bits are nibble k>>1 of ql[64n + 32(k&1) + l], its high 2 bits are bits 2k..2k+1 of qh[32n + l].

export const Q6_K_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 210, y = b * QK_K;
      const d = readF16(src, o + 208);
      for (let s = 0; s < 16; s++) {
        const ds = f32(d * ((src[o + 192 + s] << 24) >> 24));
        for (let e = 16 * s; e < 16 * s + 16; e++) {
          const n = e >> 7, k = (e >> 5) & 3, l = e & 31;
          const low = (src[o + 64 * n + 32 * (k & 1) + l] >> (4 * (k >> 1))) & 15;
          const high = (src[o + 128 + 32 * n + l] >> (2 * k)) & 3;
          dst[y + e] = ds * ((low | (high << 4)) - 32);
        }
      }
    }
  },
  encode(src, dst, blocks) {
    const sc = new Int32Array(16), q = new Int32Array(QK_K);
    for (let b = 0; b < blocks; b++) {
      const o = b * 210;
      const d = planSymmetric(src, b * QK_K, 16, 31, 127, sc, q);
      dst.fill(0, o, o + 192);
      for (let e = 0; e < QK_K; e++) {
        const u = q[e] + 32;
        const n = e >> 7, k = (e >> 5) & 3, l = e & 31;
        dst[o + 64 * n + 32 * (k & 1) + l] |= (u & 15) << (4 * (k >> 1));
        dst[o + 128 + 32 * n + l] |= (u >> 4) << (2 * k);
      }
      for (let s = 0; s < 16; s++) dst[o + 192 + s] = sc[s] & 0xff;
      writeF16(dst, o + 208, d);
    }
  },
};

// ── IQ4_XS: d scales_h(u16) scales_l[4] qs[128] (136 bytes) ───────────────────────────────────
// 8 sub-blocks of 32, x = d·(ls − 32)·kvalues[q]; ls = nibble ib%2 of scales_l[ib/2] | bits
// 2ib..2ib+1 of scales_h << 4; each sub-block's 16 qs bytes use the IQ4_NL nibble layout.

export const IQ4_XS_CODEC: BlockCodec = {
  decode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 136, y = b * QK_K;
      const d = readF16(src, o);
      const scalesH = src[o + 2] | (src[o + 3] << 8);
      const levels = IQ4_LEVELS;
      for (let ib = 0; ib < 8; ib++) {
        const ls = ((src[o + 4 + (ib >> 1)] >> (4 * (ib & 1))) & 15) | (((scalesH >> (2 * ib)) & 3) << 4);
        const dl = f32(d * (ls - 32));
        const qs = o + 8 + 16 * ib, yb = y + 32 * ib;
        for (let j = 0; j < 16; j++) {
          dst[yb + j] = dl * levels[src[qs + j] & 15];
          dst[yb + j + 16] = dl * levels[src[qs + j] >> 4];
        }
      }
    }
  },
  encode(src, dst, blocks) {
    for (let b = 0; b < blocks; b++) {
      const o = b * 136, x = b * QK_K;
      // Sub-block scale: the largest magnitude lands on −127, the widest end of the levels.
      const scale = new Float64Array(8);
      let smax = 0;
      for (let ib = 0; ib < 8; ib++) {
        let amax = 0, max = 0;
        for (let i = 0; i < 32; i++) { const v = src[x + 32 * ib + i]; if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; } }
        scale[ib] = max / -127;
        smax = Math.max(smax, amax / 127);
      }
      const d = roundUpF16(smax / 31);
      writeF16(dst, o, d);
      let scalesH = 0;
      dst.fill(0, o + 4, o + 8);
      for (let ib = 0; ib < 8; ib++) {
        const mag = d > 0 ? Math.min(31, Math.ceil(Math.abs(scale[ib]) / d)) : 0;
        const ls = (scale[ib] < 0 ? -mag : mag) + 32;
        dst[o + 4 + (ib >> 1)] |= (ls & 15) << (4 * (ib & 1));
        scalesH |= (ls >> 4) << (2 * ib);
        const dl = f32(d * (ls - 32));
        const inv = dl !== 0 ? 1 / dl : 0;
        for (let j = 0; j < 16; j++) {
          const lo = nearestIq4Level(src[x + 32 * ib + j] * inv), hi = nearestIq4Level(src[x + 32 * ib + j + 16] * inv);
          dst[o + 8 + 16 * ib + j] = lo | (hi << 4);
        }
      }
      dst[o + 2] = scalesH & 0xff;
      dst[o + 3] = scalesH >> 8;
    }
  },
};
