// GPU faults while allocating: the GPU's out-of-memory (reported through error scopes, never as
// an exception) during a model load, a new sequence, or a context that grows. Each fails with a
// typed 'gpu-out-of-memory' error that says how much was needed, and frees every buffer it made;
// the model and the other sequences go on working. The device is the real one, wrapped so that
// its out-of-memory scope reports a failure when the test says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../../gpu/device.ts';
import { GpuModel } from '../../../gpu/model.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { DEFAULT_SAMPLING } from '../../../engine/generate.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

const GREEDY = { ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty: 1 };

/** The real device, with every buffer it makes tracked and an out-of-memory scope the test can fail. */
async function faultyContext(): Promise<{ ctx: GpuContext; live: Map<GPUBuffer, string>; made: string[]; failOom: (on: boolean) => void }> {
  const real = await gpuContext();
  const live = new Map<GPUBuffer, string>();
  const made: string[] = [];
  const scopes: GPUErrorFilter[] = [];
  let fail = false;
  const device = new Proxy(real.device, {
    get(target, key) {
      if (key === 'createBuffer') {
        return (desc: GPUBufferDescriptor) => {
          const b = target.createBuffer(desc);
          const label = desc.label ?? '';
          live.set(b, label);
          made.push(label);
          const destroy = b.destroy.bind(b);
          b.destroy = () => { live.delete(b); destroy(); };
          return b;
        };
      }
      if (key === 'pushErrorScope') return (filter: GPUErrorFilter) => { scopes.push(filter); target.pushErrorScope(filter); };
      if (key === 'popErrorScope') {
        return async () => {
          const filter = scopes.pop();
          const error = await target.popErrorScope();
          return fail && filter === 'out-of-memory' ? { message: 'simulated: out of memory' } as GPUError : error;
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { ctx: { ...real, device }, live, made, failOom: (on) => { fail = on; } };
}

async function fixture(name: string) {
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  return { source, file: await readGguf(source) };
}

describe('GPU out of memory', () => {
  it('a model load fails typed, saying what it needs, and frees every buffer it made', async () => {
    const { ctx, live, made, failOom } = await faultyContext();
    const { source, file } = await fixture('jamba-F32');
    failOom(true);
    const error = await GpuModel.load(ctx, file, source, { chunkTokens: 16 }).then(() => undefined, (e: unknown) => e);
    failOom(false);
    expect(error).toBeInstanceOf(EdgewiseError);
    expect((error as EdgewiseError).code).toBe('gpu-out-of-memory');
    expect((error as EdgewiseError).message).toMatch(/ran out of memory \(this needs about [\d.]+ (KiB|MiB|GiB)\)/);
    expect(made.length).toBeGreaterThan(10);
    expect([...live.values()]).toEqual([]);
  });

  it('a new sequence and a growing context fail typed; the model and its other sequences go on', async () => {
    const { ctx, live, failOom } = await faultyContext();
    const { source, file } = await fixture('qwen3-F32');
    const model = await GpuModel.load(ctx, file, source, { chunkTokens: 16, kvInitialPositions: 16 });
    try {
      const good = await model.createSequence('good');
      const first = await good.evalAndSample([1, 2, 3, 4], GREEDY);

      failOom(true);
      const refused = await model.createSequence('refused').then(() => undefined, (e: unknown) => e);
      failOom(false);
      expect((refused as EdgewiseError).code).toBe('gpu-out-of-memory');
      expect([...live.values()].filter((l) => l.startsWith('refused/'))).toEqual([]);

      // Past its first 16 positions the KV cache grows; refused, the sequence keeps what it had.
      const long = Array.from({ length: 40 }, (_, i) => 1 + ((i * 7) % 200));
      failOom(true);
      const grow = await good.evalAndSample(long, GREEDY).then(() => undefined, (e: unknown) => e);
      failOom(false);
      expect((grow as EdgewiseError).code).toBe('gpu-out-of-memory');
      expect((grow as EdgewiseError).message).toMatch(/growing the context to 64 tokens/);
      expect(good.history).toEqual([1, 2, 3, 4]);
      expect(good.rewind(0)).toBe(true);
      expect(await good.evalAndSample([1, 2, 3, 4], GREEDY)).toBe(first);
      // And with memory to spare the same long prompt runs.
      await good.evalAndSample(long, GREEDY);
      expect(good.history.length).toBe(4 + long.length);
    } finally {
      model.destroy();
    }
  });
});
