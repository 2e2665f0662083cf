// Stop while the model's chat template renders. Rendering is synchronous (and bounded by the
// template's budget), so a Stop sent meanwhile, as the worker receives it, is a task queued
// behind the render: the runtime lets it land before the prompt runs, and the generation ends
// 'aborted' with nothing prefilled, instead of after a prefill and a first token.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineRuntime } from '../../../engine/runtime.ts';
import { GpuBackend } from '../../../gpu/backend.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

/** ChatML after 4000 loop iterations: tens of ms of rendering, well within the budget. */
const SLOW_TEMPLATE = '{% for i in range(4000) %}{% set x = i * 2 %}{% endfor %}' +
  "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n";
const GREEDY = { temperature: 0, repetitionPenalty: 1 };

describe('Stop during chat-template rendering (qwen3-F32)', () => {
  let runtime: EngineRuntime;
  beforeAll(async () => {
    runtime = new EngineRuntime(new GpuBackend(gpuContext, { chunkTokens: 32 }));
    const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, 'qwen3-F32', 'model.gguf'))));
    const file = await readGguf(source);
    const slow = { ...file, metadata: new Map([...file.metadata, ['tokenizer.chat_template', SLOW_TEMPLATE]]) };
    await runtime.load(source, slow, () => {}, { id: 'qwen3-F32', contextLength: 128 });
  }, 120_000);
  afterAll(() => runtime?.unload());

  it('a Stop queued while the template renders ends the generation before its prompt runs', async () => {
    const request = { messages: [{ role: 'user' as const, content: 'Draft an agenda.' }], maxTokens: 8, sampling: GREEDY };
    const t0 = performance.now();
    setTimeout(() => runtime.abort(), 1);   // due while the render still holds the thread
    const stopped = await runtime.generate(request, () => {});
    const renderMs = performance.now() - t0;
    expect(renderMs).toBeGreaterThan(5);
    expect(stopped.stopReason).toBe('aborted');
    expect(stopped.tokens).toEqual([]);
    // Stopped before its turn: nothing of the prompt ran (its sequence was never even claimed).
    expect(stopped.timings.prefilledTokens).toBe(0);
    expect(runtime.sequence()?.history.length ?? 0).toBe(0);

    // Without a Stop the same request runs.
    const ran = await runtime.generate(request, () => {});
    expect(ran.stopReason).not.toBe('aborted');
    expect(ran.tokens.length).toBeGreaterThan(0);
    expect(runtime.sequence()!.history.length).toBeGreaterThanOrEqual(ran.timings.promptTokens);
  }, 120_000);
});
