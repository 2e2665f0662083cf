// Hand-made blocks, built byte by byte from the layouts of ggml-common.h (and the fixtures
// README's "Block layouts" table), decoded and checked element by element. Scales are written as
// literal fp16 bit patterns so that this test does not lean on the module's own conversions.
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../../model/quant/index.ts';
import { ggmlTypeByName } from '../../../model/quant/types.ts';

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
