// Checks of the engine runtime that hold whatever backend runs it (the GPU, the CPU reference):
// each test file loads its runtime and calls these on a fixture's manifest.
import { expect } from 'vitest';
import type { EngineRuntime } from '../../engine/runtime.ts';

export const GREEDY = { temperature: 0, repetitionPenalty: 1 };

/** llama.cpp's greedy tokens for the fixture's prompt, streamed exactly as returned. */
export async function expectLlamaCppGreedy(runtime: EngineRuntime, manifest: { tokens: number[]; greedy: { n_strict: number; tokens: number[] } }) {
  const n = manifest.greedy.n_strict;
  expect(n).toBeGreaterThan(8);
  let streamed = '';
  const r = await runtime.generateTokens(manifest.tokens, { maxTokens: n, sampling: GREEDY }, (d) => (streamed += d));
  const want = manifest.greedy.tokens.slice(0, n);
  const eos = want.findIndex((t) => runtime.loaded!.tokenizer.isEog(t));
  expect(r.tokens).toEqual(eos >= 0 ? want.slice(0, eos) : want);
  expect(streamed).toBe(r.text);
  expect(r.timings.generatedTokens).toBe(r.tokens.length);
  return r;
}

/** A stop string cuts the text where it starts; Stop ends the generation as 'aborted'. */
export async function expectStopStringAndAbort(runtime: EngineRuntime, prompt: number[]) {
  const full = await runtime.generateTokens(prompt, { maxTokens: 12, sampling: GREEDY }, () => {});
  const stop = full.text.slice(3, 6);
  expect(stop.length, `"${full.text}" is long enough to hold a stop string`).toBe(3);
  const r = await runtime.generateTokens(prompt, { maxTokens: 12, sampling: GREEDY, stop: [stop] }, () => {});
  expect(r.stopReason).toBe('stop-string');
  expect(r.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
  let n = 0;
  const aborted = await runtime.generateTokens(prompt, { maxTokens: 50, sampling: GREEDY }, () => { if (++n === 2) runtime.abort(); });
  expect(aborted.stopReason).toBe('aborted');
  expect(aborted.tokens.length).toBeLessThan(50);
}
