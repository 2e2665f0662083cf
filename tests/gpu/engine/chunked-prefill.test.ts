// Chunked prefill equals one-shot prefill for every chunk size the engine may choose: the long
// fixtures (600 tokens: attention, Mamba-1 and the Jamba hybrid), run in one chunk (the default
// chunk, chosen from the device limits, holds the whole prompt) and in chunks of 64, 256 and 512.
//
// Tolerance: both runs are the same f32 kernels; only the chunk boundaries move (attention over
// the cache instead of inside the chunk, recurrent state handed over, GEMM token tiles cut
// differently), so they differ by summation order alone. The fixture's own f32 bound vs
// llama.cpp (manifest.tolerance.vs_llama_cpp_logits: 1e-3 max abs, 1e-4 rms) is the bound, and
// the one-shot run must meet it against llama.cpp's logits too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuSession } from '../../../gpu/session.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { describeDistance, distance, readF32 } from '../../unit/reference/fixture-model.ts';
import { gpuContext } from '../fixture.ts';

const LONG = ['llama_long-F32', 'mamba_long-F32', 'jamba_long-F32'];
const CHUNKS = [64, 256, 512];
/** A 600-token pass on SwiftShader takes minutes on a loaded 2-core machine. */
const SLOW = 900_000;
let pipelines: PipelineCache | undefined;

describe.each(LONG)('chunked prefill == one shot: %s', (name) => {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
  const tokens: number[] = manifest.tokens;
  const tol: { max_abs: number; rms: number } = manifest.tolerance.vs_llama_cpp_logits;
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const run = async (chunkTokens?: number) => {
    const ctx = await gpuContext();
    pipelines ??= new PipelineCache(ctx.device);
    const s = await GpuSession.load(ctx, await readGguf(source), source, { contextLength: 1024, chunkTokens, kvF16: false }, pipelines);
    try {
      return { chunk: s.chunkTokens, logits: await s.evalLogits(tokens) };
    } finally {
      s.destroy();
    }
  };
  let whole: { chunk: number; logits: Float32Array };
  beforeAll(async () => { whole = await run(); }, SLOW);

  it('one chunk (the default chunk holds the whole prompt) matches llama.cpp', () => {
    expect(whole.chunk).toBeGreaterThanOrEqual(tokens.length);
    const rows: number[] = manifest.rows ?? tokens.map((_: number, i: number) => i);
    const d = distance(whole.logits, readF32(name, 'logits.f32'), whole.logits.length / tokens.length, rows);
    expect(d.maxAbs, `one shot vs llama.cpp: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.max_abs);
    expect(d.rms, `one shot vs llama.cpp: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.rms);
  });

  it.each(CHUNKS)('chunks of %i equal one shot', async (chunk) => {
    const got = await run(chunk);
    expect(got.chunk).toBe(chunk);
    // distance() reads `want` by stored row index j: with every row listed, j is the position.
    const d = distance(got.logits, whole.logits, whole.logits.length / tokens.length, tokens.map((_, i) => i));
    expect(d.maxAbs, `chunks of ${chunk} vs one shot: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.max_abs);
    expect(d.rms, `chunks of ${chunk} vs one shot: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.rms);
  }, SLOW);
});
