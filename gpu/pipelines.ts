// Compute pipelines, created once with createComputePipelineAsync and cached under a typed key.
// Every pipeline and shader module is labelled, so a validation error names the kernel variant.
import { EdgewiseError } from '../model/errors.ts';
import { wgslVariant, type ShaderVariant } from './wgsl-variant.ts';

export interface PipelineKey {
  /** Kernel family, e.g. 'gemv'; also the WGSL entry point unless `entryPoint` says otherwise. */
  readonly family: string;
  readonly source: string;
  readonly entryPoint?: string;
  /** Structure: which text variant of the source (f16 or f32, subgroups or not). */
  readonly variant: ShaderVariant;
  /** Numbers: WGSL `override` constants. */
  readonly constants?: Readonly<Record<string, number>>;
}

function keyString(k: PipelineKey): string {
  const c = k.constants ? Object.entries(k.constants).sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => `${n}=${v}`).join(',') : '';
  return `${k.family}/${k.entryPoint ?? k.family}[${variantString(k.variant)}](${c})`;
}

function variantString(v: ShaderVariant): string {
  return Object.entries(v).filter(([, x]) => x !== undefined && x !== false).map(([n, x]) => (x === true ? n : `${n}:${x}`)).sort().join(',');
}

const perDevice = new WeakMap<GPUDevice, PipelineCache>();

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  constructor(private readonly device: GPUDevice) {}

  /** The one cache of `device`: every model loaded on a device reuses what an earlier one
   *  compiled (a second model, a model loaded again with a longer context). */
  static for(device: GPUDevice): PipelineCache {
    let cache = perDevice.get(device);
    if (!cache) perDevice.set(device, (cache = new PipelineCache(device)));
    return cache;
  }

  get(key: PipelineKey): Promise<GPUComputePipeline> {
    const id = keyString(key);
    let p = this.pipelines.get(id);
    if (!p) {
      p = this.create(key, id);
      this.pipelines.set(id, p);
      // A failure (a lost device, a validation error) is not kept: the next ask tries again.
      p.catch(() => { if (this.pipelines.get(id) === p) this.pipelines.delete(id); });
    }
    return p;
  }

  get size(): number {
    return this.pipelines.size;
  }

  private async create(key: PipelineKey, id: string): Promise<GPUComputePipeline> {
    const moduleId = `${key.family}[${variantString(key.variant)}]`;
    let module = this.modules.get(moduleId);
    if (!module) {
      module = this.device.createShaderModule({ label: moduleId, code: wgslVariant(key.source, key.variant) });
      this.modules.set(moduleId, module);
    }
    this.device.pushErrorScope('validation');
    const pipeline = await this.device.createComputePipelineAsync({
      label: id,
      layout: 'auto',
      compute: { module, entryPoint: key.entryPoint ?? key.family, constants: key.constants as Record<string, number> | undefined },
    }).catch(async (e: unknown) => {
      const info = await module!.getCompilationInfo();
      const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
      throw new EdgewiseError('gpu-validation', `pipeline ${id} failed: ${(e as Error).message}${msgs ? ` (${msgs})` : ''}`);
    });
    const err = await this.device.popErrorScope();
    if (err) throw new EdgewiseError('gpu-validation', `pipeline ${id}: ${err.message.split('\n')[0]}`);
    return pipeline;
  }
}
