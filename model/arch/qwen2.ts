// Qwen2 / Qwen2.5: the Llama block with q/k/v projection biases (none on the output) and NEOX RoPE.
import type { GgufFile } from '../gguf/types.ts';
import { readBlockWidths, readHeadDim } from './hparams.ts';
import { attentionMixer, denseFfn, finishPlan, planLayers, ropeFromMetadata, startPlan } from './layers.ts';
import type { ModelPlan } from './plan.ts';

export function planQwen2(file: GgufFile): ModelPlan {
  const m = startPlan(file, 'qwen2');
  const { hp, t, core: { nEmbd, nLayer } } = m;
  const { nHead, nHeadKv, nFf } = readBlockWidths(hp, nLayer, 'default-to-heads');
  const headDim = readHeadDim(hp, nEmbd, nHead[0]);
  const rope = ropeFromMetadata(hp, t, 'neox', headDim);
  return finishPlan(m, planLayers(m, {
    mixer: (i) => attentionMixer(t, i, { nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope, biases: 'qkv' }),
    ffn: (i) => denseFfn(t, i, nEmbd, nFf[i]),
  }));
}
