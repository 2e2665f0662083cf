// f16 / bf16 conversions: exhaustive over every 16-bit pattern, and the rounding of every
// midpoint between adjacent f16 values (ties to even, subnormals, overflow to inf).
import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../../model/quant/index.ts';

const bitsOf = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0];
const fromBits = (b: number): number => new Float32Array(Uint32Array.of(b).buffer)[0];
const isNanF16 = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

describe('f16', () => {
  it('round-trips all 65536 bit patterns (NaNs stay NaN)', () => {
    let bad = -1;
    for (let h = 0; h < 65536; h++) {
      const v = f16ToF32(h);
      const ok = isNanF16(h) ? Number.isNaN(v) && isNanF16(f32ToF16(v)) : f32ToF16(v) === h && !Number.isNaN(v);
      if (!ok && bad < 0) bad = h;
    }
    expect(bad).toBe(-1);
  });

  it('decodes known values', () => {
    expect(f16ToF32(0x0000)).toBe(0);
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(f16ToF32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16ToF32(0x0400)).toBe(2 ** -14);
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0x3c01)).toBe(1 + 2 ** -10);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x3555)).toBe(0.333251953125);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
    expect(f16ToF32(0x7e00)).toBeNaN();
  });

  it('is strictly increasing over the positive finite patterns', () => {
    let bad = -1;
    for (let h = 0; h < 0x7bff; h++) if (!(f16ToF32(h + 1) > f16ToF32(h)) && bad < 0) bad = h;
    expect(bad).toBe(-1);
  });

  it('rounds every midpoint to even and its f32 neighbours to the nearer value, both signs', () => {
    let bad = '';
    for (let h = 0; h < 0x7c00; h++) {
      const a = f16ToF32(h);
      const b = h === 0x7bff ? 65536 : f16ToF32(h + 1); // 65536 is where rounding to inf begins
      const mid = (a + b) / 2;
      const even = h & 1 ? h + 1 : h;
      const mb = bitsOf(mid);
      const cases: [number, number][] = [[mid, even], [fromBits(mb - 1), h], [fromBits(mb + 1), h + 1]];
      for (const [x, want] of cases) {
        if (f32ToF16(x) !== want && !bad) bad = `f32ToF16(${x}) = ${f32ToF16(x)}, want ${want}`;
        if (f32ToF16(-x) !== (want | 0x8000) && !bad) bad = `f32ToF16(${-x}) = ${f32ToF16(-x)}, want ${want | 0x8000}`;
      }
    }
    expect(bad).toBe('');
  });

  it('maps inf, NaN, huge and tiny values', () => {
    expect(f32ToF16(Infinity)).toBe(0x7c00);
    expect(f32ToF16(-Infinity)).toBe(0xfc00);
    expect(isNanF16(f32ToF16(NaN))).toBe(true);
    expect(f32ToF16(1e6)).toBe(0x7c00);
    expect(f32ToF16(-1e6)).toBe(0xfc00);
    expect(f32ToF16(2 ** -26)).toBe(0);          // below half the smallest subnormal
    expect(f32ToF16(-(2 ** -26))).toBe(0x8000);
    expect(f32ToF16(2 ** -25)).toBe(0);          // exactly half: ties to even (0)
    expect(f32ToF16(1.5 * 2 ** -24)).toBe(2);    // 1.5 units: ties to even (2)
    expect(f32ToF16(1e-30)).toBe(0);
  });
});

describe('bf16', () => {
  it('round-trips all 65536 bit patterns (NaNs stay NaN)', () => {
    let bad = -1;
    for (let h = 0; h < 65536; h++) {
      const nan = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      const v = bf16ToF32(h);
      const back = f32ToBf16(v);
      const ok = nan ? Number.isNaN(v) && (back & 0x7f80) === 0x7f80 && (back & 0x7f) !== 0 : back === h;
      if (!ok && bad < 0) bad = h;
    }
    expect(bad).toBe(-1);
  });

  it('decodes and rounds known values, ties to even', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc049)).toBe(-3.140625);
    expect(bf16ToF32(0x0001)).toBe(fromBits(0x00010000)); // subnormal
    expect(f32ToBf16(Math.PI)).toBe(0x4049);
    expect(f32ToBf16(fromBits(0x3f808000))).toBe(0x3f80); // tie, even below
    expect(f32ToBf16(fromBits(0x3f818000))).toBe(0x3f82); // tie, even above
    expect(f32ToBf16(fromBits(0x3f808001))).toBe(0x3f81);
    expect(f32ToBf16(fromBits(0x00018000))).toBe(0x0002); // subnormal tie
    expect(f32ToBf16(fromBits(0x7f7fffff))).toBe(0x7f80); // max f32 rounds up to inf
    expect(f32ToBf16(-Infinity)).toBe(0xff80);
    expect(f32ToBf16(NaN) & 0x7fc0).toBe(0x7fc0);
  });
});
