// Writes a GGUF v3 file (little-endian) in memory, for tests and tools: metadata with explicit or
// inferred value types, and tensors given as raw bytes of any ggml type or as f32 data quantized
// through model/quant. Layout is the one model/gguf/reader.ts documents; every tensor starts at a
// multiple of the alignment and is padded to the next one, as llama.cpp's gguf writer does.
import { ggmlType, tensorBytes } from '../quant/types.ts';
import { quantize } from '../quant/index.ts';
import { GgufValueType, type GgufValue } from './types.ts';

export type GgufWriteTensor =
  /** Raw bytes already in the type's block layout. */
  | { name: string; dims: readonly number[]; type: number; bytes: Uint8Array }
  /** f32 values (innermost dimension first) encoded to `type` through model/quant. */
  | { name: string; dims: readonly number[]; type: number; data: Float32Array };

export interface GgufWriteSpec {
  metadata: ReadonlyMap<string, GgufValue> | Readonly<Record<string, GgufValue>>;
  /** The value type of a key; inferred when absent (see inferType). */
  metadataTypes?: ReadonlyMap<string, GgufValueType>;
  /** The element type of an array-valued key; inferred when absent. */
  arrayTypes?: ReadonlyMap<string, GgufValueType>;
  tensors?: readonly GgufWriteTensor[];
  /** Written as `general.alignment` (u32) unless the metadata already holds that key; default 32. */
  alignment?: number;
}

const DEFAULT_ALIGNMENT = 32;
const utf8 = new TextEncoder();

/** A growable little-endian byte buffer. */
class Bytes {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  // Each reserves before touching `buf`/`view`, which a growth replaces.
  u8(v: number) { const at = this.reserve(1); this.view.setUint8(at, v); }
  i8(v: number) { const at = this.reserve(1); this.view.setInt8(at, v); }
  u16(v: number) { const at = this.reserve(2); this.view.setUint16(at, v, true); }
  i16(v: number) { const at = this.reserve(2); this.view.setInt16(at, v, true); }
  u32(v: number) { const at = this.reserve(4); this.view.setUint32(at, v, true); }
  i32(v: number) { const at = this.reserve(4); this.view.setInt32(at, v, true); }
  f32(v: number) { const at = this.reserve(4); this.view.setFloat32(at, v, true); }
  f64(v: number) { const at = this.reserve(8); this.view.setFloat64(at, v, true); }
  u64(v: number | bigint) { const at = this.reserve(8); this.view.setBigUint64(at, BigInt(v), true); }
  i64(v: number | bigint) { const at = this.reserve(8); this.view.setBigInt64(at, BigInt(v), true); }
  raw(b: Uint8Array) { const at = this.reserve(b.length); this.buf.set(b, at); }
  string(s: string) {
    const b = utf8.encode(s);
    this.u64(b.length);
    this.raw(b);
  }
  padTo(alignment: number) {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
  }
  result(): Uint8Array { return this.buf.slice(0, this.length); }
}

/** A scalar's type: bool, string, u32/i32 for 32-bit integers, u64/i64 beyond, f32 for the rest. */
function inferScalarType(v: GgufValue): GgufValueType {
  if (typeof v === 'boolean') return GgufValueType.BOOL;
  if (typeof v === 'string') return GgufValueType.STRING;
  if (typeof v === 'bigint') return v < 0n ? GgufValueType.INT64 : GgufValueType.UINT64;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return GgufValueType.FLOAT32;
    if (v >= 0 && v <= 0xffffffff) return GgufValueType.UINT32;
    if (v >= -0x80000000 && v < 0) return GgufValueType.INT32;
    return v < 0 ? GgufValueType.INT64 : GgufValueType.UINT64;
  }
  return GgufValueType.ARRAY;
}

/** An array's element type, from its typed-array class or (for plain arrays) its elements. */
function inferElementType(v: GgufValue): GgufValueType {
  if (v instanceof Uint8Array) return GgufValueType.UINT8;
  if (v instanceof Int8Array) return GgufValueType.INT8;
  if (v instanceof Uint16Array) return GgufValueType.UINT16;
  if (v instanceof Int16Array) return GgufValueType.INT16;
  if (v instanceof Uint32Array) return GgufValueType.UINT32;
  if (v instanceof Int32Array) return GgufValueType.INT32;
  if (v instanceof Float32Array) return GgufValueType.FLOAT32;
  if (v instanceof Float64Array) return GgufValueType.FLOAT64;
  if (v instanceof BigUint64Array) return GgufValueType.UINT64;
  if (v instanceof BigInt64Array) return GgufValueType.INT64;
  const items = v as GgufValue[];
  if (items.length === 0 || typeof items[0] === 'string') return GgufValueType.STRING;
  if (items.every((x) => typeof x === 'number')) {
    const nums = items as unknown as number[];
    if (!nums.every(Number.isInteger)) return GgufValueType.FLOAT32;
    return nums.every((x) => x >= -0x80000000 && x <= 0x7fffffff) ? GgufValueType.INT32 : GgufValueType.INT64;
  }
  return inferScalarType(items[0]);
}

