// Mamba-2: every layer is RMSNorm → SSD mixer (per-head scalar A, B/C groups, gated grouped
// RMSNorm) → residual; no FFN. dt has no projection: ssm.time_step_rank is the head count.
import type { GgufFile } from '../gguf/types.ts';
import { readMamba2 } from './hparams.ts';
import { finishPlan, mamba2Mixer, NO_FFN, planLayers, startPlan } from './layers.ts';
import type { ModelPlan } from './plan.ts';

export function planMamba2(file: GgufFile): ModelPlan {
  const m = startPlan(file, 'mamba2');
  const shape = { nEmbd: m.core.nEmbd, ...readMamba2(m.hp) };
  return finishPlan(m, planLayers(m, { mixer: (i) => mamba2Mixer(m.t, m.hp, i, shape), ffn: () => NO_FFN }));
}
