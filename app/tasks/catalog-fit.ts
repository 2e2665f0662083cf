// Which catalog models fit this device: the model's bytes against what the GPU may bind
// (maxBufferSize bounds one weight buffer, not the model) and the memory the browser reports
// (navigator.deviceMemory, capped at 8 GiB by browsers). Fitting, supported models come first.
import type { Capabilities, CatalogEntry } from '../../engine/api.ts';

export type Fit = 'fits' | 'tight' | 'too-big' | 'unsupported';

const GiB = 1024 ** 3;

/** Bytes of GPU memory a model may use here: half the device memory, 4 GiB when unknown. */
export function memoryBudget(caps: Capabilities | undefined): number {
  const mem = caps?.deviceMemoryGiB;
  return mem ? (mem * GiB) / 2 : 4 * GiB;
}

export function modelFit(entry: CatalogEntry, caps: Capabilities | undefined): Fit {
  if (!entry.supported) return 'unsupported';
  // Weights plus room for the KV cache/state and activations.
  const need = entry.sizeBytes * 1.2;
  const budget = memoryBudget(caps);
  if (need <= budget * 0.75) return 'fits';
  if (need <= budget) return 'tight';
  return 'too-big';
}

const ORDER: Record<Fit, number> = { fits: 0, tight: 1, 'too-big': 2, unsupported: 3 };

export function sortByFit(entries: readonly CatalogEntry[], caps: Capabilities | undefined): { entry: CatalogEntry; fit: Fit }[] {
  return entries
    .map((entry) => ({ entry, fit: modelFit(entry, caps) }))
    .sort((a, b) => ORDER[a.fit] - ORDER[b.fit] || a.entry.sizeBytes - b.entry.sizeBytes);
}

export const FIT_LABEL: Record<Fit, string> = {
  fits: 'Fits this device',
  tight: 'May be tight on this device',
  'too-big': 'Likely too big for this device',
  unsupported: 'Not supported yet',
};
