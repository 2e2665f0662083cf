// CPU dequantization and quantization of GGML tensors, dispatched by GGML type id through one
// table: a type is supported here iff it has a row in CODECS (and is marked so in types.ts).
import { EdgewiseError } from '../errors.ts';
import type { BlockCodec } from './codec.ts';
import { BF16_CODEC, F16_CODEC, F32_CODEC } from './float.ts';
import { IQ4_NL_CODEC, Q4_0_CODEC, Q4_1_CODEC, Q5_0_CODEC, Q5_1_CODEC, Q8_0_CODEC } from './legacy.ts';
import { IQ4_XS_CODEC, Q2_K_CODEC, Q3_K_CODEC, Q4_K_CODEC, Q5_K_CODEC, Q6_K_CODEC } from './kquants.ts';
import { GGML_TYPES, GgmlTypeId, ggmlType, type GgmlTypeInfo } from './types.ts';

export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, roundF16 } from './float.ts';

const CODECS: ReadonlyMap<number, BlockCodec> = new Map<number, BlockCodec>([
  [GgmlTypeId.F32, F32_CODEC],
  [GgmlTypeId.F16, F16_CODEC],
  [GgmlTypeId.BF16, BF16_CODEC],
  [GgmlTypeId.Q8_0, Q8_0_CODEC],
  [GgmlTypeId.Q4_0, Q4_0_CODEC],
  [GgmlTypeId.Q4_1, Q4_1_CODEC],
  [GgmlTypeId.Q5_0, Q5_0_CODEC],
  [GgmlTypeId.Q5_1, Q5_1_CODEC],
  [GgmlTypeId.IQ4_NL, IQ4_NL_CODEC],
  [GgmlTypeId.Q2_K, Q2_K_CODEC],
  [GgmlTypeId.Q3_K, Q3_K_CODEC],
  [GgmlTypeId.Q4_K, Q4_K_CODEC],
  [GgmlTypeId.Q5_K, Q5_K_CODEC],
  [GgmlTypeId.Q6_K, Q6_K_CODEC],
  [GgmlTypeId.IQ4_XS, IQ4_XS_CODEC],
]);

/** Names of the types this module reads and writes, in the type table's order. */
export const QUANT_SUPPORTED: readonly string[] = GGML_TYPES.filter((t) => t.supported && CODECS.has(t.id)).map((t) => t.name);

function subject(tensorName: string | undefined): string {
  return tensorName === undefined ? 'tensor' : `tensor "${tensorName}"`;
}

function resolve(typeId: number, tensorName: string | undefined): { info: GgmlTypeInfo; codec: BlockCodec } {
  const info = ggmlType(typeId);
  const codec = CODECS.get(typeId);
  if (info === undefined) {
    throw new EdgewiseError('gguf-unsupported',
      `${subject(tensorName)} has unknown GGML type id ${typeId}; this file may need a newer Edgewise`);
  }
  if (codec === undefined || !info.supported) {
    throw new EdgewiseError('gguf-unsupported',
      `${subject(tensorName)} has GGML type ${info.name} (id ${typeId}), which Edgewise cannot read; ` +
      `use a model quantized to one of ${QUANT_SUPPORTED.join(', ')}`);
  }
  return { info, codec };
}

function blockCount(info: GgmlTypeInfo, elements: number, tensorName: string | undefined): number {
  if (!Number.isInteger(elements) || elements < 0 || elements % info.blockSize !== 0) {
    throw new EdgewiseError('tensor-shape',
      `${subject(tensorName)}: ${elements} elements is not a whole number of ${info.name} blocks of ${info.blockSize}`);
  }
  return elements / info.blockSize;
}

function checkBytes(info: GgmlTypeInfo, have: number, blocks: number, tensorName: string | undefined): void {
  const need = blocks * info.typeSize;
  if (have < need) {
    throw new EdgewiseError('gguf-malformed',
      `${subject(tensorName)}: ${info.name} data holds ${have} bytes but ${blocks * info.blockSize} elements need ${need}`);
  }
}

/** The first `elements` values of a tensor of GGML type `typeId` stored in `bytes`. */
export function dequantize(typeId: number, bytes: Uint8Array, elements: number, tensorName?: string): Float32Array {
  const { info, codec } = resolve(typeId, tensorName);
  const blocks = blockCount(info, elements, tensorName);
  checkBytes(info, bytes.length, blocks, tensorName);
  const out = new Float32Array(elements);
  codec.decode(bytes, out, blocks);
  return out;
}

/**
 * Rows rowStart..rowStart+rowCount of a matrix whose rows hold `rowLength` elements:
 * (rowCount, rowLength) row-major. Only those rows' bytes are read (embedding lookup).
 */
export function dequantizeRows(typeId: number, bytes: Uint8Array, rowLength: number, rowStart: number, rowCount: number, tensorName?: string): Float32Array {
  const { info, codec } = resolve(typeId, tensorName);
  const blocksPerRow = blockCount(info, rowLength, tensorName);
  const rowBytes = blocksPerRow * info.typeSize;
  if (!Number.isInteger(rowStart) || !Number.isInteger(rowCount) || rowStart < 0 || rowCount < 0) {
    throw new RangeError(`dequantizeRows: bad row range ${rowStart} + ${rowCount}`);
  }
  const begin = rowStart * rowBytes;
  checkBytes(info, Math.max(0, bytes.length - begin), rowCount * blocksPerRow, tensorName);
  const out = new Float32Array(rowCount * rowLength);
  codec.decode(bytes.subarray(begin, begin + rowCount * rowBytes), out, rowCount * blocksPerRow);
  return out;
}

/** `data` encoded as GGML type `typeId` (round-to-nearest): the bytes a GGUF file would hold. */
export function quantize(typeId: number, data: Float32Array, tensorName?: string): Uint8Array {
  const { info, codec } = resolve(typeId, tensorName);
  const blocks = blockCount(info, data.length, tensorName);
  const out = new Uint8Array(blocks * info.typeSize);
  codec.encode(data, out, blocks);
  return out;
}
