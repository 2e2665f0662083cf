// Dispatches per decoded token within issue #12's budget: at most 7 per attention layer and 8 per
// Mamba layer, each counting its FFN (the fused GEMVs take the RMSNorm on their input, Q|K|V and
// gate|up in one dispatch each, the residual add in their epilogue; q/k norm + RoPE + KV write,
// conv + SiLU, and Jamba's dt/B/C norms cost one dispatch or none), plus the embedding (its
// multiplier applied as it is read) and the output matrix (the final norm on its input). MoE layers are left out: their experts are one gated dispatch
// each by design (gpu/graph.ts moeFfn).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuSession } from '../../../gpu/session.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

const PER_LAYER = { attention: 7, mamba1: 8, mamba2: 8 } as const;
/** The embedding and the output matrix. */
const OUTSIDE_LAYERS = 2;

describe('dispatches per decoded token', () => {
  it.each(['qwen3-Q4_K_M', 'llama-Q8_0', 'qwen2-Q8_0', 'granitehybrid-Q4_K_M', 'jamba-Q4_K_M', 'mamba-Q8_0', 'mamba2-Q8_0'])('%s: within 7 per attention layer and 8 per Mamba layer', async (name) => {
    const ctx = await gpuContext();
    const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
    const file = await readGguf(source);
    const plan = planModel(file);
    expect(plan.layers.every((l) => l.ffn.kind !== 'moe')).toBe(true);
    const budget = OUTSIDE_LAYERS + plan.layers.reduce((n, l) => n + PER_LAYER[l.mixer.kind], 0);
    const tokens: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens.slice(0, 4);
    const session = await GpuSession.load(ctx, file, source, { contextLength: 32 });
    try {
      await session.evalLogits(tokens.slice(0, -1));
      const before = session.encodeStats.dispatches;
      await session.evalLogits(tokens.slice(-1));
      const dispatches = session.encodeStats.dispatches - before;
      expect(dispatches, `${plan.layers.length} layers: ${plan.layers.map((l) => l.mixer.kind).join(', ')}`).toBeLessThanOrEqual(budget);
    } finally {
      session.destroy();
    }
  });
});
