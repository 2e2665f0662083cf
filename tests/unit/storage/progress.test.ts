import { describe, expect, it } from 'vitest';
import { chunkCount, chunkRange, storedBytes } from '../../../engine/storage/chunks.ts';
import { formatBytes, percent } from '../../../engine/storage/format.ts';
import { ProgressMeter, throttled } from '../../../engine/storage/progress.ts';
import { retryDelay } from '../../../engine/storage/download.ts';
import { modelIdForFile, modelIdForUrl } from '../../../engine/model-ids.ts';

describe('ProgressMeter', () => {
  it('reports speed over the window and the time left', () => {
    const m = new ProgressMeter('download', 10_000);
    m.update(0, 0);
    const p = m.update(2_000, 1_000);
    expect(p).toEqual({ phase: 'download', bytes: 2_000, totalBytes: 10_000, bytesPerSecond: 2_000, secondsLeft: 4 });
  });
  it('forgets samples older than the window, so speed follows the connection', () => {
    const m = new ProgressMeter('download', 1e9);
    m.update(0, 0);
    m.update(1_000_000, 1_000);      // 1 MB/s at first
    m.update(1_100_000, 6_000);
    const p = m.update(1_200_000, 11_000); // then 20 kB/s
    expect(p.bytesPerSecond).toBe(20_000);
  });
  it('has unknown time left before any speed is known, and none when done', () => {
    const m = new ProgressMeter('import', 100);
    expect(m.update(0, 0).secondsLeft).toBe(Infinity);
    expect(m.update(100, 5).secondsLeft).toBe(0);
  });
  it('counts a drop (a resumed partial chunk) as no progress, never negative speed', () => {
    const m = new ProgressMeter('download', 1000);
    m.update(500, 0);
    expect(m.update(400, 1000).bytesPerSecond).toBe(0);
  });
});

describe('throttled', () => {
  it('passes at most one report per interval, and every forced one', () => {
    let t = 0;
    const seen: number[] = [];
    const emit = throttled((n: number) => seen.push(n), () => t, 100);
    emit(1); t = 50; emit(2); t = 60; emit(3, true); t = 120; emit(4); t = 200; emit(5);
    expect(seen).toEqual([1, 3, 5]);
  });
});

describe('chunks', () => {
  it('splits a file into fixed chunks with a short last one', () => {
    expect(chunkCount(1000, 300)).toBe(4);
    expect(chunkRange(3, 1000, 300)).toEqual({ start: 900, end: 1000 });
    expect(storedBytes(4, 1000, 300)).toBe(1000);
    expect(storedBytes(2, 1000, 300)).toBe(600);
  });
});

describe('formatting and ids', () => {
  it('writes sizes the way the quota message needs them', () => {
    expect(formatBytes(1_900_000_000)).toBe('1.9 GB');
    expect(formatBytes(700_000_000)).toBe('700 MB');
    expect(formatBytes(512)).toBe('512 bytes');
    expect(percent(1, 3)).toBe('33%');
  });
  it('gives stable, distinct ids', () => {
    const a = modelIdForUrl('https://h/x/Model-Q4_K_M.gguf');
    expect(a).toMatch(/^url-model-q4_k_m-[0-9a-f]{8}$/);
    expect(modelIdForUrl('https://h/y/Model-Q4_K_M.gguf')).not.toBe(a);
    expect(modelIdForFile({ name: 'a.gguf', size: 1, lastModified: 2 })).not.toBe(modelIdForFile({ name: 'a.gguf', size: 1, lastModified: 3 }));
  });
  it('backs off by doubling, capped', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(p, n))).toEqual([100, 200, 400, 800, 1000]);
  });
});
