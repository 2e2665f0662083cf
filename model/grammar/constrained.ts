// Constrained decoding over any forward backend: every sampled token keeps the output a valid
// prefix of the schema's language, and generation ends as soon as the value is closed.
//
// Wiring (gpu/session.ts, the CLI's --schema, the worker's GenerateRequest.schema):
//   const grammar = new CompiledGrammar(compileJsonSchema(schema), tokenIndexOf(model));
//   const backend = new ConstrainedBackend(session, grammar.matcher(), tokenizer.eos);
//   const out = await generate(backend, prompt, opts);   // stopReason 'eos' + backend.completed
// The session implements evalAndSampleMasked: upload `mask` into the logit-mask bitset
// (gpu/ops/logit-mask.ts), run the mask dispatch before the sampler's, sample as usual. A CPU or
// top-k path may instead filter candidates with maskCandidates (candidates.ts) and fall back to
// the full masked vocabulary when none survive.
import { EdgewiseError } from '../errors.ts';
import type { ForwardBackend, SamplingSettings } from '../generate.ts';
import type { GrammarMatcher } from './matcher.ts';

/** A backend that can restrict its draw to the tokens set in a vocabulary bitset. */
export interface MaskableBackend extends ForwardBackend {
  /** As evalAndSample, but only a token whose bit is set in `mask` (u32 words, bit i = token i) may come out. */
  evalAndSampleMasked(tokens: readonly number[], sampling: SamplingSettings, mask: Uint32Array): Promise<number>;
}

export class ConstrainedBackend implements ForwardBackend {
  private done = false;

  /** `endToken`: an end-of-generation id, returned once the value is closed so that the loop stops. */
  constructor(private readonly inner: MaskableBackend, readonly matcher: GrammarMatcher, private readonly endToken: number) {
    if (!matcher.grammar.index.eog.includes(endToken)) throw new RangeError(`constrained decoding: end token ${endToken} is not an end-of-generation id of the vocabulary`);
  }

  get contextLength(): number { return this.inner.contextLength; }
  get history(): readonly number[] { return this.inner.history; }

  /** The schema's value is complete (the last token returned ended it, or was an allowed end-of-generation token). */
  get completed(): boolean { return this.done; }

  async evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number> {
    // A closed value needs no forward pass: end at once.
    if (this.done || !this.matcher.canContinue()) {
      this.done = true;
      return this.endToken;
    }
    const mask = this.matcher.allowedTokens();
    if (!mask.some((w) => w !== 0)) {
      throw new EdgewiseError('usage', 'constrained decoding: no token of this vocabulary can continue the JSON value; the schema needs characters the model cannot write');
    }
    const id = await this.inner.evalAndSampleMasked(tokens, sampling, mask);
    if (!this.matcher.acceptToken(id)) throw new Error(`constrained decoding: the backend sampled token ${id}, outside the mask`);
    if (this.matcher.grammar.index.eog.includes(id)) this.done = true;
    return id;
  }

  beginGeneration(sampling: SamplingSettings): void { this.inner.beginGeneration?.(sampling); }
  rewind(n: number): boolean { return this.inner.rewind(n); }
  reset(): void { this.inner.reset(); }
}
