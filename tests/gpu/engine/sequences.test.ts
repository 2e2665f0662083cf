// Several sequences on one loaded model: each keeps its own state. Prompts of different lengths
// run all at once (their steps interleaved on the GPU) give the tokens each gives alone; a
// sequence left and come back to still holds its prefix and its recurrent snapshot, whatever ran
// on the others meanwhile; requests on one sequence queue; Stop reaches the sequence it names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineRuntime } from '../../../engine/runtime.ts';
import { GpuBackend } from '../../../gpu/backend.ts';
import { GpuModel } from '../../../gpu/model.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

const GREEDY = { temperature: 0, repetitionPenalty: 1 };

async function load(name: string, maxSequences = 4): Promise<{ runtime: EngineRuntime; tokens: number[] }> {
  const runtime = new EngineRuntime(new GpuBackend(gpuContext, { chunkTokens: 16 }), { maxSequences });
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  await runtime.load(source, await readGguf(source), () => {}, { id: name, contextLength: 256 });
  const manifest = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
  return { runtime, tokens: manifest.tokens as number[] };
}

/** Prompts of different lengths (one past a prefill chunk) from a fixture's tokens. */
function prompts(tokens: number[]): number[][] {
  return [tokens.slice(0, 3), tokens.slice(0, 19), tokens.slice(5)];
}

// Dense, MoE, Mamba-1, Mamba-2 and both hybrids.
const ARCHS = ['llama-F32', 'qwen3-F32', 'mamba-F32', 'mamba2-F32', 'jamba-F32', 'jamba_moe-F32', 'granitehybrid-F32'];

describe.each(ARCHS)('sequences on one model: %s', (name) => {
  it('prompts run together give the tokens each gives alone', async () => {
    const { runtime, tokens } = await load(name);
    try {
      const ps = prompts(tokens);
      const alone: number[][] = [];
      for (const [i, p] of ps.entries()) {
        alone.push([...(await runtime.generateTokens(p, { maxTokens: 6, sampling: GREEDY, sequence: `alone${i}` }, () => {})).tokens]);
      }
      // Fresh sequences (the limit of 4 makes idle ones above give their state up).
      const together = await Promise.all(ps.map((p, i) => runtime.generateTokens(p, { maxTokens: 6 + i, sampling: GREEDY, sequence: `together${i}` }, () => {})));
      for (const [i, r] of together.entries()) {
        expect(r.tokens.slice(0, 6), `prompt ${i}`).toEqual(alone[i]);
        expect(r.timings.prefilledTokens, `prompt ${i}`).toBe(ps[i].length);
      }
    } finally {
      runtime.unload();
    }
  });

  it('a sequence keeps its prefix and snapshot while others run, and sampled runs stay seeded per sequence', async () => {
    const { runtime, tokens } = await load(name);
    try {
      const [a, b] = [tokens.slice(0, 9), tokens.slice(2, 17)];
      const first = await runtime.generateTokens(a, { maxTokens: 5, sampling: GREEDY, sequence: 'a' }, () => {});
      await runtime.generateTokens(b, { maxTokens: 7, sampling: GREEDY, sequence: 'b' }, () => {});
      // Regenerate on a: only its last prompt token runs again (state restored from a's snapshot).
      const again = await runtime.generateTokens(a, { maxTokens: 5, sampling: GREEDY, sequence: 'a' }, () => {});
      expect(again.tokens).toEqual(first.tokens);
      expect(again.timings.prefilledTokens).toBe(1);
      // Seeded sampling on two sequences at once equals each alone.
      const sampling = { temperature: 1.2, topK: 20, topP: 0.95, minP: 0, repetitionPenalty: 1.1, seed: 77 };
      const soloA = await runtime.generateTokens(a, { maxTokens: 8, sampling, sequence: 'a' }, () => {});
      const soloB = await runtime.generateTokens(b, { maxTokens: 8, sampling, sequence: 'b' }, () => {});
      const [ra, rb] = await Promise.all([
        runtime.generateTokens(a, { maxTokens: 8, sampling, sequence: 'a' }, () => {}),
        runtime.generateTokens(b, { maxTokens: 8, sampling, sequence: 'b' }, () => {}),
      ]);
      expect(ra.tokens).toEqual(soloA.tokens);
      expect(rb.tokens).toEqual(soloB.tokens);
    } finally {
      runtime.unload();
    }
  });
});

describe('sequence scheduling', () => {
  it('queues requests on one sequence, and Stop reaches only the sequence it names', async () => {
    const { runtime, tokens } = await load('llama-F32');
    try {
      const order: string[] = [];
      let n = 0;
      const first = runtime.generateTokens(tokens, { maxTokens: 20, sampling: GREEDY, sequence: 's' }, () => {
        order.push('first');
        if (++n === 3) runtime.abort('s');
      });
      const other = runtime.generateTokens(tokens, { maxTokens: 10, sampling: GREEDY, sequence: 'other' }, () => {});
      // Queued behind `first` when Stop came: Stop ends what runs on 's' and what waits there.
      const queued = runtime.generateTokens(tokens.slice(0, 5), { maxTokens: 4, sampling: GREEDY, sequence: 's' }, () => order.push('queued'));
      const [r1, r2, r3] = await Promise.all([first, other, queued]);
      expect(r1.stopReason).toBe('aborted');
      expect(r1.tokens.length).toBeLessThan(20);
      expect(r2.stopReason === 'max-tokens' || r2.stopReason === 'eos').toBe(true);
      expect(r3.stopReason).toBe('aborted');
      expect(order).not.toContain('queued');
      // Requests after the Stop run, one after another in arrival order.
      const later = [
        runtime.generateTokens(tokens.slice(0, 5), { maxTokens: 4, sampling: GREEDY, sequence: 's' }, () => order.push('later1')),
        runtime.generateTokens(tokens.slice(0, 7), { maxTokens: 4, sampling: GREEDY, sequence: 's' }, () => order.push('later2')),
      ];
      for (const r of await Promise.all(later)) expect(r.stopReason === 'max-tokens' || r.stopReason === 'eos').toBe(true);
      expect(order.indexOf('later2')).toBeGreaterThan(order.lastIndexOf('later1'));
    } finally {
      runtime.unload();
    }
  });
});

describe.each(['llama-F32', 'jamba-F32', 'granitehybrid-F32'])('a KV cache that grows as it fills: %s', (name) => {
  it('gives the logits of one allocated whole, token by token and in chunks', async () => {
    const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
    const file = await readGguf(source);
    const tokens: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens;
    const ctx = await gpuContext();
    const whole = await GpuModel.load(ctx, file, source, { chunkTokens: 16, contextLength: 128 });
    const growing = await GpuModel.load(ctx, file, source, { chunkTokens: 16, contextLength: 128, kvInitialPositions: 3 });
    try {
      const [a, b] = [await whole.createSequence('whole'), await growing.createSequence('growing')];
      expect(b.state.capacity).toBe(3);
      // Token by token (the cache doubles 3 → 6 → 12 → 24 → 48), then a chunk past the next doubling.
      for (const t of tokens.slice(0, 30)) expect(await b.evalLogits([t])).toEqual(await a.evalLogits([t]));
      const rest = tokens.slice(30).concat(tokens.slice(0, 25));
      expect(await b.evalLogits(rest)).toEqual(await a.evalLogits(rest));
      expect(b.state.capacity).toBe(96);
    } finally {
      whole.destroy();
      growing.destroy();
    }
  });
});
