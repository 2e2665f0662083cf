// EngineApi: the one interface the app talks to, served from the worker over comlink or used
// in-page in tests. Progress and tokens stream through callbacks; failures are EdgewiseErrors
// (code + one-line message), rebuilt on the app side from SerializedError.
import type { ErrorCode } from '../model/errors.ts';
import type { GenerateTimings, SamplingSettings, StopReason } from './generate.ts';
import type { HubGguf } from './storage/hub.ts';

export type { GenerateTimings, SamplingSettings, StopReason } from './generate.ts';
export type { HubFilePart, HubGguf } from './storage/hub.ts';

export interface Capabilities {
  readonly webgpu: boolean;
  readonly adapter?: { vendor: string; architecture: string; device: string; description: string };
  readonly features: { f16: boolean; subgroups: boolean };
  readonly limits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  /** navigator.storage.estimate(), bytes. */
  readonly storage?: { usage: number; quota: number; persisted: boolean };
  /** navigator.deviceMemory in GiB where the browser tells it. */
  readonly deviceMemoryGiB?: number;
  /** Why WebGPU is unusable, in words a user can act on. */
  readonly problem?: string;
}

/** A downloadable model, from the catalog or a URL the user typed. */
export interface CatalogEntry {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly sizeBytes: number;
  readonly architecture: string;
  readonly quant: string;
  readonly license: string;
  readonly contextLength: number;
  /** The smallest device class it fits: 'phone' | 'tablet' | 'laptop' | 'desktop'. */
  readonly minDevice: 'phone' | 'tablet' | 'laptop' | 'desktop';
  readonly supported: boolean;
  readonly notes?: string;
  /** SHA-256 of the file (lowercase hex) where it is known; a download whose bytes differ fails. */
  readonly sha256?: string;
}

export interface StoredModel {
  readonly id: string;
  readonly name: string;
  readonly source: { kind: 'url'; url: string } | { kind: 'file'; fileName: string };
  readonly sizeBytes: number;
  readonly storedBytes: number;
  readonly complete: boolean;
  /** SHA-256 of the stored bytes (lowercase hex), once complete; a split model has one per part. */
  readonly sha256?: string;
  /** The number of files a split GGUF is stored as (engine/storage/split.ts); absent for one file. */
  readonly parts?: number;
  readonly architecture?: string;
  readonly contextLength?: number;
  readonly hasChatTemplate?: boolean;
}

/** A model to download by its link. */
export interface DownloadLink {
  readonly url: string;
  readonly name?: string;
  readonly sha256?: string;
  /** Every part of a split GGUF, in order, with their SHA-256s where known. */
  readonly parts?: readonly { readonly url: string; readonly sha256?: string }[];
}

export interface TransferProgress {
  readonly phase: 'header' | 'download' | 'import' | 'verify';
  readonly bytes: number;
  readonly totalBytes: number;
  readonly bytesPerSecond: number;
  readonly secondsLeft: number;
}

export interface LoadProgress {
  readonly phase: 'read' | 'upload' | 'compile';
  readonly done: number;
  readonly total: number;
}

/** A request's sampling: any setting left out takes the engine's default (DEFAULT_SAMPLING). */
export type SamplingOptions = Partial<SamplingSettings>;

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  /** For an assistant turn: its answer only, without the reasoning. */
  readonly content: string;
  /**
   * An earlier assistant turn's reasoning. The model's template decides what to do with it (Qwen3
   * and Jamba Reasoning drop it from finished turns), so the app passes it apart from the answer.
   */
  readonly reasoning?: string;
}

/** Which part of a reasoning model's output a streamed piece belongs to. */
export type OutputPart = 'reasoning' | 'answer';

/** Reasoning tokens allowed when a request names no limit; past it the engine closes the reasoning. */
export const DEFAULT_MAX_REASONING_TOKENS = 4096;

export interface GenerateRequest {
  /** Either chat messages (rendered with the model's template) or a raw prompt. */
  readonly messages?: readonly ChatMessage[];
  readonly prompt?: string;
  /** Tokens of answer; reasoning has its own budget (maxReasoningTokens) and never counts here. */
  readonly maxTokens?: number;
  /**
   * Ask a reasoning model to think first (true) or to answer at once (false), through the
   * template's switch (`enable_thinking`) where it has one. Left out, the template's default
   * applies. A model that always reasons (Jamba Reasoning 3B) reasons either way; its reasoning
   * still comes apart from the answer.
   */
  readonly thinking?: boolean;
  /** Reasoning tokens allowed before the engine closes the reasoning (default DEFAULT_MAX_REASONING_TOKENS). */
  readonly maxReasoningTokens?: number;
  readonly sampling?: SamplingOptions;
  readonly stop?: readonly string[];
  /** JSON Schema the answer must satisfy (constrained decoding; reasoning before it runs free). */
  readonly schema?: unknown;
  /**
   * Which of the loaded model's sequences runs it (default 'default'). Each sequence keeps its
   * own state (KV cache, recurrent state), so a screen that comes back finds its conversation's
   * prefix still computed; requests on different sequences run beside each other (their decode
   * steps batched into one pass where the backend can, their prompts taking turns), and requests
   * on one sequence run one after another in arrival order.
   */
  readonly sequence?: string;
}

