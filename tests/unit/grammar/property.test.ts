// Property: whatever a model prefers, constrained decoding only produces outputs that parse and
// validate. Random schemas of the subset (and the agenda schema) are decoded by random "models"
// — per-generation random token biases, some boosting quotes, backslashes, digits and bytes that
// split characters, plus per-step noise — through generate() and ConstrainedBackend, on the llama
// fixture's SPM vocabulary (byte tokens) and Qwen3's 151 936-token BPE vocabulary. Half of the
// generations sample full-vocabulary masked logits; half take the unmasked top-k, filter it with
// maskCandidates and fall back to the masked vocabulary when nothing survives. Every finished
// output must decode as UTF-8, JSON.parse, and pass ajv. Re-run one with GRAMMAR_SEED=<seed>.
import { describe, expect, it } from 'vitest';
import { AGENDA_SCHEMA } from '../../../app/tasks/agenda-schema.ts';
import { Sampler } from '../../../engine/sampler.ts';
import { generate, DEFAULT_SAMPLING, type SamplingSettings } from '../../../engine/generate.ts';
import { maskCandidates } from '../../../model/grammar/candidates.ts';
import { ConstrainedBackend, type MaskableBackend } from '../../../engine/constrained.ts';
import type { TokenIndex } from '../../../model/grammar/token-index.ts';
import { fixtureIndex, grammarFor, judge, prng, randomSchema } from './helpers.ts';

const SEED = Number(process.env.GRAMMAR_SEED ?? 0x9e3779);
// Strings without maxLength rarely close under a random model (a quote is one token in ~500):
// such generations run into their token budget, where the backend closes the value itself.
const GENERATIONS = 600;

/** A random model over a vocabulary: fixed per-token biases (some classes boosted) plus fresh noise each step. */
class RandomModel implements MaskableBackend {
  readonly contextLength = 1 << 20;
  readonly history: number[] = [];
  private readonly bias: Float32Array;
  private readonly r: () => number;
  private readonly sampler: Sampler;
  fallbacks = 0;

  constructor(private readonly ix: TokenIndex, seed: number, private readonly topK: number) {
    this.r = prng(seed);
    this.sampler = new Sampler(seed);
    const boost = [this.r() * 4, this.r() * 4, this.r() * 4, this.r() * 4];
    this.bias = new Float32Array(ix.size);
    for (let id = 0; id < ix.size; id++) {
      const p = ix.pieces[id];
      let b = this.r() * 3;
      if (p) {
        if (p.includes(0x22)) b += boost[0];
        if (p.includes(0x5c)) b += boost[1];
        if (p.some((x) => x >= 0x80)) b += boost[2];
        if (p.some((x) => x >= 0x30 && x <= 0x39)) b += boost[3];
      }
      this.bias[id] = b;
    }
  }

  evalAndSample(): Promise<number> { throw new Error('unconstrained sampling is not used here'); }

  async evalAndSampleMasked(tokens: readonly number[], _s: SamplingSettings, mask: Uint32Array): Promise<number> {
    this.history.push(...tokens);
    if (this.topK > 0) {
      const c = maskCandidates(this.topCandidates(), mask);
      if (c) return this.sampler.draw(c, { topP: 0.95 });
      this.fallbacks++;
    }
    // Full masked vocabulary: argmax of bias + uniform noise over the allowed tokens.
    let best = -1, bestV = -Infinity;
    for (let w = 0; w < mask.length; w++) {
      let bits = mask[w];
      while (bits !== 0) {
        const low = bits & -bits;
        const id = w * 32 + 31 - Math.clz32(low);
        bits ^= low;
        const v = this.bias[id] + this.r() * 3;
        if (v > bestV) { bestV = v; best = id; }
      }
    }
    return best;
  }

  /** The k best of bias + noise over the whole vocabulary, with softmax probabilities over those k. */
  private topCandidates(): { ids: Uint32Array; probs: Float32Array } {
    const k = this.topK;
    const ids: number[] = [], vals: number[] = [];
    for (let id = 0; id < this.ix.size; id++) {
      const v = this.bias[id] + this.r() * 2;
      if (vals.length === k && v <= vals[k - 1]) continue;
      let i = vals.length === k ? k - 1 : vals.length;
      while (i > 0 && vals[i - 1] < v) { vals[i] = vals[i - 1]; ids[i] = ids[i - 1]; i--; }
      vals[i] = v; ids[i] = id;
    }
    const w = vals.map((v) => Math.exp(v - vals[0]));
    const sum = w.reduce((a, b) => a + b, 0);
    return { ids: Uint32Array.from(ids), probs: Float32Array.from(w, (x) => x / sum) };
  }

