// The engine's runtime: a loaded model with its tokenizer and chat template, its sequences, and
// the decode loop that turns a GenerateRequest into streamed text. Written against a Backend
// (engine/backend.ts): the WebGPU engine in the app and the CLI, the CPU reference in tests.
//
// Sequences: each request names one (default 'default'); a sequence keeps its state between
// requests, so a conversation that grows turn by turn reuses what it already computed. Requests
// on one sequence run one after another in arrival order; requests on different sequences run
// beside each other, their forward passes taking turns in the backend, and their decode steps
// batched into one pass where the backend can (engine/batch.ts; constrained steps go alone). At
// most `maxSequences` hold state at once: the least recently used idle one gives its state up first.
import { chatTemplateFromGguf, type ChatTemplate } from '../model/chat/template.ts';
import { EdgewiseError } from '../model/errors.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import { CompiledGrammar, TokenIndex, compileJsonSchema, grammarVocabFromTokenizer } from '../model/grammar/index.ts';
import { tokenizerFromGguf, type Tokenizer } from '../model/tokenizer/tokenizer.ts';
import type { DocumentPlan, GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress, OutputPart, SamplingOptions } from './api.ts';
import type { Backend, BackendModel, BackendSequence, ModelRuntime, RuntimeLoadOptions } from './backend.ts';
import { BatchedSequence, DecodeBatcher } from './batch.ts';
import { ConstrainedBackend } from './constrained.ts';
import { DEFAULT_SAMPLING, generate, type ReasoningOptions, type SamplingSettings } from './generate.ts';
import { reasoningMode, requestPrompt } from './prompt.ts';

/** Tokens of output when a request names no limit. */
const DEFAULT_MAX_TOKENS = 1024;
/**
 * Sequences holding state at once, by default (each holds a KV cache that grows with its
 * history): as many as one batched decode pass serves (gpu/batch-step.ts).
 */
export const DEFAULT_MAX_SEQUENCES = 8;
export const DEFAULT_SEQUENCE = 'default';

export interface RuntimeOptions {
  readonly contextLength?: number;
  readonly maxSequences?: number;
}

interface SequenceSlot {
  readonly id: string;
  /** Its sequence, set (as a promise) the moment one is claimed, so that the limit counts it at once. */
  seq?: Promise<BackendSequence>;
  /** The same sequence once made. */
  ready?: BackendSequence;
  /** The last request queued on this sequence; the next one waits for it. */
  tail: Promise<unknown>;
  /** Requests queued or running. */
  pending: number;
  /** One per request queued or running, so that Stop reaches a request still waiting its turn. */
  readonly controllers: Set<AbortController>;
  lastUsed: number;
}

export interface LoadedModel {
  readonly model: BackendModel;
  readonly tokenizer: Tokenizer;
  readonly template: ChatTemplate;
  readonly info: LoadedModelInfo;
  /** Grammars compiled for this model's vocabulary, by schema text; the token index is built once. */
  readonly grammars: Map<string, CompiledGrammar>;
  tokenIndex?: TokenIndex;
  readonly slots: Map<string, SequenceSlot>;
  /** A sequence made (and its kernels compiled) at load, for the first request to take. */
  spare?: BackendSequence;
  /** Batches the decode steps of its sequences, where the backend can. */
  readonly batcher?: DecodeBatcher;
}

export function samplingSettings(s: SamplingOptions = {}): SamplingSettings {
  return {
    ...DEFAULT_SAMPLING,
    ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
  } as SamplingSettings;
}

/** The result of a request stopped before its turn came. */
function notStarted(promptTokens: number): GenerateResult {
  return {
    text: '', tokens: [], stopReason: 'aborted',
    timings: { promptTokens, prefilledTokens: 0, generatedTokens: 0, timeToFirstTokenMs: 0, prefillTokensPerSecond: 0, decodeTokensPerSecond: 0 },
  };
}

export class EngineRuntime implements ModelRuntime {
  private current?: LoadedModel;
  private clock = 0;

  constructor(private readonly backend: Backend, private readonly options: RuntimeOptions = {}) {}

  get loaded(): LoadedModel | undefined {
    return this.current;
  }

