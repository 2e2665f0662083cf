// Decode steps submitted ahead (SessionOptions.submitAhead): the GPU writes each drawn token into
// the next step's input, so steps t+1 … t+D run before token t is read back. Whatever the loop
// does with them — take them, or stop (end of generation, stop string, token limit, abort) and
// leave them in flight — the tokens, the stop, the history and the state after it must be
// exactly those of a session that waits for every token (depth 0), on attention, Mamba-2 and
// hybrid models. The state is checked by a later generation that continues the conversation
// (its prefix reused: recurrent state restored from the discarded steps' snapshot) and one that
// regenerates from the prompt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING, generate, type GenerateOptions, type SamplingSettings } from '../../../engine/generate.ts';
import { ReferenceBackend } from '../../../engine/reference-backend.ts';
import { GpuSession } from '../../../gpu/session.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import type { ForwardBackend } from '../../../engine/generate.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

const TOP_K: SamplingSettings = { ...DEFAULT_SAMPLING, temperature: 0.9, topK: 20, topP: 0.9, minP: 0.02, seed: 7 };
const GREEDY: SamplingSettings = { ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty: 1.2 };

/** Text of a token: one of four tags, so that the stop string '<3>' ends a generation soon. */
function decoder() {
  return { push: (t: number) => `<${t % 4}>`, flush: () => '' };
}

interface Outcome {
  tokens: number[];
  stopReason: string;
  text: string;
  history: number[];
}

/** The same conversation on any backend: every way a generation can end, then continuations. */
async function script(backend: ForwardBackend, prompt: readonly number[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const run = async (p: readonly number[], o: Partial<GenerateOptions>) => {
    const r = await generate(backend, p, { maxTokens: 10, sampling: TOP_K, isEog: () => false, decoder: decoder(), ...o });
    out.push({ tokens: r.tokens, stopReason: r.stopReason, text: r.text, history: [...backend.history] });
    return r;
  };
  // Token limit, steps in flight past it.
  const a = await run(prompt, { maxTokens: 10 });
  // Continue the conversation: its prefix is reused, so the state must be the one after `a`.
  const b = await run([...prompt, ...a.tokens, 1], { sampling: GREEDY, maxTokens: 16, isEog: (t) => t % 5 === 0 });
  // Regenerate from the prompt (the saved recurrent state), ended by a stop string.
  await run(prompt, { sampling: { ...TOP_K, seed: 8 }, maxTokens: 24, stop: ['<3>'] });
  // Aborted mid-flight: the fourth token's check sees the signal.
  const abort = new AbortController();
  let seen = 0;
  await run([...prompt, ...a.tokens, 2], { signal: abort.signal, maxTokens: 24, isEog: () => { if (++seen === 4) abort.abort(); return false; } });
  // Continue after the abort, then once more after the end-of-generation stop of `b`'s kind.
  const last = out[out.length - 1];
  await run([...last.history, 3], { sampling: { ...TOP_K, seed: 9 }, maxTokens: 8 });
  await run([...prompt, ...b.tokens, 4], { sampling: GREEDY, maxTokens: 8 });
  return out;
}


async function onGpu(name: string, submitAhead: number) {
  const ctx = await gpuContext();
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const file = await readGguf(source);
  const prompt: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens.slice(0, 8);
  const session = await GpuSession.load(ctx, file, source, { contextLength: 96, chunkTokens: 8, submitAhead });
  try {
    return { outcomes: await script(session, prompt), stats: { ...session.encodeStats }, prompt, file, source };
  } finally {
    session.destroy();
  }
}

/** Five sessions' worth of decoding per fixture on an emulated GPU: minutes, not seconds. */
const GPU_RUN = 300_000;

describe.each(['llama-Q4_K_M', 'qwen3-Q4_K_M', 'mamba2-Q4_K_M', 'jamba-Q4_K_M', 'granitehybrid-Q4_K_M'])('decode steps submitted ahead: %s', (name) => {
  let due: Awaited<ReturnType<typeof onGpu>>;
  beforeAll(async () => {
    due = await onGpu(name, 0);
  }, GPU_RUN);

  it('the script reaches every way to stop that leaves steps in flight', () => {
    expect(due.stats.submittedAhead).toBe(0);
    const reasons = new Set(due.outcomes.map((o) => o.stopReason));
    for (const r of ['max-tokens', 'stop-string', 'aborted']) expect(reasons, `${name}: no generation ended by ${r}`).toContain(r);
  });

  it.each([1, 3])('depth %i: the same tokens, stops, histories and state as depth 0', async (depth) => {
    const ahead = await onGpu(name, depth);
    ahead.outcomes.forEach((o, i) => expect(o, `${name}, depth ${depth}, generation ${i}`).toEqual(due.outcomes[i]));
    expect(ahead.stats.submittedAhead).toBeGreaterThan(0);
    // Every generation but one stopped by its first token ends with steps in flight.
    expect(ahead.stats.discardedAhead).toBeGreaterThan(0);
  }, GPU_RUN);

  it.runIf(name.startsWith('llama'))('the CPU reference backend gives the same tokens for the same seeds', async () => {
    // It draws with the same counter-based sampler; its logits differ only in summation order,
    // which could move a draw across a boundary only if one lay within ~1e-6 of it.
    const ref = await new ReferenceBackend().load(due.file, due.source, { contextLength: 96 });
    const seq = await ref.createSequence('ref');
    const outcomes = await script(seq, due.prompt);
    outcomes.forEach((o, i) => expect(o, `${name}: the CPU reference, generation ${i}`).toEqual(due.outcomes[i]));
  }, GPU_RUN);
});
