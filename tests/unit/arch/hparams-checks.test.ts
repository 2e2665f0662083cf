// Hyper-parameters checked at plan time against each other and the tensors, as llama.cpp checks
// them: what llama.cpp refuses (or asserts on) is a typed error naming the key; what it accepts
// plans, e.g. a qwen3 head size from attention.key_length that n_embd / n_head does not give.
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../../../model/arch/index.ts';
import type { AttentionMixer } from '../../../model/arch/plan.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import type { GgufFile, GgufValue } from '../../../model/gguf/types.ts';
import { qwen3Model, randomModel } from '../../support/random-model.ts';

const QWEN3_64_6_16 = { nEmbd: 64, nHead: 6, nHeadKv: 2, headDim: 16, nFf: 128, nLayer: 2 };

function withMeta(file: GgufFile, changes: Record<string, GgufValue | undefined>): GgufFile {
  const metadata = new Map(file.metadata);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) metadata.delete(k);
    else metadata.set(k, v);
  }
  return { ...file, metadata };
}

function refusal(file: GgufFile): EdgewiseError {
  try {
    planModel(file);
  } catch (e) {
    if (e instanceof EdgewiseError) return e;
    throw e;
  }
  throw new Error('planned a model that should be refused');
}

describe('plan-time hyper-parameter checks', () => {
  let qwen3: GgufFile;
  let llama: GgufFile;
  beforeAll(async () => {
    qwen3 = await readGguf(memorySource((await qwen3Model(5, QWEN3_64_6_16, 4)).bytes));
    llama = await readGguf(memorySource((await randomModel('llama', 11, 'F32', 4)).bytes));
  });

  it('plans qwen3 with n_embd 64, 6 heads and key_length 16 (64 / 6 is not whole), as llama.cpp does', () => {
    const plan = planModel(qwen3);
    const m = plan.layers[0].mixer as AttentionMixer;
    expect([m.nHead, m.nHeadKv, m.headDim, m.rope.nRot]).toEqual([6, 2, 16, 16]);
  });

  it('refuses RoPE dimensions over the head size or odd, and a llama whose RoPE is not the whole head', () => {
    for (const n of [1000, 17, 15]) {
      const e = refusal(withMeta(qwen3, { 'qwen3.rope.dimension_count': n }));
      expect([e.code, e.message]).toEqual(['gguf-malformed', expect.stringContaining(`"qwen3.rope.dimension_count" is ${n}`)]);
    }
    const hd = (planModel(llama).layers[0].mixer as AttentionMixer).headDim;
    expect(refusal(withMeta(llama, { 'llama.rope.dimension_count': hd - 2 })).message).toMatch(/llama rotates the whole head/);
  });

  it('plans rotated dimensions of 0 as no RoPE, and fewer than the head as partial RoPE', () => {
    expect((planModel(withMeta(qwen3, { 'qwen3.rope.dimension_count': 0 })).layers[0].mixer as AttentionMixer).rope.kind).toBe('none');
    expect((planModel(withMeta(qwen3, { 'qwen3.rope.dimension_count': 8 })).layers[0].mixer as AttentionMixer).rope.nRot).toBe(8);
  });

  it('refuses a vocab_size that differs from the tokenizer (a 10-token vocabulary over 512 embedding rows)', () => {
    const tokens = qwen3.metadata.get('tokenizer.ggml.tokens') as string[];
    const e = refusal(withMeta(qwen3, { 'qwen3.vocab_size': tokens.length, 'tokenizer.ggml.tokens': tokens.slice(0, 10) }));
    expect(e.message).toMatch(/"qwen3.vocab_size" is 512: the tokenizer has 10 tokens/);
    // Without vocab_size the token list is n_vocab, and the embedding's 512 rows do not match it.
    expect(refusal(withMeta(qwen3, { 'tokenizer.ggml.tokens': tokens.slice(0, 10) })).code).toBe('tensor-shape');
  });

  it('refuses layer counts outside 1..512 before allocating per-layer arrays', () => {
    for (const n of [0, 513, 2 ** 32 - 1]) expect(refusal(withMeta(qwen3, { 'qwen3.block_count': n })).message).toContain(`"qwen3.block_count" is ${n}`);
  });

  it('refuses zero heads, zero KV heads and KV heads that do not divide the heads', () => {
    expect(refusal(withMeta(qwen3, { 'qwen3.attention.head_count': 0 })).message).toMatch(/needs at least one head/);
    expect(refusal(withMeta(qwen3, { 'qwen3.attention.head_count_kv': 0 })).message).toMatch(/at least one KV head/);
    expect(refusal(withMeta(qwen3, { 'qwen3.attention.head_count_kv': 4 })).message).toMatch(/6 heads do not share 4 KV heads/);
    expect(refusal(withMeta(qwen3, { 'qwen3.attention.key_length': 0 })).message).toMatch(/head size must be positive/);
  });

  it('refuses a norm epsilon or RoPE base that is not finite and positive', () => {
    for (const eps of [0, -1e-6, NaN, Infinity]) {
      expect(refusal(withMeta(qwen3, { 'qwen3.attention.layer_norm_rms_epsilon': eps })).code).toBe('gguf-malformed');
    }
    for (const base of [0, -1, NaN]) expect(refusal(withMeta(qwen3, { 'qwen3.rope.freq_base': base })).code).toBe('gguf-malformed');
  });

  it('refuses expert counts llama.cpp asserts on', () => {
    expect(refusal(withMeta(llama, { 'llama.expert_count': 2000, 'llama.expert_used_count': 2 })).message).toMatch(/at most 1024 experts/);
    expect(refusal(withMeta(llama, { 'llama.expert_count': 4, 'llama.expert_used_count': 5 })).message).toMatch(/more experts used/);
    expect(refusal(withMeta(llama, { 'llama.expert_used_count': 1 })).message).toMatch(/more experts used than the 0/);
    expect(refusal(withMeta(llama, { 'llama.expert_count': 4, 'llama.expert_used_count': 0 })).message).toMatch(/must use at least one/);
  });

  it('names a hostile architecture string in one short, escaped line', () => {
    const e = refusal(withMeta(qwen3, { 'general.architecture': `\x1b[2J${'x'.repeat(300_000)}` }));
    expect(e.code).toBe('gguf-unsupported');
    expect(e.message).not.toMatch(/[\x00-\x1f]/);
    expect(e.message.length).toBeLessThan(300);
  });
});
