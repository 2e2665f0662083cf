// The CLI's decode GEMV tuning (gpu/gemv-tuning.ts): the mode from EDGEWISE_GEMV_TUNING (0 off,
// force: tune even on a CPU adapter; unset or 1: tune on a GPU) and the winners kept in one JSON
// file per user, {key: entry} for every adapter tuned on this machine, in the cache folder
// ($EDGEWISE_CACHE_DIR, else $XDG_CACHE_HOME/edgewise, else ~/.cache/edgewise): the CLI takes
// model files from anywhere, often read-only places, so the file does not go beside them.
// A file that does not parse reads as empty and is replaced by the next write, written to a
// temporary file and renamed so that a killed process never leaves half of one.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GemvTuningCache, GemvTuningEntry } from '../gpu/gemv-tuning-cache.ts';
import type { GemvTuningMode, GemvTuningOptions } from '../gpu/gemv-tuning.ts';
import { UsageError } from './args.ts';

export const GEMV_TUNING_FILE = 'gemv-tuning.json';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.EDGEWISE_CACHE_DIR) return env.EDGEWISE_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'edgewise');
}

export function gemvTuningMode(env: NodeJS.ProcessEnv = process.env): GemvTuningMode {
  const v = env.EDGEWISE_GEMV_TUNING;
  if (v === undefined || v === '' || v === '1') return 'auto';
  if (v === '0') return 'off';
  if (v === 'force') return 'force';
  throw new UsageError(`EDGEWISE_GEMV_TUNING must be 0 (off), 1 (tune on a GPU; the default) or force (tune on any adapter), got '${v}'`);
}

export class FileGemvTuningCache implements GemvTuningCache {
  constructor(readonly path: string) {}

  async get(key: string): Promise<unknown> {
    return (await this.read())[key];
  }

  async set(key: string, value: GemvTuningEntry): Promise<void> {
    const all = { ...(await this.read()), [key]: value };
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(all) + '\n');
    await rename(tmp, this.path);
  }

  private async read(): Promise<Record<string, unknown>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ENOENT') return {};
      throw e;
    }
    try {
      const all: unknown = JSON.parse(text);
      return typeof all === 'object' && all !== null && !Array.isArray(all) ? all as Record<string, unknown> : {};
    } catch {
      return {};
    }
  }
}

/** What the commands that load a model pass as ModelOptions.gemvTuning. */
export function cliGemvTuning(env: NodeJS.ProcessEnv = process.env): GemvTuningOptions {
  return { mode: gemvTuningMode(env), cache: new FileGemvTuningCache(join(cacheDir(env), GEMV_TUNING_FILE)) };
}
