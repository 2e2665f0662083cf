// Prefill FLOPs (cli/commands/bench.ts), the numerator of `edgewise bench`'s matrix-rate fraction:
// on the dense llama fixture, counted here from the hyper-parameters (q, k, v, o, gate, up, down
// per layer and token; the output matrix for the last token; causal QKᵀ and PV), independently
// of the tensor list the code walks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefillFlops } from '../../../cli/commands/bench.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../gguf/fixtures.ts';

describe('prefill FLOPs', () => {
  it('dense llama: 2 per weight per token, the output once, causal attention', async () => {
    const file = await readGguf(memorySource(new Uint8Array(readFileSync(join(FIXTURES, 'llama-F32', 'model.gguf')))));
    const plan = planModel(file);
    const T = 100, E = plan.nEmbd;
    let want = 2 * E * plan.nVocab;
    for (const l of plan.layers) {
      if (l.mixer.kind !== 'attention' || l.ffn.kind !== 'dense') throw new Error('llama-F32 is a dense attention model');
      const { nHead, nHeadKv, headDim } = l.mixer;
      const perToken = E * nHead * headDim + 2 * E * nHeadKv * headDim + nHead * headDim * E + 3 * E * l.ffn.nFf;
      want += 2 * T * perToken + 4 * headDim * nHead * (T * (T + 1)) / 2;
    }
    expect(prefillFlops(plan, T)).toBe(want);
  });
});
