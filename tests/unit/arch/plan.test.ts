// Architecture plans on every fixture model (hyper-parameters, layer kinds and tensor shapes
// against the manifest the generator wrote), and the typed errors for broken models.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planModel, SUPPORTED_ARCHITECTURES } from '../../../model/arch/index.ts';
import type { AttentionMixer, Mamba1Mixer, Mamba2Mixer, ModelPlan } from '../../../model/arch/plan.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import type { GgufFile, GgufTensorInfo, GgufValue } from '../../../model/gguf/types.ts';
import { fixtureCases } from '../gguf/fixtures.ts';

const MODELS = fixtureCases().filter((c) => c.kind === 'model');

async function open(name: string): Promise<GgufFile> {
  const c = MODELS.find((m) => m.name === name);
  if (!c) throw new Error(`no fixture ${name}`);
  return readGguf(memorySource(new Uint8Array(readFileSync(c.gguf))));
}

const RECURRENT: Record<string, 'mamba1' | 'mamba2' | undefined> = { mamba: 'mamba1', mamba2: 'mamba2', jamba: 'mamba1', granitehybrid: 'mamba2' };
const ROPE: Record<string, string> = { llama: 'normal', qwen2: 'neox', qwen3: 'neox', jamba: 'none' };

function attentionLayers(hp: any, arch: string, nLayer: number): number[] {
  if (hp.attn_layers) return hp.attn_layers;
  const all = Array.from({ length: nLayer }, (_, i) => i);
  return RECURRENT[arch] ? [] : all;
}

describe.each(MODELS.map((m) => [m.name, m.manifest] as const))('plan: %s', (name, manifest) => {
  it('matches the hyper-parameters and tensors the model was written with', async () => {
    const plan: ModelPlan = planModel(await open(name));
    const hp = manifest.hparams;
    const arch: string = manifest.arch;
    expect(plan.arch).toBe(arch);
    expect(plan.nEmbd).toBe(hp.n_embd);
    expect(plan.nLayer).toBe(hp.n_layer);
    expect(plan.layers.length).toBe(hp.n_layer);
    expect(plan.nVocab).toBe(hp.n_vocab);
    expect(plan.nCtxTrain).toBe(manifest.metadata[`${arch}.context_length`]);
    expect(plan.normEps).toBeCloseTo(hp.eps, 12);
    expect(plan.tied).toBe(hp.tied);
    expect(plan.output).toBe(hp.tied ? 'token_embd.weight' : 'output.weight');

    const fileTensors = new Map<string, number[]>(manifest.tensors.map((t: any) => [t.name, t.ggml_ne]));
    expect(new Map(plan.tensors.map((t) => [t.name, [...t.ne]]))).toEqual(fileTensors);

    const attn = attentionLayers(hp, arch, hp.n_layer);
    const moe: number[] = hp.moe_layers ?? [];
    for (const layer of plan.layers) {
      const i = layer.index;
      expect(layer.residualScale).toBe(hp.residual_scale ?? 1);
      if (attn.includes(i)) {
        const m = layer.mixer as AttentionMixer;
        expect(m.kind).toBe('attention');
        expect(m.nHead).toBe(hp.n_head);
        expect(m.nHeadKv).toBe(hp.n_head_kv);
        expect(m.headDim).toBe(hp.head_dim ?? hp.n_embd / hp.n_head);
        expect(m.kqScale).toBeCloseTo(hp.attention_scale ?? 1 / Math.sqrt(m.headDim), 7);
        expect(m.rope.kind).toBe(arch === 'granitehybrid' ? (hp.use_rope ? 'normal' : 'none') : ROPE[arch]);
        if (m.rope.kind !== 'none') {
          expect(m.rope.freqBase).toBe(hp.rope_base);
          expect(m.rope.nRot).toBe(m.headDim);
          expect(m.rope.freqScale).toBe(hp.rope_scaling?.type === 'linear' ? 1 / hp.rope_scaling.factor : 1);
          expect(m.rope.freqFactors).toBe(hp.rope_scaling?.type === 'llama3' ? 'rope_freqs.weight' : undefined);
        }
        expect(m.tensors.qNorm !== undefined).toBe(arch === 'qwen3');
        expect(m.tensors.qBias !== undefined).toBe(arch === 'qwen2');
      } else if (RECURRENT[arch] === 'mamba1') {
        const m = layer.mixer as Mamba1Mixer;
        expect(m.kind).toBe('mamba1');
        expect([m.dInner, m.dState, m.dConv, m.dtRank]).toEqual([hp.d_inner, hp.d_state, hp.d_conv, hp.dt_rank]);
        expect(m.dtBcNorm).toBe(arch === 'jamba' ? 'weighted' : 'none');
      } else {
        const m = layer.mixer as Mamba2Mixer;
        expect(m.kind).toBe('mamba2');
        expect([m.dInner, m.dState, m.dConv, m.nHead, m.nGroup]).toEqual([hp.d_inner, hp.d_state, hp.d_conv, hp.ssm_n_head, hp.n_group]);
        expect(m.headDim * m.nHead).toBe(hp.d_inner);
      }
      if (moe.includes(i)) {
        expect(layer.ffn).toMatchObject({ kind: 'moe', nExpert: hp.n_expert, nExpertUsed: hp.n_expert_used, nFf: hp.n_ff, normalizeWeights: false });
      } else if (hp.n_ff) {
        expect(layer.ffn).toMatchObject({ kind: 'dense', nFf: hp.n_ff });
      } else {
        expect(layer.ffn.kind).toBe('none');
      }
    }
    expect(plan.embeddingScale).toBe(hp.embedding_scale ?? 1);
    expect(plan.logitScale).toBe(hp.logit_scale ?? 1);
  });
});

