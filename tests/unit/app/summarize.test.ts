import { describe, expect, it } from 'vitest';
import { resumeLabel, resumePart, splitIntoChunks, summarizeDocument, SummaryInterrupted, type SummaryProgress } from '../../../app/tasks/summarize.ts';

// A stand-in token counter: one token per whitespace-separated word.
const words = async (s: string) => s.split(/\s+/).filter(Boolean).length;

function paragraphs(n: number, wordsEach: number): string {
  return Array.from({ length: n }, (_, p) => Array.from({ length: wordsEach }, (_, w) => `p${p}w${w}`).join(' ') + '.').join('\n\n');
}

describe('splitIntoChunks', () => {
  it('keeps paragraphs whole and every chunk within budget, in order', async () => {
    const text = paragraphs(20, 37);
    const chunks = await splitIntoChunks(text, 100, words);
    for (const c of chunks) expect(await words(c)).toBeLessThanOrEqual(100);
    expect(chunks.join(' ').split(/\s+/)).toEqual(text.split(/\s+/));
    for (const c of chunks) expect(c.split('\n\n').every((p) => p.startsWith('p') && p.endsWith('.'))).toBe(true);
  });

  it('splits an oversized paragraph on sentences, then words, then characters', async () => {
    const long = Array.from({ length: 50 }, (_, i) => `Sentence ${i} has five words.`).join(' ');
    const chunks = await splitIntoChunks(long, 12, words);
    for (const c of chunks) expect(await words(c)).toBeLessThanOrEqual(12);
    expect(chunks.join(' ')).toBe(long);
    const blob = 'x'.repeat(1000);
    const chars = async (s: string) => s.length;
    const pieces = await splitIntoChunks(blob, 64, chars);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(64);
    expect(pieces.join('')).toBe(blob);
  });
});

