// Constrained decoding over any forward backend: every sampled token keeps the output a valid
// prefix of the schema's language, and generation ends as soon as the value is closed.
//
// Wiring (gpu/session.ts, the CLI's --schema, the worker's GenerateRequest.schema):
//   const grammar = new CompiledGrammar(compileJsonSchema(schema), tokenIndexOf(model));
//   const backend = new ConstrainedBackend(session, grammar.matcher(), tokenizer.eos, { budget: maxTokens });
//   const out = await generate(backend, prompt, opts);   // stopReason 'eos' + backend.completed
// The session implements evalAndSampleMasked: upload `mask` into the logit-mask bitset
// (gpu/ops/logit-mask.ts), run the mask dispatch before the sampler's, sample as usual. A CPU or
// top-k path may instead filter candidates with maskCandidates (candidates.ts) and fall back to
// the full masked vocabulary when none survive.
import { EdgewiseError } from '../model/errors.ts';
import type { ForwardBackend, SamplingSettings } from './generate.ts';
import type { GrammarMatcher } from '../model/grammar/matcher.ts';

/** A backend that can restrict its draw to the tokens set in a vocabulary bitset. */
export interface MaskableBackend extends ForwardBackend {
  /** As evalAndSample, but only a token whose bit is set in `mask` (u32 words, bit i = token i) may come out. */
  evalAndSampleMasked(tokens: readonly number[], sampling: SamplingSettings, mask: Uint32Array): Promise<number>;
}

export interface ConstrainedOptions {
  /**
   * The generation's token limit. Near it the backend stops sampling and writes the value's
   * shortest completion itself (no forward pass needed), so that output cut by the limit still
   * parses: it does so once the completion needs all but `reserve` of the tokens left.
   */
  readonly budget?: number;
  /** Tokens kept in hand for what one more sampled token may open (default 16). */
  readonly reserve?: number;
  /**
   * The output begins with reasoning that runs unconstrained: tokens pass through as sampled until
   * the decode loop calls beginAnswer() (after the close tag); the value starts there. The budget
   * counts only the value's tokens.
   */
  readonly reasoningFirst?: boolean;
}

/** With a budget, the completion is re-measured at least this often (in tokens), and every step near the limit. */
const REMEASURE_EVERY = 16;

export class ConstrainedBackend implements ForwardBackend {
  private done = false;
  private produced = 0;
  /** Completion tokens still to write, once closing has begun. */
  private closing?: number[];
  private needed = 0;
  private measuredAt = -Infinity;
  /** Tokens written by the backend to close the value before the budget ran out. */
  closingTokens = 0;
  /** Still in the reasoning that comes before the value: nothing is constrained yet. */
  private free: boolean;

  /** `endToken`: an end-of-generation id, returned once the value is closed so that the loop stops. */
  constructor(private readonly inner: MaskableBackend, readonly matcher: GrammarMatcher, private readonly endToken: number,
    private readonly options: ConstrainedOptions = {}) {
    if (!matcher.grammar.index.eog.includes(endToken)) throw new RangeError(`constrained decoding: end token ${endToken} is not an end-of-generation id of the vocabulary`);
    this.free = options.reasoningFirst === true;
  }

  get contextLength(): number { return this.inner.contextLength; }
  get history(): readonly number[] { return this.inner.history; }

  /**
   * The schema's value is complete: an end-of-generation token ended it, or its last token closed
   * it (as when the completion written near the budget used the last token).
   */
  get completed(): boolean { return this.done || (this.closing?.length === 0 && this.matcher.isComplete()); }

  async evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number> {
    if (this.free) return this.inner.evalAndSample(tokens, sampling);
    // A closed value needs no forward pass: end at once. So does one the budget made us close
    // (a top-level number could otherwise grow on).
    if (this.done || this.closing?.length === 0 || !this.matcher.canContinue()) {
      this.done = true;
      return this.endToken;
    }
    const forced = this.closingToken();
    if (forced !== undefined) return forced;
    const mask = this.matcher.allowedTokens();
    if (!mask.some((w) => w !== 0)) {
      throw new EdgewiseError('usage', 'constrained decoding: no token of this vocabulary can continue the JSON value; the schema needs characters the model cannot write');
    }
    const id = await this.inner.evalAndSampleMasked(tokens, sampling, mask);
    if (!this.matcher.acceptToken(id)) throw new Error(`constrained decoding: the backend sampled token ${id}, outside the mask`);
    if (this.matcher.grammar.index.eog.includes(id)) this.done = true;
    else this.produced++;
    return id;
  }

  /** The next token of the value's completion, once the budget leaves no room for more sampling. */
  private closingToken(): number | undefined {
    const { budget } = this.options;
    if (budget === undefined) return undefined;
    const left = budget - this.produced;
    const reserve = this.options.reserve ?? 16;
    if (!this.closing && (left <= this.needed + 2 * reserve || this.produced - this.measuredAt >= REMEASURE_EVERY)) {
      const completion = this.matcher.completion();
      this.measuredAt = this.produced;
      this.needed = completion?.length ?? 0;
      if (completion && completion.length > 0 && completion.length + reserve >= left) this.closing = completion;
    }
    const id = this.closing?.shift();
    if (id === undefined) return undefined;
    if (!this.matcher.acceptToken(id)) throw new Error(`constrained decoding: completion token ${id} refused by the grammar`);
    this.produced++;
    this.closingTokens++;
    return id;
  }

  beginGeneration(sampling: SamplingSettings): void { this.inner.beginGeneration?.(sampling); }
  beginAnswer(): void { this.free = false; }
  rewind(n: number): boolean { return this.inner.rewind(n); }
  reset(): void { this.inner.reset(); }
}
