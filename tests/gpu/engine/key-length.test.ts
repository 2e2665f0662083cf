// A qwen3 model whose head size comes from attention.key_length and is not n_embd / n_head
// (n_embd 64, 6 heads, key_length 16: q is 96 wide), which llama.cpp loads and runs: the engine
// plans it and its prompt logits on the GPU match llama.cpp's (F32 tolerance, as the
// differential test states it) and the CPU reference's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AttentionMixer } from '../../../model/arch/plan.ts';
import { qwen3Model } from '../../support/random-model.ts';
import { describeDistance } from '../../unit/reference/fixture-model.ts';
import { threeWayLogits } from './three-way-logits.ts';

/** F32 weights, f32 KV cache on both sides: the fixtures' F32 bound (see differential.test.ts). */
const TOL = { maxAbs: 1e-3, rms: 1e-4, vsReference: 2e-3 };

describe('qwen3 with key_length 16, n_embd 64 and 6 heads (n_embd / n_head = 10.67)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-keylen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plans, and its GPU logits match llama.cpp and the CPU reference', async () => {
    const { bytes, tokens } = await qwen3Model(20261206, { nEmbd: 64, nHead: 6, nHeadKv: 2, headDim: 16, nFf: 128, nLayer: 2 }, 12);
    const { plan, vsRef, vsLlama } = await threeWayLogits(join(dir, 'qwen3-keylen.gguf'), bytes, tokens, { contextLength: 32, chunkTokens: 5, kvF16: false });
    const mixer = plan.layers[0].mixer as AttentionMixer;
    expect([plan.nEmbd, mixer.nHead, mixer.nHeadKv, mixer.headDim]).toEqual([64, 6, 2, 16]);
    expect(vsRef.maxAbs, `GPU vs CPU reference: ${describeDistance(vsRef)}`).toBeLessThanOrEqual(TOL.vsReference);
    console.log(`qwen3 key_length 16: GPU vs llama.cpp: ${describeDistance(vsLlama)}`);
    expect(vsLlama.maxAbs, describeDistance(vsLlama)).toBeLessThanOrEqual(TOL.maxAbs);
    expect(vsLlama.rms, describeDistance(vsLlama)).toBeLessThanOrEqual(TOL.rms);
  }, 180_000);
});
