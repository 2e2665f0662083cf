// A kernel dispatch prepared ahead of time: pipeline, bind group and workgroup counts. Ops in
// gpu/ops/ build these once (at load or plan time); the hot path only encodes them, so nothing
// is allocated per token.
export interface Dispatch {
  readonly label: string;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroups: readonly GPUBindGroup[];
  readonly workgroups: readonly [number, number?, number?];
}

export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[]): void {
  let pipeline: GPUComputePipeline | undefined;
  for (const d of dispatches) {
    // Consecutive dispatches of one kernel (a layer's gemvs) keep the pipeline set: one call
    // fewer each on the per-token CPU path.
    if (d.pipeline !== pipeline) pass.setPipeline((pipeline = d.pipeline));
    d.bindGroups.forEach((g, i) => pass.setBindGroup(i, g));
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1);
  }
}

/** Bind group entries in binding order: buffers (whole, or a {buffer, offset, size} slice). */
export type Binding = GPUBuffer | GPUBufferBinding;

export function bindGroup(device: GPUDevice, pipeline: GPUComputePipeline, label: string, bindings: readonly Binding[], group = 0): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(group),
    entries: bindings.map((b, i) => ({ binding: i, resource: 'buffer' in b ? b : { buffer: b } })),
  });
}

/** A uniform buffer written once with the given 32-bit words (u32, i32 or f32 views). */
export function uniformBuffer(device: GPUDevice, label: string, words: ArrayBuffer | ArrayBufferView): GPUBuffer {
  const bytes = words instanceof ArrayBuffer ? words : words.buffer.slice(words.byteOffset, words.byteOffset + words.byteLength);
  const size = Math.max(16, Math.ceil(bytes.byteLength / 16) * 16);
  const buf = device.createBuffer({ label, size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, 0, bytes);
  return buf;
}

/** Dispatch counts split over x and y when one dimension would pass maxComputeWorkgroupsPerDimension. */
export function workgroupGrid(groups: number, maxPerDim: number): readonly [number, number] {
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}
