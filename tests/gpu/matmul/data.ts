// Test data for the matrix kernels: seeded random weights quantized by model/quant (the bytes a
// GGUF would hold), random activations, uploads, and the per-dtype tolerance of each case.
import { f32ToF16, f16ToF32, quantize } from '../../../model/quant/index.ts';
import { ggmlTypeByName } from '../../../model/quant/types.ts';
import type { RefWeight } from '../../../model/reference/matmul.ts';
import { uploadWeight, type WeightTensor } from '../../../gpu/weights.ts';
import { readBytes, readF32, storageBuffer } from '../harness.ts';
import { seededRandom } from '../../../engine/sampler.ts';

/** mulberry32, the sampler's seeded generator: the same seed gives the same case on every run. */
export const rng = seededRandom;

/** Uniform values in [-scale, scale). */
export function randomF32(count: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: count }, () => (r() * 2 - 1) * scale);
}

export function typeId(name: string): number {
  const t = ggmlTypeByName(name);
  if (!t) throw new Error(`unknown type ${name}`);
  return t.id;
}

export interface TestWeight {
  readonly ref: RefWeight;
  readonly gpu: WeightTensor;
}

/** A random (n, k) weight of the named type, uploaded (split into parts of at most maxBytes). */
export function randomWeight(device: GPUDevice, type: string, k: number, n: number, seed: number, maxBytes?: number): TestWeight {
  const id = typeId(type);
  const bytes = quantize(id, randomF32(k * n, seed));
  const name = `test.${type}.${k}x${n}`;
  return { ref: { type: id, bytes, k, n }, gpu: uploadWeight(device, { name, type: id, dims: [k, n] }, bytes, maxBytes) };
}

/** Activations as the kernel variant stores them: f32, or f16 bits; returns the values the GPU sees. */
export function activationBuffer(device: GPUDevice, label: string, values: Float32Array, f16: boolean): { buffer: GPUBuffer; seen: Float32Array } {
  if (!f16) return { buffer: storageBuffer(device, label, values), seen: values };
  const bits = Uint16Array.from(values, (v) => f32ToF16(v));
  return { buffer: storageBuffer(device, label, bits), seen: Float32Array.from(bits, (b) => f16ToF32(b)) };
}

/** Reads `count` activations back as f32, whichever variant wrote them. */
export async function readActivations(device: GPUDevice, buffer: GPUBuffer, count: number, f16: boolean): Promise<Float32Array> {
  if (!f16) return readF32(device, buffer, count);
  const bytes = await readBytes(device, buffer, count * 2);
  return Float32Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, count), (b) => f16ToF32(b));
}
