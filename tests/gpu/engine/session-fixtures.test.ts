// The GPU session against llama.cpp on every model fixture: prompt logits at every stored
// position (within the fixture's stated tolerances, the same ones the CPU reference meets),
// chunked prefill equal to one shot, the argmax rule, and teacher-forced greedy decoding
// against gen_logits plus free-running greedy tokens.
//
// The fixtures' logits come from llama.cpp with an f32 KV cache, so the tolerance checks run on
// an f32-KV session. Where the device has shader-f16 (the lavapipe pass of `npm test`, and real
// GPUs) the session users get keeps its KV cache in f16: that session must keep the argmax rule
// and the strict greedy tokens, and move the logits no more than llama.cpp's own f16 KV cache
// moves them on the same case (`manifest.llama_cpp_default_kv_f16`, measured by the fixtures).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuSession } from '../../../gpu/session.ts';
import { DEFAULT_SAMPLING } from '../../../engine/generate.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { describeDistance, distance, modelCaseNames, readF32 } from '../../unit/reference/fixture-model.ts';
import { gpuContext, needsF16 } from '../fixture.ts';

const GREEDY = { ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty: 1 };

async function open(name: string, chunkTokens: number, kvF16: boolean): Promise<GpuSession> {
  const ctx = await gpuContext();
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const file = await readGguf(source);
  return GpuSession.load(ctx, file, source, { contextLength: 1024, chunkTokens, kvF16 });
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
  let session: GpuSession;        // f32 KV cache: the fixtures' setting
  let user: GpuSession;           // the default: f16 KV cache where the device has shader-f16
  let logits: Float32Array;
  let userLogits: Float32Array;

  beforeAll(async () => {
    // Chunks of 64 make the long prompts run as several chunks, each on the GEMM path.
    session = await open(name, 64, false);
    logits = await session.evalLogits(tokens);
    user = (await gpuContext()).features.f16 ? await open(name, 64, true) : session;
    userLogits = user === session ? logits : await user.evalLogits(tokens);
  });
  afterAll(() => {
    session?.destroy();
    if (user !== session) user?.destroy();
  });

  it('matches the reference logits at every stored position', () => {
    const V = session.plan.nVocab;
    const ref = manifest.tolerance.vs_ref_logits;
    if (ref) within(logits, readF32(name, 'ref_logits.f32'), V, rows, ref, 'vs ref_logits.f32');
    within(logits, readF32(name, 'logits.f32'), V, rows, manifest.tolerance.vs_llama_cpp_logits, "vs llama.cpp's logits.f32");
  });

  it("agrees with llama.cpp's argmax wherever its margin allows (f32 KV, and the default KV)", () => {
    const V = session.plan.nVocab;
    const { argmax: want, margin_top1_top2: margins } = manifest.prompt;
    for (const [kv, all] of [['f32 KV', logits], ['default KV', userLogits]] as const) {
      let checked = 0;
      for (let p = 0; p < tokens.length; p++) {
        if (margins[p] < manifest.greedy.margin_threshold) continue;
        const row = all.subarray(p * V, (p + 1) * V);
        let best = 0;
        for (let v = 1; v < V; v++) if (row[v] > row[best]) best = v;
        expect(best, `${kv}, position ${p}`).toBe(want[p]);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    }
  });

  it("f16 KV cache moves the logits no more than llama.cpp's f16 KV cache does", async (test) => {
    needsF16(await gpuContext(), test, 'the f16 KV cache');
    const shift: number = manifest.llama_cpp_default_kv_f16.max_abs_diff_vs_f32_kv;
    const d = distance(userLogits, logits, session.plan.nVocab, tokens.map((_, i) => i));
    // An attention-free model has no KV cache: there the two sessions must agree exactly.
    expect(d.maxAbs, `f16 KV vs f32 KV: ${describeDistance(d)}; llama.cpp's shift ${shift}`).toBeLessThanOrEqual(shift);
  });

  it('decodes teacher-forced greedy tokens like llama.cpp, then runs free greedy', async () => {
    const V = session.plan.nVocab;
    const greedy: number[] = manifest.greedy.tokens;
    const gen = readF32(name, 'gen_logits.f32');
    const teacher = new Float32Array(greedy.length * V);
    for (let k = 0; k < greedy.length; k++) teacher.set(await session.evalLogits([greedy[k]]), k * V);
    // gen_logits are llama.cpp's, so the llama.cpp tolerance applies (as the README says).
    within(teacher, gen, V, greedy.map((_, i) => i), manifest.tolerance.vs_llama_cpp_logits, 'teacher-forced decode vs gen_logits.f32');
    // Free-running greedy from the prompt on the default session: the first n_strict tokens
    // must equal llama.cpp's.
    user.reset();
    const strict: number = manifest.greedy.n_strict ?? 0;
    const got: number[] = [];
    let next = await user.evalAndSample(tokens, GREEDY);
    for (let i = 0; i < strict; i++) {
      got.push(next);
      if (i + 1 < strict) next = await user.evalAndSample([next], GREEDY);
    }
    expect(got).toEqual(greedy.slice(0, strict));
  });
});