  async load(source: ByteSource, file: GgufFile, onProgress: (p: LoadProgress) => void, options: RuntimeLoadOptions): Promise<LoadedModelInfo> {
    this.unload();
    const tokenizer = tokenizerFromGguf(file);
    const template = chatTemplateFromGguf(file, tokenizer);
    const progress = (p: { phase: 'upload' | 'compile'; done: number; total: number }) => onProgress({ phase: p.phase, done: p.done, total: p.total });
    const model = await this.backend.load(file, source, { contextLength: options.contextLength ?? this.options.contextLength, exactContext: options.exactContext, onProgress: progress });
    try {
      const spare = await model.createSequence(DEFAULT_SEQUENCE, (done, total) => progress({ phase: 'compile', done, total }));
      const reasoning = reasoningMode(tokenizer, template);
      const info: LoadedModelInfo = {
        id: options.id, architecture: model.plan.arch, contextLength: model.contextLength, vocabSize: model.plan.nVocab, ...(reasoning ? { reasoning } : {}),
      };
      const batcher = DecodeBatcher.supports(model) ? new DecodeBatcher(model) : undefined;
      this.current = { model, tokenizer, template, info, grammars: new Map(), slots: new Map(), spare, batcher };
      return info;
    } catch (e) {
      model.destroy();
      throw e;
    }
  }

  unload(): void {
    const m = this.current;
    this.current = undefined;
    if (!m) return;
    for (const slot of m.slots.values()) for (const c of slot.controllers) c.abort();
    m.model.destroy();
  }

  async countTokens(text: string): Promise<number> {
    return this.require().tokenizer.encode(text, { addSpecial: false, parseSpecial: false }).length;
  }

  async planDocument(tokens: number): Promise<DocumentPlan> {
    const { model } = this.require();
    if (model.planDocument) return model.planDocument(tokens);
    return tokens <= model.contextLength
      ? { mode: 'one-pass', contextLength: model.contextLength, parallel: 1, reason: `the document fits the loaded ${model.contextLength}-token context` }
      : { mode: 'map-reduce', contextLength: model.contextLength, parallel: 1, reason: `the document is over the loaded ${model.contextLength}-token context: summarized in parts` };
  }

  /** The prompt's token ids: chat messages through the model's template (engine/prompt.ts), or a raw prompt. */
  promptTokens(request: GenerateRequest): number[] {
    const { tokenizer, template } = this.require();
    return requestPrompt(tokenizer, template, request).tokens;
  }

  async generate(request: GenerateRequest, onToken: (text: string, part?: OutputPart) => void): Promise<GenerateResult> {
    const { tokenizer, template } = this.require();
    const prompt = requestPrompt(tokenizer, template, request);
    return this.generateTokens(prompt.tokens, request, onToken, prompt.reasoning);
  }

  /** Runs `prompt` (token ids) on the request's sequence, after the requests queued there before it. */
  async generateTokens(prompt: number[], request: Omit<GenerateRequest, 'messages' | 'prompt'>, onToken: (text: string, part?: OutputPart) => void,
    reasoning?: ReasoningOptions): Promise<GenerateResult> {
    const loaded = this.require();
    const { model, tokenizer } = loaded;
    if (prompt.length === 0) throw new EdgewiseError('usage', 'the prompt has no tokens');
    if (prompt.length >= model.contextLength) {
      throw new EdgewiseError('context-full', `the prompt has ${prompt.length} tokens but the context holds ${model.contextLength}; shorten it or load the model with a longer context`);
    }
    const slot = this.slot(loaded, request.sequence ?? DEFAULT_SEQUENCE);
    const controller = new AbortController();
    const previous = slot.tail;
    slot.pending++;
    slot.controllers.add(controller);
    const run = (async () => {
      // The chat template renders synchronously (within its budget, model/chat/template.ts), so a
      // Stop sent meanwhile is still queued: let it land, and generate() sees it before the prompt runs.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await previous.catch(() => undefined);
      // Stopped while it waited (or the model was unloaded meanwhile): it never starts.
      if (controller.signal.aborted) return notStarted(prompt.length);
      const seq = await this.sequenceFor(loaded, slot);
      const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
      const constrained = request.schema === undefined ? undefined
        : this.constrained(loaded, seq, request.schema, maxTokens, reasoning?.splitter.inReasoning === true);
      const lane = constrained ? undefined : loaded.batcher?.join(seq);
      const out = await generate(constrained ?? (lane ? new BatchedSequence(seq, lane, loaded.batcher!) : seq), prompt, {
        maxTokens,
        sampling: samplingSettings(request.sampling),
        stop: request.stop,
        isEog: (t) => tokenizer.isEog(t),
        decoder: tokenizer.streamDecoder({ special: false }),
        signal: controller.signal,
        onText: onToken,
        reasoning,
      }).finally(() => lane?.leave());
      const result: GenerateResult = {
        text: out.text,
        ...(out.reasoning !== undefined ? { reasoning: out.reasoning } : {}),
        ...(reasoning ? { reasoningTokens: out.reasoningTokens } : {}),
        tokens: out.tokens,
        stopReason: constrained?.completed ? 'schema-complete' : out.stopReason,
        ...(constrained && constrained.closingTokens > 0 ? { closedAtLimit: true } : {}),
        timings: out.timings,
      };
      return result;
    })();
    slot.tail = run;
    try {
      return await run;
    } catch (e) {
      if (e instanceof EdgewiseError && e.code === 'device-lost' && this.current === loaded) {
        // Nothing on the lost device can be used again: the next load acquires a new one.
        this.unload();
      }
      throw e;
    } finally {
      slot.pending--;
      slot.controllers.delete(controller);
      slot.lastUsed = ++this.clock;
    }
  }

