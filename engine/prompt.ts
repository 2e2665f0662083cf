// The prompt a chat request becomes, and how its output splits into reasoning and answer: the
// model's template renders the messages (asked for no thinking where it has a switch), earlier
// turns' reasoning goes to the template apart from their answers (templates drop it or keep it
// as they were trained), and the think tags come from the vocabulary or the template.
import { detectThinkTags, promptOpensReasoning, ReasoningSplitter, type ThinkTags } from '../model/chat/reasoning.ts';
import type { ChatMessage as TemplateMessage, ChatTemplate } from '../model/chat/template.ts';
import type { Tokenizer } from '../model/tokenizer/tokenizer.ts';
import { EdgewiseError } from '../model/errors.ts';
import { DEFAULT_MAX_REASONING_TOKENS, type ChatMessage, type GenerateRequest } from './api.ts';
import type { ReasoningOptions } from './generate.ts';

export interface ChatPrompt {
  readonly text: string;
  /** The model's think tags, if it has any. */
  readonly tags?: ThinkTags;
  /** The prompt leaves a reasoning block open: generation starts inside the reasoning. */
  readonly opensReasoning: boolean;
}

export interface ChatPromptOptions {
  /** GenerateRequest.thinking: true asks for reasoning, false for none where the template can say so. */
  readonly thinking?: boolean;
  /**
   * The answer will be constrained (a schema): with thinking asked for, the reasoning must come
   * first and be recognised as such, so the prompt opens it when the template does not.
   */
  readonly constrained?: boolean;
  readonly variables?: Record<string, unknown>;
}

export function thinkTagsOf(tokenizer: Tokenizer, template: ChatTemplate): ThinkTags | undefined {
  return detectThinkTags(tokenizer.vocab.tokenToId, template.source);
}

/** LoadedModelInfo.reasoning for a model. */
export function reasoningMode(tokenizer: Tokenizer, template: ChatTemplate): 'switchable' | 'always' | undefined {
  if (!thinkTagsOf(tokenizer, template)) return undefined;
  return template.hasThinkingSwitch ? 'switchable' : 'always';
}

export function chatPrompt(template: ChatTemplate, tags: ThinkTags | undefined, messages: readonly ChatMessage[], opts: ChatPromptOptions = {}): ChatPrompt {
  const turns: TemplateMessage[] = messages.map((m) => (m.reasoning === undefined
    ? { role: m.role, content: m.content }
    : { role: m.role, content: m.content, reasoning_content: m.reasoning }));
  let text = template.render(turns, {
    enableThinking: template.hasThinkingSwitch ? opts.thinking : undefined,
    variables: opts.variables,
  });
  let opens = tags !== undefined && promptOpensReasoning(text, tags);
  if (tags && opts.constrained && opts.thinking === true && !opens) {
    text += `${tags.open}\n`;
    opens = true;
  }
  return { text, tags, opensReasoning: opens };
}

/** What the decode loop needs to split this prompt's output (undefined for a model without think tags). */
export function reasoningOptions(tokenizer: Tokenizer, prompt: ChatPrompt, maxTokens = DEFAULT_MAX_REASONING_TOKENS): ReasoningOptions | undefined {
  const { tags } = prompt;
  if (!tags) return undefined;
  const tagTokens = new Map<number, string>();
  for (const tag of [tags.open, tags.close]) {
    const id = tokenizer.vocab.tokenToId.get(tag);
    if (id !== undefined) tagTokens.set(id, tag);
  }
  return {
    splitter: new ReasoningSplitter(tags, { startInReasoning: prompt.opensReasoning }),
    maxTokens,
    closeTokens: tokenizer.encode(`${tags.close}\n\n`, { addSpecial: false, parseSpecial: true }),
    tagTokens,
  };
}

export interface RequestPrompt {
  readonly tokens: number[];
  /** How to split the output; undefined for a raw prompt or a model without think tags. */
  readonly reasoning?: ReasoningOptions;
}

/** A request's prompt tokens: chat messages through the model's template, or a raw prompt. */
export function requestPrompt(tokenizer: Tokenizer, template: ChatTemplate, request: GenerateRequest): RequestPrompt {
  if (request.messages && request.messages.length > 0) {
    const prompt = chatPrompt(template, thinkTagsOf(tokenizer, template), request.messages,
      { thinking: request.thinking, constrained: request.schema !== undefined });
    // Templates that write the BOS text themselves must not get a second BOS.
    const bosText = tokenizer.bos >= 0 ? tokenizer.vocab.tokens[tokenizer.bos] : '';
    const addSpecial = !(bosText && prompt.text.startsWith(bosText));
    const tokens = tokenizer.encode(prompt.text, { addSpecial, parseSpecial: true });
    if (tokens.length === 0) throw new EdgewiseError('template', `${template.name} rendered an empty prompt`);
    return { tokens, reasoning: reasoningOptions(tokenizer, prompt, request.maxReasoningTokens) };
  }
  if (request.prompt === undefined) throw new EdgewiseError('usage', 'a generation needs messages or a prompt');
  return { tokens: tokenizer.encode(request.prompt, { addSpecial: true, parseSpecial: false }) };
}
