// Constrained output after reasoning: the reasoning tokens pass through unconstrained (they hold
// characters JSON could not have there), the value is constrained from the token after the close
// tag, and the token budget counts the value's tokens only.
import { describe, expect, it } from 'vitest';
import { ConstrainedBackend, type MaskableBackend } from '../../../engine/constrained.ts';
import { DEFAULT_SAMPLING, generate, type SamplingSettings } from '../../../engine/generate.ts';
import { KNOWN_THINK_TAGS, ReasoningSplitter } from '../../../model/chat/reasoning.ts';
import { TokenIndex } from '../../../model/grammar/token-index.ts';
import { grammarFor } from './helpers.ts';

const enc = new TextEncoder();
// One token per printable ASCII byte, then the end-of-generation token.
const PIECES = Array.from({ length: 0x7f - 0x20 }, (_, i) => Uint8Array.of(0x20 + i));
const EOG = PIECES.length;
const index = new TokenIndex({ pieces: [...PIECES, null], eog: [EOG] });
const id = (c: string) => enc.encode(c)[0] - 0x20;
const ids = (s: string) => [...s].map(id);
const decoder = () => ({ push: (t: number) => (t === EOG ? '' : String.fromCharCode(t + 0x20)), flush: () => '' });

const SCHEMA = { type: 'object', properties: { a: { enum: ['x'] } }, required: ['a'] };

/** Writes `reasoning` unmasked; masked, takes the end token if allowed, else the first allowed non-space. */
class ScriptBackend implements MaskableBackend {
  readonly contextLength = 1000;
  history: number[] = [];
  unmasked = 0;
  masked = 0;
  private i = 0;
  constructor(private readonly reasoning: number[]) {}
  async evalAndSample(tokens: readonly number[]): Promise<number> {
    this.history.push(...tokens);
    this.unmasked++;
    return this.reasoning[this.i++] ?? id('!');
  }
  async evalAndSampleMasked(tokens: readonly number[], _s: SamplingSettings, mask: Uint32Array): Promise<number> {
    this.history.push(...tokens);
    this.masked++;
    const allowed = (t: number) => ((mask[t >>> 5] >>> (t & 31)) & 1) === 1;
    if (allowed(EOG)) return EOG;
    for (let t = 1; t < PIECES.length; t++) if (allowed(t)) return t;
    throw new Error('nothing allowed');
  }
  rewind(): boolean { return false; }
  reset(): void { this.history = []; }
}

describe('ConstrainedBackend with reasoning first', () => {
  it('lets the reasoning through, then constrains the answer, whose budget ignores the reasoning', async () => {
    const thought = 'I think {not json} <- fine here, and the thought goes on well past the budget';
    const inner = new ScriptBackend(ids(`${thought}</think>`));
    const maxTokens = 40; // the value {"a":"x"} is 9 tokens; the reasoning alone is longer than the budget
    const backend = new ConstrainedBackend(inner, grammarFor(SCHEMA, index).matcher(), EOG, { budget: maxTokens, reasoningFirst: true });
    const out = await generate(backend, [id('Q')], {
      maxTokens, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOG, decoder: decoder(),
      reasoning: { splitter: new ReasoningSplitter(KNOWN_THINK_TAGS[0], { startInReasoning: true }), maxTokens: 100, closeTokens: ids('</think>') },
    });
    expect(thought.length).toBeGreaterThan(maxTokens);
    expect(out.reasoning).toBe(thought);
    expect(out.text).toBe('{"a":"x"}');
    expect(JSON.parse(out.text)).toEqual({ a: 'x' });
    expect(backend.completed).toBe(true);
    expect(backend.closingTokens).toBe(0);
    expect(inner.unmasked).toBe(`${thought}</think>`.length);
    expect(inner.masked).toBe(out.text.length); // the closed value ends without another forward pass
  });

  it('without reasoning it constrains from the first token', async () => {
    const inner = new ScriptBackend(ids('<think>'));
    const backend = new ConstrainedBackend(inner, grammarFor(SCHEMA, index).matcher(), EOG, { budget: 20 });
    const out = await generate(backend, [id('Q')], { maxTokens: 20, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOG, decoder: decoder() });
    expect(out.text).toBe('{"a":"x"}');
    expect(inner.unmasked).toBe(0);
  });
});
