// A loaded model with one sequence: what the CLI's single-prompt commands, the benchmark and the
// engine tests use. Several sequences on one model go through GpuModel.createSequence.
import type { MaskableBackend } from '../engine/constrained.ts';
import type { SamplingSettings } from '../engine/generate.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import type { GpuContext } from './device.ts';
import { GpuModel, type ModelOptions } from './model.ts';
import { PipelineCache } from './pipelines.ts';
import type { GpuSequence } from './sequence.ts';

export type SessionOptions = ModelOptions;

export class GpuSession implements MaskableBackend {
  private constructor(readonly model: GpuModel, readonly sequence: GpuSequence) {}

  /** Plans memory, uploads the weights from `source`, allocates one sequence and compiles pipelines. */
  static async load(ctx: GpuContext, file: GgufFile, source: ByteSource, options: SessionOptions = {}, pipelines = PipelineCache.for(ctx.device)): Promise<GpuSession> {
    const model = await GpuModel.load(ctx, file, source, options, pipelines);
    try {
      const seq = await model.createSequence('seq0', (done, total) => options.onProgress?.({ phase: 'compile', done, total }));
      return new GpuSession(model, seq);
    } catch (e) {
      model.destroy();
      throw e;
    }
  }

  get ctx(): GpuContext { return this.model.ctx; }
  get plan() { return this.model.plan; }
  get memory() { return this.model.memory; }
  get encodeStats() { return this.model.encodeStats; }
  get contextLength(): number { return this.model.contextLength; }
  get chunkTokens(): number { return this.model.chunkTokens; }
  get vocabSize(): number { return this.model.vocabSize; }
  get history(): readonly number[] { return this.sequence.history; }

  beginGeneration(sampling: SamplingSettings): void { this.sequence.beginGeneration(sampling); }
  evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number> { return this.sequence.evalAndSample(tokens, sampling); }
  evalAndSampleMasked(tokens: readonly number[], sampling: SamplingSettings, mask: Uint32Array): Promise<number> {
    return this.sequence.evalAndSampleMasked(tokens, sampling, mask);
  }
  evalLogits(tokens: readonly number[]): Promise<Float32Array> { return this.sequence.evalLogits(tokens); }
  rewind(n: number): boolean { return this.sequence.rewind(n); }
  reset(): void { this.sequence.reset(); }
  destroy(): void { this.model.destroy(); }
}
