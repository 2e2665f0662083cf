// Granite 4.0-H (IBM): Mamba-2 layers and attention layers as `attention.head_count_kv[i]` says
// (0 KV heads = Mamba-2). Attention uses `attention.scale` as the KQ scale and RoPE (normal) only
// when `rope.scaling.finetuned` is true (llama.cpp's default when the key is absent), else NoPE.
// Embeddings × embedding_scale, mixer and FFN outputs × residual_scale before each residual add,
// logits ÷ logit_scale. FFN: MoE iff blk.i.ffn_gate_inp exists (softmax router, top-k,
// renormalized weights, plus a shared expert when expert_shared_feed_forward_length > 0), dense
// SwiGLU otherwise.
import type { GgufFile } from '../gguf/types.ts';
import { divide, HParams, readCore } from './hparams.ts';
import {
  attentionMixer, denseFfn, finishPlan, mamba2Mixer, mixerNorm, modelHead, moeFfn, NO_ROPE, ropeFromMetadata, vocabSize,
} from './layers.ts';
import type { LayerPlan, ModelPlan, RopePlan } from './plan.ts';
import { blk, TensorTable } from './tensors.ts';

export function planGraniteHybrid(file: GgufFile): ModelPlan {
  const hp = new HParams(file, 'granitehybrid');
  const t = new TensorTable(file, 'granitehybrid');
  const core = readCore(hp);
  const { nEmbd, nLayer } = core;
  const nVocab = vocabSize(hp, t, file.metadata);
  const head = modelHead(t, nEmbd, nVocab);
  const nHead = hp.perLayer('attention.head_count', nLayer);
  const nHeadKv = hp.perLayer('attention.head_count_kv', nLayer);
  const nFf = hp.perLayer('feed_forward_length', nLayer);
  const nExpert = hp.count('expert_count', 0);
  const nExpertUsed = hp.count('expert_used_count', 0);
  const nFfExpert = hp.count('expert_feed_forward_length', nFf[0]);
  const nFfShared = hp.count('expert_shared_feed_forward_length', 0);
  const attentionScale = hp.float('attention.scale', 0);
  const residualScale = hp.float('residual_scale', 0) || 1;
  const ssm = {
    nEmbd,
    dInner: hp.count('ssm.inner_size'),
    dState: hp.count('ssm.state_size'),
    dConv: hp.count('ssm.conv_kernel'),
    nGroup: hp.count('ssm.group_count', 1),
    nHead: hp.count('ssm.time_step_rank'),
  };
  const firstAttn = nHeadKv.findIndex((n) => n > 0);
  const headDim = firstAttn >= 0
    ? hp.count('attention.key_length', divide(hp, 'head size', nEmbd, nHead[firstAttn]))
    : 0;
  const rope: RopePlan = firstAttn >= 0 && hp.bool('rope.scaling.finetuned', true)
    ? ropeFromMetadata(hp, t, 'normal', hp.count('rope.dimension_count', headDim))
    : NO_ROPE;
  const layers: LayerPlan[] = [];
  for (let i = 0; i < nLayer; i++) {
    const norm = mixerNorm(t, i, nEmbd);
    const mixer = nHeadKv[i] > 0
      ? attentionMixer(t, i, {
        nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope,
        kqScale: attentionScale || 1 / Math.sqrt(headDim), biases: 'optional', qkNorm: false,
      })
      : mamba2Mixer(t, hp, i, ssm);
    const ffn = t.has(blk(i, 'ffn_gate_inp.weight'))
      ? moeFfn(t, i, { nEmbd, nFf: nFfExpert, nExpert, nExpertUsed, normalizeWeights: true, nFfShared })
      : denseFfn(t, i, nEmbd, nFf[i]);
    layers.push({ index: i, mixerNorm: norm, mixer, ffn, residualScale });
  }
  return finishPlan(t, {
    arch: 'granitehybrid', ...core, nVocab, ...head,
    embeddingScale: hp.float('embedding_scale', 0) || 1,
    logitScale: hp.float('logit_scale', 0) || 1,
  }, layers);
}
