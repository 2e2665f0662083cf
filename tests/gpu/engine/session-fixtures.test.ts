// The GPU session against llama.cpp on every model fixture: prompt logits at every stored
// position (within the fixture's stated tolerances, the same ones the CPU reference meets),
// chunked prefill equal to one shot, the argmax rule, and teacher-forced greedy decoding
// against gen_logits plus free-running greedy tokens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuSession } from '../../../gpu/session.ts';
import { DEFAULT_SAMPLING } from '../../../model/generate.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { describeDistance, distance, modelCaseNames, readF32 } from '../../unit/reference/fixture-model.ts';
import { gpuContext } from '../fixture.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';

const GREEDY = { ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty: 1 };
let pipelines: PipelineCache | undefined;

async function open(name: string, chunkTokens: number): Promise<GpuSession> {
  const ctx = await gpuContext();
  pipelines ??= new PipelineCache(ctx.device);
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const file = await readGguf(source);
  return GpuSession.load(ctx, file, source, { contextLength: 1024, chunkTokens }, pipelines);
}

function within(got: Float32Array, want: Float32Array, nVocab: number, rows: readonly number[], tol: { max_abs: number; rms: number }, what: string) {
  const d = distance(got, want, nVocab, rows);
  expect(d.maxAbs, `${what}: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.max_abs);
  expect(d.rms, `${what}: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.rms);
}

describe.each(modelCaseNames())('GPU session: %s', (name) => {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
  const tokens: number[] = manifest.tokens;
  const rows: number[] = manifest.rows ?? tokens.map((_: number, i: number) => i);
  let session: GpuSession;
  let logits: Float32Array;

  beforeAll(async () => {
    // Chunks of 64 make the long prompts run as several chunks, each on the GEMM path.
    session = await open(name, 64);
    logits = await session.evalLogits(tokens);
  });
  afterAll(() => session?.destroy());

  it('matches the reference logits at every stored position', () => {
    const V = session.plan.nVocab;
    const ref = manifest.tolerance.vs_ref_logits;
    if (ref) within(logits, readF32(name, 'ref_logits.f32'), V, rows, ref, 'vs ref_logits.f32');
    within(logits, readF32(name, 'logits.f32'), V, rows, manifest.tolerance.vs_llama_cpp_logits, "vs llama.cpp's logits.f32");
  });

  it("agrees with llama.cpp's argmax wherever its margin allows", () => {
    const V = session.plan.nVocab;
    const { argmax: want, margin_top1_top2: margins } = manifest.prompt;
    let checked = 0;
    for (let p = 0; p < tokens.length; p++) {
      if (margins[p] < manifest.greedy.margin_threshold) continue;
      const row = logits.subarray(p * V, (p + 1) * V);
      let best = 0;
      for (let v = 1; v < V; v++) if (row[v] > row[best]) best = v;
      expect(best, `position ${p}`).toBe(want[p]);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('decodes teacher-forced greedy tokens like llama.cpp, then runs free greedy', async () => {
    const V = session.plan.nVocab;
    const greedy: number[] = manifest.greedy.tokens;
    const gen = readF32(name, 'gen_logits.f32');
    const teacher = new Float32Array(greedy.length * V);
    for (let k = 0; k < greedy.length; k++) teacher.set(await session.evalLogits([greedy[k]]), k * V);
    // gen_logits are llama.cpp's, so the llama.cpp tolerance applies (as the README says).
    within(teacher, gen, V, greedy.map((_, i) => i), manifest.tolerance.vs_llama_cpp_logits, 'teacher-forced decode vs gen_logits.f32');
    // Free-running greedy from the prompt: the first n_strict tokens must equal llama.cpp's.
    session.reset();
    const strict: number = manifest.greedy.n_strict ?? 0;
    const got: number[] = [];
    let next = await session.evalAndSample(tokens, GREEDY);
    for (let i = 0; i < strict; i++) {
      got.push(next);
      if (i + 1 < strict) next = await session.evalAndSample([next], GREEDY);
    }
    expect(got).toEqual(greedy.slice(0, strict));
  });
});
