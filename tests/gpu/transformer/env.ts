// Shared setup of the transformer-kernel tests: the real device, one pipeline cache, seeded data.
import { PipelineCache } from '../../../gpu/pipelines.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { gpuContext } from '../fixture.ts';

let env: Promise<OpEnv> | undefined;

export function opEnv(): Promise<OpEnv> {
  env ??= gpuContext().then((ctx) => ({ ctx, pipelines: new PipelineCache(ctx.device) }));
  return env;
}

/** Deterministic uniform values in [lo, hi) (mulberry32), so a failure reproduces. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}
