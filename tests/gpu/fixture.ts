// The real WebGPU device every GPU test runs on (SwiftShader on machines without a GPU).
// It FAILS, never skips, when no adapter comes: a GPU test that silently did not run is a defect.
import { acquireNodeDevice } from '../../gpu/node-gpu.ts';
import type { GpuContext } from '../../gpu/device.ts';

let shared: Promise<GpuContext> | undefined;

export function gpuContext(): Promise<GpuContext> {
  shared ??= acquireNodeDevice().then((ctx) => {
    ctx.device.addEventListener('uncapturederror', (e) => {
      throw new Error(`WebGPU uncaptured error: ${(e as GPUUncapturedErrorEvent).error.message}`);
    });
    return ctx;
  });
  return shared;
}
