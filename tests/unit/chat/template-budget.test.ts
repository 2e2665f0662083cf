// Chat templates render under a budget (model/chat/template.ts): real templates use a tiny part of
// it even on long conversations, and templates that loop, allocate or grow without end stop with a
// one-line 'template' error naming the template, within the budget's time.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChatTemplate, DEFAULT_RENDER_BUDGET, chatTemplateFromGguf, type ChatMessage, type RenderBudget } from '../../../model/chat/template.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { tokenizerFromGguf } from '../../../model/tokenizer/tokenizer.ts';
import { readFixture } from '../tokenizer/helpers.ts';

const template = (file: string) => readFileSync(new URL(`./templates/${file}`, import.meta.url), 'utf8');
const HI: ChatMessage[] = [{ role: 'user', content: 'Hi' }];
/** Slack for a busy 2-core runner on top of the budget's own time. */
const SLACK_MS = 1500;

function renderError(t: ChatTemplate, budget?: RenderBudget): { error: EdgewiseError; ms: number } {
  const t0 = performance.now();
  try {
    t.render(HI, {}, budget);
  } catch (e) {
    if (!(e instanceof EdgewiseError)) throw e;
    return { error: e, ms: performance.now() - t0 };
  }
  throw new Error('the template rendered');
}

describe('template budget', () => {
  it('real templates render a 100-message conversation within 1% of the default steps', async () => {
    const chat: ChatMessage[] = Array.from({ length: 100 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i} `.repeat(30) }));
    const qwen3 = await readFixture('tok-bpe-qwen3');
    const templates = [
      chatTemplateFromGguf(qwen3, tokenizerFromGguf(qwen3)),
      new ChatTemplate(template('llama-3.2-3b-instruct.jinja'), '<|begin_of_text|>', '<|eot_id|>'),
      new ChatTemplate(template('granite-4.0.jinja'), '<|end_of_text|>', '<|end_of_text|>'),
      new ChatTemplate(template('smollm2-instruct.jinja'), '<|im_start|>', '<|im_end|>'),
      new ChatTemplate(template('jamba-reasoning-3b.jinja'), '<|startoftext|>', '<|im_end|>'),
    ];
    const small = { steps: DEFAULT_RENDER_BUDGET.steps / 100, ms: 60_000 };
    for (const t of templates) {
      const text = t.render(chat, {}, small);
      expect(text).toContain('turn 99 ');
      expect(text).toBe(t.render(chat));
    }
  });

  it('stops range(10**6), nested 3000-loops and empty-bodied loops within the budget, naming the template', async () => {
    const qwen3 = await readFixture('tok-bpe-qwen3');
    const named = (source: string) => chatTemplateFromGguf({
      ...qwen3, metadata: new Map([...qwen3.metadata, ['tokenizer.chat_template', source]]),
    }, tokenizerFromGguf(qwen3));
    for (const source of [
      '{% for i in range(10**6) %}{{ i }}{% endfor %}',
      '{% for i in range(1000000) %}{% endfor %}',
      '{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}',
      '{% for i in range(3000) %}{% for j in range(3000) %}{% set x = i * j %}{% endfor %}{% endfor %}',
      '{% set ns = namespace(s="xy") %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}',
      '{% set ns = namespace(a=[1, 2]) %}{% for i in range(60) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a|length }}',
      '{{ range(999999)|map("string")|join(",") }}{{ range(999999)|map("string")|join(",") }}',
    ]) {
      const { error, ms } = renderError(named(source));
      expect(error.code, source).toBe('template');
      expect(error.message, source).toMatch(/^the model's chat template \(tokenizer.chat_template\) did not finish within its budget/);
      expect(ms, source).toBeLessThan(DEFAULT_RENDER_BUDGET.ms + SLACK_MS);
    }
  });

  it('counts each loop iteration, even with an empty body', () => {
    const loop = (n: number) => new ChatTemplate(`{% for i in range(${n}) %}{% endfor %}done`);
    expect(loop(300).render(HI, {}, { steps: 1000, ms: 60_000 })).toBe('done');
    expect(renderError(loop(300), { steps: 500, ms: 60_000 }).error.message).toMatch(/budget \(500 steps\)/);
    // range() longer than the steps left is refused before it allocates.
    expect(renderError(loop(2000), { steps: 1000, ms: 60_000 }).error.message).toMatch(/range\(\) of 2000 items/);
  });

  it('keeps the globals templates use: range, strftime_now, raise_exception (one line), true/none', () => {
    const t = new ChatTemplate("{{ range(2, 11, 3)|join(',') }}|{{ strftime_now('%Y') }}|{{ true }}|{{ none is none }}");
    expect(t.render(HI)).toBe(`2,5,8|${new Date().getFullYear()}|true|true`);
    const { error } = renderError(new ChatTemplate("{{ raise_exception('bad\\nroles\\x1b[2J') }}"));
    expect(error.message).toMatch(/^the chat template failed to render: bad\\nroles\\u001b\[2J$/);
  });

  it("a model's template that does not parse fails when rendered, not when the model loads", async () => {
    const qwen3 = await readFixture('tok-bpe-qwen3');
    const t = chatTemplateFromGguf({ ...qwen3, metadata: new Map([...qwen3.metadata, ['tokenizer.chat_template', '{% if %}']]) }, tokenizerFromGguf(qwen3));
    const { error } = renderError(t);
    expect([error.code, error.message]).toEqual(['template', expect.stringMatching(/^the model's chat template \(tokenizer.chat_template\) does not parse: /)]);
  });

  it('refuses a template source over 1 MiB before parsing', () => {
    expect(() => new ChatTemplate('x'.repeat(2 * 1024 * 1024))).toThrowError(/is 2097152 characters long/);
  });
});
