// planModel: the one entry from a parsed GGUF file to its layer plan, dispatching on
// `general.architecture` through a table (adding an architecture = one file + one row).
import { EdgewiseError, quoteName } from '../errors.ts';
import type { GgufFile } from '../gguf/types.ts';
import { planGraniteHybrid } from './granitehybrid.ts';
import { planJamba } from './jamba.ts';
import { planLlama } from './llama.ts';
import { planMamba } from './mamba.ts';
import { planMamba2 } from './mamba2.ts';
import type { ModelPlan } from './plan.ts';
import { planQwen2 } from './qwen2.ts';
import { planQwen3 } from './qwen3.ts';

export type { ModelPlan, LayerPlan, MixerPlan, FfnPlan, TensorSpec } from './plan.ts';

const ARCHITECTURES: Readonly<Record<string, (file: GgufFile) => ModelPlan>> = {
  llama: planLlama,
  qwen2: planQwen2,
  qwen3: planQwen3,
  mamba: planMamba,
  mamba2: planMamba2,
  jamba: planJamba,
  granitehybrid: planGraniteHybrid,
};

export const SUPPORTED_ARCHITECTURES: readonly string[] = Object.keys(ARCHITECTURES);

export function planModel(file: GgufFile): ModelPlan {
  const arch = file.metadata.get('general.architecture');
  if (typeof arch !== 'string') {
    throw new EdgewiseError('gguf-unsupported', 'model has no general.architecture string; cannot tell how to run it');
  }
  const plan = Object.hasOwn(ARCHITECTURES, arch) ? ARCHITECTURES[arch] : undefined;
  if (!plan) {
    throw new EdgewiseError('gguf-unsupported',
      `architecture ${quoteName(arch)} is not supported (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  }
  return plan(file);
}
