// writeGguf → readGguf round trips: every metadata value type, nested arrays, raw and quantized
// tensors, a non-default alignment, and byte-identical rewrites of real fixtures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { writeGguf, type GgufWriteTensor } from '../../../model/gguf/writer.ts';
import { GgufValueType, type GgufValue } from '../../../model/gguf/types.ts';
import { dequantize, quantize } from '../../../model/quant/index.ts';
import { ggmlTypeByName, tensorBytes } from '../../../model/quant/types.ts';
import { fixtureCases } from './fixtures.ts';

const read = (bytes: Uint8Array) => readGguf(memorySource(bytes));
const typeId = (name: string) => ggmlTypeByName(name)!.id;

/** Deterministic pseudo-random values in [-1, 1). */
function randomF32(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

describe('writeGguf metadata', () => {
  const explicit: [string, GgufValue, GgufValueType][] = [
    ['t.u8', 200, GgufValueType.UINT8],
    ['t.i8', -100, GgufValueType.INT8],
    ['t.u16', 60000, GgufValueType.UINT16],
    ['t.i16', -30000, GgufValueType.INT16],
    ['t.u32', 4000000000, GgufValueType.UINT32],
    ['t.i32', -2000000000, GgufValueType.INT32],
    ['t.f32', 0.5, GgufValueType.FLOAT32],
    ['t.bool', true, GgufValueType.BOOL],
    ['t.string', 'héllo ▁wörld 😀', GgufValueType.STRING],
    ['t.u64', 2n ** 63n + 5n, GgufValueType.UINT64],
    ['t.i64', -(2n ** 62n), GgufValueType.INT64],
    ['t.u64small', 12345, GgufValueType.UINT64],
    ['t.f64', Math.PI, GgufValueType.FLOAT64],
  ];

  it('round-trips every scalar type given explicitly', async () => {
    const f = await read(writeGguf({
      metadata: new Map(explicit.map(([k, v]) => [k, v])),
      metadataTypes: new Map(explicit.map(([k, , t]) => [k, t])),
    }));
    for (const [k, v, t] of explicit) {
      expect(f.metadataTypes.get(k), k).toBe(t);
      expect(f.metadata.get(k), k).toEqual(v);
    }
    expect([...f.metadata.keys()]).toEqual(explicit.map(([k]) => k));
  });

  it('round-trips every array element type, string arrays and nested arrays', async () => {
    const arrays: Record<string, GgufValue> = {
      'a.u8': new Uint8Array([0, 1, 255]),
      'a.i8': new Int8Array([-128, 0, 127]),
      'a.u16': new Uint16Array([0, 65535]),
      'a.i16': new Int16Array([-32768, 32767]),
      'a.u32': new Uint32Array([0, 2 ** 32 - 1]),
      'a.i32': new Int32Array([-(2 ** 31), 7]),
      'a.f32': new Float32Array([1.5, -0, Infinity]),
      'a.f64': new Float64Array([Math.E, -1e300]),
      'a.u64': new BigUint64Array([0n, 2n ** 64n - 1n]),
      'a.i64': new BigInt64Array([-(2n ** 63n), 3n]),
      'a.strings': ['', 'a', '<0x0A>', '▁the', '\uFEFFbom'],
      'a.empty': new Int32Array(0),
      'a.nested': [new Int32Array([1, 2]), ['x', 'y'], [new Float32Array([0.25])]],
    };
    const bools = new Uint8Array([1, 0, 1]);
    const f = await read(writeGguf({
      metadata: { ...arrays, 'a.bool': bools },
      arrayTypes: new Map([['a.bool', GgufValueType.BOOL]]),
    }));
    for (const [k, v] of Object.entries(arrays)) {
      expect(f.metadataTypes.get(k), k).toBe(GgufValueType.ARRAY);
      expect(f.metadata.get(k), k).toEqual(v);
    }
    expect(f.arrayTypes?.get('a.bool')).toBe(GgufValueType.BOOL);
    expect(f.arrayTypes?.get('a.nested')).toBe(GgufValueType.ARRAY);
    expect(f.metadata.get('a.bool')).toEqual(bools);
  });

  it('infers types: u32 for counts, i32 for negatives, f32 for fractions, i32 arrays from number[]', async () => {
    const f = await read(writeGguf({ metadata: { n: 7, neg: -3, eps: 1e-5, big: 2 ** 40, ok: false, s: 'x', kv: [0, 0, 2, 0] } as Record<string, GgufValue> }));
    expect(f.metadataTypes.get('n')).toBe(GgufValueType.UINT32);
    expect(f.metadataTypes.get('neg')).toBe(GgufValueType.INT32);
    expect(f.metadataTypes.get('eps')).toBe(GgufValueType.FLOAT32);
    expect(f.metadataTypes.get('big')).toBe(GgufValueType.UINT64);
    expect(f.metadataTypes.get('ok')).toBe(GgufValueType.BOOL);
    expect(f.metadata.get('eps')).toBe(Math.fround(1e-5));
    expect(f.metadata.get('kv')).toEqual(new Int32Array([0, 0, 2, 0]));
  });
});

describe('writeGguf tensors', () => {
  it('places raw and quantized tensors at aligned offsets that read back exactly', async () => {
    const f32 = randomF32(64 * 3, 1);
    const q8 = randomF32(64 * 2, 2);
    const q4k = new Uint8Array(tensorBytes(ggmlTypeByName('Q4_K')!, 256 * 2)).map((_, i) => (i * 7) & 0xff);
    const tensors: GgufWriteTensor[] = [
      { name: 'a.f32', dims: [64, 3], type: typeId('F32'), data: f32 },
      { name: 'b.f16', dims: [3], type: typeId('F16'), data: new Float32Array([0.5, -2, 1024]) },
      { name: 'c.q8', dims: [64, 2], type: typeId('Q8_0'), data: q8 },
      { name: 'd.q4_0', dims: [32], type: typeId('Q4_0'), data: randomF32(32, 3) },
      { name: 'e.q4k', dims: [256, 2], type: typeId('Q4_K'), bytes: q4k },
      { name: 'f.bf16', dims: [5, 1, 1, 1], type: typeId('BF16'), data: new Float32Array([1, 2, 3, 4, -5]) },
      { name: 'g.q6k', dims: [256, 3], type: typeId('Q6_K'), data: randomF32(768, 4) },
    ];
    for (const alignment of [32, 64]) {
      const bytes = writeGguf({ metadata: { 'general.architecture': 'test' }, tensors, alignment });
      const f = await read(bytes);
      expect(f.alignment).toBe(alignment);
      expect(f.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
      for (const t of f.tensors) expect(t.offset % alignment, t.name).toBe(0);
      const data = (name: string) => {
        const t = f.tensors.find((x) => x.name === name)!;
        return bytes.subarray(t.offset, t.offset + t.byteSize);
      };
      expect(dequantize(typeId('F32'), data('a.f32'), 192)).toEqual(f32);
      expect(dequantize(typeId('F16'), data('b.f16'), 3)).toEqual(new Float32Array([0.5, -2, 1024]));
      expect(dequantize(typeId('BF16'), data('f.bf16'), 5)).toEqual(new Float32Array([1, 2, 3, 4, -5]));
      const back = dequantize(typeId('Q8_0'), data('c.q8'), 128);
      back.forEach((v, i) => expect(Math.abs(v - q8[i])).toBeLessThan(1 / 127 + 1e-3));
      expect(data('e.q4k')).toEqual(q4k);
      expect(f.tensors.find((t) => t.name === 'f.bf16')!.dims).toEqual([5, 1, 1, 1]);
      expect(data('g.q6k')).toEqual(quantize(typeId('Q6_K'), (tensors[6] as { data: Float32Array }).data));
      expect(data('d.q4_0')).toEqual(quantize(typeId('Q4_0'), (tensors[3] as { data: Float32Array }).data));
    }
  });

  it('refuses bytes that do not match the type and shape', () => {
    expect(() => writeGguf({ metadata: {}, tensors: [{ name: 'x', dims: [32], type: typeId('Q8_0'), bytes: new Uint8Array(33) }] })).toThrow(/x/);
    expect(() => writeGguf({ metadata: {}, tensors: [{ name: 'y', dims: [16], type: typeId('Q8_0'), data: new Float32Array(16) }] })).toThrow(/block/);
  });
});

describe('writeGguf rewrites real files byte for byte', () => {
  const picks = ['llama-Q4_K_M', 'jamba_moe-Q8_0', 'mamba2-BF16', 'tok-spm-llama2', 'tok-bpe-qwen3'];
  for (const c of fixtureCases().filter((x) => picks.includes(x.name))) {
    it(c.name, async () => {
      const original = new Uint8Array(readFileSync(c.gguf));
      const f = await read(original);
      const copy = writeGguf({
        metadata: f.metadata,
        metadataTypes: f.metadataTypes,
        arrayTypes: f.arrayTypes,
        tensors: f.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, bytes: original.subarray(t.offset, t.offset + t.byteSize) })),
      });
      const n = f.tensors.length > 0 ? original.length : f.dataOffset;
      expect(copy.length >= n).toBe(true);
      expect(Buffer.compare(copy.subarray(0, n), original.subarray(0, n))).toBe(0);
    });
  }
});
