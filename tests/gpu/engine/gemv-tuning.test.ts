// A model loaded with tuned decode GEMV shapes (forced here: this adapter is a CPU one, where
// tuning is off by default) still matches llama.cpp as the default shapes do
// (session-fixtures.test.ts): a shape changes only the order of each row's f32 sums. The timer
// is injected so that every class takes a shape other than the default, and so that the test
// compiles only the model's pipelines (tests/gpu/gemv-tuning.test.ts times real candidates).
// The prompt runs in chunks of 8 tokens, so that its rows, too, come from the GEMV.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../engine/generate.ts';
import { storageBuffer } from '../../../gpu/buffers.ts';
import { memoryGemvTuningCache } from '../../../gpu/gemv-tuning-cache.ts';
import type { CandidateTimerFactory, GemvTuningOptions } from '../../../gpu/gemv-tuning.ts';
import { defaultGemvShape, GEMV_MAX_TOKENS, prepareGemv, type GemvWorkgroupShape } from '../../../gpu/ops/gemv.ts';
import { GpuSession } from '../../../gpu/session.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { ggmlTypeByName } from '../../../model/quant/types.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { describeDistance, distance, readF32 } from '../../unit/reference/fixture-model.ts';
import { gpuContext } from '../fixture.ts';

const NAME = 'llama-F32';
const GREEDY = { ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty: 1 };
const CHOSEN: GemvWorkgroupShape = { workgroupSize: 32, rowsPerWorkgroup: 2 };
const STEPS = 4;

/** Makes CHOSEN the fastest of every class, and counts the candidates prepared. */
function timer(): { factory: CandidateTimerFactory; prepared: number } {
  const t = {
    prepared: 0,
    factory: (): ReturnType<CandidateTimerFactory> => ({
      async prepare(s) {
        t.prepared++;
        const seconds = s.workgroupSize === CHOSEN.workgroupSize && s.rowsPerWorkgroup === CHOSEN.rowsPerWorkgroup ? 1 : 2;
        return async () => seconds;
      },
      destroy() {},
    }),
  };
  return t;
}

async function load(gemvTuning: GemvTuningOptions): Promise<GpuSession> {
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, NAME, 'model.gguf'))));
  return GpuSession.load(await gpuContext(), await readGguf(source), source, { contextLength: 128, chunkTokens: GEMV_MAX_TOKENS, kvF16: false, gemvTuning });
}

describe('decode GEMV shapes tuned at load', () => {
  it(`${NAME}: tuned shapes keep llama.cpp's logits and greedy tokens; a second load reads the cache`, async () => {
    const manifest = JSON.parse(readFileSync(join(FIXTURES, NAME, 'manifest.json'), 'utf8'));
    const tol = manifest.tolerance.vs_llama_cpp_logits;
    const cache = memoryGemvTuningCache();
    const first = timer();
    const session = await load({ mode: 'force', cache, timer: first.factory });
    try {
      const report = session.model.gemvTuning;
      expect(report.source).toBe('tuned');
      expect(report.shapes.length).toBeGreaterThan(0);
      for (const s of report.shapes) expect(s).toMatchObject({ ...CHOSEN, from: 'tuned' });
      expect(CHOSEN).not.toEqual(defaultGemvShape(session.ctx));

      // The model's GEMVs take the table's shape.
      const top = report.shapes[0];
      const w = session.model.weights.list().find((t) => t.type === ggmlTypeByName(top.type)!.id && t.dims[0] === top.k)!;
      const { device } = session.ctx;
      const x = storageBuffer(device, 'probe.x', top.k), y = storageBuffer(device, 'probe.y', w.dims[1]);
      const [d] = await prepareGemv(session.model.env, { label: 'probe', weight: w, x: { buffer: x }, y: { buffer: y } });
      expect(d.pipeline.label).toMatch(/\bROWS=2\b/);
      expect(d.pipeline.label).toMatch(/\bWG=32\b/);
      x.destroy();
      y.destroy();

      const tokens: number[] = manifest.tokens;
      const V = session.vocabSize;
      const rows = tokens.map((_, i) => i);
      const logits = await session.evalLogits(tokens);
      const prompt = distance(logits, readF32(NAME, 'logits.f32'), V, rows);
      expect(prompt.maxAbs, `prompt vs logits.f32: ${describeDistance(prompt)}`).toBeLessThanOrEqual(tol.max_abs);
      expect(prompt.rms, `prompt vs logits.f32: ${describeDistance(prompt)}`).toBeLessThanOrEqual(tol.rms);

      const greedy: number[] = manifest.greedy.tokens.slice(0, STEPS);
      const teacher = new Float32Array(STEPS * V);
      for (let k = 0; k < STEPS; k++) teacher.set(await session.evalLogits([greedy[k]]), k * V);
      const gen = distance(teacher, readF32(NAME, 'gen_logits.f32').subarray(0, STEPS * V), V, greedy.map((_, i) => i));
      expect(gen.maxAbs, `decode vs gen_logits.f32: ${describeDistance(gen)}`).toBeLessThanOrEqual(tol.max_abs);

      session.reset();
      const got = [await session.evalAndSample(tokens, GREEDY)];
      while (got.length < STEPS) got.push(await session.evalAndSample([got[got.length - 1]], GREEDY));
      expect(got).toEqual(greedy);
    } finally {
      session.destroy();
    }

    const second = timer();
    const again = await load({ mode: 'force', cache, timer: second.factory });
    try {
      expect(second.prepared).toBe(0);
      expect(again.model.gemvTuning.source).toBe('cache');
      expect(again.model.gemvTuning.shapes.map((s) => [s.type, s.k, s.workgroupSize, s.rowsPerWorkgroup]))
        .toEqual(session.model.gemvTuning.shapes.map((s) => [s.type, s.k, s.workgroupSize, s.rowsPerWorkgroup]));
    } finally {
      again.destroy();
    }
  });
});
