// The engine's runtime on the CPU reference backend, no GPU anywhere: greedy tokens equal to
// llama.cpp's, chat through the model's template, JSON-schema output, stop strings, abort and
// sequences that run together. The same runtime serves the app and the CLI over the GPU backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { ReferenceBackend } from '../../../engine/reference-backend.ts';
import { EngineRuntime } from '../../../engine/runtime.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { withMetadata } from '../../support/gguf-edit.ts';
import { FIXTURES } from '../gguf/fixtures.ts';
import { expectLlamaCppGreedy, expectStopStringAndAbort, GREEDY } from '../../support/runtime-checks.ts';

const CHATML = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A fixture's bytes, with a chat template written into its metadata when asked. */
async function modelBytes(name: string, template?: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf')));
  return template === undefined ? bytes : withMetadata(bytes, { 'tokenizer.chat_template': template });
}

async function cpuRuntime(name: string, template?: string) {
  const runtime = new EngineRuntime(new ReferenceBackend());
  const source = memorySource(await modelBytes(name, template));
  await runtime.load(source, await readGguf(source), () => {}, { id: name, contextLength: 256 });
  const manifest = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
  return { runtime, manifest };
}

describe.each(['llama-F32', 'mamba-F32'])('runtime on the CPU reference: %s', (name) => {
  it("generates llama.cpp's greedy tokens and streams exactly the returned text", async () => {
    const { runtime, manifest } = await cpuRuntime(name);
    const r = await expectLlamaCppGreedy(runtime, manifest);
    const n: number = manifest.greedy.n_strict;
    // Regenerate: the state after the prompt is kept, so only its last token runs again.
    const again = await runtime.generateTokens(manifest.tokens, { maxTokens: n, sampling: GREEDY }, () => {});
    expect(again.tokens).toEqual(r.tokens);
    expect(again.timings.prefilledTokens).toBe(1);
  });

  it('stops on a stop string and on abort', async () => {
    const { runtime, manifest } = await cpuRuntime(name);
    await expectStopStringAndAbort(runtime, manifest.tokens);
  });

  it('runs two sequences together as each runs alone, seeded sampling included', async () => {
    const { runtime, manifest } = await cpuRuntime(name);
    const [a, b] = [manifest.tokens.slice(0, 7), manifest.tokens.slice(3)];
    const sampling = { temperature: 1.1, topK: 20, topP: 0.9, minP: 0, repetitionPenalty: 1.1, seed: 5 };
    const alone = [
      await runtime.generateTokens(a, { maxTokens: 8, sampling, sequence: 'a' }, () => {}),
      await runtime.generateTokens(b, { maxTokens: 8, sampling, sequence: 'b' }, () => {}),
    ];
    const together = await Promise.all([
      runtime.generateTokens(a, { maxTokens: 8, sampling, sequence: 'a2' }, () => {}),
      runtime.generateTokens(b, { maxTokens: 8, sampling, sequence: 'b2' }, () => {}),
    ]);
    expect(together.map((r) => r.tokens)).toEqual(alone.map((r) => r.tokens));
  });
});

describe('runtime on the CPU reference: queue', () => {
  it('a Stop or an unload reaches requests still waiting their turn, which never start', async () => {
    const { runtime, manifest } = await cpuRuntime('llama-F32');
    let n = 0;
    const running = runtime.generateTokens(manifest.tokens, { maxTokens: 40, sampling: GREEDY }, () => { if (++n === 2) runtime.unload(); });
    const waiting = runtime.generateTokens(manifest.tokens, { maxTokens: 40, sampling: GREEDY }, () => {});
    const [r, w] = await Promise.all([running, waiting]);
    expect(r.stopReason).toBe('aborted');
    expect(w.stopReason).toBe('aborted');
    expect(w.timings.prefilledTokens).toBe(0);
    expect(w.tokens).toEqual([]);
    expect(runtime.loaded).toBeUndefined();
  });
});

describe('runtime on the CPU reference: chat and schema output', () => {
  it("renders chat messages with the model's template and generates from them", async () => {
    const { runtime } = await cpuRuntime('llama-F32', CHATML);
    const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hello there' }];
    const { tokenizer } = runtime.loaded!;
    const expected = tokenizer.encode(`<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n`, { addSpecial: true, parseSpecial: true });
    expect(runtime.promptTokens({ messages })).toEqual(expected);
    const viaChat = await runtime.generate({ messages, maxTokens: 6, sampling: GREEDY }, () => {});
    const viaTokens = await runtime.generateTokens(expected, { maxTokens: 6, sampling: GREEDY, sequence: 'tokens' }, () => {});
    expect(viaChat.tokens).toEqual(viaTokens.tokens);
    expect(viaChat.timings.promptTokens).toBe(expected.length);
  });

  it('gives JSON valid for the schema, greedy and sampled', async () => {
    const { runtime, manifest } = await cpuRuntime('llama-F32');
    const schema = {
      type: 'object',
      properties: { ok: { type: 'boolean' }, tag: { enum: ['alpha', 'beta'] }, items: { type: 'array', items: { type: 'string', maxLength: 5 }, maxItems: 2 } },
      required: ['ok', 'tag', 'items'],
    };
    const validate = new Ajv().compile(schema);
    for (const sampling of [GREEDY, { temperature: 1, topK: 40, seed: 3 }]) {
      const r = await runtime.generateTokens(manifest.tokens, { maxTokens: 120, sampling, schema }, () => {});
      expect(r.stopReason, r.text).toBe('schema-complete');
      expect(validate(JSON.parse(r.text)), r.text).toBe(true);
    }
  });
});
