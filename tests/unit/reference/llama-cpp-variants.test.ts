// Architecture variants the shared fixtures do not exercise, checked against llama.cpp at test
// time (node-llama-cpp, CPU): random F32 models written by writeGguf, run by both, prompt logits
// compared at every position. Covers Granite-4.0-H MoE with a shared expert and RoPE
// (rope.scaling.finetuned = true), and a Mixtral-style llama MoE (renormalized top-k weights).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { referenceForward } from '../../../model/reference/forward.ts';
import { loadReferenceWeights } from '../../../model/reference/weights.ts';
import { graniteMoe, llamaMoe, MOE_SEED as SEED } from '../../support/moe-models.ts';
import { llamaCppLogits, type Built } from '../../support/random-model.ts';
import { describeDistance, distance } from './fixture-model.ts';

/** F32 models: llama.cpp and f64 math agree to ~1e-5 on the fixtures; 1e-3 is the F32 floor there. */
const TOL = { maxAbs: 1e-3 };

describe('reference forward vs llama.cpp on variants the fixtures lack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-ref-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, (seed: number) => Promise<Built>, string][] = [
    ['granitehybrid MoE + shared expert + RoPE', graniteMoe, 'moe'],
    ['llama MoE (Mixtral-style)', llamaMoe, 'moe'],
  ];
  for (const [label, make, ffnKind] of cases) {
    it(`${label} (seed ${SEED})`, async () => {
      const { bytes, tokens } = await make(SEED);
      const path = join(dir, `${label.replace(/\W+/g, '-')}.gguf`);
      writeFileSync(path, bytes);
      const source = memorySource(bytes);
      const file = await readGguf(source);
      const plan = planModel(file);
      expect(plan.layers.every((l) => l.ffn.kind === ffnKind)).toBe(true);
      const ours = referenceForward(plan, await loadReferenceWeights(plan, file, source), tokens);
      const theirs = await llamaCppLogits(path, tokens, plan.nVocab);
      const d = distance(ours, theirs, plan.nVocab, tokens.map((_, i) => i));
      expect(d.maxAbs, describeDistance(d)).toBeLessThanOrEqual(TOL.maxAbs);
    }, 60_000);
  }
});
