// Buffers the engine allocates for itself (activations, state), labelled so a validation error
// names them.

/** A storage buffer of `floats` 32-bit words that copies may read and write. */
export function storageBuffer(device: GPUDevice, label: string, floats: number): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(floats) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}
