// The GPU ModelRuntime: a loaded model (GpuSession) with its tokenizer and chat template, and the
// decode loop that turns a GenerateRequest into streamed text. Platform-free: the worker gives it
// navigator.gpu, the CLI gives it Dawn. One model is loaded at a time; a conversation that grows
// turn by turn reuses the state it already holds.
import { chatTemplateFromGguf, type ChatTemplate } from '../model/chat/template.ts';
import { EdgewiseError } from '../model/errors.ts';
import { DEFAULT_SAMPLING, generate, type SamplingSettings } from './generate.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import { tokenizerFromGguf, type Tokenizer } from '../model/tokenizer/tokenizer.ts';
import { CompiledGrammar, TokenIndex, compileJsonSchema, grammarVocabFromTokenizer } from '../model/grammar/index.ts';
import { ConstrainedBackend } from './constrained.ts';
import type { GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress } from './api.ts';
import type { ModelRuntime, RuntimeLoadOptions } from './model-runtime.ts';
import type { GpuContext } from '../gpu/device.ts';
import { PipelineCache } from '../gpu/pipelines.ts';
import { GpuSession, type SessionOptions } from '../gpu/session.ts';

/** Tokens of output when a request names no limit. */
const DEFAULT_MAX_TOKENS = 1024;

export interface LoadedModel {
  readonly session: GpuSession;
  readonly tokenizer: Tokenizer;
  readonly template: ChatTemplate;
  readonly info: LoadedModelInfo;
  /** Grammars compiled for this model's vocabulary, by schema text; the token index is built once. */
  readonly grammars: Map<string, CompiledGrammar>;
  tokenIndex?: TokenIndex;
}

export function samplingSettings(s: GenerateRequest['sampling'] = {}): SamplingSettings {
  return {
    ...DEFAULT_SAMPLING,
    ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
  } as SamplingSettings;
}

export class GpuRuntime implements ModelRuntime {
  private ctx?: Promise<GpuContext>;
  private pipelines?: PipelineCache;
  private model?: LoadedModel;
  private controller?: AbortController;

  constructor(private readonly acquire: () => Promise<GpuContext>, private readonly sessionDefaults: SessionOptions = {}) {}

  get loaded(): LoadedModel | undefined {
    return this.model;
  }

  async load(source: ByteSource, file: GgufFile, onProgress: (p: LoadProgress) => void, options: RuntimeLoadOptions): Promise<LoadedModelInfo> {
    this.ctx ??= this.acquire();
    const ctx = await this.ctx.catch((e) => { this.ctx = undefined; throw e; });
    this.pipelines ??= new PipelineCache(ctx.device);
    this.unload();
    const tokenizer = tokenizerFromGguf(file);
    const template = chatTemplateFromGguf(file, tokenizer);
    const session = await GpuSession.load(ctx, file, source, {
      ...this.sessionDefaults,
      contextLength: options.contextLength ?? this.sessionDefaults.contextLength,
      onProgress: (p) => onProgress({ phase: p.phase, done: p.done, total: p.total }),
    }, this.pipelines);
    const info: LoadedModelInfo = { id: options.id, architecture: session.plan.arch, contextLength: session.contextLength, vocabSize: session.plan.nVocab };
    this.model = { session, tokenizer, template, info, grammars: new Map() };
    return info;
  }

  unload(): void {
    this.model?.session.destroy();
    this.model = undefined;
  }

  async countTokens(text: string): Promise<number> {
    return this.require().tokenizer.encode(text, { addSpecial: false, parseSpecial: false }).length;
  }

  /** The prompt's token ids: chat messages through the model's template, or a raw prompt. */
  promptTokens(request: GenerateRequest): number[] {
    const { tokenizer, template } = this.require();
    if (request.messages && request.messages.length > 0) {
      const text = template.render(request.messages);
      // Templates that write the BOS text themselves must not get a second BOS.
      const bosText = tokenizer.bos >= 0 ? tokenizer.vocab.tokens[tokenizer.bos] : '';
      const addSpecial = !(bosText && text.startsWith(bosText));
      return tokenizer.encode(text, { addSpecial, parseSpecial: true });
    }
    if (request.prompt === undefined) throw new EdgewiseError('usage', 'a generation needs messages or a prompt');
    return tokenizer.encode(request.prompt, { addSpecial: true, parseSpecial: false });
  }

  async generate(request: GenerateRequest, onToken: (text: string) => void): Promise<GenerateResult> {
    return this.generateTokens(this.promptTokens(request), request, onToken);
  }

  async generateTokens(prompt: number[], request: Omit<GenerateRequest, 'messages' | 'prompt'>, onToken: (text: string) => void): Promise<GenerateResult> {
    const { session, tokenizer } = this.require();
    if (this.controller) throw new EdgewiseError('usage', 'a generation is already running; stop it first');
    if (prompt.length >= session.contextLength) {
      throw new EdgewiseError('context-full', `the prompt has ${prompt.length} tokens but the context holds ${session.contextLength}; shorten it or load the model with a longer context`);
    }
    const controller = new AbortController();
    this.controller = controller;
    try {
      const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
      const constrained = request.schema === undefined ? undefined : this.constrained(request.schema, maxTokens);
      const out = await generate(constrained ?? session, prompt, {
        maxTokens,
        sampling: samplingSettings(request.sampling),
        stop: request.stop,
        isEog: (t) => tokenizer.isEog(t),
        decoder: tokenizer.streamDecoder({ special: false }),
        signal: controller.signal,
        onText: onToken,
      });
      return {
        text: out.text,
        tokens: out.tokens,
        stopReason: constrained?.completed ? 'schema-complete' : out.stopReason,
        ...(constrained && constrained.closingTokens > 0 ? { closedAtLimit: true } : {}),
        timings: out.timings,
      };
    } finally {
      this.controller = undefined;
    }
  }

  /** A backend whose every token keeps the output valid JSON for `schema`, closed within `budget` tokens. */
  private constrained(schema: unknown, budget: number): ConstrainedBackend {
    const model = this.require();
    const key = JSON.stringify(schema);
    let grammar = model.grammars.get(key);
    if (!grammar) {
      model.tokenIndex ??= new TokenIndex(grammarVocabFromTokenizer(model.tokenizer));
      grammar = new CompiledGrammar(compileJsonSchema(schema), model.tokenIndex);
      model.grammars.set(key, grammar);
    }
    const end = grammar.index.eog.includes(model.tokenizer.eos) ? model.tokenizer.eos : grammar.index.eog[0];
    if (end === undefined) throw new EdgewiseError('usage', 'constrained decoding needs a model with an end-of-generation token');
    return new ConstrainedBackend(model.session, grammar.matcher(), end, { budget });
  }

  abort(): void {
    this.controller?.abort();
  }

  private require(): LoadedModel {
    if (!this.model) throw new EdgewiseError('usage', 'no model is loaded; load one first');
    return this.model;
  }
}
