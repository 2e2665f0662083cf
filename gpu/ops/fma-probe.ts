// The adapter's arithmetic rate, measured: shaders/fma-probe.wgsl run over enough workgroups to
// fill any GPU, timed by wall clock around a submit (onSubmittedWorkDone), the grid doubled until
// a run lasts long enough to time. `edgewise bench` divides prefill FLOP/s by it.
import source from '../../shaders/fma-probe.wgsl';
import { bindGroup } from '../dispatch.ts';
import { opError, type OpEnv } from './common.ts';

export interface FmaRate {
  /** FLOP/s ÷ 1e9, an FMA counted as 2 FLOPs. */
  readonly gflops: number;
  readonly precision: 'f16' | 'f32';
  readonly workgroups: number;
  readonly seconds: number;
}

export const FMA_PROBE = { iters: 4096, threads: 64, flopsPerIter: 2 * 4 * 8 } as const;

export interface FmaProbe {
  /** (capacity · threads) f32: each thread's final sum. */
  readonly out: GPUBuffer;
  /** Runs `workgroups` (≤ capacity) in one submit; resolves with the wall-clock seconds. */
  run(workgroups: number): Promise<number>;
  destroy(): void;
}

export async function prepareFmaProbe(env: OpEnv, f16: boolean, capacity: number, iters: number = FMA_PROBE.iters): Promise<FmaProbe> {
  const { device, limits, features } = env.ctx;
  if (f16 && !features.f16) throw opError('fma probe', 'the f16 probe needs shader-f16, which this device lacks');
  const pipeline = await env.pipelines.get({ family: 'fma_probe', source, variant: { f16Math: f16 }, constants: { ITERS: iters, WG: FMA_PROBE.threads } });
  const perRow = Math.min(limits.maxComputeWorkgroupsPerDimension, 1024);
  const out = device.createBuffer({ label: 'fma probe out', size: capacity * FMA_PROBE.threads * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const group = bindGroup(device, pipeline, 'fma probe', [out]);
  return {
    out,
    async run(workgroups: number) {
      if (workgroups > capacity || (workgroups > perRow && workgroups % perRow)) throw opError('fma probe', `${workgroups} workgroups: more than ${capacity}, or not whole rows of ${perRow}`);
      const enc = device.createCommandEncoder({ label: 'fma probe' });
      const pass = enc.beginComputePass({ label: 'fma probe' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(Math.min(workgroups, perRow), Math.ceil(workgroups / perRow));
      pass.end();
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return (performance.now() - t0) / 1000;
    },
    destroy: () => out.destroy(),
  };
}

/** Measures vec4 FMA throughput in f16 (needs shader-f16) or f32; each timed run lasts ≥ minSeconds where it can. */
export async function measureFmaRate(env: OpEnv, f16: boolean, minSeconds = 0.05, maxWorkgroups = 1 << 16): Promise<FmaRate> {
  const probe = await prepareFmaProbe(env, f16, maxWorkgroups);
  try {
    await probe.run(1);
    // From a small grid up, so that a slow adapter (SwiftShader) stops early.
    let workgroups = Math.min(16, maxWorkgroups);
    let seconds = await probe.run(workgroups);
    while (seconds < minSeconds && workgroups * 2 <= maxWorkgroups) {
      workgroups *= 2;
      seconds = await probe.run(workgroups);
    }
    const { threads, iters, flopsPerIter } = FMA_PROBE;
    return { gflops: (workgroups * threads * iters * flopsPerIter) / seconds / 1e9, precision: f16 ? 'f16' : 'f32', workgroups, seconds };
  } finally {
    probe.destroy();
  }
}
