// Qwen3: per-head RMSNorm on q and k before NEOX RoPE; head_dim from `attention.key_length`
// (may differ from n_embd/n_head); usually tied embeddings.
import { EdgewiseError } from '../errors.ts';
import type { GgufFile } from '../gguf/types.ts';
import { readBlockWidths, readHeadDim } from './hparams.ts';
import { attentionMixer, denseFfn, finishPlan, planLayers, ropeFromMetadata, startPlan } from './layers.ts';
import type { ModelPlan } from './plan.ts';

export function planQwen3(file: GgufFile): ModelPlan {
  const m = startPlan(file, 'qwen3');
  const { hp, t, core: { nEmbd, nLayer } } = m;
  const { nHead, nHeadKv, nFf } = readBlockWidths(hp, nLayer, 'default-to-heads');
  const headDim = readHeadDim(hp, nEmbd, nHead[0]);
  const valueDim = hp.count('attention.value_length', headDim);
  if (valueDim !== headDim) {
    throw new EdgewiseError('gguf-unsupported', `qwen3: value_length ${valueDim} differs from key_length ${headDim}`);
  }
  const rope = ropeFromMetadata(hp, t, 'neox', headDim);
  return finishPlan(m, planLayers(m, {
    mixer: (i) => attentionMixer(t, i, {
      nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope, biases: 'none', qkNorm: true,
    }),
    ffn: (i) => denseFfn(t, i, nEmbd, nFf[i]),
  }));
}
