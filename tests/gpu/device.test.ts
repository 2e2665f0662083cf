import { describe, expect, it } from 'vitest';
import { gpuContext } from './fixture.ts';

describe('WebGPU device in Node', () => {
  it('gets a real adapter and runs a compute shader', async () => {
    const { device, adapterInfo, limits } = await gpuContext();
    expect(adapterInfo.vendor.length + adapterInfo.architecture.length).toBeGreaterThan(0);
    expect(limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);

    const n = 1000;
    const module = device.createShaderModule({
      label: 'device-test',
      code: `@group(0) @binding(0) var<storage, read_write> x: array<f32>;
             @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
               if (id.x < arrayLength(&x)) { x[id.x] = x[id.x] * 2.0 + 1.0; }
             }`,
    });
    const pipeline = await device.createComputePipelineAsync({ label: 'device-test', layout: 'auto', compute: { module } });
    const input = Float32Array.from({ length: n }, (_, i) => i * 0.5);
    const buf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buf, 0, input);
    const read = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] }));
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(buf, 0, read, 0, n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    for (let i = 0; i < n; i++) expect(out[i]).toBe(input[i] * 2 + 1);
  });
});
