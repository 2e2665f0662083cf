// Joined matrices (gpu/model-weights.ts): Q|K|V and gate|up uploaded as one tensor each give the
// same logits as the separate tensors, bit for bit (each output row is the same dot product in
// the same kernel), with fewer dispatches per decoded token: 2 per attention layer whose Q, K and V
// share a type and have no biases (Q4_K_M gives some layers a Q6_K V; qwen2 has biases), 1 per
// dense FFN or shared expert whose gate and up share a type, 1 per expert of an MoE layer. The
// expected saving is counted from the file's tensor names and types, not from the joining code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { GpuSession } from '../../../gpu/session.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { gpuContext } from '../fixture.ts';

async function run(name: string, fuseMatrices: boolean) {
  const ctx = await gpuContext();
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const file = await readGguf(source);
  const tokens: number[] = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens.slice(0, 12);
  const session = await GpuSession.load(ctx, file, source, { contextLength: 64, chunkTokens: 8, kvF16: false, fuseMatrices }, new PipelineCache(ctx.device));
  try {
    const prefill = await session.evalLogits(tokens.slice(0, -1));   // chunks of 8: the gemm path
    const before = session.encodeStats.dispatches;
    const step = await session.evalLogits(tokens.slice(-1));         // one token: the gemv path
    return { prefill, step, dispatches: session.encodeStats.dispatches - before, file };
  } finally {
    session.destroy();
  }
}

describe('joined Q/K/V and gate/up matrices', () => {
  it.each(['qwen3-Q4_K_M', 'llama-Q8_0', 'qwen2-F32', 'jamba-Q4_0', 'granitehybrid-Q4_K_M', 'jamba_moe-Q8_0'])('%s: same logits bit for bit, fewer dispatches per decoded token', async (name) => {
    const [joined, separate] = [await run(name, true), await run(name, false)];
    expect(joined.prefill).toEqual(separate.prefill);
    expect(joined.step).toEqual(separate.step);
    const type = new Map(joined.file.tensors.map((t) => [t.name, t.type]));
    const sameType = (...names: string[]) => names.every((n) => type.has(n) && type.get(n) === type.get(names[0]));
    let want = 0;
    for (let i = 0; type.has(`blk.${i}.attn_norm.weight`); i++) {
      const b = `blk.${i}`;
      if (sameType(`${b}.attn_q.weight`, `${b}.attn_k.weight`, `${b}.attn_v.weight`) && !type.has(`${b}.attn_q.bias`)) want += 2;
      if (sameType(`${b}.ffn_gate.weight`, `${b}.ffn_up.weight`)) want += 1;
      if (sameType(`${b}.ffn_gate_shexp.weight`, `${b}.ffn_up_shexp.weight`)) want += 1;
      // An MoE layer joins each expert's gate and up: one dispatch fewer per expert.
      if (sameType(`${b}.ffn_gate_exps.weight`, `${b}.ffn_up_exps.weight`)) {
        want += joined.file.tensors.find((t) => t.name === `${b}.ffn_gate_exps.weight`)!.dims[2];
      }
    }
    if (name !== 'qwen2-F32') expect(want).toBeGreaterThan(0);
    expect(separate.dispatches - joined.dispatches).toBe(want);
  });
});
