// Helpers for kernel tests: upload, read back, run prepared dispatches, compare with a CPU
// reference and report the worst index and the first differing pairs on failure.
import { expect } from 'vitest';
import { encodeDispatches, type Dispatch } from '../../gpu/dispatch.ts';

export function storageBuffer(device: GPUDevice, label: string, data: ArrayBufferView | number): GPUBuffer {
  const byteLength = typeof data === 'number' ? data : data.byteLength;
  const size = Math.max(16, Math.ceil(byteLength / 4) * 4);
  const buf = device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (typeof data !== 'number') {
    const padded = new Uint8Array(size);
    padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    device.queue.writeBuffer(buf, 0, padded);
  }
  return buf;
}

export async function readBytes(device: GPUDevice, buf: GPUBuffer, byteLength = buf.size, offset = 0): Promise<Uint8Array> {
  const size = Math.ceil(byteLength / 4) * 4;
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, offset, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Uint8Array(staging.getMappedRange().slice(0, byteLength));
  staging.unmap();
  staging.destroy();
  return out;
}

export async function readF32(device: GPUDevice, buf: GPUBuffer, count?: number): Promise<Float32Array> {
  const bytes = await readBytes(device, buf, (count ?? buf.size / 4) * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

export async function readU32(device: GPUDevice, buf: GPUBuffer, count?: number): Promise<Uint32Array> {
  const bytes = await readBytes(device, buf, (count ?? buf.size / 4) * 4);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Runs dispatches in one compute pass and waits; fails the test on any validation error. */
export async function runDispatches(device: GPUDevice, dispatches: readonly Dispatch[]): Promise<void> {
  device.pushErrorScope('validation');
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  encodeDispatches(pass, dispatches);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  const err = await device.popErrorScope();
  if (err) throw new Error(`validation error in [${dispatches.map((d) => d.label).join(', ')}]: ${err.message}`);
}

export interface Tolerance {
  readonly abs: number;
  readonly rel: number;
}

/**
 * Element-wise |a - e| <= abs + rel·|e|. On failure the message gives the count of bad
 * elements, the worst index and the first differing pairs.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let bad = 0, worst = -1, worstErr = 0;
  const firsts: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    const err = Math.abs(a - e);
    const ok = err <= tol.abs + tol.rel * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok || Number.isNaN(err)) {
      bad++;
      if (firsts.length < 5) firsts.push(`[${i}] got ${a} want ${e}`);
      if (!(err <= worstErr)) { worstErr = err; worst = i; }
    }
  }
  if (bad > 0) {
    expect.fail(`${what}: ${bad}/${expected.length} outside abs ${tol.abs} + rel ${tol.rel}; worst [${worst}] got ${actual[worst]} want ${expected[worst]} (err ${worstErr}); first: ${firsts.join(', ')}`);
  }
}
