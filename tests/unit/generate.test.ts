import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING, generate, pendingStopPrefix, reusePrefix, type ForwardBackend, type TextDecoder } from '../../engine/generate.ts';

/** A fake model: the next token is a function of the whole history; it records what it ran. */
class FakeBackend implements ForwardBackend {
  history: number[] = [];
  runs: number[][] = [];
  resets = 0;
  constructor(readonly contextLength: number, private readonly next: (h: readonly number[]) => number, private readonly canRewind = true) {}
  async evalAndSample(tokens: readonly number[]): Promise<number> {
    if (tokens.length === 0) throw new Error('nothing to run');
    this.runs.push([...tokens]);
    this.history.push(...tokens);
    return this.next(this.history);
  }
  rewind(n: number): boolean {
    if (!this.canRewind) return false;
    this.history.length = n;
    return true;
  }
  reset(): void {
    this.history = [];
    this.resets++;
  }
}

/** Token t decodes to the character at code point t (so text is easy to reason about). */
const chars: () => TextDecoder = () => ({ push: (t) => String.fromCodePoint(t), flush: () => '' });
const counting = (h: readonly number[]) => 97 + (h.length % 26); // 'a'.. by position
const EOS = 0;

describe('generate', () => {
  it('stops at max tokens and streams exactly the returned text', async () => {
    const b = new FakeBackend(100, counting);
    let streamed = '';
    const r = await generate(b, [1, 2, 3], { maxTokens: 5, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOS, decoder: chars(), onText: (d) => (streamed += d) });
    expect(r.stopReason).toBe('max-tokens');
    expect(r.tokens).toEqual([100, 101, 102, 103, 104]);
    expect(r.text).toBe('defgh');
    expect(streamed).toBe(r.text);
    expect(b.runs).toEqual([[1, 2, 3], [100], [101], [102], [103]]);
  });

  it('stops on an end-of-generation token without emitting it', async () => {
    const b = new FakeBackend(100, (h) => (h.length >= 5 ? EOS : 120));
    const r = await generate(b, [1, 2], { maxTokens: 50, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOS, decoder: chars() });
    expect(r.stopReason).toBe('eos');
    expect(r.tokens).toEqual([120, 120, 120]);
  });

  it('cuts at a stop string and never streams any part of it', async () => {
    const b = new FakeBackend(100, counting); // emits d e f g h i j ...
    let streamed = '';
    const r = await generate(b, [1, 2, 3], { maxTokens: 50, sampling: DEFAULT_SAMPLING, stop: ['fgh'], isEog: () => false, decoder: chars(), onText: (d) => (streamed += d) });
    expect(r.stopReason).toBe('stop-string');
    expect(r.text).toBe('de');
    expect(streamed).toBe('de');
  });

  it('reports a full context', async () => {
    const b = new FakeBackend(8, counting);
    const r = await generate(b, [1, 2, 3], { maxTokens: 50, sampling: DEFAULT_SAMPLING, isEog: () => false, decoder: chars() });
    expect(r.stopReason).toBe('context-full');
    expect(b.history.length).toBeLessThan(8);
    const full = await generate(new FakeBackend(3, counting), [1, 2, 3], { maxTokens: 5, sampling: DEFAULT_SAMPLING, isEog: () => false, decoder: chars() });
    expect(full.stopReason).toBe('context-full');
    expect(full.tokens).toEqual([]);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    const b = new FakeBackend(100, (h) => { if (h.length > 6) ac.abort(); return 120; });
    const r = await generate(b, [1, 2], { maxTokens: 50, sampling: DEFAULT_SAMPLING, isEog: () => false, decoder: chars(), signal: ac.signal });
    expect(r.stopReason).toBe('aborted');
    expect(r.tokens.length).toBeLessThan(10);
  });

  it('continues a conversation without re-running its prefix', async () => {
    const b = new FakeBackend(100, counting);
    const first = await generate(b, [1, 2, 3], { maxTokens: 3, sampling: DEFAULT_SAMPLING, isEog: () => false, decoder: chars() });
    const followUp = [1, 2, 3, ...first.tokens, 7, 8];
    b.runs = [];
    const second = await generate(b, followUp, { maxTokens: 1, sampling: DEFAULT_SAMPLING, isEog: () => false, decoder: chars() });
    // the last generated token was never run through the model, so it is run with the new turn
    expect(b.runs[0]).toEqual([first.tokens[2], 7, 8]);
    expect(second.timings.prefilledTokens).toBe(3);
    expect(second.timings.promptTokens).toBe(followUp.length);
  });
});

describe('reusePrefix', () => {
  it('rewinds to the common prefix, keeping at least one token to run', () => {
    const b = new FakeBackend(100, counting);
    b.history = [1, 2, 3, 4];
    expect(reusePrefix(b, [1, 2, 9])).toEqual([9]);
    expect(b.history).toEqual([1, 2]);
    b.history = [1, 2, 3];
    expect(reusePrefix(b, [1, 2, 3])).toEqual([3]);
    expect(b.history).toEqual([1, 2]);
  });

  it('resets a backend that cannot rewind', () => {
    const b = new FakeBackend(100, counting, false);
    b.history = [1, 2, 3, 4];
    expect(reusePrefix(b, [1, 2, 9])).toEqual([1, 2, 9]);
    expect(b.resets).toBe(1);
  });
});

describe('pendingStopPrefix', () => {
  it('holds back the longest tail that could start a stop string', () => {
    expect(pendingStopPrefix('hello <|im', ['<|im_end|>'])).toBe(4);
    expect(pendingStopPrefix('hello', ['<|im_end|>'])).toBe(0);
    expect(pendingStopPrefix('ab', ['bc', 'abx'])).toBe(2);
  });
});
