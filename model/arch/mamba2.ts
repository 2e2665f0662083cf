// Mamba-2: every layer is RMSNorm → SSD mixer (per-head scalar A, B/C groups, gated grouped
// RMSNorm) → residual; no FFN. dt has no projection: ssm.time_step_rank is the head count.
import type { GgufFile } from '../gguf/types.ts';
import { HParams, readCore } from './hparams.ts';
import { finishPlan, mamba2Mixer, mixerNorm, modelHead, vocabSize } from './layers.ts';
import type { LayerPlan, ModelPlan } from './plan.ts';
import { TensorTable } from './tensors.ts';

export function planMamba2(file: GgufFile): ModelPlan {
  const hp = new HParams(file, 'mamba2');
  const t = new TensorTable(file, 'mamba2');
  const core = readCore(hp);
  const { nEmbd, nLayer } = core;
  const nVocab = vocabSize(hp, t, file.metadata);
  const head = modelHead(t, nEmbd, nVocab);
  const shape = {
    nEmbd,
    dInner: hp.count('ssm.inner_size'),
    dState: hp.count('ssm.state_size'),
    dConv: hp.count('ssm.conv_kernel'),
    nGroup: hp.count('ssm.group_count', 1),
    nHead: hp.count('ssm.time_step_rank'),
  };
  const layers: LayerPlan[] = [];
  for (let i = 0; i < nLayer; i++) {
    layers.push({
      index: i,
      mixerNorm: mixerNorm(t, i, nEmbd),
      mixer: mamba2Mixer(t, hp, i, shape),
      ffn: { kind: 'none' },
      residualScale: 1,
    });
  }
  return finishPlan(t, { arch: 'mamba2', ...core, nVocab, ...head }, layers);
}
