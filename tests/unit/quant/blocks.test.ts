// Hand-made blocks, built byte by byte from the layouts of ggml-common.h (and the fixtures
// README's "Block layouts" table), decoded and checked element by element. Scales are written as
// literal fp16 bit patterns so that this test does not lean on the module's own conversions.
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../../model/quant/index.ts';
import { ggmlTypeByName } from '../../../model/quant/types.ts';
import { rng } from './data.ts';

// A few fp16 constants: bit pattern → value.
const H = { half: 0x3800, quarter: 0x3400, negQuarter: 0xb400, one: 0x3c00, negOne: 0xbc00, two: 0x4000, eighth: 0x3000, three: 0x4200 } as const;
const V = { half: 0.5, quarter: 0.25, negQuarter: -0.25, one: 1, negOne: -1, two: 2, eighth: 0.125, three: 3 } as const;

/** IQ4 levels as the README's table lists them. */
const KVALUES = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

class Bytes {
  readonly b: Uint8Array;
  constructor(n: number) { this.b = new Uint8Array(n); }
  u16(o: number, v: number): this { this.b[o] = v & 0xff; this.b[o + 1] = v >>> 8; return this; }
  u32(o: number, v: number): this { this.u16(o, v & 0xffff); return this.u16(o + 2, v >>> 16); }
  fill(o: number, n: number, f: (i: number) => number): this { for (let i = 0; i < n; i++) this.b[o + i] = f(i) & 0xff; return this; }
}

function decode(type: string, bytes: Uint8Array): Float32Array {
  const info = ggmlTypeByName(type)!;
  expect(bytes.length % info.typeSize).toBe(0);
  return dequantize(info.id, bytes, (bytes.length / info.typeSize) * info.blockSize);
}

/** Every element equals its expected value exactly (all chosen values are exact in f32). */
function expectElements(actual: Float32Array, expected: (e: number) => number): void {
  const want = Float32Array.from({ length: actual.length }, (_, e) => expected(e));
  const bad = actual.findIndex((v, e) => !Object.is(v, want[e]) && !(v === 0 && want[e] === 0));
  expect(bad, bad < 0 ? '' : `element ${bad}: got ${actual[bad]}, want ${want[bad]}`).toBe(-1);
}

// Nibble layout shared by the 32-blocks: element e < 16 is the low nibble of qs[e], e ≥ 16 the high one of qs[e−16].
const nibble = (qs: (j: number) => number, e: number): number => (e < 16 ? qs(e) & 15 : (qs(e - 16) >> 4) & 15);

describe('32-element blocks', () => {
  it('Q8_0: fp16 d then 32 int8', () => {
    const q = (j: number) => j * 8 - 128 + (j % 3);
    const block = new Bytes(34).u16(0, H.half).fill(2, 32, q).b;
    expectElements(decode('Q8_0', block), (e) => V.half * q(e));
  });

  it('Q4_0: x = d·(q − 8)', () => {
    const qs = (j: number) => j | ((15 - j) << 4);
    const block = new Bytes(18).u16(0, H.negQuarter).fill(2, 16, qs).b;
    expectElements(decode('Q4_0', block), (e) => V.negQuarter * (nibble(qs, e) - 8));
  });

  it('Q4_1: fp16 d and m, x = d·q + m', () => {
    const qs = (j: number) => ((j * 3) & 15) | (((j * 5 + 1) & 15) << 4);
    const block = new Bytes(20).u16(0, H.two).u16(2, H.negOne).fill(4, 16, qs).b;
    expectElements(decode('Q4_1', block), (e) => V.two * nibble(qs, e) + V.negOne);
  });

  const QH = 0xa5c30f69;
  const high = (e: number) => ((QH >>> e) & 1) << 4;

  it('Q5_0: bit e of the little-endian u32 qh is bit 4 of element e, x = d·(q − 16)', () => {
    const qs = (j: number) => ((j * 7) & 15) | (((j + 9) & 15) << 4);
    const block = new Bytes(22).u16(0, H.quarter).u32(2, QH).fill(6, 16, qs).b;
    expectElements(decode('Q5_0', block), (e) => V.quarter * ((nibble(qs, e) | high(e)) - 16));
  });

  it('Q5_1: d, m, qh, qs; x = d·q + m', () => {
    const qs = (j: number) => ((j * 11) & 15) | (((j * 3 + 2) & 15) << 4);
    const block = new Bytes(24).u16(0, H.eighth).u16(2, H.three).u32(4, QH).fill(8, 16, qs).b;
    expectElements(decode('Q5_1', block), (e) => V.eighth * (nibble(qs, e) | high(e)) + V.three);
  });

  it('IQ4_NL: x = d·kvalues[q] with the Q4_0 nibble layout', () => {
    const qs = (j: number) => j | (((j * 5 + 3) & 15) << 4);
    const block = new Bytes(18).u16(0, H.half).fill(2, 16, qs).b;
    expectElements(decode('IQ4_NL', block), (e) => V.half * KVALUES[nibble(qs, e)]);
  });

  it('decodes several blocks, each with its own scale', () => {
    const qs = (j: number) => j * 17;
    const bytes = new Uint8Array(3 * 18);
    [H.one, H.negQuarter, H.three].forEach((h, b) => bytes.set(new Bytes(18).u16(0, h).fill(2, 16, qs).b, 18 * b));
    const d = [V.one, V.negQuarter, V.three];
    expectElements(decode('Q4_0', bytes), (e) => d[Math.floor(e / 32)] * (nibble(qs, e % 32) - 8));
  });
});

