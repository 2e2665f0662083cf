// The decode GEMV's workgroup shape, chosen per adapter at model load: the shapes a token's
// matrices run with are timed on this GPU, over the model's own weights, and the fastest kept per
// (weight type, row length K). K sets how many 32-weight chunks a row's threads share, the type
// what each chunk costs to decode; the rows of the matrices of one class vary (Q, K, V, gate,
// up), and the class's time is summed over them as a decoded token meets them. The winner is
// cached per adapter (gpu/gemv-tuning-cache.ts): a load that finds every class there times nothing.
//
// Candidates, by coordinate descent over 12 shapes: threads 32, 64, 128, 256 at 4 rows per
// workgroup, then 1 and 2 rows at the best thread count (6 timed shapes; 64 × 4, the GPU default,
// is among them, so the winner is never slower as measured). Each is one pass of GEMVs over up
// to LIST_BYTES of the class's matrices (more than a GPU's last-level cache, so that the cache
// does not flatter), timed as the benchmarks time (gpu/profile.ts: timestamps where the adapter
// has them), median of `reps` after a warm-up. A class whose matrices all fit in the cache is
// timed warm, unlike in decode; copies to make up the bytes would cost GPU memory at the moment
// the model has just taken what the device allows, so its shapes are compared warm.
// Cost, estimated (not yet measured on a GPU): at most MAX_CLASSES classes × 6 shapes × 4 passes
// of ≤ 64 MiB: about 150 passes of 0.1–0.6 ms at 100–600 GB/s plus a submit each, 0.1–0.2 s;
// and 6 pipelines compiled per class (the 4 and then the 2 of a step at once), tens of ms each.
//
// Off where it cannot help: a CPU adapter (SwiftShader, lavapipe: every shape is timed on the same
// cores, and tests must not slow down) keeps defaultGemvShape with no timing, unless forced.
import { ggmlType } from '../model/quant/types.ts';
import { storageBuffer } from './buffers.ts';
import type { AdapterSummary } from './device.ts';
import { gemvTuningEntry, gemvTuningKey, memoryGemvTuningCache, readGemvTuningEntry, type GemvTuningCache } from './gemv-tuning-cache.ts';
import type { OpEnv } from './ops/common.ts';
import { defaultGemvShape, gemvClassKey, GEMV_MAX_ROWS, prepareGemv, type GemvShapeTable, type GemvWorkgroupShape } from './ops/gemv.ts';
import { timeList, type Clock } from './profile.ts';
import { weightGeometry, type WeightTensor } from './weights.ts';

/** 'auto': tune on a GPU, defaults on a CPU adapter; 'off': defaults; 'force': tune even on a CPU adapter (tests). */
export type GemvTuningMode = 'auto' | 'off' | 'force';

export interface GemvTuningOptions {
  readonly mode?: GemvTuningMode;
  /** Where winners are kept between loads; default one that lasts as long as the process. */
  readonly cache?: GemvTuningCache;
  /** Timed passes per candidate after a warm-up (default 3). */
  readonly reps?: number;
  /** How a candidate is timed: default on the device (gpuCandidateTimer); tests give their own. */
  readonly timer?: CandidateTimerFactory;
}

/** The matrices decode reads with one weight type and row length, up to LIST_BYTES of them. */
export interface GemvClass {
  readonly type: number;
  readonly k: number;
  /** Bytes of all of the model's matrices of this class. */
  readonly bytes: number;
  readonly matrices: readonly WeightTensor[];
}

/** One candidate made ready to time (pipelines compiled); `run` gives seconds per pass. */
export interface CandidateTimer {
  /** Throws when the shape cannot be compiled for this device. */
  prepare(shape: GemvWorkgroupShape): Promise<() => Promise<number>>;
  destroy(): void;
}

export type CandidateTimerFactory = (env: OpEnv, cls: GemvClass, reps: number) => CandidateTimer;

export interface GemvShapeReport extends GemvWorkgroupShape {
  readonly type: string;
  readonly k: number;
  readonly bytes: number;
  readonly from: 'cache' | 'tuned' | 'default';
}

