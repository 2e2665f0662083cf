// Qwen3: per-head RMSNorm on q and k before NEOX RoPE; head_dim from `attention.key_length`
// (may differ from n_embd/n_head); usually tied embeddings.
import { EdgewiseError } from '../errors.ts';
import type { GgufFile } from '../gguf/types.ts';
import { divide, HParams, readCore } from './hparams.ts';
import { attentionMixer, denseFfn, finishPlan, mixerNorm, modelHead, ropeFromMetadata, vocabSize } from './layers.ts';
import type { LayerPlan, ModelPlan } from './plan.ts';
import { TensorTable } from './tensors.ts';

export function planQwen3(file: GgufFile): ModelPlan {
  const hp = new HParams(file, 'qwen3');
  const t = new TensorTable(file, 'qwen3');
  const core = readCore(hp);
  const { nEmbd, nLayer } = core;
  const nVocab = vocabSize(hp, t, file.metadata);
  const head = modelHead(t, nEmbd, nVocab);
  const nHead = hp.perLayer('attention.head_count', nLayer);
  const nHeadKv = hp.perLayer('attention.head_count_kv', nLayer, nHead[0]);
  const nFf = hp.perLayer('feed_forward_length', nLayer);
  const headDim = hp.count('attention.key_length', divide(hp, 'head size', nEmbd, nHead[0]));
  const valueDim = hp.count('attention.value_length', headDim);
  if (valueDim !== headDim) {
    throw new EdgewiseError('gguf-unsupported', `qwen3: value_length ${valueDim} differs from key_length ${headDim}`);
  }
  const rope = ropeFromMetadata(hp, t, 'neox', hp.count('rope.dimension_count', headDim));
  const layers: LayerPlan[] = [];
  for (let i = 0; i < nLayer; i++) {
    layers.push({
      index: i,
      mixerNorm: mixerNorm(t, i, nEmbd),
      mixer: attentionMixer(t, i, {
        nEmbd, nHead: nHead[i], nHeadKv: nHeadKv[i], headDim, rope,
        kqScale: 1 / Math.sqrt(headDim), biases: 'none', qkNorm: true,
      }),
      ffn: denseFfn(t, i, nEmbd, nFf[i]),
      residualScale: 1,
    });
  }
  return finishPlan(t, { arch: 'qwen3', ...core, nVocab, ...head }, layers);
}
