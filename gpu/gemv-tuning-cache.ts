// Where tuned decode GEMV shapes are kept between loads (gpu/gemv-tuning.ts): one small JSON
// entry per adapter, under a key naming everything that changes which shape is fastest — the
// adapter (vendor, architecture, device, description), the shader variant it compiles (subgroups,
// f16) and the kernel's version. The host stores it: IndexedDB in the worker
// (worker/storage/tuning-cache.ts), a JSON file for the CLI (cli/gemv-tuning.ts). An entry that
// does not parse, or was written under another key, reads as no entry: the next tuning replaces it.
import { subgroupReductions, type GpuContext } from './device.ts';
import { GEMV_KERNEL_VERSION, GEMV_MAX_ROWS, type GemvShapeTable, type GemvWorkgroupShape } from './ops/gemv.ts';

export interface GemvTuningCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: GemvTuningEntry): Promise<void>;
}

/** What is stored: the key again (so that an entry moved or mixed up is seen as foreign), and
 *  [threads, rows] by gemvClassKey of every (weight type, K) tuned on this adapter so far. */
export interface GemvTuningEntry {
  readonly key: string;
  readonly shapes: Readonly<Record<string, readonly [number, number]>>;
}

export function gemvTuningKey(ctx: GpuContext, version = GEMV_KERNEL_VERSION): string {
  const a = ctx.adapterInfo;
  return `gemv-v${version}:${JSON.stringify([a.vendor, a.architecture, a.device, a.description, subgroupReductions(ctx), ctx.features.f16])}`;
}

const CLASS_KEY = /^\d+:\d+$/;

function validShape(v: unknown): v is [number, number] {
  if (!Array.isArray(v) || v.length !== 2) return false;
  const [wg, rows] = v as unknown[];
  return Number.isInteger(wg) && (wg as number) >= 1 && (wg as number) <= 1024 && ((wg as number) & ((wg as number) - 1)) === 0 &&
    Number.isInteger(rows) && (rows as number) >= 1 && (rows as number) <= GEMV_MAX_ROWS;
}

/** The shapes of a stored entry, or undefined when it is missing, corrupt or not for `key`. */
export function readGemvTuningEntry(value: unknown, key: string): Map<string, GemvWorkgroupShape> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { key: stored, shapes } = value as Partial<GemvTuningEntry>;
  if (stored !== key || typeof shapes !== 'object' || shapes === null || Array.isArray(shapes)) return undefined;
  const out = new Map<string, GemvWorkgroupShape>();
  for (const [cls, shape] of Object.entries(shapes)) {
    if (!CLASS_KEY.test(cls) || !validShape(shape)) return undefined;
    out.set(cls, { workgroupSize: shape[0], rowsPerWorkgroup: shape[1] });
  }
  return out;
}

export function gemvTuningEntry(key: string, table: GemvShapeTable): GemvTuningEntry {
  return { key, shapes: Object.fromEntries([...table].map(([cls, s]) => [cls, [s.workgroupSize, s.rowsPerWorkgroup] as const])) };
}

/** A cache that lives as long as the process: what a host that gives none gets, so that a model
 *  loaded again (tests, a longer context) is not tuned again. */
export function memoryGemvTuningCache(): GemvTuningCache {
  const entries = new Map<string, unknown>();
  return {
    get: async (key) => structuredClone(entries.get(key)),
    set: async (key, value) => { entries.set(key, structuredClone(value)); },
  };
}
