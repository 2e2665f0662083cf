// The CLI's GEMV tuning setup (cli/gemv-tuning.ts): EDGEWISE_GEMV_TUNING, the cache folder, and
// the JSON file that keeps every adapter's entry, replaced whole when it does not parse.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/args.ts';
import { cacheDir, cliGemvTuning, FileGemvTuningCache, GEMV_TUNING_FILE, gemvTuningMode } from '../../../cli/gemv-tuning.ts';
import { gemvTuningKey } from '../../../gpu/gemv-tuning-cache.ts';
import { tuneGemvShapes } from '../../../gpu/gemv-tuning.ts';
import { fakeGpuEnv, fixedTimer } from '../gpu/fake-gpu-env.ts';

const entry = (key: string, wg: number) => ({ key, shapes: { '12:1024': [wg, 4] as const } });

describe('CLI GEMV tuning', () => {
  it('reads the mode from EDGEWISE_GEMV_TUNING and refuses anything else', () => {
    expect(gemvTuningMode({})).toBe('auto');
    expect(gemvTuningMode({ EDGEWISE_GEMV_TUNING: '1' })).toBe('auto');
    expect(gemvTuningMode({ EDGEWISE_GEMV_TUNING: '0' })).toBe('off');
    expect(gemvTuningMode({ EDGEWISE_GEMV_TUNING: 'force' })).toBe('force');
    expect(() => gemvTuningMode({ EDGEWISE_GEMV_TUNING: 'yes' })).toThrow(UsageError);
  });

  it('keeps its file in the cache folder', () => {
    expect(cacheDir({ EDGEWISE_CACHE_DIR: '/c' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/edgewise');
    expect(cacheDir({})).toMatch(/\.cache\/edgewise$/);
    const cache = cliGemvTuning({ EDGEWISE_CACHE_DIR: '/c', EDGEWISE_GEMV_TUNING: '0' });
    expect(cache.mode).toBe('off');
    expect((cache.cache as FileGemvTuningCache).path).toBe(join('/c', GEMV_TUNING_FILE));
  });

  it('stores entries of several adapters in one file, creating its folder', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'edgewise-tuning-')), 'sub', GEMV_TUNING_FILE);
    const cache = new FileGemvTuningCache(path);
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', entry('a', 64));
    await cache.set('b', entry('b', 128));
    await cache.set('a', entry('a', 256));
    expect(await cache.get('a')).toEqual(entry('a', 256));
    expect(await new FileGemvTuningCache(path).get('b')).toEqual(entry('b', 128));
  });

  it.each(['{"a": {"key"', '[1, 2]', 'null'])('a file holding %s reads as empty and is replaced on the next write', async (text) => {
    const path = join(mkdtempSync(join(tmpdir(), 'edgewise-tuning-')), GEMV_TUNING_FILE);
    writeFileSync(path, text);
    const cache = new FileGemvTuningCache(path);
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', entry('a', 32));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: entry('a', 32) });
  });

  it('a tuning writes the file, the next load reads it and times nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'edgewise-tuning-')), GEMV_TUNING_FILE);
    const env = fakeGpuEnv();
    const model = [{ name: 'w', type: 12, dims: [1024, 1024], parts: [] }];
    const first = fixedTimer();
    const tuned = await tuneGemvShapes(env, model, { cache: new FileGemvTuningCache(path), timer: first.factory });
    expect([tuned.report.source, first.prepared]).toEqual(['tuned', 6]);
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')))).toEqual([gemvTuningKey(env.ctx)]);
    const again = fixedTimer();
    const hit = await tuneGemvShapes(env, model, { cache: new FileGemvTuningCache(path), timer: again.factory });
    expect([hit.report.source, again.prepared]).toEqual(['cache', 0]);
    expect([...hit.table]).toEqual([...tuned.table]);
  });
});
