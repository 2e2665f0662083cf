// The WebGPU backend of the engine: one device, acquired on first use and again after it is
// lost (driver reset, a mobile tab sent to the background, destroy()), and the pipelines
// compiled for it. Platform-free: the worker gives it navigator.gpu, the CLI gives it Dawn.
import type { Backend, BackendLoadOptions } from '../engine/backend.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import type { GpuContext } from './device.ts';
import { GpuModel, type ModelOptions } from './model.ts';
import { PipelineCache } from './pipelines.ts';

interface DeviceSlot {
  readonly ctx: GpuContext;
  readonly pipelines: PipelineCache;
  lost: boolean;
}

export class GpuBackend implements Backend {
  private slot?: Promise<DeviceSlot>;

  constructor(private readonly acquire: () => Promise<GpuContext>, private readonly defaults: ModelOptions = {}) {}

  async load(file: GgufFile, source: ByteSource, options: BackendLoadOptions): Promise<GpuModel> {
    const { ctx, pipelines } = await this.device();
    return GpuModel.load(ctx, file, source, {
      ...this.defaults,
      contextLength: options.contextLength ?? this.defaults.contextLength,
      exactContext: options.exactContext ?? this.defaults.exactContext,
      onProgress: options.onProgress,
    }, pipelines);
  }

  /** The device in use, acquiring a new one when there is none or the last one was lost. */
  async device(): Promise<DeviceSlot> {
    const current = this.slot ? await this.slot.catch(() => undefined) : undefined;
    if (current && !current.lost) return current;
    const next = this.acquire().then((ctx) => {
      const slot: DeviceSlot = { ctx, pipelines: PipelineCache.for(ctx.device), lost: false };
      ctx.device.lost.then(() => { slot.lost = true; });
      return slot;
    });
    this.slot = next;
    next.catch(() => { if (this.slot === next) this.slot = undefined; });
    return next;
  }

  /** Destroys the device (the CLI, when it is done). */
  async close(): Promise<void> {
    const current = this.slot ? await this.slot.catch(() => undefined) : undefined;
    this.slot = undefined;
    current?.ctx.device.destroy();
  }
}
