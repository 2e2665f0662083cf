import { describe, expect, it } from 'vitest';
import { randomSeed, samplingOptions, tokenBudget } from '../../../app/tasks/sampling.ts';

const BASE = { temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repetitionPenalty: 1.1, maxTokens: 100 };

describe('sampling options from settings', () => {
  it('a random seed is drawn afresh for every request, so Regenerate samples anew', () => {
    const seeds = new Set(Array.from({ length: 20 }, () => samplingOptions({ ...BASE, seed: 'random' }).seed));
    expect(seeds.size).toBeGreaterThan(15);
    for (const s of seeds) expect(Number.isInteger(s) && s! >= 0 && s! < 2 ** 31).toBe(true);
    let n = 0;
    expect(samplingOptions({ ...BASE, seed: 'random' }, () => ++n).seed).toBe(1);
  });

  it('a fixed seed stays fixed', () => {
    expect(samplingOptions({ ...BASE, seed: 7 }).seed).toBe(7);
    expect(samplingOptions({ ...BASE, seed: 7 }).seed).toBe(7);
    expect(randomSeed()).toBeLessThan(2 ** 31);
  });

  it('a task budget is capped by the setting', () => {
    expect(tokenBudget(900, { ...BASE, seed: 1 })).toBe(100);
  });
});
