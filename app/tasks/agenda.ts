// Agenda: the prompt that turns an email thread or meeting notes into an agenda, a tolerant
// parser for what the model returns (malformed output degrades to the raw text, never an
// exception), and exports as Markdown and iCalendar.
import { createEvent, type EventAttributes } from 'ics';
import type { ChatMessage } from '../../engine/api.ts';
import { AGENDA_SCHEMA, type Agenda, type AgendaItem } from './agenda-schema.ts';

/** YYYY-MM-DD of `d` in the local time zone: the user's "today", not UTC's. */
export function localDate(d: Date): string {
  return `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function agendaMessages(source: string, today: Date = new Date()): ChatMessage[] {
  return [
    {
      role: 'system',
      content: 'You turn email threads and meeting notes into meeting agendas. Use only what the text says; leave out what it does not say. Reply with one JSON object and nothing else.',
    },
    {
      role: 'user',
      content: `Today is ${localDate(today)}. Draft the agenda of the meeting this text is about.
Reply with JSON of this shape: {"title": string, "goal"?: string, "date"?: "YYYY-MM-DD", "time"?: "HH:MM", "durationMinutes"?: integer, "location"?: string, "attendees": [string], "items": [{"title": string, "owner"?: string, "minutes"?: integer, "notes"?: string}], "preReads": [string], "decisionsNeeded": [string]}.

Text:
"""
${source}
"""`,
    },
  ];
}

export { AGENDA_SCHEMA };

export type ParsedAgenda = { ok: true; agenda: Agenda } | { ok: false; text: string; reason: string };

/** Finds the first balanced JSON object in text (models sometimes wrap it in prose or fences). */
export function extractJsonObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0, inString = false, escaped = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

const str = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : typeof v === 'number' ? String(v) : undefined;
const int = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number.parseInt(v, 10) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : undefined;
};
const strings = (v: unknown, max: number, limit: number): string[] =>
  (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).map((x) => str(x, max)).filter((x): x is string => !!x).slice(0, limit);

function item(v: unknown): AgendaItem | undefined {
  if (typeof v === 'string') return str(v, 160) ? { title: str(v, 160)! } : undefined;
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const title = str(o.title ?? o.topic ?? o.name, 160);
  if (!title) return undefined;
  const out: AgendaItem = { title };
  const owner = str(o.owner, 80), minutes = int(o.minutes ?? o.duration), notes = str(o.notes, 300);
  if (owner) out.owner = owner;
  if (minutes) out.minutes = minutes;
  if (notes) out.notes = notes;
  return out;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Model text → Agenda, accepting near-misses (string items, missing arrays); else the raw text. */
export function parseAgenda(text: string): ParsedAgenda {
  const json = extractJsonObject(text);
  if (!json) return { ok: false, text, reason: 'no JSON object in the output' };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return { ok: false, text, reason: `the output is not valid JSON (${(e as Error).message})` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, text, reason: 'the output is not a JSON object' };
  const o = raw as Record<string, unknown>;
  const items = (Array.isArray(o.items) ? o.items : []).map(item).filter((x): x is AgendaItem => !!x).slice(0, 15);
  const title = str(o.title, 120);
  if (!title || items.length === 0) return { ok: false, text, reason: 'the agenda has no title or no items' };
  const agenda: Agenda = {
    title,
    attendees: strings(o.attendees, 80, 30),
    items,
    preReads: strings(o.preReads, 200, 10),
    decisionsNeeded: strings(o.decisionsNeeded, 200, 10),
  };
  const goal = str(o.goal, 300), location = str(o.location, 120), duration = int(o.durationMinutes);
  const date = str(o.date, 10), time = str(o.time, 5);
  if (goal) agenda.goal = goal;
  if (location) agenda.location = location;
  if (duration) agenda.durationMinutes = duration;
  if (date && DATE.test(date)) agenda.date = date;
  if (time && TIME.test(time)) agenda.time = time;
  return { ok: true, agenda };
}

export function agendaToMarkdown(a: Agenda): string {
  const lines = [`# ${a.title}`, ''];
  if (a.goal) lines.push(`**Goal:** ${a.goal}`, '');
  const when = [a.date, a.time].filter(Boolean).join(' ');
  if (when) lines.push(`**When:** ${when}${a.durationMinutes ? ` (${a.durationMinutes} min)` : ''}`, '');
  if (a.location) lines.push(`**Where:** ${a.location}`, '');
  if (a.attendees.length) lines.push(`**Attendees:** ${a.attendees.join(', ')}`, '');
  lines.push('## Agenda', '');
  a.items.forEach((it, i) => {
    const meta = [it.owner, it.minutes ? `${it.minutes} min` : undefined].filter(Boolean).join(', ');
    lines.push(`${i + 1}. ${it.title}${meta ? ` (${meta})` : ''}`);
    if (it.notes) lines.push(`   ${it.notes}`);
  });
  if (a.preReads.length) lines.push('', '## Pre-reads', '', ...a.preReads.map((p) => `- ${p}`));
  if (a.decisionsNeeded.length) lines.push('', '## Decisions needed', '', ...a.decisionsNeeded.map((d) => `- ${d}`));
  return `${lines.join('\n')}\n`;
}

/** iCalendar text for the meeting; without a date the event is an all-day event today. */
export function agendaToIcs(a: Agenda, now: Date = new Date()): string {
  const [y, m, d] = (a.date ?? localDate(now)).split('-').map(Number);
  const duration = a.durationMinutes ?? (a.items.reduce((s, it) => s + (it.minutes ?? 0), 0) || 30);
  const description = agendaToMarkdown(a);
  const common = {
    title: a.title,
    description,
    location: a.location,
    productId: 'edgewise/agenda',
    uid: `${now.getTime()}-${Math.abs(hash(description))}@edgewise.local`,
    timestamp: now.getTime(),
  };
  const event: EventAttributes = a.time
    ? { ...common, start: [y, m, d, ...a.time.split(':').map(Number)] as [number, number, number, number, number], startInputType: 'local', startOutputType: 'local', duration: { minutes: duration } }
    : { ...common, start: [y, m, d], end: nextDay(y, m, d) };
  const { error, value } = createEvent(event);
  if (error || !value) throw new Error(`could not build the calendar file: ${error?.message ?? 'unknown error'}`);
  return value;
}

function nextDay(y: number, m: number, d: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d + 1));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
