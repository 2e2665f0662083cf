// The Agenda screen's work: the notes, the agenda draft with the user's edits, what the model
// said when it was no agenda, and the reasoning, persisted (app/state/persist.ts); the run keeps
// going when the screen is left. The agenda parser sees the answer only, never the reasoning.
import type { GenerateResult } from '../../engine/api.ts';
import { AGENDA_SCHEMA, agendaMessages, parseAgenda } from '../tasks/agenda.ts';
import { draftFromSource } from '../tasks/agenda-draft.ts';
import type { Agenda } from '../tasks/agenda-schema.ts';
import { samplingOptions, tokenBudget } from '../tasks/sampling.ts';
import { generationFor } from './generation.ts';
import { persistedStore } from './persist.ts';
import { settings } from './settings.ts';

export const AGENDA_MAX_TOKENS = 900;

export interface AgendaWork {
  source: string;
  agenda?: Agenda;
  /** The model's answer when it was not a usable agenda, and why. */
  fallback?: { text: string; reason: string };
  /** The token limit came first and the engine closed the JSON. */
  cut: boolean;
  think: boolean;
  reasoning: string;
  /** The answer as it streams (the JSON being written). */
  stream: string;
  result?: GenerateResult;
}

export const agendaWork = persistedStore<AgendaWork>('agenda', () => ({ source: '', cut: false, think: false, reasoning: '', stream: '' }));

export const agendaGen = generationFor('agenda');

export async function runAgenda(): Promise<void> {
  const { state: w, set } = agendaWork;
  const gen = agendaGen;
  if (!w.source.trim() || gen.running()) return;
  gen.begin();
  set({ fallback: undefined, cut: false, agenda: undefined, reasoning: '', stream: '', result: undefined });
  const source = w.source;
  const r = await gen.run({
    messages: agendaMessages(source),
    maxTokens: tokenBudget(AGENDA_MAX_TOKENS, settings),
    sampling: { ...samplingOptions(settings), temperature: Math.min(settings.temperature, 0.3) },
    schema: AGENDA_SCHEMA,
    thinking: w.think,
    maxReasoningTokens: settings.maxReasoningTokens,
  }, (d, part) => {
    if (part === 'reasoning') set('reasoning', (t) => t + d);
    else set('stream', (t) => t + d);
  });
  if (!r) return;
  set({ result: r, cut: r.closedAtLimit === true, stream: '' });
  const parsed = parseAgenda(r.text);
  if (parsed.ok) set({ agenda: parsed.agenda });
  else set({ fallback: { text: parsed.text, reason: parsed.reason }, agenda: draftFromSource(source) });
}

/** Forgets the notes and the draft. */
export async function clearAgenda(): Promise<void> {
  const { think } = agendaWork.state;
  await agendaWork.clear();
  agendaWork.set({ think });
  agendaGen.begin();
}
