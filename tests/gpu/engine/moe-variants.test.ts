// The GPU session on the MoE variants the shared fixtures lack (tests/support/moe-models.ts),
// against llama.cpp run at test time: prompt logits from a prefill (the gemm path, expert tiles
// gated by the router) and from token-by-token decoding (the gemv path, where only the chosen
// experts' weights are read). F32 models, so the F32 bound of the reference test applies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GpuSession } from '../../../gpu/session.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { graniteMoe, llamaMoe, MOE_SEED } from '../../support/moe-models.ts';
import { llamaCppLogits, type Built } from '../../support/random-model.ts';
import { describeDistance, distance } from '../../unit/reference/fixture-model.ts';
import { gpuContext } from '../fixture.ts';

/** F32 weights and an f32 KV cache: llama.cpp and f64 math agree to ~1e-5 on the fixtures. */
const TOL = { maxAbs: 1e-3 };

describe('GPU session vs llama.cpp on MoE variants', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-moe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, (seed: number) => Promise<Built>][] = [
    ['granitehybrid MoE + shared expert', graniteMoe],
    ['llama MoE (Mixtral-style)', llamaMoe],
  ];
  for (const [label, make] of cases) {
    it(`${label} (seed ${MOE_SEED}): prefill and token-by-token decode`, async () => {
      const { bytes, tokens } = await make(MOE_SEED);
      const path = join(dir, `${label.replace(/\W+/g, '-')}.gguf`);
      writeFileSync(path, bytes);
      const source = memorySource(bytes);
      const file = await readGguf(source);
      const ctx = await gpuContext();
      const session = await GpuSession.load(ctx, file, source, { contextLength: 64, chunkTokens: 32, kvF16: false });
      try {
        const V = session.plan.nVocab;
        const want = await llamaCppLogits(path, tokens, V);
        const rows = tokens.map((_, i) => i);
        const prefill = await session.evalLogits(tokens);
        const d1 = distance(prefill, want, V, rows);
        expect(d1.maxAbs, `prefill: ${describeDistance(d1)}`).toBeLessThanOrEqual(TOL.maxAbs);
        session.reset();
        const stepwise = new Float32Array(tokens.length * V);
        for (let i = 0; i < tokens.length; i++) stepwise.set(await session.evalLogits([tokens[i]]), i * V);
        const d2 = distance(stepwise, want, V, rows);
        expect(d2.maxAbs, `token by token: ${describeDistance(d2)}`).toBeLessThanOrEqual(TOL.maxAbs);
      } finally {
        session.destroy();
      }
    }, 120_000);
  }
});
