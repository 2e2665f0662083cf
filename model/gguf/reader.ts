// Reads the header of a GGUF file (v2 or v3, little-endian): metadata, tensor table, alignment and
// the offset of the data section. It reads through a ByteSource in chunks as it goes, so parsing a
// multi-GB file touches only its header, and it trusts nothing in the file: every count and length
// is checked against the bytes that remain BEFORE anything is allocated for it, so no allocation can
// exceed the file, and the work is linear in the header's bytes.
//
// Layout (all little-endian):
//   "GGUF" u32 version  u64 n_tensors  u64 n_kv
//   n_kv × { string key, u32 value_type, value }
//   n_tensors × { string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset }
//   padding to `general.alignment`, then the data section (tensor offsets are relative to it).
//   string = u64 length + bytes; array = u32 element_type + u64 count + elements.
//
// Beyond the file's size, a few caps keep a hostile header from costing more memory than any
// real model needs (each is far above what real files carry, and is a refusal, never a cut):
//   - one string ≤ 64 MiB: the longest real strings are chat templates (tens of KB) and, in older
//     conversions, a whole tokenizer.json in `tokenizer.huggingface.json` (~20 MB for a
//     256K-token vocabulary); V8 cannot build a string past 2^29 characters at all.
//   - one array ≤ 4 Mi elements: the longest real arrays are vocabularies (262,144 tokens for
//     Gemma 3) and merge lists; a string array costs tens of bytes per element on the JS heap.
//   - ≤ 1 Mi metadata entries and ≤ 1 Mi tensors: real files have under a hundred keys and at most
//     tens of thousands of tensors.
//   - tensor names < 64 bytes, as llama.cpp requires (GGML_MAX_NAME).
// Names from the file reach messages only through quoteName (model/errors.ts): cut to ~80
// characters, control characters escaped.
import { EdgewiseError, GgufFormatError, quoteName } from '../errors.ts';
import { ggmlType } from '../quant/types.ts';
import { GgufValueType, type ByteSource, type GgufFile, type GgufTensorInfo, type GgufValue } from './types.ts';

const CHUNK = 256 * 1024;
const DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4;
/** Arrays of arrays deeper than this are refused: no real file nests, and recursion must stay bounded. */
const MAX_ARRAY_DEPTH = 8;
const MAX_STRING_BYTES = 64 * 1024 * 1024;
const MAX_ARRAY_LENGTH = 4 * 1024 * 1024;
const MAX_METADATA_ENTRIES = 1024 * 1024;
const MAX_TENSORS = 1024 * 1024;
/** llama.cpp's GGML_MAX_NAME: a tensor name takes fewer bytes than this. */
const MAX_TENSOR_NAME_BYTES = 64;

/** A count the file may hold but Edgewise refuses to allocate for (see the caps above). */
function overCap(field: string, at: number, what: string, cap: string): EdgewiseError {
  return new EdgewiseError('gguf-unsupported', `GGUF ${field} at byte ${at}: ${what}, over Edgewise's limit of ${cap}; this is not a model file Edgewise can read`);
}

