// Llama (Llama 2/3.x, SmolLM2, Mistral): RMSNorm, GQA attention with normal RoPE (optional
// Llama-3.1 `rope_freqs` divisors, linear scaling), SwiGLU FFN, untied or tied output. A layer with
// blk.i.ffn_gate_inp is Mixtral-style MoE (softmax router, top-k, renormalized weights).
import type { GgufFile } from '../gguf/types.ts';
import { readBlockWidths, readExperts, readHeadDim } from './hparams.ts';
import { attentionMixer, denseOrMoeFfn, finishPlan, planLayers, ropeFromMetadata, startPlan } from './layers.ts';
import type { ModelPlan } from './plan.ts';

export function planLlama(file: GgufFile): ModelPlan {
  const m = startPlan(file, 'llama');
  const { hp, t, core: { nEmbd, nLayer } } = m;
  const { nHead, nHeadKv, nFf } = readBlockWidths(hp, nLayer, 'default-to-heads');
  const headDim = readHeadDim(hp, nEmbd, nHead[0]);
  const rope = ropeFromMetadata(hp, t, 'normal', headDim, { wholeHead: true });
  const experts = readExperts(hp);
  return finishPlan(m, planLayers(m, {
    mixer: (i) => attentionMixer(t, i, {
      nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope, biases: 'optional',
    }),
    ffn: (i) => denseOrMoeFfn(t, i, nFf[i], { nEmbd, nFf: nFf[i], ...experts, normalizeWeights: true, nFfShared: 0 }),
  }));
}
