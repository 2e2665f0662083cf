// Shared setup of the transformer-kernel tests: the real device, one pipeline cache, seeded data.
import { PipelineCache } from '../../../gpu/pipelines.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { gpuContext } from '../fixture.ts';
import { seededRandom } from '../../../engine/sampler.ts';

let env: Promise<OpEnv> | undefined;

export function opEnv(): Promise<OpEnv> {
  env ??= gpuContext().then((ctx) => ({ ctx, pipelines: PipelineCache.for(ctx.device) }));
  return env;
}

/** Deterministic uniform values in [lo, hi) (mulberry32), so a failure reproduces. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}
