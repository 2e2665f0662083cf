// A lost GPU device (driver reset, a mobile tab sent to the background, destroy()) mid-generation:
// the generation fails with 'device-lost', the runtime drops the model, and loading again gets a
// new device on which the same greedy tokens come out, with no restart of the process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineRuntime } from '../../../engine/runtime.ts';
import { GpuBackend } from '../../../gpu/backend.ts';
import type { GpuContext } from '../../../gpu/device.ts';
import { acquireNodeDevice } from '../../../gpu/node-gpu.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';

const GREEDY = { temperature: 0, repetitionPenalty: 1 };
const LIMITS = process.env.EDGEWISE_GPU_LIMITS === 'default' ? 'default' : 'adapter';

describe.each(['qwen3-F32', 'jamba-F32'])('device lost mid-generation: %s', (name) => {
  it('fails with device-lost, then a new load on a new device gives the same tokens', async () => {
    const devices: GpuContext[] = [];
    const backend = new GpuBackend(async () => {
      const ctx = await acquireNodeDevice({ limits: LIMITS });
      devices.push(ctx);
      return ctx;
    }, { chunkTokens: 16 });
    const runtime = new EngineRuntime(backend);
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf')));
    const tokens: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens;
    const load = async () => {
      const source = memorySource(bytes);
      await runtime.load(source, await readGguf(source), () => {}, { id: name, contextLength: 128 });
    };
    try {
      await load();
      const before = await runtime.generateTokens(tokens, { maxTokens: 12, sampling: GREEDY }, () => {});
      expect(before.tokens.length).toBeGreaterThan(3);

      let n = 0;
      const failed = runtime.generateTokens(tokens.slice(0, 5), { maxTokens: 40, sampling: GREEDY, sequence: 'other' }, () => {
        if (++n === 2) devices[0].device.destroy();
      });
      const error = await failed.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(EdgewiseError);
      expect((error as EdgewiseError).code).toBe('device-lost');
      expect(runtime.loaded).toBeUndefined();
      await expect(runtime.generateTokens(tokens, { maxTokens: 2, sampling: GREEDY }, () => {})).rejects.toThrow(/no model is loaded/);

      await load();
      expect(devices).toHaveLength(2);
      const after = await runtime.generateTokens(tokens, { maxTokens: 12, sampling: GREEDY }, () => {});
      expect(after.tokens).toEqual(before.tokens);
    } finally {
      runtime.unload();
      await backend.close();
    }
  });
});
