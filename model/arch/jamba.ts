// Jamba (AI21): Mamba-1 layers (with dt/B/C RMSNorms when the file has them) interleaved with
// attention layers as `attention.head_count_kv[i]` says (0 KV heads = Mamba). Attention has no
// RoPE. Every layer has an FFN: MoE iff blk.i.ffn_gate_inp exists (softmax router, top-k, the
// chosen probabilities not renormalized), dense SwiGLU otherwise.
import type { GgufFile } from '../gguf/types.ts';
import { divide, HParams, readCore } from './hparams.ts';
import {
  attentionMixer, denseFfn, finishPlan, mamba1Mixer, mixerNorm, modelHead, moeFfn, NO_ROPE, vocabSize,
} from './layers.ts';
import type { LayerPlan, ModelPlan } from './plan.ts';
import { blk, TensorTable } from './tensors.ts';

export function planJamba(file: GgufFile): ModelPlan {
  const hp = new HParams(file, 'jamba');
  const t = new TensorTable(file, 'jamba');
  const core = readCore(hp);
  const { nEmbd, nLayer } = core;
  const nVocab = vocabSize(hp, t, file.metadata);
  const head = modelHead(t, nEmbd, nVocab);
  const nHead = hp.perLayer('attention.head_count', nLayer);
  const nHeadKv = hp.perLayer('attention.head_count_kv', nLayer);
  const nFf = hp.perLayer('feed_forward_length', nLayer);
  const nExpert = hp.count('expert_count', 0);
  const nExpertUsed = hp.count('expert_used_count', 0);
  const mamba = {
    nEmbd,
    dInner: hp.count('ssm.inner_size'),
    dState: hp.count('ssm.state_size'),
    dConv: hp.count('ssm.conv_kernel'),
    dtRank: hp.count('ssm.time_step_rank'),
    unweightedDtBcNorm: false,
  };
  const layers: LayerPlan[] = [];
  for (let i = 0; i < nLayer; i++) {
    const norm = mixerNorm(t, i, nEmbd);
    const headDim = nHeadKv[i] > 0 ? divide(hp, 'head size', nEmbd, nHead[i]) : 0;
    const mixer = nHeadKv[i] > 0
      ? attentionMixer(t, i, {
        nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope: NO_ROPE,
        kqScale: 1 / Math.sqrt(headDim), biases: 'none', qkNorm: false,
      })
      : mamba1Mixer(t, i, mamba);
    const ffn = t.has(blk(i, 'ffn_gate_inp.weight'))
      ? moeFfn(t, i, { nEmbd, nFf: nFf[i], nExpert, nExpertUsed, normalizeWeights: false, nFfShared: 0 })
      : denseFfn(t, i, nEmbd, nFf[i]);
    layers.push({ index: i, mixerNorm: norm, mixer, ffn, residualScale: 1 });
  }
  return finishPlan(t, { arch: 'jamba', ...core, nVocab, ...head }, layers);
}
