// The prefill chunk chosen from the adapter's limits and the memory budget (gpu/chunk-size.ts).
import { describe, expect, it } from 'vitest';
import { chooseChunkTokens, MAX_CHUNK_TOKENS, widestChunkRow } from '../../../gpu/chunk-size.ts';
import { planMemory } from '../../../gpu/memory-plan.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { randomModel } from '../../support/random-model.ts';

const BIG = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };

async function model() {
  const { bytes } = await randomModel('llama', 7, 'F32', 8);
  const file = await readGguf(memorySource(bytes));
  return { file, plan: planModel(file) };
}

describe('prefill chunk size', () => {
  it('is 2048 tokens where limits and memory allow, and never more than the context', async () => {
    const { file, plan } = await model();
    const base = { plan, file, kvBytesPerElement: 2 as const, limits: BIG };
    expect(chooseChunkTokens({ ...base, contextLength: 8192 })).toBe(MAX_CHUNK_TOKENS);
    expect(chooseChunkTokens({ ...base, contextLength: 100 })).toBe(100);
  });

  it('keeps the widest (chunk, width) buffer within one binding, in multiples of 64', async () => {
    const { file, plan } = await model();
    const row = 4 * widestChunkRow(plan);
    const limits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 300 * row };
    const chunk = chooseChunkTokens({ plan, file, kvBytesPerElement: 2, limits, contextLength: 4096 });
    expect(chunk).toBe(256);
    expect(chunk * row).toBeLessThanOrEqual(limits.maxStorageBufferBindingSize);
  });

  it('shrinks until the memory plan fits the budget', async () => {
    const { file, plan } = await model();
    const base = { plan, file, kvBytesPerElement: 2 as const, limits: BIG, contextLength: 4096 };
    const budget = planMemory({ ...base, chunkTokens: 512 }).totalBytes;
    expect(chooseChunkTokens({ ...base, memoryBudgetBytes: budget })).toBe(512);
    expect(chooseChunkTokens({ ...base, memoryBudgetBytes: budget - 1 })).toBe(448);
  });
});
