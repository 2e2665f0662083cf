// Chat prompts from a model's own `tokenizer.chat_template` (Jinja, rendered with
// @huggingface/jinja the way transformers' apply_chat_template renders it), with ChatML for
// models that ship none. A template that does not parse or render is a typed 'template' error.
import { Template } from '@huggingface/jinja';
import { EdgewiseError } from '../errors.ts';
import type { GgufFile } from '../gguf/types.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string;
  /** A previous assistant turn's reasoning, for templates that re-insert it (Qwen3, Jamba). */
  reasoning_content?: string;
}

export interface RenderOptions {
  /** End with the opening of an assistant turn. Default true. */
  addGenerationPrompt?: boolean;
  /**
   * Qwen3-style switch read by templates that support it (`enable_thinking`); false makes Qwen3 open
   * the assistant turn with an empty <think></think>. Left undefined, the template's default applies.
   */
  enableThinking?: boolean;
  /** Further template variables (e.g. `date_string` for Llama 3.x). */
  variables?: Record<string, unknown>;
}

/** The ChatML layout, used when a model file carries no template. */
export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

export class ChatTemplate {
  private readonly template: Template;

  /** `bosToken`/`eosToken` are the texts templates see as bos_token / eos_token. */
  constructor(readonly source: string, readonly bosToken = '', readonly eosToken = '') {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new EdgewiseError('template', `the model's chat template does not parse: ${(e as Error).message}`, { cause: e });
    }
  }

  render(messages: readonly ChatMessage[], opts: RenderOptions = {}): string {
    const context: Record<string, unknown> = {
      ...opts.variables,
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: this.bosToken,
      eos_token: this.eosToken,
    };
    if (opts.enableThinking !== undefined) context.enable_thinking = opts.enableThinking;
    try {
      return this.template.render(context);
    } catch (e) {
      throw new EdgewiseError('template', `the model's chat template failed to render: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** The template a GGUF file carries (`tokenizer.chat_template`), or ChatML; bos/eos texts from its tokenizer. */
export function chatTemplateFromGguf(file: GgufFile, tokenizer: Tokenizer): ChatTemplate {
  const source = file.metadata.get('tokenizer.chat_template');
  if (source !== undefined && typeof source !== 'string') {
    throw new EdgewiseError('template', 'tokenizer.chat_template should be a string');
  }
  const text = (id: number) => (id >= 0 ? tokenizer.vocab.tokens[id] : '');
  return new ChatTemplate(source ?? CHATML_TEMPLATE, text(tokenizer.bos), text(tokenizer.eos));
}
