// Settings → the sampling options and token budget of a GenerateRequest.
import type { SamplingOptions } from '../../worker/api.ts';

export interface SamplingSettings {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  seed: number;
  maxTokens: number;
}

export function samplingOptions(s: SamplingSettings): SamplingOptions {
  return { temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, repetitionPenalty: s.repetitionPenalty, seed: s.seed };
}

/** A task's own budget, capped by the user's max-tokens setting. */
export function tokenBudget(taskMax: number, s: SamplingSettings): number {
  return Math.max(1, Math.min(taskMax, s.maxTokens));
}
