// Joined matrices (gpu/model-weights.ts): Q|K|V and gate|up uploaded as one tensor each give the
// same logits as the separate tensors, bit for bit (each output row is the same dot product in
// the same kernel). A decoded token takes the same dispatches either way: the GEMV reads up to
// three separate matrices of any types in one dispatch (Q|K|V, gate|up with SwiGLU on write), so
// joining saves only bindings there; the prefill GEMM still needs one dispatch per tensor. The
// exception is biased Q|K|V (Qwen2): the one-dispatch GEMV takes their biases joined into one
// vector, which the separate upload does not make, so there Q, K and V are three dispatches.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuSession } from '../../../gpu/session.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';
import { GEMV_MAX_TOKENS } from '../../../gpu/ops/gemv.ts';

/** Prompt tokens, one chunk past GEMV_MAX_TOKENS: the prefill takes the GEMM path. */
const PREFILL = 11;

async function run(name: string, fuseMatrices: boolean) {
  const ctx = await gpuContext();
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const file = await readGguf(source);
  const tokens: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens.slice(0, PREFILL + 1);
  const session = await GpuSession.load(ctx, file, source, { contextLength: 64, chunkTokens: 16, kvF16: false, fuseMatrices });
  try {
    const prefill = await session.evalLogits(tokens.slice(0, -1));
    const before = session.encodeStats.dispatches;
    const step = await session.evalLogits(tokens.slice(-1));         // one token: the gemv path
    return { prefill, step, dispatches: session.encodeStats.dispatches - before, file };
  } finally {
    session.destroy();
  }
}

describe('joined Q/K/V and gate/up matrices', () => {
  it('the prefill is long enough for the GEMM path', () => expect(PREFILL).toBeGreaterThan(GEMV_MAX_TOKENS));

  it.each(['qwen3-Q4_K_M', 'llama-Q8_0', 'qwen2-F32', 'jamba-Q4_0', 'granitehybrid-Q4_K_M', 'jamba_moe-Q8_0'])('%s: same logits bit for bit, the same dispatches per decoded token', async (name) => {
    const [joined, separate] = [await run(name, true), await run(name, false)];
    expect(joined.prefill).toEqual(separate.prefill);
    expect(joined.step).toEqual(separate.step);
    const biasedLayers = planModel(joined.file).layers.filter((l) => l.mixer.kind === 'attention' && l.mixer.tensors.qBias).length;
    expect(separate.dispatches).toBe(joined.dispatches + 2 * biasedLayers);
  });
});
