import { describe, expect, it } from 'vitest';
import { memoryBudgetBytes } from '../../../gpu/memory-budget.ts';
import { checkMemoryPlan, type MemoryPlan } from '../../../gpu/memory-plan.ts';
import { EdgewiseError } from '../../../model/errors.ts';

describe('memory budget', () => {
  it('is half the RAM a phone or small laptop reports, and none where the size is unknown or capped', () => {
    expect(memoryBudgetBytes(4)).toBe(2 * 2 ** 30);
    expect(memoryBudgetBytes(0.5)).toBe(2 ** 28);
    expect(memoryBudgetBytes(8)).toBeUndefined();
    expect(memoryBudgetBytes(undefined)).toBeUndefined();
    expect(memoryBudgetBytes(0)).toBeUndefined();
  });

  it('refuses a plan over the budget before anything is uploaded, naming both sizes', () => {
    const plan: MemoryPlan = { weightBytes: 1.5 * 2 ** 30, kvCacheBytes: 2 ** 28, recurrentStateBytes: 0, activationBytes: 2 ** 20, totalBytes: 1.8 * 2 ** 30, largestUnsplittableBytes: 2 ** 24 };
    const limits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };
    const input = { plan: { layers: [] }, limits, contextLength: 4096, memoryBudgetBytes: memoryBudgetBytes(3) } as unknown as Parameters<typeof checkMemoryPlan>[1];
    let error: unknown;
    try { checkMemoryPlan(plan, input); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(EdgewiseError);
    expect((error as EdgewiseError).code).toBe('device-too-small');
    expect((error as EdgewiseError).message).toMatch(/needs 1\.8 GiB.*about 1\.5 GiB/);
    expect(() => checkMemoryPlan(plan, { ...input, memoryBudgetBytes: memoryBudgetBytes(4) })).not.toThrow();
  });
});
