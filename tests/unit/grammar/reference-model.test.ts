// End to end on real forward passes: tiny random-weight fixture models (llama, mamba) run by the
// CPU reference, their logits masked by model/reference/logit-mask.ts, decoded greedily and with
// seeded top-k sampling through generate() and ConstrainedBackend: every output is complete,
// parses and validates, and the decode stops on the token that closes the value.
import { describe, expect, it } from 'vitest';
import { Sampler } from '../../../engine/sampler.ts';
import { DEFAULT_SAMPLING, generate, type SamplingSettings } from '../../../engine/generate.ts';
import { ConstrainedBackend, type MaskableBackend } from '../../../engine/constrained.ts';
import { createReferenceState, referenceForward, type ReferenceState } from '../../../model/reference/forward.ts';
import { applyLogitMask } from '../../../model/reference/logit-mask.ts';
import { argmax, topK } from '../../../model/reference/sampling.ts';
import { loadCase, type LoadedCase } from '../reference/fixture-model.ts';
import { fixtureIndex, grammarFor, judge } from './helpers.ts';

const SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 12 },
    when: { type: 'string', format: 'date' },
    attendees: { type: 'array', items: { type: 'string', maxLength: 6 }, minItems: 1, maxItems: 3 },
    priority: { enum: ['low', 'high', 'très haute'] },
    count: { type: 'integer' },
  },
  required: ['title', 'attendees', 'priority'],
};

class ReferenceBackend implements MaskableBackend {
  readonly contextLength = 512;
  readonly history: number[] = [];
  private state: ReferenceState;
  private readonly sampler: Sampler;

  constructor(private readonly c: LoadedCase, seed: number) {
    this.state = createReferenceState(c.plan, this.contextLength);
    this.sampler = new Sampler(seed);
  }

  evalAndSample(): Promise<number> { throw new Error('unconstrained sampling is not used here'); }

  async evalAndSampleMasked(tokens: readonly number[], s: SamplingSettings, mask: Uint32Array): Promise<number> {
    const logits = referenceForward(this.c.plan, this.c.weights, tokens, this.state);
    this.history.push(...tokens);
    const n = this.c.plan.nVocab;
    const last = applyLogitMask(logits.subarray(logits.length - n), mask);
    if (s.temperature === 0) return argmax(last);
    const c = topK(last, s.topK, s.temperature);
    const keep = Array.from(c.probs).filter((p) => p > 0).length;
    return this.sampler.draw({ ids: c.ids.slice(0, keep), probs: c.probs.slice(0, keep) }, { topP: s.topP, minP: s.minP });
  }

  rewind(): boolean { return false; }
  reset(): void { this.state = createReferenceState(this.c.plan, this.contextLength); this.history.length = 0; }
}

describe.each(['llama-F32', 'mamba-F32'])('%s through the CPU reference', (name) => {
  it('greedy and seeded sampling give complete, valid JSON', async () => {
    const c = await loadCase(name);
    const ix = await fixtureIndex(name);
    const validate = judge().compile(SCHEMA);
    for (const [temperature, seed] of [[0, 0], [1, 1], [1.5, 2], [0.7, 3]]) {
      const g = grammarFor(SCHEMA, ix);
      const backend = new ConstrainedBackend(new ReferenceBackend(c, seed), g.matcher(), ix.eog[0]);
      const bytes: number[] = [];
      const out = await generate(backend, c.manifest.tokens as number[], {
        maxTokens: 400,
        sampling: { ...DEFAULT_SAMPLING, temperature, topK: 40, seed },
        isEog: (id) => ix.eog.includes(id),
        decoder: { push: (id) => { bytes.push(...ix.pieces[id]!); return ''; }, flush: () => '' },
      });
      const text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      const what = `${name} T${temperature} seed ${seed}: ${text}`;
      expect(backend.completed, what).toBe(true);
      expect(out.stopReason, what).toBe('eos');
      expect(validate(JSON.parse(text)), `${what} ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
