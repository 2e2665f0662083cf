// Choosing the decode GEMV's workgroup shape per adapter (gpu/gemv-tuning.ts) and caching it
// (gpu/gemv-tuning-cache.ts), on the real device's context with an injected timer: which shape
// wins, what a cache hit, a corrupt entry and a CPU adapter cost in timings.
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/device.ts';
import { gemvTuningEntry, gemvTuningKey, memoryGemvTuningCache, type GemvTuningCache } from '../../gpu/gemv-tuning-cache.ts';
import { chooseGemvShape, gemvClasses, gpuCandidateTimer, isCpuAdapter, tuneGemvShapes, type CandidateTimer, type CandidateTimerFactory } from '../../gpu/gemv-tuning.ts';
import { PipelineCache } from '../../gpu/pipelines.ts';
import { defaultGemvShape, GEMV_KERNEL_VERSION, gemvClassKey, type GemvWorkgroupShape } from '../../gpu/ops/gemv.ts';
import { uploadWeight, type WeightTensor } from '../../gpu/weights.ts';
import { gpuContext } from './fixture.ts';

const Q4_K = 12, Q6_K = 14;
const id = (s: GemvWorkgroupShape) => `${s.workgroupSize}x${s.rowsPerWorkgroup}`;

/** A timer whose seconds per shape come from `times` (default 1 s); 'compile' or 'run' makes that step throw. */
function fakeTimer(times: Record<string, number | 'compile' | 'run'>, log: string[] = []): CandidateTimer {
  return {
    async prepare(s) {
      const t = times[id(s)] ?? 1;
      log.push(id(s));
      if (t === 'compile') throw new Error(`${id(s)} does not compile`);
      return async () => {
        if (t === 'run') throw new Error(`${id(s)} failed to run`);
        return t;
      };
    },
    destroy() {},
  };
}

/** Counts every candidate timed, over every class. */
function countingFactory(times: Record<string, number> = {}): { factory: CandidateTimerFactory; prepared: string[] } {
  const prepared: string[] = [];
  return { factory: () => fakeTimer(times, prepared), prepared };
}

/** Shape-only weights: the chooser reads type and dims; the injected timers never touch a buffer. */
function matrix(name: string, type: number, k: number, n: number): WeightTensor {
  return { name, type, dims: [k, n], parts: [] };
}

const MODEL = [
  matrix('blk.0.attn_qkv', Q4_K, 1024, 3072), matrix('blk.0.ffn_gate_up', Q4_K, 1024, 6144),
  matrix('blk.0.ffn_down', Q6_K, 3072, 1024), matrix('blk.1.ffn_down', Q6_K, 3072, 1024),
];

async function env(): Promise<{ ctx: GpuContext; pipelines: PipelineCache }> {
  const ctx = await gpuContext();
  return { ctx, pipelines: PipelineCache.for(ctx.device) };
}

function failingCache(): GemvTuningCache & { sets: number } {
  return { sets: 0, get: async () => { throw new Error('store is gone'); }, async set() { this.sets++; throw new Error('quota'); } };
}

