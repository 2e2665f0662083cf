// The GGML tensor types as GGUF stores them: one row per type with its id, block size (elements)
// and bytes per block, following ggml.h / ggml-common.h. `supported` marks the types this engine
// can dequantize; the others are known by name so that errors can name them.

export const enum GgmlTypeId {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
  IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
}

export interface GgmlTypeInfo {
  readonly id: number;
  readonly name: string;
  readonly blockSize: number;   // elements per block
  readonly typeSize: number;    // bytes per block
  readonly supported: boolean;  // dequantized by model/quant and read by the GPU kernels
}

const row = (id: number, name: string, blockSize: number, typeSize: number, supported: boolean): GgmlTypeInfo =>
  ({ id, name, blockSize, typeSize, supported });

export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  row(0, 'F32', 1, 4, true),
  row(1, 'F16', 1, 2, true),
  row(2, 'Q4_0', 32, 18, true),
  row(3, 'Q4_1', 32, 20, true),
  row(6, 'Q5_0', 32, 22, true),
  row(7, 'Q5_1', 32, 24, true),
  row(8, 'Q8_0', 32, 34, true),
  row(9, 'Q8_1', 32, 36, false),
  row(10, 'Q2_K', 256, 84, true),
  row(11, 'Q3_K', 256, 110, true),
  row(12, 'Q4_K', 256, 144, true),
  row(13, 'Q5_K', 256, 176, true),
  row(14, 'Q6_K', 256, 210, true),
  row(15, 'Q8_K', 256, 292, false),
  row(16, 'IQ2_XXS', 256, 66, false),
  row(17, 'IQ2_XS', 256, 74, false),
  row(18, 'IQ3_XXS', 256, 98, false),
  row(19, 'IQ1_S', 256, 50, false),
  row(20, 'IQ4_NL', 32, 18, true),
  row(21, 'IQ3_S', 256, 110, false),
  row(22, 'IQ2_S', 256, 82, false),
  row(23, 'IQ4_XS', 256, 136, true),
  row(24, 'I8', 1, 1, false),
  row(25, 'I16', 1, 2, false),
  row(26, 'I32', 1, 4, false),
  row(27, 'I64', 1, 8, false),
  row(28, 'F64', 1, 8, false),
  row(29, 'IQ1_M', 256, 56, false),
  row(30, 'BF16', 1, 2, true),
  row(34, 'TQ1_0', 256, 54, false),
  row(35, 'TQ2_0', 256, 66, false),
  row(39, 'MXFP4', 32, 17, false),
];

const BY_ID = new Map(GGML_TYPES.map((t) => [t.id, t]));
const BY_NAME = new Map(GGML_TYPES.map((t) => [t.name, t]));

export function ggmlType(id: number): GgmlTypeInfo | undefined {
  return BY_ID.get(id);
}

export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return BY_NAME.get(name);
}

/** Bytes of a tensor of `elements` elements of this type (elements must be a multiple of blockSize). */
export function tensorBytes(t: GgmlTypeInfo, elements: number): number {
  return (elements / t.blockSize) * t.typeSize;
}