  rewind(): boolean { return false; }
  reset(): void { this.history.length = 0; }
}

interface Outcome { completed: boolean; tokens: number; fallbacks: number; closed: boolean }

async function decodeOne(ix: TokenIndex, schema: object, seed: number, topK: number, validate: (v: unknown) => boolean, errors: () => unknown): Promise<Outcome> {
  const g = grammarFor(schema, ix);
  const model = new RandomModel(ix, seed, topK);
  // Budgets from just above what closing the value from the start needs (plus the backend's
  // reserve) to a few hundred tokens: most random-model outputs run into them and are closed.
  const needed = g.matcher().completion()!.length;
  const maxTokens = needed + 2 * 16 + Math.floor(prng(seed ^ 0x5bd1e995)() * 300);
  const backend = new ConstrainedBackend(model, g.matcher(), ix.eog[0], { budget: maxTokens });
  const bytes: number[] = [];
  const sampling: SamplingSettings = { ...DEFAULT_SAMPLING, seed };
  const out = await generate(backend, [0], {
    maxTokens,
    sampling,
    isEog: (id) => ix.eog.includes(id),
    decoder: { push: (id) => { bytes.push(...ix.pieces[id]!); return ''; }, flush: () => '' },
  });
  const what = `seed ${seed} top-k ${topK} vocab ${ix.size} budget ${maxTokens} schema ${JSON.stringify(schema)}`;
  expect(backend.completed, `${what}: the value was not closed within the budget (${out.stopReason})`).toBe(true);
  expect(out.tokens.length).toBeLessThanOrEqual(maxTokens);
  // Ended by the end-of-generation token, or by the completion's last token at the limit.
  if (out.stopReason !== 'eos') expect([out.stopReason, backend.closingTokens > 0], what).toEqual(['max-tokens', true]);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  let value: unknown;
  try { value = JSON.parse(text); } catch (e) { expect.fail(`${what}: output does not parse (${(e as Error).message}): ${text}`); }
  if (!validate(value)) expect.fail(`${what}: output ${text} fails the schema: ${JSON.stringify(errors())}`);
  return { completed: true, tokens: out.tokens.length, fallbacks: model.fallbacks, closed: backend.closingTokens > 0 };
}

async function run(ix: TokenIndex, schemas: { schema: object; seed: number }[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const [i, { schema, seed }] of schemas.entries()) {
    const ajv = judge();
    const validate = ajv.compile(schema);
    outcomes.push(await decodeOne(ix, schema, seed, i % 2 === 0 ? 0 : 8, validate, () => validate.errors));
  }
  return outcomes;
}

describe('constrained decoding: every finished output parses and validates', () => {
  it(`random schemas and the agenda on the llama fixture vocabulary, ${GENERATIONS} generations (seeds from ${SEED})`, async () => {
    const ix = await fixtureIndex('llama-F32');
    const jobs = Array.from({ length: GENERATIONS }, (_, i) => {
      const seed = SEED + i;
      return { schema: i % 13 === 0 ? AGENDA_SCHEMA : randomSchema(prng(seed)), seed };
    });
    const outcomes = await run(ix, jobs);
    const closed = outcomes.filter((o) => o.closed).length;
    console.log(`llama vocab: ${outcomes.length} completed, ${closed} of them closed at the budget, ${outcomes.reduce((a, o) => a + o.tokens, 0)} tokens, ${outcomes.reduce((a, o) => a + o.fallbacks, 0)} top-k fallbacks`);
    // Both endings occur: the model's own, and the completion written near the limit.
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThan(outcomes.length);
    expect(outcomes.some((o) => o.fallbacks > 0), 'the top-k path fell back to the masked vocabulary at least once').toBe(true);
  });

  it('the agenda and random schemas on the Qwen3 vocabulary', async () => {
    const ix = await fixtureIndex('tok-bpe-qwen3');
    const jobs = Array.from({ length: 16 }, (_, i) => ({ schema: i < 4 ? AGENDA_SCHEMA : randomSchema(prng(SEED + 5000 + i)), seed: SEED + 5000 + i }));
    const outcomes = await run(ix, jobs);
    console.log(`qwen3 vocab: ${outcomes.length} completed, ${outcomes.filter((o) => o.closed).length} closed at the budget, ${outcomes.reduce((a, o) => a + o.tokens, 0)} tokens`);
  });
});
