// Settings → the sampling options and token budget of a GenerateRequest.
import type { SamplingOptions, SamplingSettings } from '../../engine/api.ts';

/** What Settings stores: the engine's sampling settings a user can change, and a token limit. */
export type GenerationSettings = Pick<SamplingSettings, 'temperature' | 'topK' | 'topP' | 'minP' | 'repetitionPenalty'> & {
  /** A fixed seed (same settings, same text) or 'random': a fresh one per generation. */
  seed: number | 'random';
  maxTokens: number;
};

/** A fresh 31-bit seed. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] >>> 1;
}

export function samplingOptions(s: GenerationSettings, seed: () => number = randomSeed): SamplingOptions {
  return {
    temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, repetitionPenalty: s.repetitionPenalty,
    seed: s.seed === 'random' ? seed() : s.seed,
  };
}

/** A task's own budget, capped by the user's max-tokens setting. */
export function tokenBudget(taskMax: number, s: GenerationSettings): number {
  return Math.max(1, Math.min(taskMax, s.maxTokens));
}
