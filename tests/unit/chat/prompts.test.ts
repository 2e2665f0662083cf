// The prompts the engine builds (engine/prompt.ts) with the catalog's real chat templates: Qwen3
// (from its GGUF's tokenizer.chat_template), Jamba Reasoning 3B, Granite 4.0(-H), Llama 3.2 and
// SmolLM2 (published templates in ./templates, see SOURCES.md). A task asking for no thinking,
// a task asking to think first, constrained output after reasoning, and a conversation whose
// earlier answer had reasoning.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../engine/api.ts';
import { chatPrompt, reasoningMode, reasoningOptions, thinkTagsOf } from '../../../engine/prompt.ts';
import { ChatTemplate, chatTemplateFromGguf } from '../../../model/chat/template.ts';
import { tokenizerFromGguf, type Tokenizer } from '../../../model/tokenizer/tokenizer.ts';
import { readFixture } from '../tokenizer/helpers.ts';

const source = (file: string) => readFileSync(new URL(`./templates/${file}`, import.meta.url), 'utf8');
const TASK: ChatMessage[] = [{ role: 'system', content: 'Summarize.' }, { role: 'user', content: 'Doc' }];
const CONVERSATION: ChatMessage[] = [
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!', reasoning: 'The user greets me; greet back.' },
  { role: 'user', content: 'Bye' },
];

/** A tokenizer with no think tokens in its vocabulary, for templates read from text files. */
async function plainTokenizer(): Promise<Tokenizer> {
  return tokenizerFromGguf(await readFixture('tok-spm-llama2'));
}

describe('Qwen3 (template and vocabulary from its GGUF)', async () => {
  const file = await readFixture('tok-bpe-qwen3');
  const tok = tokenizerFromGguf(file);
  const t = chatTemplateFromGguf(file, tok);
  const tags = thinkTagsOf(tok, t);

  it('has a thinking switch and <think> tags that are single tokens', () => {
    expect(t.hasThinkingSwitch).toBe(true);
    expect(reasoningMode(tok, t)).toBe('switchable');
    expect(tags).toEqual({ open: '<think>', close: '</think>' });
    const r = reasoningOptions(tok, chatPrompt(t, tags, TASK, { thinking: true }), 100)!;
    expect([...r.tagTokens!.values()].sort()).toEqual(['</think>', '<think>']);
    expect(r.closeTokens[0]).toBe(tok.vocab.tokenToId.get('</think>'));
    expect(tok.decode(r.closeTokens, { unparseSpecial: true })).toBe('</think>\n\n');
  });

  it('a task without thinking: the template writes an empty think block and the answer starts at once', () => {
    const p = chatPrompt(t, tags, TASK, { thinking: false });
    expect(p.text).toBe('<|im_start|>system\nSummarize.<|im_end|>\n<|im_start|>user\nDoc<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
    expect(p.opensReasoning).toBe(false);
  });

  it('"Think first": the model opens its own think block; with a schema the prompt opens it', () => {
    const free = chatPrompt(t, tags, TASK, { thinking: true });
    expect(free.text).toBe('<|im_start|>system\nSummarize.<|im_end|>\n<|im_start|>user\nDoc<|im_end|>\n<|im_start|>assistant\n');
    expect(free.opensReasoning).toBe(false);
    const constrained = chatPrompt(t, tags, TASK, { thinking: true, constrained: true });
    expect(constrained.text).toBe(`${free.text}<think>\n`);
    expect(constrained.opensReasoning).toBe(true);
    expect(reasoningOptions(tok, constrained)!.splitter.inReasoning).toBe(true);
  });

  it('a conversation sent back drops the earlier answer\'s reasoning', () => {
    const p = chatPrompt(t, tags, CONVERSATION);
    expect(p.text).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n');
    expect(p.text).not.toContain('greet back');
  });
});

describe('Jamba Reasoning 3B (always reasons)', async () => {
  const t = new ChatTemplate(source('jamba-reasoning-3b.jinja'), '<|startoftext|>', '<|im_end|>');
  const tags = thinkTagsOf(await plainTokenizer(), t);
  const prefix = 'Begin by thinking about the reasoning process in the mind within <think> </think> tags and then proceed to give your response.\n';

  it('has no switch, so a task asking for no thinking still gets reasoning, opened by the prompt', async () => {
    expect(t.hasThinkingSwitch).toBe(false);
    expect(reasoningMode(await plainTokenizer(), t)).toBe('always');
    expect(tags).toEqual({ open: '<think>', close: '</think>' });
    for (const thinking of [false, true, undefined]) {
      const p = chatPrompt(t, tags, TASK, { thinking });
      expect(p.text).toBe(`<|startoftext|><|im_start|>system\nSummarize.<|im_end|>\n<|im_start|>user\n${prefix}Doc<|im_end|>\n<|im_start|>assistant\n<think>\n`);
      expect(p.opensReasoning).toBe(true);
    }
  });

  it('a conversation sent back drops the earlier answer\'s reasoning', () => {
    const p = chatPrompt(t, tags, CONVERSATION);
    expect(p.text).toBe(`<|startoftext|><|im_start|>user\n${prefix}Hi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n` +
      `<|im_start|>user\n${prefix}Bye<|im_end|>\n<|im_start|>assistant\n<think>\n`);
    expect(p.text).not.toContain('greet back');
  });
});

describe('models without reasoning', async () => {
  const tok = await plainTokenizer();

  it('Granite 4.0(-H): no tags, thinking ignored', () => {
    const t = new ChatTemplate(source('granite-4.0.jinja'), '<|end_of_text|>', '<|end_of_text|>');
    expect(thinkTagsOf(tok, t)).toBeUndefined();
    expect(reasoningMode(tok, t)).toBeUndefined();
    const p = chatPrompt(t, undefined, TASK, { thinking: false });
    expect(p.text).toBe('<|start_of_role|>system<|end_of_role|>Summarize.<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Doc<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>');
    expect(chatPrompt(t, undefined, TASK, { thinking: true }).text).toBe(p.text);
    expect(reasoningOptions(tok, p)).toBeUndefined();
  });

  it('Llama 3.2: today is the local date in the system turn', () => {
    const t = new ChatTemplate(source('llama-3.2-3b-instruct.jinja'), '<|begin_of_text|>', '<|eot_id|>');
    expect(thinkTagsOf(tok, t)).toBeUndefined();
    const d = new Date();
    const today = `${String(d.getDate()).padStart(2, '0')} ${new Intl.DateTimeFormat(undefined, { month: 'short' }).format(d)} ${d.getFullYear()}`;
    const p = chatPrompt(t, undefined, TASK, { thinking: false });
    expect(p.text).toBe(`<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: ${today}\n\n` +
      'Summarize.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nDoc<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
  });

  it('SmolLM2: ChatML, the earlier answer sent back as it was', () => {
    const t = new ChatTemplate(source('smollm2-instruct.jinja'), '<|im_start|>', '<|im_end|>');
    expect(thinkTagsOf(tok, t)).toBeUndefined();
    const p = chatPrompt(t, undefined, CONVERSATION, { thinking: false });
    expect(p.text).toBe('<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' +
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n');
  });
});