function writeScalar(out: Bytes, type: GgufValueType, v: GgufValue, key: string): void {
  const num = () => {
    if (typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean') throw new TypeError(`metadata "${key}": ${String(v)} is not a number`);
    return Number(v);
  };
  switch (type) {
    case GgufValueType.UINT8: return out.u8(num());
    case GgufValueType.INT8: return out.i8(num());
    case GgufValueType.UINT16: return out.u16(num());
    case GgufValueType.INT16: return out.i16(num());
    case GgufValueType.UINT32: return out.u32(num());
    case GgufValueType.INT32: return out.i32(num());
    case GgufValueType.FLOAT32: return out.f32(num());
    case GgufValueType.FLOAT64: return out.f64(num());
    case GgufValueType.UINT64: return out.u64(typeof v === 'bigint' ? v : num());
    case GgufValueType.INT64: return out.i64(typeof v === 'bigint' ? v : num());
    case GgufValueType.BOOL: return out.u8(v ? 1 : 0);
    case GgufValueType.STRING:
      if (typeof v !== 'string') throw new TypeError(`metadata "${key}": ${String(v)} is not a string`);
      return out.string(v);
    case GgufValueType.ARRAY: return writeArray(out, v, undefined, key);
  }
}

function writeArray(out: Bytes, v: GgufValue, elementType: GgufValueType | undefined, key: string): void {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`metadata "${key}": ${String(v)} is not an array`);
  const elem = elementType ?? inferElementType(v);
  const items = v as ArrayLike<GgufValue>;
  out.u32(elem);
  out.u64(items.length);
  for (let i = 0; i < items.length; i++) writeScalar(out, elem, items[i], `${key}[${i}]`);
}

function tensorPayload(t: GgufWriteTensor): Uint8Array {
  const info = ggmlType(t.type);
  if (!info) throw new RangeError(`tensor "${t.name}": unknown ggml type id ${t.type}`);
  const elements = t.dims.reduce((a, b) => a * b, 1);
  if (t.dims[0] % info.blockSize !== 0) throw new RangeError(`tensor "${t.name}": ne[0] ${t.dims[0]} is not a multiple of ${info.name}'s block ${info.blockSize}`);
  const want = tensorBytes(info, elements);
  let bytes: Uint8Array;
  if ('bytes' in t) {
    bytes = t.bytes;
  } else {
    if (t.data.length !== elements) throw new RangeError(`tensor "${t.name}": ${t.data.length} values for ${elements} elements`);
    bytes = quantize(t.type, t.data, t.name);
  }
  if (bytes.length !== want) throw new RangeError(`tensor "${t.name}": ${bytes.length} bytes, but ${info.name} × ${elements} takes ${want}`);
  return bytes;
}

/** Encodes a complete GGUF v3 file. */
export function writeGguf(spec: GgufWriteSpec): Uint8Array {
  const entries: [string, GgufValue][] = spec.metadata instanceof Map
    ? [...spec.metadata.entries()]
    : Object.entries(spec.metadata as Record<string, GgufValue>);
  const types = new Map(spec.metadataTypes ?? []);
  if (!entries.some(([k]) => k === 'general.alignment') && spec.alignment !== undefined && spec.alignment !== DEFAULT_ALIGNMENT) {
    entries.push(['general.alignment', spec.alignment]);
    types.set('general.alignment', GgufValueType.UINT32);
  }
  const alignment = Number(entries.find(([k]) => k === 'general.alignment')?.[1] ?? DEFAULT_ALIGNMENT);
  const tensors = spec.tensors ?? [];
  const payloads = tensors.map(tensorPayload);

  const out = new Bytes();
  out.raw(new Uint8Array([0x47, 0x47, 0x55, 0x46]));   // "GGUF"
  out.u32(3);
  out.u64(tensors.length);
  out.u64(entries.length);
  for (const [key, value] of entries) {
    const type = types.get(key) ?? inferScalarType(value);
    out.string(key);
    out.u32(type);
    if (type === GgufValueType.ARRAY) writeArray(out, value, spec.arrayTypes?.get(key), key);
    else writeScalar(out, type, value, key);
  }
  let rel = 0;
  tensors.forEach((t, i) => {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(rel);
    rel += Math.ceil(payloads[i].length / alignment) * alignment;
  });
  out.padTo(alignment);
  for (const p of payloads) {
    out.raw(p);
    out.padTo(alignment);
  }
  return out.result();
}
