import { describe, expect, it } from 'vitest';
import { splitIntoChunks, summarizeDocument, type SummaryProgress } from '../../../app/tasks/summarize.ts';

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
    const parts = progress.filter((p) => p.kind === 'part');
    expect(parts.length).toBeGreaterThan(3);
    parts.forEach((p, i) => expect(p).toEqual({ kind: 'part', part: i + 1, parts: parts.length }));
    expect(progress[progress.length - 1]).toEqual({ kind: 'combine', round: 1 });
    // every word of the document went to exactly one map step
    const seen = m.calls.slice(0, parts.length).join(' ');
    for (let p = 0; p < 40; p++) expect(seen).toContain(`p${p}w59.`);
    expect(m.calls[m.calls.length - 1]).toContain('Part 1:\nsummary#1');
    expect(out).toBe(`summary#${m.calls.length}`);
  });

  it('refuses a context too small to hold any text', async () => {
    const m = fakeModel();
    await expect(summarizeDocument('hi', 'tldr', 'long', { contextLength: 512, countTokens: words, generate: m.generate })).rejects.toThrow(/too small/);
  });
});