export interface GemvTuningReport {
  /** 'default': nothing tuned (`reason` says why); 'cache': every class from the cache, nothing timed; 'tuned': some timed now. */
  readonly source: 'default' | 'cache' | 'tuned';
  readonly reason?: string;
  /** Milliseconds from the start to the table: cache read, timing, cache write. */
  readonly ms: number;
  readonly clock?: Clock;
  /** The classes that carry decode's bytes, largest first, with the shape each runs with. */
  readonly shapes: readonly GemvShapeReport[];
  /** The shape of every other GEMV. */
  readonly otherwise: GemvWorkgroupShape;
  /** Why the winners could not be stored (they are used all the same; the next load tunes again). */
  readonly cacheError?: string;
}

export interface GemvTuning {
  readonly table: GemvShapeTable;
  readonly report: GemvTuningReport;
}

const THREADS = [32, 64, 128, 256];
const FEWER_ROWS = [1, 2];
/** A class is tuned when it holds this share of the GEMV bytes; the others keep the default. */
const MIN_SHARE = 0.05;
const MAX_CLASSES = 6;
const LIST_BYTES = 64 << 20;
const DEFAULT_REPS = 3;

const processCache = memoryGemvTuningCache();

/** SwiftShader and lavapipe say they are fallback adapters; the names catch a browser that does not. */
export function isCpuAdapter(a: AdapterSummary): boolean {
  return a.fallback || a.architecture === 'swiftshader' || /swiftshader|llvmpipe|lavapipe/i.test(`${a.device} ${a.description}`);
}

/** The (type, K) classes worth tuning among `matrices`, largest first. */
export function gemvClasses(matrices: readonly WeightTensor[]): GemvClass[] {
  const byKey = new Map<string, { type: number; k: number; bytes: number; all: { m: WeightTensor; bytes: number }[] }>();
  let total = 0;
  for (const m of matrices) {
    const g = weightGeometry(m);
    const key = gemvClassKey(m.type, g.k);
    const c = byKey.get(key) ?? { type: m.type, k: g.k, bytes: 0, all: [] };
    c.bytes += g.rowBytes * g.rows;
    c.all.push({ m, bytes: g.rowBytes * g.rows });
    byKey.set(key, c);
    total += g.rowBytes * g.rows;
  }
  return [...byKey.values()].filter((c) => c.bytes >= MIN_SHARE * total).sort((a, b) => b.bytes - a.bytes).slice(0, MAX_CLASSES)
    .map(({ type, k, bytes, all }) => {
      const matrices: WeightTensor[] = [];
      let listed = 0;
      for (const a of all) {
        if (listed >= LIST_BYTES) break;
        matrices.push(a.m);
        listed += a.bytes;
      }
      return { type, k, bytes, matrices };
    });
}

/** Shapes this device can run as asked (prepareGemv would shrink a larger one to fit). */
export function gemvShapeFits(env: OpEnv, s: GemvWorkgroupShape): boolean {
  const l = env.ctx.limits;
  return s.workgroupSize <= l.maxComputeInvocationsPerWorkgroup && s.workgroupSize <= l.maxComputeWorkgroupSizeX &&
    s.workgroupSize * s.rowsPerWorkgroup * 4 <= l.maxComputeWorkgroupStorageSize;
}

/** The fastest candidate by `timer` (see the header), skipping any that fails; undefined when all do. */
export async function chooseGemvShape(timer: CandidateTimer, fit: (s: GemvWorkgroupShape) => boolean = () => true): Promise<{ shape: GemvWorkgroupShape; seconds: number } | undefined> {
  let best: { shape: GemvWorkgroupShape; seconds: number } | undefined;
  const step = async (shapes: readonly GemvWorkgroupShape[]) => {
    const tried = shapes.filter(fit);
    const runs = await Promise.all(tried.map((s) => timer.prepare(s).catch(() => undefined)));
    for (const [i, run] of runs.entries()) {
      const seconds = run ? await run().catch(() => NaN) : NaN;
      if (Number.isFinite(seconds) && seconds >= 0 && (!best || seconds < best.seconds)) best = { shape: tried[i], seconds };
    }
  };
  await step(THREADS.map((workgroupSize) => ({ workgroupSize, rowsPerWorkgroup: GEMV_MAX_ROWS })));
  const threads = best?.shape.workgroupSize;
  if (threads !== undefined) await step(FEWER_ROWS.map((rowsPerWorkgroup) => ({ workgroupSize: threads, rowsPerWorkgroup })));
  return best;
}

