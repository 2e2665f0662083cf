// The per-token step uniform (struct Step in shaders/common.wgsl): written once per token or
// chunk, read by RoPE, KV cache writes and attention, so their dispatches never change.
const words = new Uint32Array(4);

export function createStepBuffer(device: GPUDevice, label = 'step'): GPUBuffer {
  return device.createBuffer({ label, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
}

/** n_past: tokens already in the KV cache; the current chunk starts at that position. */
export function writeStep(queue: GPUQueue, step: GPUBuffer, nPast: number): void {
  words[0] = nPast;
  queue.writeBuffer(step, 0, words);
}
