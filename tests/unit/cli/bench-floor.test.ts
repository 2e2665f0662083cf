// The bandwidth floor's bytes per decoded token (cli/commands/bench.ts), on fixtures: a dense
// untied model reads every weight but one embedding row; an MoE model reads k of its n experts.
// The expected sums here go by GGUF tensor names, independently of the plan the code walks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesPerDecodedToken } from '../../../cli/commands/bench.ts';
import type { MemoryPlan } from '../../../gpu/memory-plan.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { FIXTURES } from '../gguf/fixtures.ts';

async function fixture(name: string) {
  const file = await readGguf(memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf')))));
  return { file, plan: planModel(file) };
}

const NO_STATE = { kvCacheBytes: 0, recurrentStateBytes: 0 } as MemoryPlan;

describe('bytes per decoded token', () => {
  it('dense untied llama: all weights but the embedding table, plus one of its rows', async () => {
    const { file, plan } = await fixture('llama-Q8_0');
    const embd = file.tensors.find((t) => t.name === 'token_embd.weight')!;
    const others = file.tensors.filter((t) => t !== embd).reduce((s, t) => s + t.byteSize, 0);
    expect(bytesPerDecodedToken(plan, file, NO_STATE, 256, 0)).toBeCloseTo(others + embd.byteSize / plan.nVocab, 6);
  });

  it('MoE jamba: the stacked expert tensors count k/n of their bytes', async () => {
    const { file, plan } = await fixture('jamba_moe-Q8_0');
    const moe = plan.layers.find((l) => l.ffn.kind === 'moe')!.ffn as { nExpert: number; nExpertUsed: number };
    expect(moe.nExpertUsed).toBeLessThan(moe.nExpert);
    const share = moe.nExpertUsed / moe.nExpert;
    const embd = file.tensors.find((t) => t.name === 'token_embd.weight')!;
    let want = embd.byteSize / plan.nVocab;
    for (const t of file.tensors) if (t !== embd) want += /_exps\.weight$/.test(t.name) ? t.byteSize * share : t.byteSize;
    expect(file.tensors.some((t) => /_exps\.weight$/.test(t.name))).toBe(true);
    expect(bytesPerDecodedToken(plan, file, NO_STATE, 256, 0)).toBeCloseTo(want, 6);
  });
});
