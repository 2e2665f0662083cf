// What every op in gpu/ops/ is prepared with, its typed errors, and the packing of its uniform
// parameters. Every op has one shape: prepareX(env: OpEnv, args: XArgs) with args.label naming
// the op's pipelines, bind groups, buffers and errors; activations it addresses by offset and
// stride are RowViews (rows.ts).
import { EdgewiseError } from '../../model/errors.ts';
import type { GpuContext } from '../device.ts';
import { workgroupGrid } from '../dispatch.ts';
import type { PipelineCache } from '../pipelines.ts';
import type { GemvShapeTable } from './gemv.ts';

export interface OpEnv {
  readonly ctx: GpuContext;
  readonly pipelines: PipelineCache;
  /** The decode GEMV's workgroup shapes tuned for this adapter and model (gpu/gemv-tuning.ts), if any. */
  readonly gemvShapes?: GemvShapeTable;
}

/** What an op throws for an argument or shape it rejects: one line naming the op's label. */
export function opError(label: string, problem: string): EdgewiseError {
  return new EdgewiseError('gpu-validation', `${label}: ${problem}`);
}

/** A size the op needs past this device's limit: the model or the chunk is too large for it. */
export function checkLimit(label: string, what: string, value: number, limit: number): void {
  if (value > limit) throw new EdgewiseError('device-too-small', `${label}: ${what} ${value} exceeds this GPU's limit of ${limit}`);
}

/** One 32-bit field of a WGSL uniform struct, in declaration order. */
export type Field = readonly ['u32' | 'f32', number];

/** The bytes of a uniform struct made of 32-bit fields, padded to 16 bytes. */
export function packUniform(label: string, fields: readonly Field[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(buf);
  fields.forEach(([type, value], i) => {
    if (type === 'u32') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw opError(label, `uniform field ${i}: ${value} is not a u32`);
      view.setUint32(i * 4, value, true);
    } else {
      view.setFloat32(i * 4, value, true);
    }
  });
  return buf;
}

/** Workgroup grid for `groups` workgroups, split over x and y past the per-dimension limit. */
export function grid(env: OpEnv, groups: number): readonly [number, number] {
  return workgroupGrid(Math.max(1, groups), env.ctx.limits.maxComputeWorkgroupsPerDimension);
}

/** A small read-only buffer standing in for an optional binding the variant does not read. */
export function placeholderBuffer(device: GPUDevice, label: string): GPUBuffer {
  return device.createBuffer({ label: `${label}/unused`, size: 16, usage: GPUBufferUsage.STORAGE });
}

/** A whole-buffer operand (state, weights, ids, logits) holds `elements` elements. */
export function checkWithin(label: string, name: string, buffer: GPUBuffer, elements: number, bytesPerElement = 4): void {
  if (elements * bytesPerElement > buffer.size) {
    throw opError(label, `${name} needs ${elements} elements (${elements * bytesPerElement} bytes) but buffer "${buffer.label}" has ${buffer.size} bytes`);
  }
}

/** A bind group whose binding numbers are not 0..n-1 (an entry point that skips some). */
export function sparseBindGroup(device: GPUDevice, pipeline: GPUComputePipeline, label: string, entries: Record<number, GPUBuffer>): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: Object.entries(entries).map(([binding, buffer]) => ({ binding: Number(binding), resource: { buffer } })),
  });
}

/** Workgroup sizes a tree reduction over a 256-slot workgroup array accepts. */
export function reductionWorkgroupSize(label: string, size: number): number {
  if (![32, 64, 128, 256].includes(size)) throw opError(label, `workgroup size ${size} must be a power of two from 32 to 256`);
  return size;
}
