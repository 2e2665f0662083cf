// How much GPU memory a model may plan for on this device, before anything is uploaded. WebGPU
// tells no memory size; browsers tell the device's RAM (navigator.deviceMemory, in GiB, rounded
// and capped at 8). Phones and laptops with integrated GPUs share that RAM with everything else,
// so half of it is the budget; at the cap the true size is unknown and only the adapter's
// buffer limits and the GPU's own out-of-memory errors (gpu/error-scopes.ts) decide.

/** The budget in bytes, or undefined where the device reports no (or a capped) memory size. */
export function memoryBudgetBytes(deviceMemoryGiB: number | undefined): number | undefined {
  if (deviceMemoryGiB === undefined || !(deviceMemoryGiB > 0) || deviceMemoryGiB >= 8) return undefined;
  return Math.floor(deviceMemoryGiB * 2 ** 30 * 0.5);
}
