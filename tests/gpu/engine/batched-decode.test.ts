// Batched decode (gpu/batch-step.ts, engine/batch.ts): sequences decoding at the same time share
// one forward pass per step, and each gives exactly the tokens it gives alone, greedy or sampled
// with its own settings and seed, while others join (their prompts run between batched steps)
// and leave (different token limits) mid-way, and while their KV caches grow under the batch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SamplingOptions } from '../../../engine/api.ts';
import { EngineRuntime } from '../../../engine/runtime.ts';
import { GpuBackend } from '../../../gpu/backend.ts';
import type { GpuModel } from '../../../gpu/model.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

async function load(name: string, maxSequences = 8): Promise<{ runtime: EngineRuntime; tokens: number[] }> {
  // A KV cache of 8 positions at first, so that caches grow (and batched lists are rebuilt) mid-run.
  const runtime = new EngineRuntime(new GpuBackend(gpuContext, { chunkTokens: 16, kvInitialPositions: 8 }), { maxSequences });
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  await runtime.load(source, await readGguf(source), () => {}, { id: name, contextLength: 256 });
  const manifest = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
  return { runtime, tokens: manifest.tokens as number[] };
}

interface Job {
  readonly prompt: number[];
  readonly maxTokens: number;
  readonly sampling: SamplingOptions;
  /** Starts once job `after.job` has streamed `after.pieces` pieces of text (joins mid-way). */
  readonly after?: { job: number; pieces: number };
}

function jobs(tokens: number[], sampled: boolean): Job[] {
  const s = (seed: number, temperature: number, topK: number): SamplingOptions => sampled
    ? { temperature, topK, topP: 0.9, minP: 0.02, repetitionPenalty: 1.1, penaltyLastN: 16, seed }
    : { temperature: 0, repetitionPenalty: 1 };
  return [
    { prompt: tokens.slice(0, 3), maxTokens: 11, sampling: s(1, 0.8, 40) },
    { prompt: tokens.slice(0, 19), maxTokens: 5, sampling: s(2, 1.3, 10) },
    { prompt: tokens.slice(5), maxTokens: 9, sampling: s(3, 1.0, 64) },
    { prompt: tokens.slice(2, 9), maxTokens: 7, sampling: s(4, 0.6, 5), after: { job: 0, pieces: 2 } },
    { prompt: tokens.slice(1, 4), maxTokens: 4, sampling: s(5, 1.1, 20), after: { job: 1, pieces: 2 } },
  ];
}

/** Runs the jobs together, each on a fresh sequence, starting the late ones when their trigger streams. */
async function together(runtime: EngineRuntime, list: Job[], tag: string): Promise<number[][]> {
  const started: Promise<{ tokens: readonly number[] }>[] = new Array(list.length);
  const pieces = list.map(() => 0);
  const start = (i: number) => {
    started[i] = runtime.generateTokens(list[i].prompt, { maxTokens: list[i].maxTokens, sampling: list[i].sampling, sequence: `${tag}${i}` }, () => {
      pieces[i]++;
      list.forEach((j, k) => { if (j.after?.job === i && j.after.pieces === pieces[i]) start(k); });
    });
  };
  list.forEach((j, i) => { if (!j.after) start(i); });
  // Every late job's trigger fires: wait for the early ones, then for whatever they started.
  await Promise.all(started.filter(Boolean));
  const out = await Promise.all(list.map((_, i) => {
    if (!started[i]) throw new Error(`job ${i} never started: its trigger streamed ${pieces[list[i].after!.job]} pieces`);
    return started[i];
  }));
  return out.map((r) => [...r.tokens]);
}

// Dense (llama, qwen3), Mamba-1, Mamba-2 and both hybrids.
const ARCHS = ['llama-F32', 'qwen3-F32', 'mamba-F32', 'mamba2-F32', 'jamba-F32', 'granitehybrid-F32'];

describe.each(ARCHS)('batched decode: %s', (name) => {
  it.each([['greedy', false], ['seeded sampling', true]] as const)('%s: sequences joining and leaving mid-way give the tokens each gives alone', async (_, sampled) => {
    const { runtime, tokens } = await load(name);
    try {
      const list = jobs(tokens, sampled);
      const alone: number[][] = [];
      for (const [i, j] of list.entries()) {
        const r = await runtime.generateTokens(j.prompt, { maxTokens: j.maxTokens, sampling: j.sampling, sequence: `alone${i}` }, () => {});
        alone.push([...r.tokens]);
      }
      const model = runtime.loaded!.model as GpuModel;
      const before = { ...model.encodeStats };
      const batcher = runtime.loaded!.batcher!;
      const steps0 = batcher.stats.steps;
      const got = await together(runtime, list, 'together');
      for (const [i, t] of got.entries()) expect(t, `job ${i}`).toEqual(alone[i]);
      // The steps really were batched: several sequences per pass, on the GPU's batched path.
      expect(batcher.stats.largest).toBeGreaterThanOrEqual(3);
      expect(model.encodeStats.batches).toBeGreaterThan(before.batches);
      expect(model.encodeStats.batchedSteps - before.batchedSteps).toBeGreaterThan((batcher.stats.steps - steps0) / 2);
    } finally {
      runtime.unload();
    }
  });
});

describe('batched decode: more sequences than one pass serves', () => {
  it('ten sequences decode in passes of at most eight, each as alone', async () => {
    const { runtime, tokens } = await load('llama-F32', 10);
    try {
      const greedy = { temperature: 0, repetitionPenalty: 1 };
      const list: Job[] = Array.from({ length: 10 }, (_, i) => ({ prompt: tokens.slice(i, i + 2 + (i % 4)), maxTokens: 3 + (i % 3), sampling: greedy }));
      const alone: number[][] = [];
      for (const [i, j] of list.entries()) {
        alone.push([...(await runtime.generateTokens(j.prompt, { maxTokens: j.maxTokens, sampling: j.sampling, sequence: `alone${i}` }, () => {})).tokens]);
      }
      const got = await together(runtime, list, 'together');
      for (const [i, t] of got.entries()) expect(t, `job ${i}`).toEqual(alone[i]);
      expect(runtime.loaded!.batcher!.stats.largest).toBe(8);
    } finally {
      runtime.unload();
    }
  });
});
