// A GPU adapter's context as far as GEMV tuning reads it (identity, features, limits), for unit
// tests of the tuning caches that run where Node has no WebGPU device: the timers they inject
// never touch the device.
import type { GpuContext } from '../../../gpu/device.ts';
import type { CandidateTimerFactory } from '../../../gpu/gemv-tuning.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import type { PipelineCache } from '../../../gpu/pipelines.ts';

export function fakeGpuEnv(): OpEnv {
  const ctx: GpuContext = {
    device: {} as GPUDevice,
    adapterInfo: { vendor: 'nvidia', architecture: 'hopper', device: '0x2330', description: 'NVIDIA H100', fallback: false },
    features: { f16: true, subgroups: true, subgroupId: true, timestamps: true },
    limits: { maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupSizeX: 1024, maxComputeWorkgroupStorageSize: 32768 } as GPUSupportedLimits,
  };
  return { ctx, pipelines: {} as PipelineCache };
}

/** A timer under which 128 threads × 2 rows is fastest; counts the candidates prepared. */
export function fixedTimer(): { factory: CandidateTimerFactory; prepared: number } {
  const t = {
    prepared: 0,
    factory: (): ReturnType<CandidateTimerFactory> => ({
      async prepare(s) {
        t.prepared++;
        return async () => (s.workgroupSize === 128 ? 1 : 2) + (s.rowsPerWorkgroup === 2 ? 0 : 0.5);
      },
      destroy() {},
    }),
  };
  return t;
}