export interface GenerateResult {
  /** The answer only: a reasoning model's reasoning is in `reasoning`. */
  readonly text: string;
  /** What a reasoning model wrote between its think tags, when it did. */
  readonly reasoning?: string;
  /** Generated tokens that were reasoning (the tags included); `timings.generatedTokens` counts all. */
  readonly reasoningTokens?: number;
  readonly tokens: readonly number[];
  readonly stopReason: StopReason | 'schema-complete';
  /**
   * With a schema: the token limit came near before the model closed the value, so the engine
   * wrote its shortest completion (closing strings, arrays and objects, filling required
   * properties with the least they allow); the value parses but may be thinner than asked.
   */
  readonly closedAtLimit?: boolean;
  readonly timings: GenerateTimings;
}

export interface LoadedModelInfo {
  readonly id: string;
  readonly architecture: string;
  readonly contextLength: number;
  readonly vocabSize: number;
  /**
   * How the model reasons before answering: 'switchable' (its template can turn thinking off, as
   * Qwen3's does), 'always' (think tags but no switch, as Jamba Reasoning 3B); absent: it does not.
   */
  readonly reasoning?: 'switchable' | 'always';
}

/**
 * How a document is best summarized with the loaded model on this device (gpu/document-plan.ts):
 * one pass (at `contextLength`, which may be longer than the loaded one: the model is then loaded
 * again with it) or map-reduce with `parallel` parts at once, batched; `reason` says why, in words
 * for the user.
 */
export interface DocumentPlan {
  readonly mode: 'one-pass' | 'map-reduce';
  readonly contextLength: number;
  readonly parallel: number;
  readonly reason: string;
}

export interface EngineApi {
  capabilities(): Promise<Capabilities>;
  catalog(): Promise<readonly CatalogEntry[]>;
  models(): Promise<readonly StoredModel[]>;
  /**
   * A link to one part of a split GGUF (`-00001-of-0000N.gguf`) downloads every part; `parts`
   * gives their SHA-256s (from the Hub's listing) where known.
   */
  download(entry: CatalogEntry | DownloadLink, onProgress: (p: TransferProgress) => void): Promise<StoredModel>;
  cancelDownload(id: string): Promise<void>;
  importFile(file: File, onProgress: (p: TransferProgress) => void): Promise<StoredModel>;
  remove(id: string): Promise<void>;
  load(id: string, onProgress: (p: LoadProgress) => void, options?: { contextLength?: number }): Promise<LoadedModelInfo>;
  countTokens(text: string): Promise<number>;
  /** How a document needing `tokens` tokens in one pass (its prompt and answer included) is best summarized. */
  planDocument(tokens: number): Promise<DocumentPlan>;
  /** Streams text as it is decided; `part` says whether it is reasoning or answer (answer when left out). */
  generate(request: GenerateRequest, onToken: (text: string, part?: OutputPart) => void): Promise<GenerateResult>;
  /** Plans memory for a model from its header alone (Range requests), before anything is downloaded. */
  checkFit(target: FitTarget, options?: { contextLength?: number }): Promise<FitReport>;
  /** A Hugging Face repository's .gguf files with exact sizes and sha256s (split models grouped). */
  listRepository(repo: string, revision?: string): Promise<readonly HubGguf[]>;
  /** Stops the generation running on `sequence` (all of them when none is named); it resolves with 'aborted'. */
  abort(sequence?: string): Promise<void>;
}

/**
 * Whether a model fits this device, from its GGUF header (read with Range requests before any
 * download) planned for this adapter's buffer limits and memory estimate at `contextLength`.
 */
export type FitVerdict = 'fits' | 'too-large' | 'needs-webgpu' | 'unsupported';

export interface FitReport {
  readonly verdict: FitVerdict;
  /** GPU memory the model needs at this context (weights, KV cache, state, activations). */
  readonly needsBytes?: number;
  /** What this device allows, where known (the memory estimate, or the buffer limit that fails). */
  readonly hasBytes?: number;
  /** The context the plan was made for (the request, clamped to the model's trained length). */
  readonly contextLength?: number;
  /** One line for the user: why it does not fit, or what it will use. */
  readonly reason: string;
}

/** What checkFit reads: a catalog entry, or a link (every part's link for a split GGUF). */
export type FitTarget = CatalogEntry | { readonly url: string; readonly parts?: readonly string[] };

export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
}