/** Times a class's GEMVs on the device: one pass over its listed matrices, one token, f32 x. */
export function gpuCandidateTimer(env: OpEnv, cls: GemvClass, reps: number): CandidateTimer {
  const { device } = env.ctx;
  const x = storageBuffer(device, 'gemv-tune/x', cls.k);
  const y = storageBuffer(device, 'gemv-tune/y', Math.max(...cls.matrices.map((m) => weightGeometry(m).rows)));
  return {
    async prepare(shape) {
      const list = (await Promise.all(cls.matrices.map((w) => prepareGemv(env, { label: `gemv-tune/${w.name}`, weight: w, x: { buffer: x }, y: { buffer: y }, ...shape })))).flat();
      return async () => (await timeList(device, list, reps)).seconds;
    },
    destroy() {
      x.destroy();
      y.destroy();
    },
  };
}

/**
 * The workgroup shape per class for `matrices` (the GEMV weights of a loaded model) on this
 * device: from the cache, else timed and stored; the default shape where tuning is off.
 */
export async function tuneGemvShapes(env: OpEnv, matrices: readonly WeightTensor[], options: GemvTuningOptions = {}): Promise<GemvTuning> {
  const t0 = performance.now();
  const otherwise = defaultGemvShape(env.ctx);
  const classes = gemvClasses(matrices);
  const row = (c: GemvClass, s: GemvWorkgroupShape, from: GemvShapeReport['from']): GemvShapeReport =>
    ({ type: ggmlType(c.type)?.name ?? String(c.type), k: c.k, bytes: c.bytes, workgroupSize: s.workgroupSize, rowsPerWorkgroup: s.rowsPerWorkgroup, from });
  const mode = options.mode ?? 'auto';
  const reason = mode === 'off' ? 'turned off' : mode === 'auto' && isCpuAdapter(env.ctx.adapterInfo) ? 'CPU adapter' : undefined;
  if (reason) {
    return { table: new Map(), report: { source: 'default', reason, ms: performance.now() - t0, shapes: classes.map((c) => row(c, otherwise, 'default')), otherwise } };
  }

  const cache = options.cache ?? processCache;
  const key = gemvTuningKey(env.ctx);
  // An unreadable store is as good as an empty one: tuning replaces what it held.
  const cached = readGemvTuningEntry(await cache.get(key).catch(() => undefined), key);
  const table = new Map<string, GemvWorkgroupShape>();
  const shapes: GemvShapeReport[] = [];
  let timed = 0;
  for (const c of classes) {
    const cls = gemvClassKey(c.type, c.k);
    const hit = cached?.get(cls);
    if (hit) {
      table.set(cls, hit);
      shapes.push(row(c, hit, 'cache'));
      continue;
    }
    const t = (options.timer ?? gpuCandidateTimer)(env, c, options.reps ?? DEFAULT_REPS);
    try {
      // A class no candidate runs for keeps the default, stored too, so that it is not timed again.
      const best = (await chooseGemvShape(t, (s) => gemvShapeFits(env, s)))?.shape ?? otherwise;
      table.set(cls, best);
      shapes.push(row(c, best, 'tuned'));
      timed++;
    } finally {
      t.destroy();
    }
  }
  let cacheError: string | undefined;
  if (timed > 0) {
    await cache.set(key, gemvTuningEntry(key, new Map([...(cached ?? []), ...table]))).catch((e: unknown) => {
      cacheError = e instanceof Error ? e.message : String(e);
    });
  }
  const clock: Clock = env.ctx.features.timestamps ? 'gpu-timestamps' : 'wall-clock';
  return {
    table,
    report: { source: timed > 0 ? 'tuned' : 'cache', ms: performance.now() - t0, ...(timed > 0 ? { clock } : {}), shapes, otherwise, ...(cacheError ? { cacheError } : {}) },
  };
}
