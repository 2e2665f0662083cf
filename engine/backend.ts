// The seams of the engine. Below the runtime: a Backend loads a model's weights and gives out
// sequences, each with its own state, that the decode loop drives (gpu/ implements it on WebGPU,
// engine/reference-backend.ts on the CPU reference). Above it: the ModelRuntime that the hosts
// (worker/engine.ts, the CLI) hand a stored model to, as a ByteSource and its parsed header.
import type { ModelPlan } from '../model/arch/plan.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import type { DocumentPlan, GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress, OutputPart } from './api.ts';
import type { MaskableBackend } from './constrained.ts';
import type { SamplingSettings } from './generate.ts';

export interface BackendLoadOptions {
  /** Tokens a sequence can hold; the backend may cap it (training context, device limits). */
  readonly contextLength?: number;
  /** Take contextLength as it is, past the training context too (the CLI's --ctx, as llama.cpp's -c). */
  readonly exactContext?: boolean;
  readonly onProgress?: (p: { phase: 'upload' | 'compile'; done: number; total: number }) => void;
}

export interface Backend {
  /** Uploads the weights read from `source` (never whole in memory). */
  load(file: GgufFile, source: ByteSource, options: BackendLoadOptions): Promise<BackendModel>;
}

export interface BackendModel {
  readonly plan: ModelPlan;
  readonly contextLength: number;
  /** A new sequence with its own state, ready to run (its kernels compiled). */
  createSequence(label: string, onCompile?: (done: number, total: number) => void): Promise<BackendSequence>;
  /** Decode steps one batched pass serves at most; absent: the backend runs each step alone. */
  readonly maxBatch?: number;
  /**
   * Waits for the model's turn, then runs the decode steps `take()` hands out at that moment in
   * one forward pass (one weight read for all of them), each sequence against its own state and
   * sampling with its own settings and sampler, as its evalAndSample([token]) would. Resolves
   * with one outcome per step, in take()'s order.
   */
  decodeBatch?(take: () => readonly BatchStep[]): Promise<readonly BatchOutcome[]>;
  /** How a document needing `tokens` tokens in one pass is best summarized on this device. */
  planDocument?(tokens: number): DocumentPlan;
  /** Frees the weights and every sequence. */
  destroy(): void;
}

/** One sequence: a token history whose effect its state holds; sequences of a model take turns. */
export interface BackendSequence extends MaskableBackend {
  destroy(): void;
}

/** One sequence's next decode step: one token to run, then one to sample. */
export interface BatchStep {
  readonly sequence: BackendSequence;
  readonly token: number;
  readonly sampling: SamplingSettings;
}

/** A batched step's sampled token, or what failed it (a full context fails only its own step). */
export type BatchOutcome = { readonly token: number } | { readonly error: unknown };

export interface RuntimeLoadOptions {
  readonly id: string;
  readonly contextLength?: number;
  readonly exactContext?: boolean;
}

export interface ModelRuntime {
  /** Uploads the weights read from `source` (never whole in memory) and prepares generation. */
  load(source: ByteSource, file: GgufFile, onProgress: (p: LoadProgress) => void, options: RuntimeLoadOptions): Promise<LoadedModelInfo>;
  generate(request: GenerateRequest, onToken: (text: string, part?: OutputPart) => void): Promise<GenerateResult>;
  countTokens(text: string): Promise<number>;
  planDocument(tokens: number): Promise<DocumentPlan>;
  /** Stops the generation running on `sequence` (all when none is named); it resolves with stopReason 'aborted'. */
  abort(sequence?: string): void;
  /** Frees the loaded model, if any. */
  unload(): void;
}
