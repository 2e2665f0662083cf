// Llama (Llama 2/3.x, SmolLM2, Mistral): RMSNorm, GQA attention with normal RoPE (optional
// Llama-3.1 `rope_freqs` divisors, linear scaling), SwiGLU FFN, untied or tied output. A layer with
// blk.i.ffn_gate_inp is Mixtral-style MoE (softmax router, top-k, renormalized weights).
import type { GgufFile } from '../gguf/types.ts';
import { divide, HParams, readCore } from './hparams.ts';
import {
  attentionMixer, denseFfn, finishPlan, mixerNorm, modelHead, moeFfn, ropeFromMetadata, vocabSize,
} from './layers.ts';
import type { LayerPlan, ModelPlan } from './plan.ts';
import { blk, TensorTable } from './tensors.ts';

export function planLlama(file: GgufFile): ModelPlan {
  const hp = new HParams(file, 'llama');
  const t = new TensorTable(file, 'llama');
  const core = readCore(hp);
  const { nEmbd, nLayer } = core;
  const nVocab = vocabSize(hp, t, file.metadata);
  const head = modelHead(t, nEmbd, nVocab);
  const nHead = hp.perLayer('attention.head_count', nLayer);
  const nHeadKv = hp.perLayer('attention.head_count_kv', nLayer, nHead[0]);
  const nFf = hp.perLayer('feed_forward_length', nLayer);
  const headDim = hp.count('attention.key_length', divide(hp, 'head size', nEmbd, nHead[0]));
  const nRot = hp.count('rope.dimension_count', headDim);
  const rope = ropeFromMetadata(hp, t, 'normal', nRot);
  const nExpert = hp.count('expert_count', 0);
  const nExpertUsed = hp.count('expert_used_count', 0);
  const layers: LayerPlan[] = [];
  for (let i = 0; i < nLayer; i++) {
    layers.push({
      index: i,
      mixerNorm: mixerNorm(t, i, nEmbd),
      mixer: attentionMixer(t, i, {
        nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope,
        kqScale: 1 / Math.sqrt(headDim), biases: 'optional', qkNorm: false,
      }),
      ffn: t.has(blk(i, 'ffn_gate_inp.weight'))
        ? moeFfn(t, i, { nEmbd, nFf: nFf[i], nExpert, nExpertUsed, normalizeWeights: true, nFfShared: 0 })
        : denseFfn(t, i, nEmbd, nFf[i]),
      residualScale: 1,
    });
  }
  return finishPlan(t, { arch: 'llama', ...core, nVocab, ...head }, layers);
}
