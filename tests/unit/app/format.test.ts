import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../../../model/format.ts';
import { formatBytes as appBytes } from '../../../app/util/format.ts';
import { formatBytes as workerBytes } from '../../../engine/storage/format.ts';

describe('one formatter for sizes and durations', () => {
  it('is the one the app and the worker use', () => {
    expect(appBytes).toBe(formatBytes);
    expect(workerBytes).toBe(formatBytes);
  });

  it('writes sizes in decimal units', () => {
    expect(formatBytes(512, 'en')).toBe('512 bytes');
    expect(formatBytes(1, 'en')).toBe('1 byte');
    expect(formatBytes(162_000, 'en')).toBe('162 kB');
    expect(formatBytes(12_340_000, 'en')).toBe('12.3 MB');
    expect(formatBytes(999_960, 'en')).toBe('1 MB');
    expect(formatBytes(1_900_000_000, 'en')).toBe('1.9 GB');
    expect(formatBytes(1_900_000_000, 'de')).toMatch(/^1,9\sGB$/);
    expect(formatBytes(Number.NaN, 'en')).toBe('–');
  });

  it('writes durations', () => {
    expect(formatDuration(4.2, 'en')).toBe('5 sec');
    expect(formatDuration(200, 'en')).toBe('3 min 20 sec');
    expect(formatDuration(120, 'en')).toBe('2 min');
    expect(formatDuration(3 * 3600 + 60 * 5, 'en')).toBe('3 hr 5 min');
    expect(formatDuration(-1, 'en')).toBe('–');
  });
});
