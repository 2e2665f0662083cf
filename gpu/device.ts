// Device acquisition: the adapter, the optional features we use where present (`shader-f16`,
// `subgroups`, `timestamp-query`, never required) and limits raised to what the adapter allows.
// Platform-free: it takes a `GPU` object (navigator.gpu in a browser, Dawn's in Node).
import { EdgewiseError } from '../model/errors.ts';

export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapterInfo: AdapterSummary;
  readonly features: {
    readonly f16: boolean;
    readonly subgroups: boolean;
    readonly timestamps: boolean;
    /** WGSL's `subgroup_id` builtin (a language feature newer than `subgroups` itself). */
    readonly subgroupId?: boolean;
    /** WGSL's packed_4x8_integer_dot_product (dot4I8Packed): the GEMV's 8-bit activation path. */
    readonly int8Dot?: boolean;
  };
  readonly limits: GPUSupportedLimits;
}

/** Whether kernels may reduce with subgroup operations here: `subgroups` and WGSL's `subgroup_id` (the kernels index by it). */
export function subgroupReductions(ctx: GpuContext): boolean {
  return ctx.features.subgroups && ctx.features.subgroupId === true;
}

export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** The adapter says it is a software fallback (SwiftShader, lavapipe: the CPU, not a GPU). */
  readonly fallback: boolean;
}

export const WEBGPU_BROWSERS =
  'WebGPU is available in Chrome and Edge 113+ (Android: Chrome 121+), Safari 26+ and Firefox 141+ on Windows';

const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

/** Limits we raise to the adapter's maximum: big weight bindings, big workgroups. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export function summarizeAdapter(info: GPUAdapterInfo): AdapterSummary {
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    fallback: info.isFallbackAdapter ?? false,
  };
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Turn off optional features, e.g. to exercise the f32 path on an f16-capable GPU. */
  disableFeatures?: readonly string[];
  /**
   * 'adapter' (default): limits raised to what the adapter allows. 'default': WebGPU's default
   * limits (128 MiB per binding, 16 KiB of workgroup memory, 256 invocations), what the weakest
   * conforming device grants; tests use it to prove the kernels need no more.
   */
  limits?: 'adapter' | 'default';
}

export async function acquireDevice(gpu: GPU | undefined, options: AcquireOptions = {}): Promise<GpuContext> {
  if (!gpu) throw new EdgewiseError('webgpu-missing', `This browser has no WebGPU. ${WEBGPU_BROWSERS}.`);
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new EdgewiseError('webgpu-missing',
      `WebGPU is present but no GPU adapter is available (blocklisted driver or disabled hardware acceleration). ${WEBGPU_BROWSERS}.`);
  }
  const disabled = new Set(options.disableFeatures ?? []);
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f) && !disabled.has(f)) as GPUFeatureName[];
  const requiredLimits: Record<string, number> = {};
  for (const name of options.limits === 'default' ? [] : RAISED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'edgewise' });
  return {
    device,
    adapterInfo: summarizeAdapter(adapter.info),
    features: {
      f16: device.features.has('shader-f16'),
      subgroups: device.features.has('subgroups'),
      subgroupId: device.features.has('subgroups') && (gpu.wgslLanguageFeatures?.has('subgroup_id') ?? false),
      timestamps: device.features.has('timestamp-query'),
      int8Dot: (gpu.wgslLanguageFeatures?.has('packed_4x8_integer_dot_product') ?? false) && !disabled.has('packed_4x8_integer_dot_product'),
    },
    limits: device.limits,
  };
}
