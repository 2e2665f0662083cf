// Which catalog models fit this device: the model's bytes against what the GPU may bind
// (maxBufferSize bounds one weight buffer, not the model) and the memory the browser reports
// (navigator.deviceMemory, capped at 8 GiB by browsers). Fitting, supported models come first.
// An estimate from the catalog's size alone, made without a request; "Check fit" (engine
// checkFit) replaces it with the plan from the model's own header.
import type { Capabilities, CatalogEntry } from '../../engine/api.ts';

export type Fit = 'fits' | 'tight' | 'too-big' | 'needs-webgpu' | 'unsupported';

const GiB = 1024 ** 3;

/** Bytes of GPU memory a model may use here: half the device memory, 4 GiB when unknown. */
export function memoryBudget(caps: Capabilities | undefined): number {
  const mem = caps?.deviceMemoryGiB;
  return mem ? (mem * GiB) / 2 : 4 * GiB;
}

/** Weights plus room for the KV cache/state and activations. */
export function estimatedNeed(entry: CatalogEntry): number {
  return entry.sizeBytes * 1.2;
}

export function modelFit(entry: CatalogEntry, caps: Capabilities | undefined): Fit {
  if (!entry.supported) return 'unsupported';
  if (caps && !caps.webgpu) return 'needs-webgpu';
  const need = estimatedNeed(entry);
  const budget = memoryBudget(caps);
  if (need <= budget * 0.75) return 'fits';
  if (need <= budget) return 'tight';
  return 'too-big';
}

const ORDER: Record<Fit, number> = { fits: 0, tight: 1, 'too-big': 2, 'needs-webgpu': 3, unsupported: 4 };

export function sortByFit(entries: readonly CatalogEntry[], caps: Capabilities | undefined): { entry: CatalogEntry; fit: Fit }[] {
  return entries
    .map((entry) => ({ entry, fit: modelFit(entry, caps) }))
    .sort((a, b) => ORDER[a.fit] - ORDER[b.fit] || a.entry.sizeBytes - b.entry.sizeBytes);
}

export const FIT_LABEL: Record<Fit, string> = {
  fits: 'Fits this device',
  tight: 'May be tight on this device',
  'too-big': 'Likely too large for this device',
  'needs-webgpu': 'Needs WebGPU',
  unsupported: 'Not supported yet',
};

/** The label with the estimate's numbers where it says too large. */
export function fitLabel(entry: CatalogEntry, fit: Fit, caps: Capabilities | undefined, format: (n: number) => string): string {
  if (fit !== 'too-big') return FIT_LABEL[fit];
  return `${FIT_LABEL[fit]} (needs about ${format(estimatedNeed(entry))}, has about ${format(memoryBudget(caps))})`;
}