describe('summarizeDocument', () => {
  function fakeModel() {
    const calls: string[] = [];
    return {
      calls,
      generate: async (messages: { content: string }[], _max: number, onToken: (d: string) => void) => {
        const prompt = messages[messages.length - 1].content;
        calls.push(prompt);
        const out = `summary#${calls.length}`;
        onToken(out);
        return out;
      },
    };
  }

  it('summarizes in one pass when the document fits the context', async () => {
    const m = fakeModel();
    const progress: SummaryProgress[] = [];
    let streamed = '';
    const out = await summarizeDocument(paragraphs(3, 20), 'tldr', 'short', {
      contextLength: 2048, countTokens: words, generate: m.generate, onProgress: (p) => progress.push(p), onToken: (d) => (streamed += d),
    });
    expect(m.calls).toHaveLength(1);
    expect(progress).toEqual([{ kind: 'single' }]);
    expect(out).toBe('summary#1');
    expect(streamed).toBe(out);
  });

  it('goes map-reduce with progress when the document is over the context', async () => {
    const m = fakeModel();
    const progress: SummaryProgress[] = [];
    const text = paragraphs(40, 60); // 2400 words
    const out = await summarizeDocument(text, 'key-points', 'medium', {
      contextLength: 1024, countTokens: words, generate: m.generate, onProgress: (p) => progress.push(p),
    });
    const states = progress.flatMap((p) => (p.kind === 'parts' ? [p.parts.map((s) => s.state)] : []));
    const n = states[0].length;
    expect(n).toBeGreaterThan(3);
    expect(states[0]).toEqual(Array(n).fill('waiting'));
    expect(states[states.length - 1]).toEqual(Array(n).fill('done'));
    // One at a time (no parallel given): part k is written once parts 1..k-1 are done, and no other.
    for (const st of states) {
      const writing = st.flatMap((s, i) => (s === 'writing' ? [i] : []));
      expect(writing.length).toBeLessThanOrEqual(1);
      if (writing.length === 1) expect(st.slice(0, writing[0]).every((s) => s === 'done')).toBe(true);
    }
    expect(progress[progress.length - 1]).toEqual({ kind: 'combine', round: 1 });
    // every word of the document went to exactly one map step
    const seen = m.calls.slice(0, n).join(' ');
    for (let p = 0; p < 40; p++) expect(seen).toContain(`p${p}w59.`);
    expect(m.calls[m.calls.length - 1]).toContain('Part 1:\nsummary#1');
    expect(out).toBe(`summary#${m.calls.length}`);
  });

  it('refuses a context too small to hold any text', async () => {
    const m = fakeModel();
    await expect(summarizeDocument('hi', 'tldr', 'long', { contextLength: 512, countTokens: words, generate: m.generate })).rejects.toThrow(/too small/);
  });

  describe('a failure mid map-reduce keeps the finished parts', () => {
    const text = paragraphs(40, 60); // 2400 words: several parts at a 1024-token context
    /** A fake engine that throws once, on the call whose prompt names `failAt`. */
    function flakyModel(failAt: string) {
      const calls: string[] = [];
      let failed = false;
      return {
        calls,
        generate: async (messages: { content: string }[], _max: number, onToken: (d: string) => void) => {
          const prompt = messages[messages.length - 1].content;
          calls.push(prompt);
          if (!failed && prompt.includes(failAt)) {
            failed = true;
            throw new Error('GPU device lost');
          }
          const out = `summary#${calls.length}`;
          onToken(out);
          return out;
        },
      };
    }
    const deps = (m: ReturnType<typeof flakyModel>, extra: object = {}) => ({ contextLength: 1024, countTokens: words, generate: m.generate, model: 'tiny', ...extra });

    it('the error keeps parts 1..k-1; a retry starts at part k and combines every part', async () => {
      const m = flakyModel('This is part 3 of');
      const err = await summarizeDocument(text, 'key-points', 'short', deps(m)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SummaryInterrupted);
      const { checkpoint } = err as SummaryInterrupted;
      const parts = checkpoint.chunks.length;
      expect(parts).toBeGreaterThan(3);
      expect(checkpoint.partials).toEqual(['summary#1', 'summary#2', ...Array(parts - 2).fill(null)]);
      expect((err as Error).message).toBe(`Stopped at part 3 of ${parts}: GPU device lost`);
      expect(resumePart(checkpoint, text, 1024, 'tiny')).toBe(3);
      expect(resumeLabel(3, parts)).toBe('Resume from part 3');

      const before = m.calls.length;
      const progress: SummaryProgress[] = [];
      const out = await summarizeDocument(text, 'key-points', 'short', deps(m, { onProgress: (p: SummaryProgress) => progress.push(p) }), checkpoint);
      const retried = m.calls.slice(before);
      // Parts 1 and 2 are not asked again: the retry begins with part 3 and asks each later part once.
      expect(retried[0]).toContain(`This is part 3 of ${parts}`);
      expect(retried.filter((c) => /This is part \d+ of/.test(c)).map((c) => Number(/This is part (\d+) of/.exec(c)![1])))
        .toEqual(Array.from({ length: parts - 2 }, (_, i) => i + 3));
      expect(progress[0]).toEqual({ kind: 'parts', parallel: 1, parts: Array.from({ length: parts }, (_, i) => ({ state: i < 2 ? 'kept' : 'waiting', chars: 0 })) });
      // The combine step sees the first run's parts 1 and 2 and the retry's parts, in order.
      const combine = retried[retried.length - 1];
      expect(combine).toContain('Part 1:\nsummary#1\n\nPart 2:\nsummary#2\n\nPart 3:\nsummary#4');
      expect(combine).toContain(`Part ${parts}:`);
      expect(out).toBe(`summary#${m.calls.length}`);
    });

    it('a failure while combining keeps every part; the retry only combines', async () => {
      const m = flakyModel('These are summaries of consecutive parts');
      const err = await summarizeDocument(text, 'tldr', 'short', deps(m)).catch((e: unknown) => e) as SummaryInterrupted;
      const parts = err.checkpoint.chunks.length;
      expect(err.checkpoint.partials).toHaveLength(parts);
      expect(err.message).toBe('Stopped at combining the parts: GPU device lost');
      expect(resumeLabel(resumePart(err.checkpoint, text, 1024, 'tiny')!, parts)).toBe('Resume: combine the parts');
      const before = m.calls.length;
      await summarizeDocument(text, 'tldr', 'short', deps(m), err.checkpoint);
      expect(m.calls.length - before).toBe(1);
      expect(m.calls[m.calls.length - 1]).toContain('These are summaries of consecutive parts');
    });

    it('a part cut short by Stop is not kept', async () => {
      const controller = new AbortController();
      const m = fakeModel();
      const generate = async (messages: { content: string }[], max: number, onToken: (d: string) => void) => {
        const out = await m.generate(messages, max, onToken);
        if (m.calls.length === 2) controller.abort();
        return out;
      };
      const err = await summarizeDocument(text, 'tldr', 'short', { contextLength: 1024, countTokens: words, generate, signal: controller.signal })
        .catch((e: unknown) => e) as SummaryInterrupted;
      expect(err).toBeInstanceOf(SummaryInterrupted);
      expect(err.checkpoint.partials).toEqual(['summary#1', ...Array(err.checkpoint.chunks.length - 1).fill(null)]);
    });

    it('a checkpoint applies only to the same text, context and model', async () => {
      const m = flakyModel('This is part 2 of');
      const { checkpoint } = await summarizeDocument(text, 'tldr', 'short', deps(m)).catch((e: unknown) => e) as SummaryInterrupted;
      expect(resumePart(checkpoint, text, 1024, 'tiny')).toBe(2);
      expect(resumePart(checkpoint, `${text} more`, 1024, 'tiny')).toBeUndefined();
      expect(resumePart(checkpoint, text, 2048, 'tiny')).toBeUndefined();
      expect(resumePart(checkpoint, text, 1024, 'other')).toBeUndefined();
      expect(resumePart(undefined, text, 1024, 'tiny')).toBeUndefined();
      // Given for another text, it is ignored: every part is summarized afresh.
      const fresh = fakeModel();
      const other = paragraphs(40, 59);
      await summarizeDocument(other, 'tldr', 'short', { contextLength: 1024, countTokens: words, generate: fresh.generate, model: 'tiny' }, checkpoint);
      expect(fresh.calls[0]).toContain('This is part 1 of');
      expect(fresh.calls[0]).toContain('p0w58.');
    });

    it('a failure on the first part keeps nothing to resume', async () => {
      const m = flakyModel('This is part 1 of');
      const { checkpoint } = await summarizeDocument(text, 'tldr', 'short', deps(m)).catch((e: unknown) => e) as SummaryInterrupted;
      expect(checkpoint.partials.every((p) => p === null)).toBe(true);
      expect(resumePart(checkpoint, text, 1024, 'tiny')).toBeUndefined();
    });

    it('a checkpoint stored before parts ran at once (the finished prefix only) still resumes', () => {
      const checkpoint = { text, contextLength: 1024, model: 'tiny', chunks: ['a', 'b', 'c', 'd'], partials: ['s1', 's2'] };
      expect(resumePart(checkpoint, text, 1024, 'tiny')).toBe(3);
    });
  });

  describe('parts several at a time', () => {
    const text = paragraphs(40, 60);
    /** A fake engine whose generations take turns with the event loop, recording lanes in use. */
    function slowModel(failAt?: string) {
      const calls: { prompt: string; lane: number }[] = [];
      const busy = new Set<number>();
      let most = 0;
      let failed = false;
      return {
        calls, get most() { return most; },
        generate: async (messages: { content: string }[], _max: number, onToken: (d: string) => void, lane: number) => {
          const prompt = messages[messages.length - 1].content;
          expect(busy.has(lane), `lane ${lane} given two generations at once`).toBe(false);
          busy.add(lane);
          most = Math.max(most, busy.size);
          calls.push({ prompt, lane });
          const n = calls.length;
          try {
            // Later parts finish sooner, so that parts finish out of order.
            const part = Number(/This is part (\d+) of/.exec(prompt)?.[1] ?? 0);
            for (let i = 0; i < 12 - part; i++) await new Promise((r) => setTimeout(r, 0));
            if (!failed && failAt && prompt.includes(failAt)) {
              failed = true;
              throw new Error('GPU device lost');
            }
            onToken(`summary#${n}`);
            return `summary#${n}`;
          } finally {
            busy.delete(lane);
          }
        },
      };
    }

    it('runs up to `parallel` parts at once on distinct lanes, and combines them in document order', async () => {
      const m = slowModel();
      const progress: SummaryProgress[] = [];
      const out = await summarizeDocument(text, 'key-points', 'short', {
        contextLength: 1024, countTokens: words, generate: m.generate, parallel: 3, onProgress: (p) => progress.push(p),
      });
      expect(m.most).toBe(3);
      const mapCalls = m.calls.filter((c) => c.prompt.includes('This is part'));
      const parts = mapCalls.length;
      expect(parts).toBeGreaterThan(3);
      expect(progress.some((p) => p.kind === 'parts' && p.parts.filter((s) => s.state === 'writing').length === 3)).toBe(true);
      // The combine lists each part's own summary under its number, whatever order they finished in.
      const combine = m.calls[m.calls.length - 1].prompt;
      for (let i = 1; i <= parts; i++) {
        const call = m.calls.findIndex((c) => c.prompt.includes(`This is part ${i} of`));
        expect(combine).toContain(`Part ${i}:\nsummary#${call + 1}`);
      }
      expect(out).toBe(`summary#${m.calls.length}`);
    });

    it('a failing part keeps every finished part, before and after it; the retry runs only the missing ones', async () => {
      const m = slowModel('This is part 2 of');
      const deps = { contextLength: 1024, countTokens: words, model: 'tiny', parallel: 3 };
      const err = await summarizeDocument(text, 'tldr', 'short', { ...deps, generate: m.generate }).catch((e: unknown) => e) as SummaryInterrupted;
      expect(err).toBeInstanceOf(SummaryInterrupted);
      const { checkpoint } = err;
      // Parts 1 and 3 ran beside part 2 and finished; no lane took a part after the failure.
      expect(typeof checkpoint.partials[0]).toBe('string');
      expect(checkpoint.partials[1]).toBeNull();
      expect(typeof checkpoint.partials[2]).toBe('string');
      expect(err.message).toMatch(/^Stopped at part 2 of \d+: GPU device lost$/);
      expect(resumePart(checkpoint, text, 1024, 'tiny')).toBe(2);
      const kept = checkpoint.partials.flatMap((p, i) => (typeof p === 'string' ? [i + 1] : []));
      const before = m.calls.length;
      await summarizeDocument(text, 'tldr', 'short', { ...deps, generate: m.generate }, checkpoint);
      const rerun = m.calls.slice(before).flatMap((c) => { const k = /This is part (\d+) of/.exec(c.prompt); return k ? [Number(k[1])] : []; });
      expect(rerun.sort((a, b) => a - b)).toEqual(Array.from({ length: checkpoint.chunks.length }, (_, i) => i + 1).filter((k) => !kept.includes(k)));
    });
  });
});
