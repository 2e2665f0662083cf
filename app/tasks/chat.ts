// Chat: the conversation as a list of turns, the messages sent to the model (system prompt
// first, the model's own template renders them in the engine), and the reasoning a model puts
// in <think>…</think> split from its answer so that the UI can fold it away.
import type { ChatMessage } from '../../engine/api.ts';

export interface Turn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export function chatMessages(systemPrompt: string, turns: readonly Turn[]): ChatMessage[] {
  const system: ChatMessage[] = systemPrompt.trim() ? [{ role: 'system', content: systemPrompt.trim() }] : [];
  return [...system, ...turns.map((t) => ({ role: t.role, content: t.content }))];
}

/** The turns to resend when regenerating: everything before the last assistant answer. */
export function turnsBeforeLastAnswer(turns: readonly Turn[]): Turn[] | undefined {
  const last = turns.at(-1);
  if (!last || last.role !== 'assistant') return undefined;
  return turns.slice(0, -1);
}

export interface SplitThinking {
  /** The reasoning text, if the output has a <think> block (possibly still open). */
  readonly thinking?: string;
  readonly answer: string;
  /** True while the <think> block has not been closed yet (still streaming). */
  readonly thinkingOpen: boolean;
}

/** Splits "<think>r</think>a" (a leading think block, as reasoning models emit) from the answer. */
export function splitThinking(text: string): SplitThinking {
  const m = /^\s*<think>/.exec(text);
  if (!m) {
    // Some templates open the block in the prompt, so the output starts inside it.
    const close = text.indexOf('</think>');
    if (close >= 0 && !text.slice(0, close).includes('<think>')) {
      return { thinking: text.slice(0, close).trim(), answer: text.slice(close + 8).trimStart(), thinkingOpen: false };
    }
    return { answer: text, thinkingOpen: false };
  }
  const rest = text.slice(m[0].length);
  const close = rest.indexOf('</think>');
  if (close < 0) return { thinking: rest.trim(), answer: '', thinkingOpen: true };
  return { thinking: rest.slice(0, close).trim(), answer: rest.slice(close + 8).trimStart(), thinkingOpen: false };
}