function withTensors(file: GgufFile, edit: (t: readonly GgufTensorInfo[]) => GgufTensorInfo[]): GgufFile {
  return { ...file, tensors: edit(file.tensors) };
}

function withMeta(file: GgufFile, key: string, value: GgufValue): GgufFile {
  return { ...file, metadata: new Map(file.metadata).set(key, value) };
}

function thrown(f: () => unknown): EdgewiseError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgewiseError);
    return e as EdgewiseError;
  }
  throw new Error('expected an EdgewiseError, nothing was thrown');
}

describe('plan errors', () => {
  it('names a missing tensor', async () => {
    const file = await open('llama-F32');
    const e = thrown(() => planModel(withTensors(file, (ts) => ts.filter((t) => t.name !== 'blk.1.attn_k.weight'))));
    expect(e.code).toBe('tensor-missing');
    expect(e.message).toContain('blk.1.attn_k.weight');
    expect(e.message).toContain('{64, 32}');
  });

  it('names a misshapen tensor with expected and actual shapes', async () => {
    const file = await open('llama-F32');
    const broken = withTensors(file, (ts) => ts.map((t) => (t.name === 'blk.0.ffn_up.weight' ? { ...t, dims: [64, 127] } : t)));
    const e = thrown(() => planModel(broken));
    expect(e.code).toBe('tensor-shape');
    expect(e.message).toContain('blk.0.ffn_up.weight');
    expect(e.message).toContain('{64, 127}');
    expect(e.message).toContain('{64, 128}');
  });

  it('takes per-layer kinds from metadata: a Jamba attention layer needs its attention tensors', async () => {
    const file = await open('jamba_moe-F32');
    const noQ = thrown(() => planModel(withTensors(file, (ts) => ts.filter((t) => t.name !== 'blk.2.attn_q.weight'))));
    expect(noQ.code).toBe('tensor-missing');
    expect(noQ.message).toContain('blk.2.attn_q.weight');
    const noExperts = thrown(() => planModel(withTensors(file, (ts) => ts.filter((t) => t.name !== 'blk.3.ffn_up_exps.weight'))));
    expect(noExperts.code).toBe('tensor-missing');
    expect(noExperts.message).toContain('blk.3.ffn_up_exps.weight');
    const wrongKv = thrown(() => planModel(withMeta(file, 'jamba.attention.head_count_kv', new Uint32Array([0, 0, 2]))));
    expect(wrongKv.message).toContain('jamba.attention.head_count_kv');
  });

  it('misshapen Mamba tensors are named', async () => {
    const file = await open('mamba2-F32');
    const broken = withTensors(file, (ts) => ts.map((t) => (t.name === 'blk.1.ssm_norm.weight' ? { ...t, dims: [128] } : t)));
    const e = thrown(() => planModel(broken));
    expect(e.code).toBe('tensor-shape');
    expect(e.message).toContain('blk.1.ssm_norm.weight');
  });

  it('a file without output.weight is tied to the embedding', async () => {
    const plan = planModel(withTensors(await open('llama-F32'), (ts) => ts.filter((t) => t.name !== 'output.weight')));
    expect(plan.tied).toBe(true);
    expect(plan.output).toBe('token_embd.weight');
  });

  it('an unsupported architecture is named, with the supported ones listed', async () => {
    const file = await open('llama-F32');
    const e = thrown(() => planModel(withMeta(file, 'general.architecture', 'gpt2')));
    expect(e.code).toBe('gguf-unsupported');
    expect(e.message).toContain('"gpt2"');
    for (const arch of SUPPORTED_ARCHITECTURES) expect(e.message).toContain(arch);
  });
});