  /** The backend sequence behind `id`, once a request ran there (tests and tools read its history). */
  sequence(id = DEFAULT_SEQUENCE): BackendSequence | undefined {
    return this.current?.slots.get(id)?.ready;
  }

  abort(sequence?: string): void {
    const slots = this.current?.slots;
    if (!slots) return;
    for (const slot of slots.values()) {
      if (sequence === undefined || slot.id === sequence) for (const c of slot.controllers) c.abort();
    }
  }

  private slot(loaded: LoadedModel, id: string): SequenceSlot {
    let slot = loaded.slots.get(id);
    if (!slot) {
      slot = { id, tail: Promise.resolve(), pending: 0, controllers: new Set(), lastUsed: ++this.clock };
      loaded.slots.set(id, slot);
    }
    return slot;
  }

  /** The slot's sequence, made when it has none; an idle sequence gives its state up when too many hold one. */
  private sequenceFor(loaded: LoadedModel, slot: SequenceSlot): Promise<BackendSequence> {
    if (slot.seq) return slot.seq;
    const limit = Math.max(1, this.options.maxSequences ?? DEFAULT_MAX_SEQUENCES);
    const holding = [...loaded.slots.values()].filter((s) => s.seq);
    if (holding.length >= limit) {
      const idle = holding.filter((s) => s.pending === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!idle) throw new EdgewiseError('usage', `${limit} conversations are already running on this model; stop one first`);
      void idle.seq!.then((q) => q.destroy(), () => undefined);
      idle.seq = undefined;
      idle.ready = undefined;
    }
    const spare = loaded.spare;
    loaded.spare = undefined;
    const made = spare ? Promise.resolve(spare) : loaded.model.createSequence(slot.id);
    slot.seq = made;
    made.then((q) => { if (slot.seq === made) slot.ready = q; }, () => { if (slot.seq === made) slot.seq = undefined; });
    return made;
  }

  /**
   * A backend whose every token keeps the output valid JSON for `schema`, closed within `budget`
   * tokens; with `reasoningFirst`, the reasoning before the value runs unconstrained.
   */
  private constrained(model: LoadedModel, seq: BackendSequence, schema: unknown, budget: number, reasoningFirst: boolean): ConstrainedBackend {
    const key = JSON.stringify(schema);
    let grammar = model.grammars.get(key);
    if (!grammar) {
      model.tokenIndex ??= new TokenIndex(grammarVocabFromTokenizer(model.tokenizer));
      grammar = new CompiledGrammar(compileJsonSchema(schema), model.tokenIndex);
      model.grammars.set(key, grammar);
    }
    const end = grammar.index.eog.includes(model.tokenizer.eos) ? model.tokenizer.eos : grammar.index.eog[0];
    if (end === undefined) throw new EdgewiseError('usage', 'constrained decoding needs a model with an end-of-generation token');
    return new ConstrainedBackend(seq, grammar.matcher(), end, { budget, reasoningFirst });
  }

  private require(): LoadedModel {
    if (!this.current) throw new EdgewiseError('usage', 'no model is loaded; load one first');
    return this.current;
  }
}
