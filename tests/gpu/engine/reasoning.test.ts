// A reasoning model through the runtime on a real WebGPU device: the llama-F32 fixture given a
// chat template with Qwen3's thinking switch. Its reasoning streams apart from the answer and has
// its own budget (the engine closes it when spent), the answer's budget counts answer tokens
// only, "no thinking" reaches the template, and schema output begins after the reasoning.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineRuntime } from '../../../engine/runtime.ts';
import { GpuBackend } from '../../../gpu/backend.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { withMetadata } from '../../support/gguf-edit.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

const TEMPLATE =
  "{%- for m in messages %}{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}" +
  "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- else %}{{- '<think>\\n' }}{%- endif %}{%- endif %}";

function thinkingModel(): Promise<Uint8Array> {
  return withMetadata(new Uint8Array(readFileSync(join(FIXTURES, 'llama-F32', 'model.gguf'))), { 'tokenizer.chat_template': TEMPLATE });
}

const GREEDY = { temperature: 0, repetitionPenalty: 1 };
const ASK = [{ role: 'user' as const, content: 'Summarize: the launch moves to May.' }];

describe('a reasoning model through the GPU runtime', () => {
  let runtime: EngineRuntime;
  beforeAll(async () => {
    runtime = new EngineRuntime(new GpuBackend(gpuContext, { chunkTokens: 32 }));
    const source = memorySource(await thinkingModel());
    const info = await runtime.load(source, await readGguf(source), () => {}, { id: 'thinking', contextLength: 256 });
    expect(info.reasoning).toBe('switchable');
  });
  afterAll(() => runtime?.unload());

  it('streams reasoning apart, closes it at its budget, and gives the answer its whole budget', async () => {
    const streamed = { reasoning: '', answer: '' };
    const r = await runtime.generate({ messages: ASK, thinking: true, maxReasoningTokens: 6, maxTokens: 5, sampling: GREEDY, sequence: 'think' },
      (d, part) => { streamed[part ?? 'answer'] += d; });
    expect(r.reasoning).toBeDefined();
    expect(streamed.reasoning).toBe(r.reasoning);
    expect(streamed.answer).toBe(r.text);
    // 6 reasoning tokens, then the close tag the engine wrote, then up to 5 of answer.
    const closeTokens = runtime.loaded!.tokenizer.encode('</think>\n\n', { addSpecial: false, parseSpecial: true }).length;
    expect(r.reasoningTokens).toBeGreaterThanOrEqual(6 + closeTokens);
    const answerTokens = r.tokens.length - r.reasoningTokens!;
    if (r.stopReason === 'max-tokens') expect(answerTokens).toBe(5);
    else expect(answerTokens).toBeLessThanOrEqual(5);
    expect(r.text).not.toContain('think>');
    expect(runtime.loaded!.tokenizer.decode(r.tokens)).toContain('</think>');
  });

  it('without thinking the template writes an empty think block and everything is answer', async () => {
    const r = await runtime.generate({ messages: ASK, thinking: false, maxTokens: 5, sampling: GREEDY, sequence: 'plain' }, () => {});
    expect(r.reasoning).toBeUndefined();
    expect(r.reasoningTokens).toBe(0);
    expect(r.tokens.length).toBeLessThanOrEqual(5);
  });

  it('schema output begins after the reasoning and parses', async () => {
    const schema = { type: 'object', properties: { mood: { enum: ['good', 'bad'] }, n: { type: 'integer' } }, required: ['mood'] };
    const r = await runtime.generate({ messages: ASK, thinking: true, maxReasoningTokens: 8, maxTokens: 40, sampling: GREEDY, schema, sequence: 'json' }, () => {});
    expect(r.reasoning).toBeDefined();
    expect(r.reasoningTokens).toBeGreaterThanOrEqual(8);
    const value = JSON.parse(r.text);
    expect(['good', 'bad']).toContain(value.mood);
  });
});
