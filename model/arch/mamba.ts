// Mamba-1: every layer is RMSNorm → selective-scan mixer → residual; no FFN, no attention.
import type { GgufFile } from '../gguf/types.ts';
import { readMamba1 } from './hparams.ts';
import { finishPlan, mamba1Mixer, NO_FFN, planLayers, startPlan } from './layers.ts';
import type { ModelPlan } from './plan.ts';

export function planMamba(file: GgufFile): ModelPlan {
  const m = startPlan(file, 'mamba');
  const { nEmbd } = m.core;
  const shape = { nEmbd, ...readMamba1(m.hp), unweightedDtBcNorm: m.hp.bool('ssm.dt_b_c_rms', false) };
  return finishPlan(m, planLayers(m, { mixer: (i) => mamba1Mixer(m.t, i, shape), ffn: () => NO_FFN }));
}