describe('float types', () => {
  it('F16 and BF16 read little-endian 16-bit patterns; F32 reads from an unaligned offset', () => {
    expectElements(decode('F16', new Bytes(6).u16(0, H.three).u16(2, H.negQuarter).u16(4, 0x0001).b), (e) => [3, -0.25, 2 ** -24][e]);
    expectElements(decode('BF16', new Bytes(4).u16(0, 0x4040).u16(2, 0xbe80).b), (e) => [3, -0.25][e]);
    const raw = new Uint8Array(13);
    new DataView(raw.buffer).setFloat32(1, -1.5, true);
    new DataView(raw.buffer).setFloat32(5, 1e-3, true);
    new DataView(raw.buffer).setFloat32(9, 65536, true);
    expectElements(dequantize(0, raw.subarray(1), 3), (e) => [-1.5, Math.fround(1e-3), 65536][e]);
  });
});

/** n pseudo-random integers in 0..max, fixed by seed. */
function ints(seed: number, n: number, max: number): number[] {
  const next = rng(seed);
  return Array.from({ length: n }, () => Math.floor(next() * (max + 1)));
}

describe('K-quant super-blocks (256 elements)', () => {
  // get_scale_min_k4 worked by hand on these 12 bytes:
  //   j < 4: scale = q[j] & 63, min = q[j+4] & 63
  //   j ≥ 4: scale = (q[j+4] & 15) | (q[j−4] >> 6) << 4, min = (q[j+4] >> 4) | (q[j] >> 6) << 4
  const K4_BYTES = [0xc1, 0x42, 0x83, 0x04, 0x45, 0x86, 0xc7, 0x08, 0x9a, 0xbc, 0xde, 0xf0];
  const K4_SCALES = [1, 2, 3, 4, 58, 28, 46, 0];
  const K4_MINS = [5, 6, 7, 8, 25, 43, 61, 15];

  it('Q4_K: d, dmin, 6-bit scales/mins, then nibbles: element 64c + 32h + l is nibble h of qs[32c + l]', () => {
    const q = ints(41, 256, 15);
    const b = new Bytes(144).u16(0, H.half).u16(2, H.quarter);
    b.b.set(K4_BYTES, 4);
    for (let c = 0; c < 4; c++) for (let l = 0; l < 32; l++) b.b[16 + 32 * c + l] = q[64 * c + l] | (q[64 * c + 32 + l] << 4);
    expectElements(decode('Q4_K', b.b), (e) => V.half * K4_SCALES[e >> 5] * q[e] - V.quarter * K4_MINS[e >> 5]);
  });

  it('Q5_K: Q4_K plus qh: bit 4 of element 32s + l is bit s of qh[l]', () => {
    const q = ints(42, 256, 31);
    const b = new Bytes(176).u16(0, H.quarter).u16(2, H.eighth);
    b.b.set(K4_BYTES, 4);
    // ggml's loop: for chunk c, elements 64c + l use mask 1 << 2c, elements 64c + 32 + l mask 2 << 2c.
    for (let c = 0; c < 4; c++) {
      for (let l = 0; l < 32; l++) {
        const lo = q[64 * c + l], hi = q[64 * c + 32 + l];
        b.b[48 + 32 * c + l] = (lo & 15) | ((hi & 15) << 4);
        if (lo & 16) b.b[16 + l] |= 1 << (2 * c);
        if (hi & 16) b.b[16 + l] |= 2 << (2 * c);
      }
    }
    expectElements(decode('Q5_K', b.b), (e) => V.quarter * K4_SCALES[e >> 5] * q[e] - V.eighth * K4_MINS[e >> 5]);
  });

  it('Q6_K: ql, qh, int8 scales, d last; x = d·scale·(q − 32)', () => {
    const q = ints(43, 256, 63);
    const scales = [-128, 127, -1, 5, 64, -77, 0, 3, 100, -2, 31, -64, 9, 1, -33, 50];
    const b = new Bytes(210).u16(208, H.quarter).fill(192, 16, (s) => scales[s]);
    // ggml's loop: per half n and l < 32, four elements l, l+32, l+64, l+96 share qh[32n + l]
    // (bits 0-1, 2-3, 4-5, 6-7); their low nibbles are ql[64n+l] low, ql[64n+l+32] low, then the high nibbles.
    for (let n = 0; n < 2; n++) {
      for (let l = 0; l < 32; l++) {
        const [q1, q2, q3, q4] = [0, 32, 64, 96].map((k) => q[128 * n + k + l]);
        b.b[64 * n + l] = (q1 & 15) | ((q3 & 15) << 4);
        b.b[64 * n + 32 + l] = (q2 & 15) | ((q4 & 15) << 4);
        b.b[128 + 32 * n + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
    expectElements(decode('Q6_K', b.b), (e) => V.quarter * scales[e >> 4] * (q[e] - 32));
  });

  it('Q2_K: scales (sc | m << 4), 2-bit qs, then d and dmin at the end', () => {
    const q = ints(44, 256, 3);
    const sc = ints(45, 16, 15), mn = ints(46, 16, 15);
    const b = new Bytes(84).fill(0, 16, (s) => sc[s] | (mn[s] << 4)).u16(80, H.half).u16(82, H.eighth);
    // ggml's loop: per half n, shift 2j (j < 4), l < 32: element 128n + 32j + l in qs[32n + l].
    for (let n = 0; n < 2; n++) for (let j = 0; j < 4; j++) for (let l = 0; l < 32; l++) b.b[16 + 32 * n + l] |= q[128 * n + 32 * j + l] << (2 * j);
    expectElements(decode('Q2_K', b.b), (e) => V.half * sc[e >> 4] * q[e] - V.eighth * mn[e >> 4]);
  });

  // The 16 six-bit Q3_K scales worked by hand on these 12 bytes: low nibble of scales[k] (k < 8)
  // or high nibble of scales[k−8] (k ≥ 8); top 2 bits (scales[8 + k%4] >> 2·(k/4)) & 3.
  const Q3_BYTES = [0x21, 0x43, 0x65, 0x87, 0xa9, 0xcb, 0xed, 0x0f, 0xe4, 0x1b, 0x72, 0x8d];
  const Q3_SCALES = [1, 51, 37, 23, 25, 43, 13, 63, 34, 20, 54, 8, 58, 12, 30, 32];

  it('Q3_K: hmask, 2-bit qs, packed 6-bit scales, d; q = low2 − (hmask bit ? 0 : 4)', () => {
    const q = ints(47, 256, 7); // 3-bit code u: low2 = u & 3, hmask bit = u >> 2, value u − 4
    const b = new Bytes(110).u16(108, H.half);
    b.b.set(Q3_BYTES, 96);
    // ggml's loop: mask m = 1 << (4n + j) of hmask[l] for element 128n + 32j + l.
    for (let n = 0; n < 2; n++) {
      for (let j = 0; j < 4; j++) {
        for (let l = 0; l < 32; l++) {
          const u = q[128 * n + 32 * j + l];
          b.b[32 + 32 * n + l] |= (u & 3) << (2 * j);
          if (u & 4) b.b[l] |= 1 << (4 * n + j);
        }
      }
    }
    expectElements(decode('Q3_K', b.b), (e) => V.half * (Q3_SCALES[e >> 4] - 32) * (q[e] - 4));
  });

  // IQ4_XS scales worked by hand: scales_h = 0xb4e1, scales_l = 5a 0f 93 7c;
  // ls(ib) = ((scales_l[ib/2] >> 4·(ib%2)) & 15) | ((scales_h >> 2ib) & 3) << 4.
  const XS_LS = [26, 5, 47, 48, 3, 25, 60, 39];

  it('IQ4_XS: d, scales_h, scales_l, then 8 × 16 qs bytes in the IQ4_NL nibble layout', () => {
    const q = ints(48, 256, 15);
    const b = new Bytes(136).u16(0, H.quarter).u16(2, 0xb4e1);
    b.b.set([0x5a, 0x0f, 0x93, 0x7c], 4);
    for (let ib = 0; ib < 8; ib++) for (let j = 0; j < 16; j++) b.b[8 + 16 * ib + j] = q[32 * ib + j] | (q[32 * ib + j + 16] << 4);
    expectElements(decode('IQ4_XS', b.b), (e) => V.quarter * (XS_LS[e >> 5] - 32) * KVALUES[q[e]]);
  });

  it('decodes consecutive super-blocks independently (Q4_K, three blocks with different d)', () => {
    const q = ints(49, 256, 15);
    const bytes = new Uint8Array(3 * 144);
    const ds = [H.half, H.three, H.negQuarter], dv = [V.half, V.three, V.negQuarter];
    for (let k = 0; k < 3; k++) {
      const b = new Bytes(144).u16(0, ds[k]).u16(2, H.one);
      b.b.set(K4_BYTES, 4);
      for (let c = 0; c < 4; c++) for (let l = 0; l < 32; l++) b.b[16 + 32 * c + l] = q[64 * c + l] | (q[64 * c + 32 + l] << 4);
      bytes.set(b.b, 144 * k);
    }
    expectElements(decode('Q4_K', bytes), (e) => dv[e >> 8] * K4_SCALES[(e & 255) >> 5] * q[e & 255] - K4_MINS[(e & 255) >> 5]);
  });
});
