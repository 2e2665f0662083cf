import { describe, expect, it } from 'vitest';
import type { Capabilities, CatalogEntry } from '../../../engine/api.ts';
import { fitLabel, modelFit, sortByFit } from '../../../app/tasks/catalog-fit.ts';

const entry = (id: string, sizeBytes: number, supported = true): CatalogEntry => ({
  id, name: id, url: `https://example.org/${id}.gguf`, sizeBytes, architecture: 'llama', quant: 'Q4_K_M',
  license: 'apache-2.0', contextLength: 4096, minDevice: 'phone', supported,
});
const caps = (deviceMemoryGiB?: number): Capabilities => ({ webgpu: true, features: { f16: false, subgroups: false }, deviceMemoryGiB });
const GB = 1e9;

describe('catalog fit', () => {
  it('judges size against half the reported device memory', () => {
    expect(modelFit(entry('small', 0.4 * GB), caps(4))).toBe('fits');
    expect(modelFit(entry('mid', 1.6 * GB), caps(4))).toBe('tight');
    expect(modelFit(entry('big', 2 * GB), caps(4))).toBe('too-big');
    expect(modelFit(entry('big', 2 * GB), caps(16))).toBe('fits');
    expect(modelFit(entry('small', 0.1 * GB, false), caps(16))).toBe('unsupported');
  });

  it('lists fitting models first, smallest first within a group', () => {
    const order = sortByFit([entry('c', 3 * GB), entry('x', 0.1 * GB, false), entry('b', 0.9 * GB), entry('a', 0.3 * GB)], caps(4)).map((e) => `${e.entry.id}:${e.fit}`);
    expect(order).toEqual(['a:fits', 'b:fits', 'c:too-big', 'x:unsupported']);
  });
});

describe('catalog fit without WebGPU and with numbers', () => {
  it('says "needs WebGPU" for supported models where the browser has none', () => {
    const none: Capabilities = { webgpu: false, features: { f16: false, subgroups: false }, problem: 'no WebGPU' };
    expect(modelFit(entry('small', 0.1 * GB), none)).toBe('needs-webgpu');
    expect(modelFit(entry('small', 0.1 * GB, false), none)).toBe('unsupported');
  });

  it('names what a too-large model needs and what the device has', () => {
    const big = entry('big', 2 * GB);
    expect(fitLabel(big, modelFit(big, caps(4)), caps(4), (n) => `${(n / GB).toFixed(1)} GB`)).toBe('Likely too large for this device (needs about 2.4 GB, has about 2.1 GB)');
  });
});
