// Granite 4.0-H (IBM): Mamba-2 layers and attention layers as `attention.head_count_kv[i]` says
// (0 KV heads = Mamba-2). Attention uses `attention.scale` as the KQ scale and RoPE (normal) only
// when `rope.scaling.finetuned` is true (llama.cpp's default when the key is absent), else NoPE.
// Embeddings × embedding_scale, mixer and FFN outputs × residual_scale before each residual add,
// logits ÷ logit_scale. FFN: MoE iff blk.i.ffn_gate_inp exists (softmax router, top-k,
// renormalized weights, plus a shared expert when expert_shared_feed_forward_length > 0), dense
// SwiGLU otherwise.
import type { GgufFile } from '../gguf/types.ts';
import { readBlockWidths, readExperts, readHeadDim, readMamba2 } from './hparams.ts';
import {
  attentionMixer, denseOrMoeFfn, finishPlan, mamba2Mixer, NO_ROPE, planLayers, ropeFromMetadata, startPlan,
} from './layers.ts';
import type { ModelPlan, RopePlan } from './plan.ts';

export function planGraniteHybrid(file: GgufFile): ModelPlan {
  const m = startPlan(file, 'granitehybrid');
  const { hp, t, core: { nEmbd, nLayer } } = m;
  const { nHead, nHeadKv, nFf } = readBlockWidths(hp, nLayer, 'required');
  const experts = readExperts(hp);
  const nFfExpert = hp.count('expert_feed_forward_length', nFf[0]);
  const nFfShared = hp.count('expert_shared_feed_forward_length', 0);
  const attentionScale = hp.float('attention.scale', 0);
  const residualScale = hp.float('residual_scale', 0) || 1;
  const ssm = { nEmbd, ...readMamba2(hp) };
  const firstAttn = nHeadKv.findIndex((n) => n > 0);
  const headDim = firstAttn >= 0 ? readHeadDim(hp, nEmbd, nHead[firstAttn]) : 0;
  const rope: RopePlan = firstAttn >= 0 && hp.bool('rope.scaling.finetuned', true)
    ? ropeFromMetadata(hp, t, 'normal', headDim)
    : NO_ROPE;
  const kqScale = attentionScale || 1 / Math.sqrt(headDim);
  const layers = planLayers(m, {
    mixer: (i) => nHeadKv[i] > 0
      ? attentionMixer(t, i, {
        nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope, kqScale, biases: 'optional',
      })
      : mamba2Mixer(t, hp, i, ssm),
    ffn: (i) => denseOrMoeFfn(t, i, nFf[i], { nEmbd, nFf: nFfExpert, ...experts, normalizeWeights: true, nFfShared }),
    residualScale,
  });
  return finishPlan(m, layers, {
    embeddingScale: hp.float('embedding_scale', 0) || 1,
    logitScale: hp.float('logit_scale', 0) || 1,
  });
}
