// Mamba-1: every layer is RMSNorm → selective-scan mixer → residual; no FFN, no attention.
import type { GgufFile } from '../gguf/types.ts';
import { HParams, readCore } from './hparams.ts';
import { finishPlan, mamba1Mixer, mixerNorm, modelHead, vocabSize } from './layers.ts';
import type { LayerPlan, ModelPlan } from './plan.ts';
import { TensorTable } from './tensors.ts';

export function planMamba(file: GgufFile): ModelPlan {
  const hp = new HParams(file, 'mamba');
  const t = new TensorTable(file, 'mamba');
  const core = readCore(hp);
  const { nEmbd, nLayer } = core;
  const nVocab = vocabSize(hp, t, file.metadata);
  const head = modelHead(t, nEmbd, nVocab);
  const shape = {
    nEmbd,
    dInner: hp.count('ssm.inner_size'),
    dState: hp.count('ssm.state_size'),
    dConv: hp.count('ssm.conv_kernel'),
    dtRank: hp.count('ssm.time_step_rank'),
    unweightedDtBcNorm: hp.bool('ssm.dt_b_c_rms', false),
  };
  const layers: LayerPlan[] = [];
  for (let i = 0; i < nLayer; i++) {
    layers.push({
      index: i,
      mixerNorm: mixerNorm(t, i, nEmbd),
      mixer: mamba1Mixer(t, i, shape),
      ffn: { kind: 'none' },
      residualScale: 1,
    });
  }
  return finishPlan(t, { arch: 'mamba', ...core, nVocab, ...head }, layers);
}
