// The document plan (gpu/document-plan.ts): one pass when it fits the loaded context; one pass at
// a longer context for models with recurrent layers when the trained length, the buffer limits
// and the memory budget allow; otherwise map-reduce with the parts at once the spare memory holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDocument, UNKNOWN_BUDGET_BATCH_BYTES } from '../../../gpu/document-plan.ts';
import { planMemory } from '../../../gpu/memory-plan.ts';
import { kvFloatsPerPosition } from '../../../model/arch/mixer-facts.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../gguf/fixtures.ts';

const BIG = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };

async function input(name: string, loadedContext: number, tokens: number, memoryBudgetBytes?: number, limits = BIG) {
  const file = await readGguf(memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf')))));
  const plan = planModel(file);
  const memory = planMemory({ plan, file, contextLength: loadedContext, chunkTokens: 64, kvBytesPerElement: 4, limits });
  return { plan, memory, loadedContext, kvBytesPerElement: 4 as const, limits, memoryBudgetBytes, maxBatch: 8, tokens };
}

describe('planDocument', () => {
  it('one pass at the loaded context when the document fits it', async () => {
    const p = planDocument(await input('llama-F32', 512, 512));
    expect(p).toMatchObject({ mode: 'one-pass', contextLength: 512, parallel: 1 });
  });

  it('a transformer goes map-reduce past its context, as many parts at once as the spare memory holds', async () => {
    const i = await input('llama-F32', 512, 3000);
    expect(planDocument(i)).toMatchObject({ mode: 'map-reduce', contextLength: 512, parallel: 8 });
    expect(planDocument(i).reason).toContain('KV cache in every layer');
    // A budget with room for exactly two more sequences' KV caches beside the loaded one.
    const perSeq = 512 * i.plan.layers.reduce((a, l) => a + 2 * kvFloatsPerPosition(l.mixer) * 4, 0);
    const tight = planDocument({ ...i, memoryBudgetBytes: i.memory.totalBytes + 2 * perSeq + perSeq / 2 });
    expect(tight).toMatchObject({ mode: 'map-reduce', parallel: 3 });
    expect(tight.reason).toContain('3 at a time');
    expect(planDocument({ ...i, memoryBudgetBytes: i.memory.totalBytes - 1 }).parallel).toBe(1);
    // No budget told: the extra sequences may take UNKNOWN_BUDGET_BATCH_BYTES.
    const huge = { ...i, memory: { ...i.memory }, loadedContext: 512, kvBytesPerElement: 4 as const };
    const fits = 1 + Math.floor(UNKNOWN_BUDGET_BATCH_BYTES / perSeq);
    expect(planDocument(huge).parallel).toBe(Math.min(8, fits));
  });

  it.each(['jamba-F32', 'granitehybrid-F32'])('%s: one pass at a longer context when it fits, map-reduce saying why when not', async (name) => {
    // The fixture says it was trained on 256 tokens: as if on 8192 here, as the real models are on more.
    const fixture = await input(name, 128, 1500);
    const trained = 8192;
    const i = { ...fixture, plan: { ...fixture.plan, nCtxTrain: trained } };
    expect(planDocument(fixture).reason).toContain(`trained on ${fixture.plan.nCtxTrain} tokens`);
    const one = planDocument(i);
    expect(one).toMatchObject({ mode: 'one-pass', contextLength: 2048, parallel: 1 });
    expect(one.reason).toMatch(/KV cache in only \d+ of its \d+ layers/);
    const over = planDocument({ ...i, tokens: trained + 1 });
    expect(over.mode).toBe('map-reduce');
    expect(over.reason).toContain(`trained on ${trained.toLocaleString('en')} tokens`);
    const poor = planDocument({ ...i, memoryBudgetBytes: i.memory.totalBytes + 1 });
    expect(poor.mode).toBe('map-reduce');
    expect(poor.reason).toMatch(/needs about .* this device has about/);
    const narrow = planDocument({ ...i, limits: { maxBufferSize: 1024, maxStorageBufferBindingSize: 1024 } });
    expect(narrow.mode).toBe('map-reduce');
    expect(narrow.reason).toContain('per KV cache buffer');
  });
});
