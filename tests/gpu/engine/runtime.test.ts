// The GPU runtime as the app and CLI use it: greedy generation equal to llama.cpp's tokens,
// seeded sampling reproducible, conversations continued without re-running their prefix,
// regenerate without prefill on a recurrent model, stop strings, abort and a full context.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineRuntime } from '../../../engine/runtime.ts';
import { GpuBackend } from '../../../gpu/backend.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';
import { expectLlamaCppGreedy, expectStopStringAndAbort, GREEDY } from '../../support/runtime-checks.ts';

async function loaded(name: string, contextLength = 256): Promise<{ runtime: EngineRuntime; manifest: any }> {
  const runtime = new EngineRuntime(new GpuBackend(gpuContext, { chunkTokens: 32 }));
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  await runtime.load(source, await readGguf(source), () => {}, { id: name, contextLength });
  return { runtime, manifest: JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')) };
}


describe.each(['qwen3-F32', 'jamba-F32'])('GPU runtime: %s', (name) => {
  let runtime: EngineRuntime;
  let manifest: any;
  beforeAll(async () => ({ runtime, manifest } = await loaded(name)));
  afterAll(() => runtime?.unload());

  it("generates llama.cpp's greedy tokens and streams exactly the returned text", async () => {
    const r = await expectLlamaCppGreedy(runtime, manifest);
    // These byte-level BPE vocabularies decode a continuation as they decode it alone.
    expect(r.text).toBe(runtime.loaded!.tokenizer.decode(r.tokens));
  });

  it('continues a conversation without re-running its prefix, and regenerates without prefill', async () => {
    const prompt: number[] = manifest.tokens;
    runtime.sequence()!.reset();
    const first = await runtime.generateTokens(prompt, { maxTokens: 4, sampling: GREEDY }, () => {});
    const again = await runtime.generateTokens(prompt, { maxTokens: 4, sampling: GREEDY }, () => {});
    expect(again.tokens).toEqual(first.tokens);
    // Regenerate: only the last prompt token runs again (state saved after the prompt).
    expect(first.timings.prefilledTokens).toBe(prompt.length);
    expect(again.timings.prefilledTokens).toBe(1);
    const follow = [...prompt, ...first.tokens, 5, 6, 7];
    const before = runtime.sequence()!.history.length;
    const cont = await runtime.generateTokens(follow, { maxTokens: 2, sampling: GREEDY }, () => {});
    expect(before).toBe(prompt.length + first.tokens.length - 1);
    expect(cont.timings.promptTokens).toBe(follow.length);
    expect(cont.timings.prefilledTokens).toBe(follow.length - before);
    // The continuation equals a fresh run of the whole conversation.
    runtime.sequence()!.reset();
    const fresh = await runtime.generateTokens(follow, { maxTokens: 2, sampling: GREEDY }, () => {});
    expect(cont.tokens).toEqual(fresh.tokens);
  });

  it('samples reproducibly from a seed', async () => {
    const sampling = { temperature: 1.5, topK: 40, topP: 0.95, minP: 0, repetitionPenalty: 1.1, seed: 1234 };
    const a = await runtime.generateTokens(manifest.tokens, { maxTokens: 12, sampling }, () => {});
    const b = await runtime.generateTokens(manifest.tokens, { maxTokens: 12, sampling }, () => {});
    const c = await runtime.generateTokens(manifest.tokens, { maxTokens: 12, sampling: { ...sampling, seed: 99 } }, () => {});
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
  });

  it('stops on a stop string, on abort, and at a full context', async () => {
    await expectStopStringAndAbort(runtime, manifest.tokens);
    const { runtime: small } = await loaded(name, manifest.tokens.length + 3);
    const r = await small.generateTokens(manifest.tokens, { maxTokens: 50, sampling: GREEDY }, () => {});
    expect(r.stopReason === 'context-full' || r.stopReason === 'eos').toBe(true);
    await expect(small.generateTokens([...manifest.tokens, 1, 2, 3, 4], { maxTokens: 5 }, () => {})).rejects.toThrow(/context/);
    small.unload();
  });
});

describe('GPU runtime: JSON-schema constrained generation', () => {
  it('always yields JSON valid for the schema, greedy and sampled, ending when the value closes', async () => {
    const { default: Ajv } = await import('ajv');
    const { runtime, manifest } = await loaded('llama-F32', 512);
    const schema = {
      type: 'object',
      properties: {
        ok: { type: 'boolean' },
        n: { type: 'integer' },
        tag: { type: 'string', enum: ['alpha', 'beta', 'größe'] },
        items: { type: 'array', items: { type: 'string', maxLength: 6 }, maxItems: 3 },
      },
      required: ['ok', 'n', 'tag', 'items'],
    };
    const validate = new Ajv().compile(schema);
    for (const sampling of [GREEDY, { temperature: 1, topK: 40, seed: 7 }, { temperature: 2, topK: 64, topP: 1, minP: 0, seed: 8 }]) {
      const r = await runtime.generateTokens(manifest.tokens, { maxTokens: 200, sampling, schema }, () => {});
      expect(r.stopReason, r.text).toBe('schema-complete');
      const value = JSON.parse(r.text);
      expect(validate(value), `${r.text}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // A string without maxLength rarely closes under random weights: with a token limit near
    // the value's shortest completion the engine closes it, and says so.
    const open = { type: 'object', properties: { note: { type: 'string' }, n: { type: 'integer' } }, required: ['note', 'n'] };
    const validateOpen = new Ajv().compile(open);
    const cut = await runtime.generateTokens(manifest.tokens, { maxTokens: 40, sampling: { temperature: 1, topK: 40, seed: 3 }, schema: open }, () => {});
    expect(cut.stopReason, cut.text).toBe('schema-complete');
    expect(cut.closedAtLimit).toBe(true);
    expect(cut.tokens.length).toBeLessThanOrEqual(40);
    expect(validateOpen(JSON.parse(cut.text)), cut.text).toBe(true);
    runtime.unload();
  });
});
