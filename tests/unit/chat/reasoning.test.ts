// The reasoning splitter: tags split at every point of a stream, generation that starts inside the
// reasoning (a template that opens <think> in the prompt), output without reasoning, and tag
// detection from a real vocabulary (Qwen3) and from templates.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOWN_THINK_TAGS, ReasoningSplitter, detectThinkTags, promptOpensReasoning, type SplitPiece } from '../../../model/chat/reasoning.ts';
import { tokenizerFromGguf } from '../../../model/tokenizer/tokenizer.ts';
import { readFixture } from '../tokenizer/helpers.ts';

const THINK = KNOWN_THINK_TAGS[0];

/** Feeds `chunks` and returns both parts as joined and the pieces in the order they came out. */
function run(chunks: readonly string[], startInReasoning = false) {
  const s = new ReasoningSplitter(THINK, { startInReasoning });
  const pieces: SplitPiece[] = [];
  for (const c of chunks) pieces.push(...s.push(c));
  pieces.push(...s.flush());
  const join = (part: string) => pieces.filter((p) => p.part === part).map((p) => p.text).join('');
  return { reasoning: join('reasoning'), answer: join('answer'), pieces, splitter: s };
}

/** Every way of cutting `text` into two or three chunks. */
function* cuts(text: string): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j += 3) yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
  }
}

describe('ReasoningSplitter', () => {
  it('splits a leading think block from the answer, whatever the chunking', () => {
    const text = '<think>\nThe user wants a summary.\n</think>\n\nThe launch moves to May.';
    for (const chunks of cuts(text)) {
      const r = run(chunks);
      expect(r.reasoning.trim(), JSON.stringify(chunks)).toBe('The user wants a summary.');
      expect(r.answer, JSON.stringify(chunks)).toBe('The launch moves to May.');
      expect(r.splitter.hadReasoning).toBe(true);
    }
  });

  it('streams one character at a time without ever giving out part of a tag', () => {
    const r = run([...'  <think>a < b, and </thin is not a tag</think>Answer <think> stays']);
    expect(r.reasoning).toBe('a < b, and </thin is not a tag');
    expect(r.answer).toBe('Answer <think> stays');
    for (const p of r.pieces) expect(p.text).not.toContain('</think>');
    // Reasoning comes out before the close tag is complete: nothing is held back longer than a tag prefix.
    expect(r.pieces.filter((p) => p.part === 'reasoning').length).toBeGreaterThan(5);
  });

  it('starts inside the reasoning when the prompt opened it (Jamba Reasoning, forced thinking)', () => {
    for (const chunks of cuts('Think about it.\n</think>\n\nDone.')) {
      const r = run(chunks, true);
      expect(r.reasoning.trim()).toBe('Think about it.');
      expect(r.answer).toBe('Done.');
    }
  });

  it('output without a think block is all answer, leading whitespace kept out', () => {
    for (const chunks of cuts('\n Plain answer, no <think> here')) {
      const r = run(chunks);
      expect(r.reasoning).toBe('');
      expect(r.answer).toBe('Plain answer, no <think> here');
      expect(r.splitter.hadReasoning).toBe(false);
    }
  });

  it('an empty think block (thinking switched off in the template) gives an empty reasoning', () => {
    const r = run(['<think>\n\n</think>\n\n', 'Answer.']);
    expect(r.reasoning).toBe('');
    expect(r.answer).toBe('Answer.');
  });

  it('reasoning cut off before its close tag stays reasoning; a partial open tag at the end is answer', () => {
    const r = run(['<think>still going </thi']);
    expect(r.reasoning).toBe('still going </thi');
    expect(r.answer).toBe('');
    expect(r.splitter.inReasoning).toBe(true);
    expect(run(['<thi']).answer).toBe('<thi');
  });

  it('reports its part as it goes', () => {
    const s = new ReasoningSplitter(THINK);
    expect(s.part).toBe('answer');
    s.push('<think>');
    expect(s.part).toBe('reasoning');
    s.push('x</think>');
    expect(s.part).toBe('answer');
  });
});

describe('think tags', () => {
  it('are found in the Qwen3 vocabulary, in a template, and not in a model without them', async () => {
    const qwen = tokenizerFromGguf(await readFixture('tok-bpe-qwen3'));
    expect(detectThinkTags(qwen.vocab.tokenToId, '')).toEqual(THINK);
    const llama = tokenizerFromGguf(await readFixture('tok-spm-llama2'));
    expect(detectThinkTags(llama.vocab.tokenToId, '{{ messages }}')).toBeUndefined();
    const jamba = readFileSync(new URL('./templates/jamba-reasoning-3b.jinja', import.meta.url), 'utf8');
    expect(detectThinkTags(llama.vocab.tokenToId, jamba)).toEqual(THINK);
    expect(detectThinkTags(new Map(), '<|START_THINKING|> … <|END_THINKING|>')?.close).toBe('<|END_THINKING|>');
  });

  it('a prompt opens the reasoning when its last open tag is not closed', () => {
    expect(promptOpensReasoning('<|im_start|>assistant\n<think>\n', THINK)).toBe(true);
    expect(promptOpensReasoning('<|im_start|>assistant\n<think>\n\n</think>\n\n', THINK)).toBe(false);
    expect(promptOpensReasoning('<|im_start|>assistant\n', THINK)).toBe(false);
  });
});
