// The session's repetition-penalty window: the last `penaltyLastN` tokens of the history, the
// token being run included, each distinct id penalized once (llama.cpp's rule). Greedy decoding
// with a penalty must pick the argmax of the logits penalized over exactly that window, as the
// CPU reference computes it from the same logits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuSession } from '../../../gpu/session.ts';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../../../engine/generate.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { applyRepetitionPenalty, argmax } from '../../../model/reference/sampling.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

const PENALTY = 8;
const greedy = (penaltyLastN: number, repetitionPenalty = PENALTY): SamplingSettings =>
  ({ ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty, penaltyLastN });

/** Gap between the best and second-best logit. */
function margin(logits: Float32Array): number {
  const best = argmax(logits);
  let second = -Infinity;
  for (let i = 0; i < logits.length; i++) if (i !== best) second = Math.max(second, logits[i]);
  return logits[best] - second;
}

describe.each(['llama-F32', 'jamba-F32'])('repetition penalty window: %s', (name) => {
  it('greedy with a penalty picks the argmax of the logits penalized over the last N tokens', async () => {
    const ctx = await gpuContext();
    const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
    const session = await GpuSession.load(ctx, await readGguf(source), source, { contextLength: 96, chunkTokens: 16 });
    try {
      // Random weights loop: free greedy decoding soon picks a token it already picked. Stop
      // the prompt just before such a pick, so the unpenalized choice lies inside the prompt
      // at a known distance from its end.
      const base: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens.slice(0, 8);
      const seq = [...base];
      let next = await session.evalAndSample(seq, greedy(0, 1));
      while (!seq.includes(next) && seq.length < 80) {
        seq.push(next);
        next = await session.evalAndSample([next], greedy(0, 1));
      }
      const distance = seq.length - seq.lastIndexOf(next);   // 1: the last prompt token
      expect(distance, `${name}: greedy decoding never repeated a token`).toBeGreaterThan(0);
      expect(seq.length).toBeLessThan(80);

      session.reset();
      const logits = (await session.evalLogits(seq)).slice(-session.vocabSize);
      expect(argmax(logits)).toBe(next);
      const windows = [0, 1, distance - 1, distance, distance + 2, seq.length, 64].filter((n, i, a) => n >= 0 && a.indexOf(n) === i);
      let changed = 0;
      for (const n of windows) {
        const want = applyRepetitionPenalty(logits, n > 0 ? seq.slice(-n) : [], PENALTY);
        // Prefill (evalLogits) and decode run different kernels: the choice must not hinge on
        // a difference their rounding could make.
        expect(margin(want), `window ${n}: reference top-2 margin`).toBeGreaterThan(1e-3);
        session.reset();
        const got = await session.evalAndSample(seq, greedy(n));
        expect(got, `window of the last ${n} tokens`).toBe(argmax(want));
        if (got !== next) changed++;
      }
      // The window reaches the repeated token from `distance` on: the penalty then changes the pick.
      expect(changed).toBe(windows.filter((n) => n >= distance).length);
    } finally {
      session.destroy();
    }
  });
});
