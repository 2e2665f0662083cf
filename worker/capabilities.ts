// What this browser and device offer: the WebGPU adapter (vendor, features, limits), storage
// quota and persistence, device memory. Checked up front so that the UI can say what will not
// work before anything is downloaded.
import type { Capabilities } from '../engine/api.ts';
import { WEBGPU_BROWSERS } from '../gpu/device.ts';

export async function probeCapabilities(): Promise<Capabilities> {
  const storage = await probeStorage();
  const nav = navigator as Navigator & { deviceMemory?: number };
  const deviceMemoryGiB = typeof nav.deviceMemory === 'number' ? nav.deviceMemory : undefined;
  const base = { storage, deviceMemoryGiB };
  if (!('gpu' in navigator) || !navigator.gpu) {
    return { ...base, webgpu: false, features: { f16: false, subgroups: false },
      problem: `This browser has no WebGPU (or the page is not served over https). ${WEBGPU_BROWSERS}.` };
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    return { ...base, webgpu: false, features: { f16: false, subgroups: false },
      problem: `WebGPU is present but no GPU adapter is available: enable hardware acceleration or update the GPU driver. ${WEBGPU_BROWSERS}.` };
  }
  const info = adapter.info;
  return {
    ...base,
    webgpu: true,
    adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
    features: { f16: adapter.features.has('shader-f16'), subgroups: adapter.features.has('subgroups') },
    limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  };
}

async function probeStorage(): Promise<Capabilities['storage']> {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return undefined;
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  const persisted = (await navigator.storage.persisted?.().catch(() => false)) ?? false;
  return { usage, quota, persisted };
}
