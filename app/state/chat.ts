// The Chat screen's work: saved conversations (new, rename, delete, export), the one shown, and
// the message being written, persisted (app/state/persist.ts). Each conversation generates on its
// own sequence ('chat:<id>'), so one can keep answering while another is read or written in;
// a conversation longer than the context is sent without its oldest turns, and says so.
import { produce } from 'solid-js/store';
import { conversationBudget, fitConversation, titleFrom, turnsBeforeLastAnswer, type Turn } from '../tasks/chat.ts';
import { samplingOptions } from '../tasks/sampling.ts';
import type { GenerateResult } from '../../engine/api.ts';
import { engine } from './engine.ts';
import { generationFor } from './generation.ts';
import { models } from './models.ts';
import { persistedStore } from './persist.ts';
import { settings } from './settings.ts';

export interface Conversation {
  id: string;
  title: string;
  /** The user named it: the first message no longer does. */
  named?: boolean;
  turns: Turn[];
  createdAt: number;
  /** Oldest turns left out of the last request so that it fit the context. */
  dropped?: number;
  result?: GenerateResult;
}

export interface ChatWork {
  conversations: Conversation[];
  currentId?: string;
  draft: string;
}

export const chatWork = persistedStore<ChatWork>('chat', () => ({ conversations: [], draft: '' }));

export const sequenceOf = (id: string) => `chat:${id}`;
export const chatGen = (id: string) => generationFor(sequenceOf(id));

export function currentConversation(): Conversation | undefined {
  const w = chatWork.state;
  return w.conversations.find((c) => c.id === w.currentId);
}

function update(id: string, edit: (c: Conversation) => void): void {
  chatWork.set('conversations', produce((cs) => { const c = cs.find((x) => x.id === id); if (c) edit(c); }));
}

export function newConversation(): string {
  const id = crypto.randomUUID();
  chatWork.set(produce((w) => {
    w.conversations.unshift({ id, title: 'New conversation', turns: [], createdAt: Date.now() });
    w.currentId = id;
  }));
  return id;
}

export function selectConversation(id: string): void {
  chatWork.set({ currentId: id });
}

export function renameConversation(id: string, title: string): void {
  const t = title.trim();
  if (t) update(id, (c) => { c.title = t; c.named = true; });
}

export async function deleteConversation(id: string): Promise<void> {
  const gen = chatGen(id);
  if (gen.running()) await gen.stop();
  chatWork.set(produce((w) => {
    w.conversations = w.conversations.filter((c) => c.id !== id);
    if (w.currentId === id) w.currentId = w.conversations[0]?.id;
  }));
}

/** Empties a conversation (it stays in the list, under its name). */
export function clearConversation(id: string): void {
  update(id, (c) => { c.turns = []; c.dropped = undefined; c.result = undefined; });
}

async function reply(id: string, history: Turn[]): Promise<void> {
  const gen = chatGen(id);
  const loaded = models.loaded;
  if (!loaded || gen.running()) return;
  gen.begin();
  gen.setRunning(true);
  const index = history.length;
  update(id, (c) => { c.turns = [...history, { role: 'assistant', content: '' }]; c.result = undefined; });
  let r: GenerateResult | undefined;
  try {
    const budget = conversationBudget(loaded, settings);
    const fitted = await fitConversation(settings.systemPrompt, history, budget, (s) => engine().countTokens(s));
    update(id, (c) => { c.dropped = fitted.dropped; });
    r = await gen.run({ messages: fitted.messages, maxTokens: settings.maxTokens, maxReasoningTokens: settings.maxReasoningTokens, sampling: samplingOptions(settings) },
      (delta, part) => update(id, (c) => {
        const t = c.turns[index] as { content: string; reasoning?: string } | undefined;
        if (!t) return;
        if (part === 'reasoning') t.reasoning = (t.reasoning ?? '') + delta;
        else t.content += delta;
      }));
  } catch (e) {
    gen.setError(e instanceof Error ? e.message : String(e));
  } finally {
    gen.setRunning(false);
  }
  update(id, (c) => {
    const t = c.turns[index];
    if (r) c.result = r;
    if (t && !r && !t.content && !t.reasoning) c.turns.splice(index, 1);
  });
}

/** Sends the draft in the current conversation (a new one when there is none). */
export function send(): void {
  const w = chatWork.state;
  const text = w.draft.trim();
  if (!text || !models.loaded) return;
  const id = currentConversation()?.id ?? newConversation();
  if (chatGen(id).running()) return;
  const c = currentConversation()!;
  chatWork.set({ draft: '' });
  if (!c.named && c.turns.length === 0) update(id, (x) => { x.title = titleFrom(text); });
  void reply(id, [...c.turns, { role: 'user', content: text }]);
}

export function regenerate(): void {
  const c = currentConversation();
  const history = c && turnsBeforeLastAnswer(c.turns);
  if (c && history) void reply(c.id, history);
}
