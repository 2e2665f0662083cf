// Chat: the conversation as a list of turns, the messages sent to the model (system prompt
// first; the model's own template renders them in the engine, and decides what to do with an
// earlier answer's reasoning, passed apart from it), trimming a conversation to the context by
// dropping its oldest turns, and a conversation as Markdown.
import type { ChatMessage, LoadedModelInfo } from '../../engine/api.ts';

export interface Turn {
  readonly role: 'user' | 'assistant';
  /** For an answer: the answer only. */
  readonly content: string;
  /** An answer's reasoning, kept apart (shown folded, never exported). */
  readonly reasoning?: string;
}

export function chatMessages(systemPrompt: string, turns: readonly Turn[]): ChatMessage[] {
  const system: ChatMessage[] = systemPrompt.trim() ? [{ role: 'system', content: systemPrompt.trim() }] : [];
  return [...system, ...turns.map((t): ChatMessage => (t.role === 'assistant' && t.reasoning
    ? { role: t.role, content: t.content, reasoning: t.reasoning }
    : { role: t.role, content: t.content }))];
}

/** The turns to resend when regenerating: everything before the last assistant answer. */
export function turnsBeforeLastAnswer(turns: readonly Turn[]): Turn[] | undefined {
  const last = turns.at(-1);
  if (!last || last.role !== 'assistant') return undefined;
  return turns.slice(0, -1);
}

/** Tokens a turn costs beyond its text (role header and end markers in the chat template). */
export const TURN_OVERHEAD_TOKENS = 8;

/** Tokens kept free beside the reply's room for the template's own text. */
export const CONTEXT_MARGIN_TOKENS = 32;

/**
 * Tokens the conversation may take of the context: what is left once the reply has its room. A
 * model that reasons writes its reasoning (up to maxReasoningTokens, which never count against
 * the answer) and then its answer (up to maxTokens) into the same context, so both are reserved;
 * a model that does not reason needs room for the answer only. Where the two budgets together
 * exceed the context, the budget is negative and only the newest turn is sent.
 */
export function conversationBudget(model: Pick<LoadedModelInfo, 'contextLength' | 'reasoning'>,
  reply: { readonly maxTokens: number; readonly maxReasoningTokens: number }): number {
  const reasoning = model.reasoning ? reply.maxReasoningTokens : 0;
  return model.contextLength - reasoning - reply.maxTokens - CONTEXT_MARGIN_TOKENS;
}

export interface FittedConversation {
  readonly messages: ChatMessage[];
  /** How many of the oldest turns were left out. */
  readonly dropped: number;
}

/**
 * The messages to send, leaving out the oldest turns until the rest fits `budget` tokens
 * (conversationBudget: the context less room for the reply). The newest turn always stays, and what is sent starts with
 * a user turn, as templates expect; the system prompt is always sent.
 */
export async function fitConversation(systemPrompt: string, turns: readonly Turn[], budget: number,
  countTokens: (text: string) => Promise<number>): Promise<FittedConversation> {
  const cost = async (text: string) => (await countTokens(text)) + TURN_OVERHEAD_TOKENS;
  const costs = await Promise.all(turns.map((t) => cost(t.content)));
  let total = (systemPrompt.trim() ? await cost(systemPrompt.trim()) : 0) + costs.reduce((a, b) => a + b, 0);
  let start = 0;
  while (start < turns.length - 1 && (total > budget || turns[start].role !== 'user')) {
    total -= costs[start];
    start++;
  }
  return { messages: chatMessages(systemPrompt, turns.slice(start)), dropped: start };
}

/** The conversation as Markdown: answers without their reasoning. */
export function conversationToMarkdown(title: string, turns: readonly Turn[]): string {
  const parts = [`# ${title}`];
  for (const t of turns) parts.push(`**${t.role === 'user' ? 'You' : 'Assistant'}:**\n\n${t.content.trim()}`);
  return `${parts.join('\n\n')}\n`;
}

/** A conversation's title from its first message: its first line, shortened. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0].trim();
  return line.length > 48 ? `${line.slice(0, 47).trimEnd()}…` : line || 'New conversation';
}
