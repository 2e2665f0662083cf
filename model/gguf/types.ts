// The shapes the GGUF reader produces and the byte source it reads through.

/** Random access to the bytes of a file: a Blob/File, a chunk store, a Node file handle. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; rejects when out of range. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export const enum GgufValueType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

/**
 * A metadata value. Integers and floats are numbers (64-bit integers beyond 2^53 are bigint);
 * numeric arrays are typed arrays of the stored type (u64/i64 as BigUint64Array/BigInt64Array,
 * bool as Uint8Array); string arrays are string[]; arrays of arrays are GgufValue[].
 */
export type GgufValue =
  | number | bigint | boolean | string
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | Float32Array | Float64Array | BigUint64Array | BigInt64Array
  | string[] | GgufValue[];

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml `ne`: innermost (contiguous) dimension first, the reverse of PyTorch. */
  readonly dims: readonly number[];
  /** GGML type id (see model/quant/types.ts). */
  readonly type: number;
  /** Byte offset from the start of the file (data section offset + relative offset). */
  readonly offset: number;
  readonly byteSize: number;
  readonly elements: number;
}

export interface GgufFile {
  readonly version: 2 | 3;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** The value type each key was stored with, for writers that round-trip a file. */
  readonly metadataTypes: ReadonlyMap<string, GgufValueType>;
  /** The element type of each array-valued key (tells a bool array from a u8 one). */
  readonly arrayTypes?: ReadonlyMap<string, GgufValueType>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Absolute byte offset of the tensor data section. */
  readonly dataOffset: number;
  readonly fileSize: number;
}
