// The CPU reference as an engine Backend: the slow, plain-loop forward pass of model/reference
// with the same sampling rules as the GPU (repetition penalty over the same window, top-k with
// temperature, then top-p/min-p and the seeded draw of engine/sampler.ts). It lets the runtime
// (templates, grammar, stop strings, abort, sequences) be tested on any machine, GPU or not.
import { planModel } from '../model/arch/index.ts';
import type { ModelPlan } from '../model/arch/plan.ts';
import { EdgewiseError } from '../model/errors.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import { createReferenceState, referenceForward, type ReferenceState } from '../model/reference/forward.ts';
import { applyLogitMask } from '../model/reference/logit-mask.ts';
import { applyRepetitionPenalty, argmax, topK } from '../model/reference/sampling.ts';
import { loadReferenceWeights, type ReferenceWeights } from '../model/reference/weights.ts';
import type { Backend, BackendLoadOptions, BackendModel, BackendSequence } from './backend.ts';
import type { SamplingSettings } from './generate.ts';
import { fillRecentWindow, Sampler } from './sampler.ts';

/** Top-k when a setting asks for none (0): as many candidates as the GPU sampler keeps at most. */
const MAX_TOP_K = 64;
const RECENT_CAPACITY = 64;

export class ReferenceBackend implements Backend {
  async load(file: GgufFile, source: ByteSource, options: BackendLoadOptions): Promise<BackendModel> {
    const plan = planModel(file);
    const contextLength = Math.max(2, options.exactContext && options.contextLength !== undefined ? options.contextLength
      : Math.min(options.contextLength ?? 512, plan.nCtxTrain || Infinity));
    const weights = await loadReferenceWeights(plan, file, source);
    return new ReferenceModel(plan, weights, contextLength);
  }
}

class ReferenceModel implements BackendModel {
  constructor(readonly plan: ModelPlan, private readonly weights: ReferenceWeights, readonly contextLength: number) {}

  async createSequence(): Promise<BackendSequence> {
    return new ReferenceSequence(this.plan, this.weights, this.contextLength);
  }

  destroy(): void {}
}

class ReferenceSequence implements BackendSequence {
  readonly history: number[] = [];
  private state: ReferenceState;
  /** The state after the prompt (all but its last token), as the GPU's recurrent snapshot. */
  private saved?: { at: number; state: ReferenceState };
  private sampler = new Sampler(0);
  private readonly recent = new Uint32Array(RECENT_CAPACITY);
  private readonly recurrent: boolean;

  constructor(private readonly plan: ModelPlan, private readonly weights: ReferenceWeights, readonly contextLength: number) {
    this.state = createReferenceState(plan, contextLength);
    this.recurrent = plan.layers.some((l) => l.mixer.kind !== 'attention');
  }

  beginGeneration(sampling: SamplingSettings): void {
    this.sampler = new Sampler(sampling.seed);
  }

  async evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number> {
    return this.sample(this.run(tokens), sampling);
  }

  async evalAndSampleMasked(tokens: readonly number[], sampling: SamplingSettings, mask: Uint32Array): Promise<number> {
    return this.sample(applyLogitMask(this.run(tokens), mask), sampling);
  }

  rewind(n: number): boolean {
    if (n > this.history.length) return false;
    if (n === this.history.length) return true;
    if (this.recurrent) {
      if (this.saved?.at !== n) return false;
      this.state = structuredClone(this.saved.state);
    } else {
      this.state.pos = n;
    }
    this.history.length = n;
    return true;
  }

  reset(): void {
    this.state = createReferenceState(this.plan, this.contextLength);
    this.history.length = 0;
    this.saved = undefined;
  }

  destroy(): void {}

  /** Runs `tokens` and returns the last one's logits. */
  private run(tokens: readonly number[]): Float32Array {
    if (tokens.length === 0) throw new RangeError('evalAndSample: no tokens');
    if (this.history.length + tokens.length > this.contextLength) {
      throw new EdgewiseError('context-full', `the context is full: ${this.history.length} + ${tokens.length} tokens exceed ${this.contextLength}`);
    }
    if (tokens.length > 1) {
      referenceForward(this.plan, this.weights, tokens.slice(0, -1), this.state);
      this.history.push(...tokens.slice(0, -1));
      this.saved = { at: this.history.length, state: structuredClone(this.state) };
    }
    const last = tokens[tokens.length - 1];
    const logits = referenceForward(this.plan, this.weights, [last], this.state);
    this.history.push(last);
    return logits.subarray(logits.length - this.plan.nVocab);
  }

  private sample(logits: Float32Array, s: SamplingSettings): number {
    const window = fillRecentWindow(this.recent, this.history.slice(0, -1), this.history[this.history.length - 1], s.penaltyLastN);
    const recent = Array.from(window).filter((id) => id !== 0xffffffff);
    const penalty = s.repetitionPenalty > 0 ? s.repetitionPenalty : 1;
    if (!(s.temperature > 0)) {
      this.sampler.skip();
      return argmax(penalty === 1 ? logits : applyRepetitionPenalty(logits, recent, penalty));
    }
    const k = Math.max(1, Math.min(s.topK > 0 ? s.topK : MAX_TOP_K, MAX_TOP_K, logits.length));
    const c = topK(logits, k, s.temperature, recent, penalty);
    // A masked-out token has probability 0 here: keep only those the draw may pick.
    const keep = Array.from(c.probs).filter((p) => p > 0).length;
    return this.sampler.draw({ ids: c.ids.slice(0, keep), probs: c.probs.slice(0, keep) }, { topP: s.topP, minP: s.minP });
  }
}
