// The real WebGPU device every GPU test runs on (SwiftShader on machines without a GPU).
// It FAILS, never skips, when no adapter comes: a GPU test that silently did not run is a defect.
//
// SwiftShader has no `shader-f16`, so `npm test` runs the GPU tests that compute numbers a second
// time on Mesa's lavapipe (scripts/test-all.mjs, scripts/lavapipe.mjs), which has it, with
// EDGEWISE_REQUIRE_F16=1: there an adapter
// without the feature fails every test, and the f16 paths run for real. In the SwiftShader
// pass the f16 tests are skipped by name (`needsF16`), and the summary counts them.
// That second pass also sets EDGEWISE_GPU_LIMITS=default: the device gets WebGPU's default
// limits (what the weakest conforming phone grants) instead of the adapter's, so every kernel
// and the engine are shown to need no more.
import type { TestContext } from 'vitest';
import { acquireNodeDevice } from '../../gpu/node-gpu.ts';
import type { GpuContext } from '../../gpu/device.ts';

const REQUIRE_F16 = process.env.EDGEWISE_REQUIRE_F16 === '1';
const LIMITS = process.env.EDGEWISE_GPU_LIMITS === 'default' ? 'default' : 'adapter';
let shared: Promise<GpuContext> | undefined;

export function gpuContext(): Promise<GpuContext> {
  shared ??= acquireNodeDevice({ limits: LIMITS }).then((ctx) => {
    if (LIMITS === 'default' && ctx.limits.maxComputeWorkgroupStorageSize !== 16384) {
      throw new Error(`EDGEWISE_GPU_LIMITS=default but the device has ${ctx.limits.maxComputeWorkgroupStorageSize} bytes of workgroup memory`);
    }
    if (REQUIRE_F16 && !ctx.features.f16) {
      throw new Error(`EDGEWISE_REQUIRE_F16=1 but the adapter (${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture} ${ctx.adapterInfo.description}) lacks shader-f16`);
    }
    ctx.device.addEventListener('uncapturederror', (e) => {
      throw new Error(`WebGPU uncaptured error: ${(e as GPUUncapturedErrorEvent).error.message}`);
    });
    return ctx;
  });
  return shared;
}

/** Skips `test` (with the reason in the report) where the adapter lacks shader-f16. */
export function needsF16(ctx: GpuContext, test: TestContext, what: string): void {
  if (ctx.features.f16) return;
  test.skip(`${what} needs shader-f16, which ${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture} lacks; npm test runs it on lavapipe`);
}

/** Dawn has WGSL's packed_4x8_integer_dot_product on every adapter here; a browser may not. */
export function needsInt8Dot(ctx: GpuContext, test: TestContext, what: string): void {
  if (ctx.features.int8Dot) return;
  test.skip(`${what} needs WGSL's packed_4x8_integer_dot_product, which this WebGPU implementation lacks`);
}