/** Bytes of one fixed-size value, by GgufValueType (strings and arrays are variable). */
const FIXED_SIZE: Partial<Record<number, number>> = {
  [GgufValueType.UINT8]: 1, [GgufValueType.INT8]: 1, [GgufValueType.UINT16]: 2, [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4, [GgufValueType.INT32]: 4, [GgufValueType.FLOAT32]: 4, [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8, [GgufValueType.INT64]: 8, [GgufValueType.FLOAT64]: 8,
};
/** The least bytes one value of each type can occupy, used to bound counts before allocating. */
function minValueSize(type: number): number {
  if (type === GgufValueType.STRING) return 8;              // u64 length
  if (type === GgufValueType.ARRAY) return 12;              // u32 element type + u64 count
  return FIXED_SIZE[type]!;
}
const isValueType = (t: number) => t >= GgufValueType.UINT8 && t <= GgufValueType.FLOAT64;
/** Least bytes of one metadata entry (u64 key length, u32 type, 1-byte value) and of one tensor info. */
const MIN_KV_BYTES = 8 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Short ASCII strings (most vocabulary pieces) are built directly: TextDecoder's per-call cost dominates them. */
function decodeUtf8(buf: Uint8Array, start: number, len: number): string {
  if (len <= 24) {
    let s = '';
    for (let k = start; k < start + len; k++) {
      const c = buf[k];
      if (c >= 0x80) return utf8.decode(buf.subarray(start, start + len));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(buf.subarray(start, start + len));
}

/** A buffered forward cursor over a ByteSource: refills in chunks of at most CHUNK (or one longer item). */
class Cursor {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.buf.buffer);
  private bufStart = 0;
  constructor(private readonly src: ByteSource) {}

  get size(): number { return this.src.size; }
  get remaining(): number { return this.src.size - this.pos; }

  private has(n: number): boolean {
    return this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length;
  }

  /** Makes `n` bytes at pos available, or throws naming `field` when the file ends first. */
  private async fill(n: number, field: string): Promise<void> {
    if (n > this.remaining) {
      throw new GgufFormatError(field, this.pos, `needs ${n} bytes but the file ends after ${this.remaining}`);
    }
    const length = Math.min(Math.max(n, CHUNK), this.remaining);
    const bytes = await this.src.read(this.pos, length);
    if (bytes.length !== length) throw new GgufFormatError(field, this.pos, `the source returned ${bytes.length} of ${length} bytes`);
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bufStart = this.pos;
  }

  /** Offset of pos inside the buffer, after making `n` bytes available. */
  private async at(n: number, field: string): Promise<number> {
    if (!this.has(n)) await this.fill(n, field);
    const i = this.pos - this.bufStart;
    this.pos += n;
    return i;
  }

  // Each awaits `at` before touching `view`, which a refill replaces.
  async u8(field: string): Promise<number> { const i = await this.at(1, field); return this.view.getUint8(i); }
  async i8(field: string): Promise<number> { const i = await this.at(1, field); return this.view.getInt8(i); }
  async u16(field: string): Promise<number> { const i = await this.at(2, field); return this.view.getUint16(i, true); }
  async i16(field: string): Promise<number> { const i = await this.at(2, field); return this.view.getInt16(i, true); }
  async u32(field: string): Promise<number> { const i = await this.at(4, field); return this.view.getUint32(i, true); }
  async i32(field: string): Promise<number> { const i = await this.at(4, field); return this.view.getInt32(i, true); }
  async f32(field: string): Promise<number> { const i = await this.at(4, field); return this.view.getFloat32(i, true); }
  async f64(field: string): Promise<number> { const i = await this.at(8, field); return this.view.getFloat64(i, true); }
  async u64(field: string): Promise<bigint> { const i = await this.at(8, field); return this.view.getBigUint64(i, true); }
  async i64(field: string): Promise<bigint> { const i = await this.at(8, field); return this.view.getBigInt64(i, true); }

  /** A u64 count or length whose items take at least `minEach` bytes: refused if they cannot fit in what is left. */
  async count(field: string, minEach: number): Promise<number> {
    const start = this.pos;
    const raw = await this.u64(field);
    const fits = Math.floor(this.remaining / Math.max(minEach, 1));
    if (raw > BigInt(fits)) {
      throw new GgufFormatError(field, start, `${raw} items of at least ${minEach} bytes cannot fit in the ${this.remaining} bytes left`);
    }
    return Number(raw);
  }

  async string(field: string): Promise<string> {
    const at = this.pos;
    const n = await this.count(`${field} length`, 1);
    if (n > MAX_STRING_BYTES) throw overCap(field, at, `a string of ${n} bytes`, '64 MiB per string');
    const i = await this.at(n, field);
    return decodeUtf8(this.buf, i, n);
  }

  /** The next string when it lies wholly in the buffer (the common case, read without awaiting), else undefined. */
  stringInBuffer(): string | undefined {
    if (!this.has(8)) return undefined;
    const i = this.pos - this.bufStart;
    const n = this.view.getBigUint64(i, true);
    if (n > BigInt(this.buf.length - i - 8)) return undefined;
    const len = Number(n);
    this.pos += 8 + len;
    return decodeUtf8(this.buf, i + 8, len);
  }

  /** A fresh copy of the next `n` bytes (n already checked against the file), copied chunk by chunk. */
  async bytes(n: number, field: string): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      if (!this.has(1)) await this.fill(Math.min(CHUNK, n - done), field);
      const i = this.pos - this.bufStart;
      const take = Math.min(n - done, this.buf.length - i);
      out.set(this.buf.subarray(i, i + take), done);
      done += take;
      this.pos += take;
    }
    return out;
  }

  skipTo(pos: number): void { this.pos = pos; }
}

/** 64-bit integers become numbers when exact, bigint otherwise. */
const int64 = (v: bigint): number | bigint =>
  v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;

// Views the little-endian file bytes directly, which assumes a little-endian host (every browser and
// Node platform Edgewise targets). `bytes` is a fresh copy, so its buffer is aligned and unshared.
function typedArray(type: number, bytes: Uint8Array): GgufValue {
  const b = bytes.buffer as ArrayBuffer;
  switch (type) {
    case GgufValueType.UINT8: case GgufValueType.BOOL: return bytes;
    case GgufValueType.INT8: return new Int8Array(b);
    case GgufValueType.UINT16: return new Uint16Array(b);
    case GgufValueType.INT16: return new Int16Array(b);
    case GgufValueType.UINT32: return new Uint32Array(b);
    case GgufValueType.INT32: return new Int32Array(b);
    case GgufValueType.FLOAT32: return new Float32Array(b);
    case GgufValueType.UINT64: return new BigUint64Array(b);
    case GgufValueType.INT64: return new BigInt64Array(b);
    case GgufValueType.FLOAT64: return new Float64Array(b);
  }
  throw new Error(`unreachable: typedArray(${type})`);
}

async function readValueType(cur: Cursor, field: string): Promise<GgufValueType> {
  const at = cur.pos;
  const t = await cur.u32(field);
  if (!isValueType(t)) throw new GgufFormatError(field, at, `unknown value type ${t} (known: 0..12)`);
  return t as GgufValueType;
}

async function readValue(cur: Cursor, type: GgufValueType, field: string, depth: number): Promise<GgufValue> {
  switch (type) {
    case GgufValueType.UINT8: return cur.u8(field);
    case GgufValueType.INT8: return cur.i8(field);
    case GgufValueType.UINT16: return cur.u16(field);
    case GgufValueType.INT16: return cur.i16(field);
    case GgufValueType.UINT32: return cur.u32(field);
    case GgufValueType.INT32: return cur.i32(field);
    case GgufValueType.FLOAT32: return cur.f32(field);
    case GgufValueType.FLOAT64: return cur.f64(field);
    case GgufValueType.UINT64: return int64(await cur.u64(field));
    case GgufValueType.INT64: return int64(await cur.i64(field));
    case GgufValueType.BOOL: {
      const at = cur.pos;
      const b = await cur.u8(field);
      if (b > 1) throw new GgufFormatError(field, at, `bool must be 0 or 1, found ${b}`);
      return b === 1;
    }
    case GgufValueType.STRING: return cur.string(field);
    case GgufValueType.ARRAY: return readArray(cur, field, depth + 1);
  }
}

async function readArray(cur: Cursor, field: string, depth: number): Promise<GgufValue> {
  const at = cur.pos;
  const elem = await readValueType(cur, `${field} element type`);
  if (elem === GgufValueType.ARRAY && depth >= MAX_ARRAY_DEPTH) {
    throw new GgufFormatError(field, at, `arrays nested more than ${MAX_ARRAY_DEPTH} deep`);
  }
  const countAt = cur.pos;
  const n = await cur.count(`${field} length`, minValueSize(elem));
  if (n > MAX_ARRAY_LENGTH) throw overCap(field, countAt, `an array of ${n} elements`, `${MAX_ARRAY_LENGTH} elements per array`);
  const size = FIXED_SIZE[elem];
  if (size !== undefined) {
    const start = cur.pos;
    const bytes = await cur.bytes(n * size, field);
    if (elem === GgufValueType.BOOL) {
      const bad = bytes.findIndex((b) => b > 1);
      if (bad >= 0) throw new GgufFormatError(`${field}[${bad}]`, start + bad, `bool must be 0 or 1, found ${bytes[bad]}`);
    }
    return typedArray(elem, bytes);
  }
  if (elem === GgufValueType.STRING) {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(cur.stringInBuffer() ?? await cur.string(`${field}[${i}]`));
    return out;
  }
  const out: GgufValue[] = [];
  for (let i = 0; i < n; i++) out.push(await readArray(cur, `${field}[${i}]`, depth + 1));
  return out;
}

async function readHeaderStart(cur: Cursor): Promise<{ version: 2 | 3 }> {
  const magic = await cur.u32('magic');
  if (magic !== 0x46554747) {   // "GGUF" read little-endian
    throw new GgufFormatError('magic', 0, `expected "GGUF", found 0x${magic.toString(16).padStart(8, '0')} (not a GGUF file)`);
  }
  const version = await cur.u32('version');
  if (version === 2 || version === 3) return { version };
  const swapped = (((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24)) >>> 0;
  if (swapped === 2 || swapped === 3) {
    throw new EdgewiseError('gguf-unsupported', `this GGUF file is big-endian (version ${swapped}); convert it to a little-endian GGUF`);
  }
  if (version === 1) {
    throw new EdgewiseError('gguf-unsupported', 'GGUF version 1 is not supported; re-convert the model with a current llama.cpp');
  }
  throw new GgufFormatError('version', 4, `unknown GGUF version ${version} (expected 2 or 3)`);
}

function alignmentOf(value: GgufValue | undefined, type: GgufValueType | undefined, at: number): number {
  if (value === undefined) return DEFAULT_ALIGNMENT;
  const isInt = type === GgufValueType.UINT32 || type === GgufValueType.INT32 || type === GgufValueType.UINT64
    || type === GgufValueType.UINT16 || type === GgufValueType.UINT8;
  if (!isInt || typeof value !== 'number' || value <= 0 || (value & (value - 1)) !== 0 || value > 2 ** 30) {
    throw new GgufFormatError('general.alignment', at, `must be a power-of-two integer, found ${String(value)}`);
  }
  return value;
}

/** Parses the header and tensor table of a GGUF file, validating every field against the file's size. */
export async function readGguf(src: ByteSource): Promise<GgufFile> {
  const cur = new Cursor(src);
  const { version } = await readHeaderStart(cur);
  const nTensors = await cur.count('tensor count', MIN_TENSOR_INFO_BYTES);
  const kvAt = cur.pos;
  const nKv = await cur.count('metadata count', MIN_KV_BYTES);
  if (nTensors > MAX_TENSORS) throw overCap('tensor count', 8, `${nTensors} tensors`, `${MAX_TENSORS} tensors`);
  if (nKv > MAX_METADATA_ENTRIES) throw overCap('metadata count', kvAt, `${nKv} entries`, `${MAX_METADATA_ENTRIES} entries`);
  if (nKv * MIN_KV_BYTES + nTensors * MIN_TENSOR_INFO_BYTES > cur.remaining) {
    throw new GgufFormatError('metadata count', kvAt, `${nKv} entries and ${nTensors} tensors cannot fit in the ${cur.remaining} bytes left`);
  }

  const metadata = new Map<string, GgufValue>();
  const metadataTypes = new Map<string, GgufValueType>();
  const arrayTypes = new Map<string, GgufValueType>();
  let alignmentAt = 0;
  for (let i = 0; i < nKv; i++) {
    const keyAt = cur.pos;
    const key = await cur.string(`metadata[${i}].key`);
    if (metadata.has(key)) throw new GgufFormatError(`metadata[${i}].key`, keyAt, `duplicate key ${quoteName(key)}`);
    const shown = `metadata ${quoteName(key)}`;
    const type = await readValueType(cur, `${shown} type`);
    if (type === GgufValueType.ARRAY) {
      // Peek the element type (readArray reads it again) so writers can round-trip bool vs u8 arrays.
      const elemAt = cur.pos;
      arrayTypes.set(key, await readValueType(cur, `${shown} element type`));
      cur.skipTo(elemAt);
    }
    if (key === 'general.alignment') alignmentAt = cur.pos;
    metadata.set(key, await readValue(cur, type, shown, 0));
    metadataTypes.set(key, type);
  }
  const alignment = alignmentOf(metadata.get('general.alignment'), metadataTypes.get('general.alignment'), alignmentAt);

  const tensors: GgufTensorInfo[] = [];
  const relOffsets: { rel: number; at: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const nameAt = cur.pos;
    const name = await cur.string(`tensor[${i}].name`);
    if (cur.pos - nameAt - 8 >= MAX_TENSOR_NAME_BYTES) {
      throw new GgufFormatError(`tensor[${i}].name`, nameAt, `${quoteName(name)} is ${cur.pos - nameAt - 8} bytes long; tensor names are under ${MAX_TENSOR_NAME_BYTES} bytes`);
    }
    if (names.has(name)) throw new GgufFormatError(`tensor[${i}].name`, nameAt, `duplicate tensor name ${quoteName(name)}`);
    names.add(name);
    const field = `tensor ${quoteName(name)}`;
    const dimsAt = cur.pos;
    const nDims = await cur.u32(`${field} n_dims`);
    if (nDims < 1 || nDims > MAX_DIMS) throw new GgufFormatError(`${field} n_dims`, dimsAt, `must be 1..${MAX_DIMS}, found ${nDims}`);
    const dims: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const at = cur.pos;
      const ne = await cur.u64(`${field} ne[${d}]`);
      if (ne < 1n || ne > BigInt(Math.floor(Number.MAX_SAFE_INTEGER / elements))) {
        throw new GgufFormatError(`${field} ne[${d}]`, at, `dimension ${ne} is zero or too large`);
      }
      dims.push(Number(ne));
      elements *= Number(ne);
    }
    const typeAt = cur.pos;
    const typeId = await cur.u32(`${field} type`);
    const info = ggmlType(typeId);
    if (!info) throw new GgufFormatError(`${field} type`, typeAt, `unknown ggml type id ${typeId}`);
    if (dims[0] % info.blockSize !== 0) {
      throw new GgufFormatError(`${field} ne[0]`, dimsAt + 4, `${dims[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`);
    }
    const byteSize = (elements / info.blockSize) * info.typeSize;
    const offAt = cur.pos;
    const rel = await cur.u64(`${field} offset`);
    if (rel > BigInt(src.size)) throw new GgufFormatError(`${field} offset`, offAt, `offset ${rel} lies beyond the end of the file (${src.size} bytes)`);
    if (Number(rel) % alignment !== 0) throw new GgufFormatError(`${field} offset`, offAt, `offset ${rel} is not a multiple of the alignment ${alignment}`);
    relOffsets.push({ rel: Number(rel), at: offAt });
    tensors.push({ name, dims, type: typeId, offset: 0, byteSize, elements });
  }

  const dataOffset = Math.ceil(cur.pos / alignment) * alignment;
  const placed = tensors.map((t, i) => {
    const { rel, at } = relOffsets[i];
    const offset = dataOffset + rel;
    if (offset + t.byteSize > src.size) {
      throw new GgufFormatError(`tensor ${quoteName(t.name)} offset`, at, `data [${offset}, ${offset + t.byteSize}) runs past the end of the file (${src.size} bytes)`);
    }
    return { ...t, offset };
  });
  const byStart = placed.map((t, i) => ({ t, at: relOffsets[i].at })).sort((a, b) => a.t.offset - b.t.offset);
  for (let i = 1; i < byStart.length; i++) {
    const prev = byStart[i - 1].t;
    const { t, at } = byStart[i];
    if (t.offset < prev.offset + prev.byteSize) {
      throw new GgufFormatError(`tensor ${quoteName(t.name)} offset`, at, `data overlaps tensor ${quoteName(prev.name)}`);
    }
  }

  return { version, metadata, metadataTypes, arrayTypes, tensors: placed, alignment, dataOffset, fileSize: src.size };
}

/** Throws gguf-unsupported naming the first tensor whose type Edgewise cannot run. */
export function assertSupportedTensorTypes(file: GgufFile): void {
  for (const t of file.tensors) {
    const info = ggmlType(t.type);
    if (!info?.supported) {
      throw new EdgewiseError('gguf-unsupported',
        `tensor ${quoteName(t.name)} has type ${info?.name ?? `#${t.type}`}, which Edgewise cannot run; use a file quantized to a supported type (e.g. Q4_K_M, Q8_0, F16)`);
    }
  }
}
