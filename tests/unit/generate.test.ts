import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING, generate, pendingStopPrefix, reusePrefix, type ForwardBackend, type TextDecoder } from '../../engine/generate.ts';
import { KNOWN_THINK_TAGS, ReasoningSplitter } from '../../model/chat/reasoning.ts';

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

/** A model that writes `script` token by token (one character each), then `filler` forever. */
class ScriptedBackend implements ForwardBackend {
  history: number[] = [];
  runs: number[][] = [];
  answerBegunAt?: number;
  private out = 0;
  constructor(readonly contextLength: number, private readonly script: string, private readonly filler = 'z') {}
  async evalAndSample(tokens: readonly number[]): Promise<number> {
    this.runs.push([...tokens]);
    this.history.push(...tokens);
    const c = this.out < this.script.length ? this.script[this.out] : this.filler;
    this.out++;
    return c === '$' ? EOS : c.codePointAt(0)!;
  }
  beginAnswer(): void { this.answerBegunAt = this.runs.length; }
  rewind(n: number): boolean { this.history.length = n; return true; }
  reset(): void { this.history = []; }
}

const codes = (s: string) => [...s].map((c) => c.codePointAt(0)!);

describe('generate with reasoning', () => {
  const tags = KNOWN_THINK_TAGS[0];

  it('streams reasoning apart, returns the answer as text, and counts only answer tokens against maxTokens', async () => {
    const reasoning = 'a long line of thought, much longer than the answer budget';
    const b = new ScriptedBackend(1000, `<think>${reasoning}</think>\n\nShort answer here`);
    const parts: Record<string, string> = { reasoning: '', answer: '' };
    const r = await generate(b, [1, 2], {
      maxTokens: 5, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOS, decoder: chars(),
      onText: (d, part) => { parts[part] += d; },
      reasoning: { splitter: new ReasoningSplitter(tags), maxTokens: 4096, closeTokens: codes('</think>\n\n') },
    });
    expect(r.reasoning).toBe(reasoning);
    expect(parts.reasoning).toBe(reasoning);
    expect(r.text).toBe('Short');
    expect(parts.answer).toBe('Short');
    expect(r.stopReason).toBe('max-tokens');
    expect(r.reasoningTokens).toBe(`<think>${reasoning}</think>`.length + 2);
    expect(r.tokens.length).toBe(r.reasoningTokens + 5);
  });

  it('closes reasoning that runs past its own budget, then answers', async () => {
    const b = new ScriptedBackend(1000, 'thinkingABCDEFG', 'y');
    const r = await generate(b, [1], {
      maxTokens: 3, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOS, decoder: chars(),
      reasoning: { splitter: new ReasoningSplitter(tags, { startInReasoning: true }), maxTokens: 8, closeTokens: codes('</think>\n\n') },
    });
    expect(r.reasoning).toBe('thinking');
    expect(r.reasoningTokens).toBe(8 + codes('</think>\n\n').length);
    // The close tag was run through the model with the last reasoning token, in one evaluation.
    const closing = b.runs.findIndex((run) => run.length > 1 && run[0] === codes('g')[0]);
    expect(b.runs[closing]).toEqual([codes('g')[0], ...codes('</think>\n\n')]);
    // The backend heard that the answer starts with the token this run samples (a constrained one starts here).
    expect(b.answerBegunAt).toBe(closing);
    expect(r.text).toBe('ABC');
    expect(r.stopReason).toBe('max-tokens');
  });

  it('stop strings apply to the answer only', async () => {
    const b = new ScriptedBackend(1000, '<think>I must not say STOP early</think>Fine STOP more$');
    const r = await generate(b, [1], {
      maxTokens: 100, sampling: DEFAULT_SAMPLING, stop: ['STOP'], isEog: (t) => t === EOS, decoder: chars(),
      reasoning: { splitter: new ReasoningSplitter(tags), maxTokens: 100, closeTokens: [] },
    });
    expect(r.reasoning).toBe('I must not say STOP early');
    expect(r.text).toBe('Fine ');
    expect(r.stopReason).toBe('stop-string');
  });

  it('a tag that is a control token (decodes to nothing) still splits', async () => {
    const OPEN = 900, CLOSE = 901;
    const seq = [OPEN, ...codes('hm'), CLOSE, ...codes('ok'), EOS];
    let i = 0;
    const b: ForwardBackend = { contextLength: 100, history: [], evalAndSample: async () => seq[i++], rewind: () => true, reset: () => {} };
    const r = await generate(b, [1], {
      maxTokens: 10, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOS,
      decoder: { push: (t) => (t >= 900 ? '' : String.fromCodePoint(t)), flush: () => '' },
      reasoning: { splitter: new ReasoningSplitter(tags), maxTokens: 100, closeTokens: [CLOSE], tagTokens: new Map([[OPEN, tags.open], [CLOSE, tags.close]]) },
    });
    expect(r.reasoning).toBe('hm');
    expect(r.text).toBe('ok');
  });

  it('without a think block everything is answer and the answer begins at once', async () => {
    const b = new ScriptedBackend(1000, 'just text$');
    const r = await generate(b, [1], {
      maxTokens: 100, sampling: DEFAULT_SAMPLING, isEog: (t) => t === EOS, decoder: chars(),
      reasoning: { splitter: new ReasoningSplitter(tags), maxTokens: 100, closeTokens: [] },
    });
    expect(r.text).toBe('just text');
    expect(r.reasoning).toBeUndefined();
    expect(r.reasoningTokens).toBe(0);
    expect(b.answerBegunAt).toBe(0);
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
