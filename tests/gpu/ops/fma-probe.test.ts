// The FMA probe (the rate `edgewise bench` divides prefill by) computes what its CPU reference
// computes, f32 and f16, and yields a finite positive rate.
import { describe, expect, it } from 'vitest';
import { FMA_PROBE, measureFmaRate, prepareFmaProbe } from '../../../gpu/ops/fma-probe.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { f16ToF32, f32ToF16 } from '../../../model/quant/index.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { gpuContext, needsF16 } from '../fixture.ts';
import { expectClose, readF32 } from '../harness.ts';

/** One thread's final value, as shaders/fma-probe.wgsl computes it, rounding to `round` after each step. */
function reference(i: number, iters: number, round: (x: number) => number): number {
  const m = [0.999, 0.998, 0.997, 0.996].map(round), c = round(0.001);
  const s = round((i & 7) * 0.001);
  const chains: number[][] = [];
  let a = [s, s, s, s];
  for (let j = 0; j < 8; j++) {
    if (j > 0) a = a.map((v) => round(v + c));
    chains.push(a);
  }
  for (let it = 0; it < iters; it++) {
    for (const ch of chains) for (let l = 0; l < 4; l++) ch[l] = round(ch[l] * m[l] + c);
  }
  const pair = (x: number[], y: number[]) => x.map((v, l) => round(v + y[l]));
  const t = pair(pair(pair(chains[0], chains[1]), pair(chains[2], chains[3])), pair(pair(chains[4], chains[5]), pair(chains[6], chains[7])));
  return round(round(round(t[0] + t[1]) + t[2]) + t[3]);
}

async function check(f16: boolean): Promise<void> {
  const ctx = await gpuContext();
  const env = { ctx, pipelines: new PipelineCache(ctx.device) };
  const iters = 37, workgroups = 3;
  const probe = await prepareFmaProbe(env, f16, workgroups, iters);
  try {
    await probe.run(workgroups);
    const n = workgroups * FMA_PROBE.threads;
    const got = await readF32(ctx.device, probe.out, n);
    const round = f16 ? (x: number) => f16ToF32(f32ToF16(x)) : Math.fround;
    const want = Float32Array.from({ length: n }, (_, i) => reference(i, iters, round));
    expectClose(got, want, f16 ? TOLERANCE.f16 : TOLERANCE.f32, `fma probe ${f16 ? 'f16' : 'f32'}`);
  } finally {
    probe.destroy();
  }
  const rate = await measureFmaRate(env, f16, 0.01, 64);
  expect(rate.gflops).toBeGreaterThan(0);
  expect(Number.isFinite(rate.gflops)).toBe(true);
}

describe('fma probe', () => {
  it('f32: every thread as the CPU reference; a positive rate', async () => {
    await check(false);
  });
  it('f16 (shader-f16)', async (test) => {
    needsF16(await gpuContext(), test, 'the f16 fma probe');
    await check(true);
  });
});
