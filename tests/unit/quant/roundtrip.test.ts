// quantize → dequantize on seeded data: every block's worst error must stay within the bound its
// format implies for round-to-nearest. Bounds are stated once, below, each with its reason;
// a layout mistake (wrong nibble, bit or scale) gives errors of the order of the data itself.
import { describe, expect, it } from 'vitest';
import { dequantize, dequantizeRows, quantize } from '../../../model/quant/index.ts';
import { ggmlTypeByName } from '../../../model/quant/types.ts';
import { blockData } from './data.ts';

const amaxOf = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const minOf = (x: Float32Array): number => x.reduce((m, v) => Math.min(m, v), Infinity);
const maxOf = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, v), -Infinity);

// fp16 stores a scale s with absolute error e(s) ≤ max(2^-11·s, 2^-25) (half an ulp; subnormals
// below 2^-14 have a fixed ulp of 2^-24). f32 products and sums add ≤ 2^-22·amax per element.
const U16 = 2 ** -11;
const e16 = (s: number): number => Math.max(U16 * Math.abs(s), 2 ** -25);
const f32Slack = (x: Float32Array): number => 2 ** -22 * amaxOf(x);

interface BoundRow {
  readonly type: string;
  /** Largest allowed |x − dequantize(quantize(x))| over one block `x`. */
  readonly bound: (x: Float32Array) => number;
  readonly why: string;
}

/** Symmetric types: d = amax/levels; (d+e)/2 inside the grid, `clamp(d, e)` at the clamped end. */
const symmetric = (levels: number, clamp: (d: number, e: number) => number) => (x: Float32Array): number => {
  const d = amaxOf(x) / levels, e = e16(d);
  return Math.max((d + e) / 2, clamp(d, e)) + f32Slack(x);
};

/** Affine types: d = (max−min)/levels, m = min; the fp16 m and d shift the clamped ends. */
const affine = (levels: number) => (x: Float32Array): number => {
  const d = (maxOf(x) - minOf(x)) / levels, e = e16(d);
  return Math.max((d + e) / 2, e16(minOf(x)) + levels * e) + f32Slack(x);
};

/** Sub-blocks of `size` within a super-block. */
const subBlocks = (x: Float32Array, size: number): Float32Array[] =>
  Array.from({ length: x.length / size }, (_, s) => x.subarray(s * size, (s + 1) * size));

/** A scale stored rounded *up* to fp16: at most one ulp above s (2^-10·s, or 2^-24 if subnormal). */
const up16 = (s: number): number => s * (1 + 2 ** -10) + 2 ** -24;

/**
 * Affine K-quants (Q2_K, Q4_K, Q5_K): x ≈ d·sc·q − dmin·m, q 0..levels, sc and m 0..scaleMax.
 * dmin ≤ up16(M/scaleMax) with M the largest −min(0, min x) of a sub-block; m = round(−min/dmin)
 * is off by ≤ dmin/2, so a sub-block needs a step of (range + dmin/2)/levels; d ≤ up16(that/scaleMax)
 * and sc = ceil(step/d) overshoots by ≤ d. Error ≤ max(step/2, dmin/2): half a step inside, half
 * a min unit where the lowest values clamp to q = 0.
 */
const affineK = (sub: number, levels: number, scaleMax: number) => (x: Float32Array): number => {
  const subs = subBlocks(x, sub);
  const negMin = Math.max(...subs.map((s) => Math.max(0, -minOf(s))));
  const range = Math.max(...subs.map((s) => maxOf(s) - Math.min(0, minOf(s))));
  const dmin = up16(negMin / scaleMax);
  const need = (range + dmin / 2) / levels;
  const step = need + up16(need / scaleMax);
  return Math.max(step / 2, dmin / 2) + f32Slack(x);
};

/** Symmetric K-quants (Q3_K, Q6_K): x ≈ d·sc·q, |q| ≤ qmax, sc ≤ scaleMax; step ≤ A/qmax + d, error ≤ step/2. */
const symmetricK = (qmax: number, scaleMax: number) => (x: Float32Array): number => {
  const need = amaxOf(x) / qmax;
  return (need + up16(need / scaleMax)) / 2 + f32Slack(x);
};

