// Dequantized weights for the CPU reference forward pass: every tensor a plan names, read once
// from the GGUF bytes and decoded to f32 (slow and memory-hungry; for tests and tiny models).
import type { ModelPlan } from '../arch/plan.ts';
import { EdgewiseError } from '../errors.ts';
import type { ByteSource, GgufFile } from '../gguf/types.ts';
import { dequantize } from '../quant/index.ts';

/** Tensor name → its values, row-major in ggml order (ne[0] contiguous). */
export type ReferenceWeights = ReadonlyMap<string, Float32Array>;

export async function loadReferenceWeights(plan: ModelPlan, file: GgufFile, source: ByteSource): Promise<ReferenceWeights> {
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const out = new Map<string, Float32Array>();
  for (const spec of plan.tensors) {
    const info = byName.get(spec.name);
    if (!info) throw new EdgewiseError('tensor-missing', `model is missing tensor ${spec.name}`);
    const bytes = await source.read(info.offset, info.byteSize);
    out.set(spec.name, dequantize(info.type, bytes, info.elements));
  }
  return out;
}
