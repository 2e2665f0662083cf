// WebGPU in Node through Dawn (`webgpu` package), for the CLI, tests and benchmarks.
// Where the machine has no GPU driver, Dawn is pointed at SwiftShader, the CPU Vulkan
// implementation that Debian's chromium package ships (see TESTING.md).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { EdgewiseError } from '../model/errors.ts';
import { acquireDevice, type AcquireOptions, type GpuContext } from './device.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const NVIDIA_ICD = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';

function chooseVulkanDriver(): void {
  const env = process.env;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.EDGEWISE_NATIVE_GPU === '1') return;
  if (existsSync(NVIDIA_ICD)) return;
  if (existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/**
 * Dawn flags for the chosen Vulkan driver. On SwiftShader, Dawn's default leaves the zeroing of
 * workgroup memory (which WGSL requires) to the driver (VK_KHR_zero_initialize_workgroup_memory),
 * and SwiftShader's JIT emits one store per scalar: a kernel with 32 KiB of workgroup memory
 * (the 64×64 gemm tile) took 10 s to compile instead of 0.7 s with Dawn's own zeroing loop.
 */
export function dawnFlags(env: NodeJS.ProcessEnv): string[] {
  const icd = env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES ?? '';
  return /swiftshader/i.test(icd) ? ['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension'] : [];
}

let gpuObject: GPU | undefined;

export function nodeGpu(): GPU {
  if (gpuObject) return gpuObject;
  chooseVulkanDriver();
  let webgpu: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    webgpu = createRequire(import.meta.url)('webgpu');
  } catch (e) {
    throw new EdgewiseError('webgpu-missing', 'the `webgpu` package (Dawn for Node) is not installed: run `npm ci`', { cause: e });
  }
  Object.assign(globalThis, webgpu.globals);
  gpuObject = webgpu.create(dawnFlags(process.env));
  return gpuObject;
}

export async function acquireNodeDevice(options: AcquireOptions = {}): Promise<GpuContext> {
  try {
    return await acquireDevice(nodeGpu(), options);
  } catch (e) {
    if (e instanceof EdgewiseError && e.code === 'webgpu-missing') {
      throw new EdgewiseError('webgpu-missing',
        `${e.message} In Node, install a Vulkan driver, or Debian's chromium and libvulkan1 for SwiftShader (${SWIFTSHADER_ICD}).`);
    }
    throw e;
  }
}
