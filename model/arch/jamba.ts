// Jamba (AI21): Mamba-1 layers (with dt/B/C RMSNorms when the file has them) interleaved with
// attention layers as `attention.head_count_kv[i]` says (0 KV heads = Mamba). Attention has no
// RoPE. Every layer has an FFN: MoE iff blk.i.ffn_gate_inp exists (softmax router, top-k, the
// chosen probabilities not renormalized), dense SwiGLU otherwise.
import type { GgufFile } from '../gguf/types.ts';
import { divide, readBlockWidths, readExperts, readMamba1 } from './hparams.ts';
import { attentionMixer, denseOrMoeFfn, finishPlan, mamba1Mixer, NO_ROPE, planLayers, startPlan } from './layers.ts';
import type { ModelPlan } from './plan.ts';

export function planJamba(file: GgufFile): ModelPlan {
  const m = startPlan(file, 'jamba');
  const { hp, t, core: { nEmbd, nLayer } } = m;
  const { nHead, nHeadKv, nFf } = readBlockWidths(hp, nLayer, 'required');
  const experts = readExperts(hp);
  const mamba = { nEmbd, ...readMamba1(hp), unweightedDtBcNorm: false };
  return finishPlan(m, planLayers(m, {
    mixer: (i) => nHeadKv[i] > 0
      ? attentionMixer(t, i, {
        nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim: divide(hp, 'head size', nEmbd, nHead[i]), rope: NO_ROPE,
        biases: 'none',
      })
      : mamba1Mixer(t, i, mamba),
    ffn: (i) => denseOrMoeFfn(t, i, nFf[i], { nEmbd, nFf: nFf[i], ...experts, normalizeWeights: false, nFfShared: 0 }),
  }));
}
