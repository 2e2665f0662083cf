// Chat templates of the catalog's models rendered as the models' documentation shows their
// prompts, reasoning (<think>) conventions, the ChatML default and typed errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { CHATML_TEMPLATE, ChatTemplate, chatTemplateFromGguf, type ChatMessage } from '../../../model/chat/template.ts';
import { tokenizerFromGguf } from '../../../model/tokenizer/tokenizer.ts';
import { readFixture } from '../tokenizer/helpers.ts';

const template = (file: string) => readFileSync(new URL(`./templates/${file}`, import.meta.url), 'utf8');
const HI: ChatMessage[] = [{ role: 'user', content: 'Hi' }];
const WITH_SYSTEM: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }];

describe('templates from the model files', () => {
  it('Qwen3 (tok-bpe-qwen3): ChatML turns, enable_thinking=false opens an empty think block', async () => {
    const file = await readFixture('tok-bpe-qwen3');
    const tok = tokenizerFromGguf(file);
    const t = chatTemplateFromGguf(file, tok);
    expect(t.render(WITH_SYSTEM)).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(t.render(HI, { enableThinking: false })).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
    // A finished turn's reasoning is dropped from history; the last turn's content stays.
    const history: ChatMessage[] = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '<think>\nGreet back.\n</think>\n\nHello!' },
      { role: 'user', content: 'Bye' },
    ];
    expect(t.render(history)).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n');
    // The rendered prompt tokenizes with its control tokens as single ids when parsing specials.
    const ids = tok.encode(t.render(HI), { addSpecial: true, parseSpecial: true });
    const imStart = tok.vocab.tokenToId.get('<|im_start|>')!;
    expect(ids.filter((id) => id === imStart)).toHaveLength(2);
    expect(tok.encode(t.render(HI), { parseSpecial: false })).not.toContain(imStart);
  });

  it('Gemma 3 (tok-spm-gemma3): bos, user/model turns, system folded into the first user turn', async () => {
    const file = await readFixture('tok-spm-gemma3');
    const t = chatTemplateFromGguf(file, tokenizerFromGguf(file));
    expect(t.bosToken).toBe('<bos>');
    expect(t.render(HI)).toBe('<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n');
    expect(t.render(WITH_SYSTEM)).toBe('<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n');
  });

  it('a model file without a template gets ChatML', async () => {
    const file = await readFixture('llama-F32');
    expect(file.metadata.has('tokenizer.chat_template')).toBe(false);
    const t = chatTemplateFromGguf(file, tokenizerFromGguf(file));
    expect(t.source).toBe(CHATML_TEMPLATE);
    expect(t.render(HI)).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(t.render(HI, { addGenerationPrompt: false })).toBe('<|im_start|>user\nHi<|im_end|>\n');
  });
});

describe('published templates (tests/unit/chat/templates, see SOURCES.md)', () => {
  it('Llama 3.2: header blocks, knowledge cutoff and date in the system turn', () => {
    const t = new ChatTemplate(template('llama-3.2-3b-instruct.jinja'), '<|begin_of_text|>', '<|eot_id|>');
    expect(t.render(WITH_SYSTEM, { variables: { date_string: '26 Jul 2024' } })).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' +
      'Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
  });

  it('Granite 4.0(-H): role tags and end_of_text', () => {
    const t = new ChatTemplate(template('granite-4.0.jinja'), '<|end_of_text|>', '<|end_of_text|>');
    expect(t.render(WITH_SYSTEM)).toBe(
      '<|start_of_role|>system<|end_of_role|>Be brief.<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Hi<|end_of_text|>\n' +
      '<|start_of_role|>assistant<|end_of_role|>');
  });

  it('SmolLM2: default system prompt unless one is given', () => {
    const t = new ChatTemplate(template('smollm2-instruct.jinja'), '<|im_start|>', '<|im_end|>');
    expect(t.render(HI)).toBe('<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' +
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(t.render(WITH_SYSTEM)).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  });

  it('Jamba Reasoning 3B: thinking prefix on the last user turn, assistant turn opens <think>', () => {
    const t = new ChatTemplate(template('jamba-reasoning-3b.jinja'), '<|startoftext|>', '<|im_end|>');
    const prefix = 'Begin by thinking about the reasoning process in the mind within <think> </think> tags and then proceed to give your response.\n';
    expect(t.render(HI)).toBe(`<|startoftext|><|im_start|>user\n${prefix}Hi<|im_end|>\n<|im_start|>assistant\n<think>\n`);
    const history: ChatMessage[] = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!', reasoning_content: 'Greet back.' },
      { role: 'user', content: 'Bye' },
    ];
    expect(t.render(history, { addGenerationPrompt: false })).toBe(
      `<|startoftext|><|im_start|>user\n${prefix}Hi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n${prefix}Bye<|im_end|>\n`);
  });
});

/** The error code `fn` throws, or 'none'. */
function errorCode(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof EdgewiseError ? e.code : `not an EdgewiseError: ${e}`; }
  return 'none';
}

describe('errors', () => {
  it('a template that does not parse is a template error', () => {
    expect(errorCode(() => new ChatTemplate('{% for m in messages %}{{ m.content }'))).toBe('template');
    expect(errorCode(() => new ChatTemplate('{% if %}'))).toBe('template');
  });

  it('a template that fails while rendering is a template error', () => {
    const t = new ChatTemplate("{{ raise_exception('roles must alternate') }}");
    expect(() => t.render(HI)).toThrowError(/roles must alternate/);
    expect(errorCode(() => t.render(HI))).toBe('template');
  });
});