describe('GEMV workgroup tuning', () => {
  it('picks the fastest shape by the timer, first over threads at 4 rows, then over rows', async () => {
    const log: string[] = [];
    const best = await chooseGemvShape(fakeTimer({ '32x4': 5, '64x4': 3, '128x4': 2, '256x4': 4, '128x1': 2.5, '128x2': 1.5 }, log));
    expect(best).toEqual({ shape: { workgroupSize: 128, rowsPerWorkgroup: 2 }, seconds: 1.5 });
    expect(log).toEqual(['32x4', '64x4', '128x4', '256x4', '128x1', '128x2']);
  });

  it('skips candidates that fail to compile, fail to run or do not fit the device', async () => {
    const best = await chooseGemvShape(fakeTimer({ '32x4': 9, '64x4': 'compile', '128x4': 1, '256x4': 0.5, '128x1': 'run', '128x2': 3 }),
      (s) => s.workgroupSize <= 128);
    expect(best?.shape).toEqual({ workgroupSize: 128, rowsPerWorkgroup: 4 });
    expect(await chooseGemvShape(fakeTimer({ '32x4': 'compile', '64x4': 'run', '128x4': 'compile', '256x4': 'compile' }))).toBeUndefined();
  });

  it('tunes the classes that carry the bytes, stores them, and a second load times nothing', async () => {
    const e = await env();
    const cache = memoryGemvTuningCache();
    const first = countingFactory({ '256x4': 0.1, '256x2': 0.05 });
    const tuned = await tuneGemvShapes(e, MODEL, { mode: 'force', cache, timer: first.factory });
    expect(tuned.report.source).toBe('tuned');
    expect(first.prepared.length).toBe(2 * 6);
    expect(tuned.report.shapes.map((s) => [s.type, s.k, s.from])).toEqual([['Q4_K', 1024, 'tuned'], ['Q6_K', 3072, 'tuned']]);
    expect(tuned.table.get(gemvClassKey(Q4_K, 1024))).toEqual({ workgroupSize: 256, rowsPerWorkgroup: 2 });

    const again = countingFactory();
    const hit = await tuneGemvShapes(e, MODEL, { mode: 'force', cache, timer: again.factory });
    expect(again.prepared).toEqual([]);
    expect(hit.report.source).toBe('cache');
    expect([...hit.table]).toEqual([...tuned.table]);
  });

  it('a new model tunes only its new classes and keeps the others in the entry', async () => {
    const e = await env();
    const cache = memoryGemvTuningCache();
    await tuneGemvShapes(e, MODEL, { mode: 'force', cache, timer: countingFactory().factory });
    const other = countingFactory();
    const r = await tuneGemvShapes(e, [...MODEL, matrix('blk.0.ssm_out', Q4_K, 4096, 4096)], { mode: 'force', cache, timer: other.factory });
    expect(other.prepared.length).toBe(6);
    expect(r.report.shapes.map((s) => s.from)).toEqual(['tuned', 'cache', 'cache']);
    const stored = await cache.get(gemvTuningKey(e.ctx)) as { shapes: Record<string, unknown> };
    expect(Object.keys(stored.shapes).sort()).toEqual([gemvClassKey(Q4_K, 1024), gemvClassKey(Q4_K, 4096), gemvClassKey(Q6_K, 3072)].sort());
  });

  it.each([
    ['not JSON', '{"key":'],
    ['null', null],
    ['a foreign key', { key: 'gemv-v0:["other"]', shapes: {} }],
    ['a shape that is not a power of two', { key: 'KEY', shapes: { [gemvClassKey(Q4_K, 1024)]: [48, 4] } }],
    ['too many rows', { key: 'KEY', shapes: { [gemvClassKey(Q4_K, 1024)]: [64, 9] } }],
  ])('an entry with %s is ignored and replaced', async (_, stored) => {
    const e = await env();
    const key = gemvTuningKey(e.ctx);
    const cache = memoryGemvTuningCache();
    await cache.set(key, (typeof stored === 'object' && stored && 'key' in stored && stored.key === 'KEY' ? { ...stored, key } : stored) as never);
    const timer = countingFactory();
    const r = await tuneGemvShapes(e, MODEL, { mode: 'force', cache, timer: timer.factory });
    expect(r.report.source).toBe('tuned');
    expect(timer.prepared.length).toBe(12);
    expect(await cache.get(key)).toEqual(gemvTuningEntry(key, r.table));
  });

  it('a store that cannot be read or written costs a tuning, never the load', async () => {
    const e = await env();
    const cache = failingCache();
    const r = await tuneGemvShapes(e, MODEL, { mode: 'force', cache, timer: countingFactory().factory });
    expect(r.report.source).toBe('tuned');
    expect(cache.sets).toBe(1);
    expect(r.report.cacheError).toBe('quota');
  });

  it('the key changes with the adapter, the shader variant and the kernel version', async () => {
    const { ctx } = await env();
    const key = gemvTuningKey(ctx);
    expect(key).toContain(`gemv-v${GEMV_KERNEL_VERSION}:`);
    const other = (a: Partial<GpuContext['adapterInfo']>, f: Partial<GpuContext['features']> = {}) =>
      gemvTuningKey({ ...ctx, adapterInfo: { ...ctx.adapterInfo, ...a }, features: { ...ctx.features, ...f } });
    const keys = [
      key, gemvTuningKey(ctx, GEMV_KERNEL_VERSION + 1), other({ vendor: 'nvidia' }), other({ architecture: 'ampere' }),
      other({ device: '0x2684' }), other({ description: 'NVIDIA GeForce RTX 4090' }),
      other({}, { f16: !ctx.features.f16 }), other({}, { subgroups: true, subgroupId: !(ctx.features.subgroups && ctx.features.subgroupId) }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a CPU adapter keeps the defaults with no timing and no cache access, unless forced; off is off', async () => {
    const e = await env();
    expect(isCpuAdapter(e.ctx.adapterInfo)).toBe(true);  // SwiftShader or lavapipe here
    const cache = failingCache();
    for (const mode of ['auto', 'off'] as const) {
      const timer = countingFactory();
      const r = await tuneGemvShapes(e, MODEL, { mode, cache, timer: timer.factory });
      expect(timer.prepared).toEqual([]);
      expect(r.table.size).toBe(0);
      expect(r.report).toMatchObject({ source: 'default', reason: mode === 'off' ? 'turned off' : 'CPU adapter', otherwise: defaultGemvShape(e.ctx) });
    }
    expect(cache.sets).toBe(0);
    const gpu = { ...e, ctx: { ...e.ctx, adapterInfo: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100', fallback: false } } };
    expect(isCpuAdapter(gpu.ctx.adapterInfo)).toBe(false);
    const timer = countingFactory();
    expect((await tuneGemvShapes(gpu, MODEL, { cache: memoryGemvTuningCache(), timer: timer.factory })).report.source).toBe('tuned');
    expect(timer.prepared.length).toBe(12);
  });

  it('tunes only classes with a real share of the bytes, and lists at most 64 MiB of each', () => {
    const big = Array.from({ length: 40 }, (_, i) => matrix(`blk.${i}.ffn_up`, Q4_K, 4096, 16384));  // 36 MiB each
    const classes = gemvClasses([...big, matrix('blk.0.ssm_dt', 1, 64, 4096)]);
    expect(classes.map((c) => [c.type, c.k])).toEqual([[Q4_K, 4096]]);
    expect(classes[0].matrices.length).toBe(2);
  });

  it('times a candidate on the device: one pass of GEMVs over the class\'s own matrices', async () => {
    const e = await env();
    const weights = [0, 1].map((i) => uploadWeight(e.ctx.device, { name: `tune.f32.${i}`, type: 0, dims: [64, 48] },
      new Uint8Array(Float32Array.from({ length: 64 * 48 }, (_, j) => Math.sin(i + j)).buffer)));
    const [cls] = gemvClasses(weights);
    expect(cls.matrices.length).toBe(2);
    const timer = gpuCandidateTimer(e, cls, 1);
    try {
      const seconds = await (await timer.prepare({ workgroupSize: 32, rowsPerWorkgroup: 4 }))();
      expect(seconds).toBeGreaterThan(0);
    } finally {
      timer.destroy();
      for (const w of weights) for (const p of w.parts) p.buffer.destroy();
    }
  });
});
