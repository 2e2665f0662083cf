// The seam between the model store and the GPU engine. The engine (written elsewhere, against
// ByteSource) implements ModelRuntime; worker/engine.ts opens a stored model as a chunk-backed
// ByteSource, parses its header and hands both over. Tests install a stub.
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import type { GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress } from './api.ts';

export interface RuntimeLoadOptions {
  readonly id: string;
  readonly contextLength?: number;
}

export interface ModelRuntime {
  /** Uploads the weights read from `source` (never whole in memory) and prepares generation. */
  load(source: ByteSource, file: GgufFile, onProgress: (p: LoadProgress) => void, options: RuntimeLoadOptions): Promise<LoadedModelInfo>;
  generate(request: GenerateRequest, onToken: (text: string) => void): Promise<GenerateResult>;
  countTokens(text: string): Promise<number>;
  /** Stops the generation in flight; it resolves with stopReason 'aborted'. */
  abort(): void;
}