const BOUNDS: readonly BoundRow[] = [
  { type: 'F32', bound: () => 0, why: 'stored as is' },
  { type: 'F16', bound: (x) => e16(x[0]), why: 'round to nearest: half an ulp' },
  { type: 'BF16', bound: (x) => Math.abs(x[0]) * 2 ** -8, why: 'round to nearest: half an ulp of an 8-bit significand' },
  { type: 'Q8_0', bound: symmetric(127, (d, e) => 127 * e),
    why: 'd = amax/127, q = round(x/d) in ±127: d/2; a smaller fp16 d clamps the end by ≤ 127·e' },
  { type: 'Q4_0', bound: symmetric(8, (d, e) => d + 8 * e),
    why: 'd = max/−8 maps the largest magnitude to −8; its opposite reaches +8 and clamps to 7: one step d' },
  { type: 'Q5_0', bound: symmetric(16, (d, e) => d + 16 * e),
    why: 'd = max/−16 as Q4_0: the opposite end clamps from +16 to 15, one step d' },
  { type: 'Q4_1', bound: affine(15), why: 'd = (max−min)/15, q 0..15: d/2 inside; ends move by ≤ e(m) + 15·e(d)' },
  { type: 'Q5_1', bound: affine(31), why: 'd = (max−min)/31, q 0..31: d/2 inside; ends move by ≤ e(m) + 31·e(d)' },
  { type: 'IQ4_NL', bound: symmetric(127, (d, e) => 14 * d + 127 * e),
    why: 'd = max/−127 on levels −127..113: widest half-gap 12, the far end 127 − 113 = 14 steps' },
  { type: 'Q2_K', bound: affineK(16, 3, 15), why: '16 × 16, q 0..3, 4-bit scales and mins (see affineK)' },
  { type: 'Q4_K', bound: affineK(32, 15, 63), why: '8 × 32, q 0..15, 6-bit scales and mins (see affineK)' },
  { type: 'Q5_K', bound: affineK(32, 31, 63), why: '8 × 32, q 0..31, 6-bit scales and mins (see affineK)' },
  { type: 'Q3_K', bound: symmetricK(3, 31), why: '16 × 16, q −3..3 (−4 unused), 6-bit signed scales used 0..31 (see symmetricK)' },
  { type: 'Q6_K', bound: symmetricK(31, 127), why: '16 × 16, q −31..31 (−32 unused), int8 scales used 0..127 (see symmetricK)' },
  { type: 'IQ4_XS', bound: (x) => 14 * (amaxOf(x) / 127 + up16(amaxOf(x) / 127 / 31)) + f32Slack(x),
    why: 'sub-block scale max/−127, its 6-bit multiple of d rounded away from zero (≤ +d); levels as IQ4_NL: 14 scale units' },
];

/** The worst block of a round trip: its index, its error and its bound. */
function worstBlock(type: string, data: Float32Array, decoded: Float32Array, blockSize: number, bound: (x: Float32Array) => number) {
  let worst = { block: -1, err: 0, bound: 0, ratio: 0 };
  for (let b = 0; b * blockSize < data.length; b++) {
    const x = data.subarray(b * blockSize, (b + 1) * blockSize);
    let err = 0;
    for (let i = 0; i < blockSize; i++) err = Math.max(err, Math.abs(x[i] - decoded[b * blockSize + i]));
    const lim = bound(x);
    const ratio = lim > 0 ? err / lim : err > 0 ? Infinity : 0;
    if (ratio > worst.ratio || worst.block < 0) worst = { block: b, err, bound: lim, ratio };
  }
  return { type, ...worst };
}

describe('quantize → dequantize stays within each format\'s bound', () => {
  for (const row of BOUNDS) {
    it(row.type, () => {
      const info = ggmlTypeByName(row.type)!;
      const bs = Math.max(info.blockSize, 32);
      const data = blockData(info.id * 7919 + 1, 96, bs);
      const bytes = quantize(info.id, data);
      expect(bytes.length).toBe((data.length / info.blockSize) * info.typeSize);
      const decoded = dequantize(info.id, bytes, data.length);
      const w = worstBlock(row.type, data, decoded, info.blockSize, row.bound);
      expect(w.ratio, `${row.type} block ${w.block}: error ${w.err} > bound ${w.bound} (${row.why})`).toBeLessThanOrEqual(1);
      // Not vacuous: the bounds are tight, so some block comes within a factor of 2 of its bound.
      if (row.type !== 'F32') expect(w.ratio, `${row.type}: bound never approached`).toBeGreaterThan(0.5);
    });
  }
});

describe('dequantizeRows', () => {
  for (const row of BOUNDS) {
    it(`${row.type}: rows equal the matching slice of the whole matrix`, () => {
      const info = ggmlTypeByName(row.type)!;
      const rowLength = 2 * Math.max(info.blockSize, 32);
      const data = blockData(info.id + 5, 9, rowLength);
      const bytes = quantize(info.id, data);
      const whole = dequantize(info.id, bytes, data.length);
      expect(dequantizeRows(info.id, bytes, rowLength, 3, 4)).toEqual(whole.subarray(3 * rowLength, 7 * rowLength));
      expect(dequantizeRows(info.id, bytes, rowLength, 8, 1)).toEqual(whole.subarray(8 * rowLength));
      expect(dequantizeRows(info.id, bytes, rowLength, 9, 0)).toEqual(new Float32Array(0));
    });
  }
});
