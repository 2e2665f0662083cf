// Decode steps encoded ahead (SessionOptions.encodeAhead): while the GPU runs one step, the
// CPU encodes the next, so only queue writes and a submit stand between a token's read back and
// the next token's work. The commands do not depend on the token, so the tokens must be exactly
// those of a session that encodes each step when it is due, whatever the sampling does between
// steps: greedy, seeded top-k, a logit mask, a switch from one to the other, a new prompt; and so
// must those of a session that also submits steps ahead (gpu/sequence.ts), whose chain each
// switch breaks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../engine/sampler.ts';
import { GpuSession } from '../../../gpu/session.ts';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../../../engine/generate.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

const GREEDY: SamplingSettings = { ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty: 1 };
const TOP_K: SamplingSettings = { ...DEFAULT_SAMPLING, temperature: 0.9, topK: 20, seed: 7 };

type Step = { sampling: SamplingSettings; masked?: boolean };


/** Feeds each sampled token back, with the sampling of each step as the script says. */
async function decode(name: string, encodeAhead: boolean, script: readonly Step[], submitAhead = 0) {
  const ctx = await gpuContext();
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const file = await readGguf(source);
  const prompt: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens.slice(0, 10);
  const session = await GpuSession.load(ctx, file, source, { contextLength: 64, chunkTokens: 8, encodeAhead, submitAhead });
  try {
    // A fixed mask that lets through about half the vocabulary (and always token 0).
    const random = seededRandom(11);
    const mask = new Uint32Array(Math.ceil(session.vocabSize / 32)).map(() => (random() * 2 ** 32) >>> 0);
    mask[0] |= 1;
    const allowed = (t: number) => ((mask[t >>> 5] >>> (t & 31)) & 1) === 1;
    const tokens: number[] = [];
    for (const round of [0, 1]) {
      // Round 1 starts again from the prompt, as a regenerate does.
      if (round === 1) expect(session.rewind(prompt.length - 1)).toBe(true);
      session.beginGeneration(TOP_K);
      let input = round === 0 ? prompt : prompt.slice(-1);
      for (const { sampling, masked } of script) {
        const next = masked ? await session.evalAndSampleMasked(input, sampling, mask) : await session.evalAndSample(input, sampling);
        if (masked) expect(allowed(next), `token ${next} is masked out`).toBe(true);
        tokens.push(next);
        input = [next];
      }
    }
    return { tokens, stats: { ...session.encodeStats } };
  } finally {
    session.destroy();
  }
}

describe.each(['qwen3-Q4_K_M', 'granitehybrid-Q4_K_M'])('decode steps encoded ahead: %s', (name) => {
  it('the same tokens through greedy, seeded top-k and masked steps; a step is ready when it samples as the one before', async () => {
    const script: Step[] = [
      { sampling: GREEDY }, { sampling: GREEDY }, { sampling: GREEDY }, { sampling: TOP_K }, { sampling: TOP_K },
      { sampling: GREEDY, masked: true }, { sampling: TOP_K, masked: true }, { sampling: TOP_K, masked: true }, { sampling: GREEDY },
    ];
    const [ahead, due] = [await decode(name, true, script), await decode(name, false, script)];
    expect(ahead.tokens).toEqual(due.tokens);
    expect(due.stats.aheadSteps).toBe(0);
    expect(ahead.stats.dispatches).toBe(due.stats.dispatches);
    // Round 0: steps 2, 3, 5 and 8 follow a step that sampled the same way; round 1 also its
    // first step, which samples as round 0's last did.
    expect(ahead.stats.aheadSteps).toBe(4 + 5);
    expect(ahead.stats.aheadMs).toBeGreaterThan(0);
    // Steps submitted ahead (the chain), broken by every switch of sampling and mask.
    const chained = await decode(name, true, script, 2);
    expect(chained.tokens).toEqual(due.tokens);
    expect(chained.stats.submittedAhead).toBeGreaterThan(0);
    expect(chained.stats.discardedAhead).toBeGreaterThan(0);
  });
});
