// Qwen2 / Qwen2.5: the Llama block with q/k/v projection biases (none on the output) and NEOX RoPE.
import type { GgufFile } from '../gguf/types.ts';
import { divide, HParams, readCore } from './hparams.ts';
import { attentionMixer, denseFfn, finishPlan, mixerNorm, modelHead, ropeFromMetadata, vocabSize } from './layers.ts';
import type { LayerPlan, ModelPlan } from './plan.ts';
import { TensorTable } from './tensors.ts';

export function planQwen2(file: GgufFile): ModelPlan {
  const hp = new HParams(file, 'qwen2');
  const t = new TensorTable(file, 'qwen2');
  const core = readCore(hp);
  const { nEmbd, nLayer } = core;
  const nVocab = vocabSize(hp, t, file.metadata);
  const head = modelHead(t, nEmbd, nVocab);
  const nHead = hp.perLayer('attention.head_count', nLayer);
  const nHeadKv = hp.perLayer('attention.head_count_kv', nLayer, nHead[0]);
  const nFf = hp.perLayer('feed_forward_length', nLayer);
  const headDim = divide(hp, 'head size', nEmbd, nHead[0]);
  const rope = ropeFromMetadata(hp, t, 'neox', hp.count('rope.dimension_count', headDim));
  const layers: LayerPlan[] = [];
  for (let i = 0; i < nLayer; i++) {
    layers.push({
      index: i,
      mixerNorm: mixerNorm(t, i, nEmbd),
      mixer: attentionMixer(t, i, {
        nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope,
        kqScale: 1 / Math.sqrt(headDim), biases: 'qkv', qkNorm: false,
      }),
      ffn: denseFfn(t, i, nEmbd, nFf[i]),
      residualScale: 1,
    });
  }
  return finishPlan(t, { arch: 'qwen2', ...core, nVocab, ...head }, layers);
}
