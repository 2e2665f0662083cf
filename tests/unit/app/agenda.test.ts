import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { AGENDA_SCHEMA, agendaToIcs, agendaToMarkdown, extractJsonObject, parseAgenda } from '../../../app/tasks/agenda.ts';

const GOOD = {
  title: 'Q3 launch sync', goal: 'Agree the launch date', date: '2026-12-03', time: '14:30', durationMinutes: 45,
  attendees: ['Ana', 'Bo'], items: [{ title: 'Status', owner: 'Ana', minutes: 10 }, { title: 'Risks', minutes: 20, notes: 'vendor delay' }],
  preReads: ['Launch plan v2'], decisionsNeeded: ['Go / no-go'],
};

describe('parseAgenda', () => {
  it('accepts a schema-valid agenda, and what it returns validates against the schema', () => {
    const r = parseAgenda(`Here you go:\n\`\`\`json\n${JSON.stringify(GOOD)}\n\`\`\``);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.agenda).toEqual(GOOD);
    const validate = new Ajv({ strict: false }).compile(AGENDA_SCHEMA);
    expect(validate(r.agenda), JSON.stringify(validate.errors)).toBe(true);
  });

  it('repairs near-misses: string items, missing arrays, bad date and time dropped', () => {
    const r = parseAgenda(JSON.stringify({ title: 'Sync', items: ['One', { topic: 'Two', duration: '15' }], date: 'next Tuesday', time: '25:00' }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.agenda.items).toEqual([{ title: 'One' }, { title: 'Two', minutes: 15 }]);
    expect(r.agenda.attendees).toEqual([]);
    expect(r.agenda.date).toBeUndefined();
    expect(r.agenda.time).toBeUndefined();
  });

  it('degrades to the raw text for malformed output, never throwing', () => {
    for (const text of ['', 'no json here', '{"title": "x", "items": [', '{"title": 3}', '[1,2]', '{"items": [{"title": "a"}]}', '{"title":"a","items":[]} trailing']) {
      const r = parseAgenda(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.text).toBe(text);
    }
  });

  it('finds the balanced object even with braces inside strings', () => {
    expect(extractJsonObject('x {"a": "}{", "b": {"c": 1}} y')).toBe('{"a": "}{", "b": {"c": 1}}');
  });
});

describe('agenda exports', () => {
  it('renders Markdown with every section', () => {
    const md = agendaToMarkdown(GOOD);
    expect(md).toContain('# Q3 launch sync');
    expect(md).toContain('1. Status (Ana, 10 min)');
    expect(md).toContain('## Pre-reads');
    expect(md).toContain('- Go / no-go');
  });

  it('writes an iCalendar event at the given local time', () => {
    const ics = agendaToIcs(GOOD, new Date('2026-11-22T10:00:00Z'));
    expect(ics).toContain('BEGIN:VEVENT');
    expect(ics).toContain('SUMMARY:Q3 launch sync');
    expect(ics).toMatch(/DTSTART(;[^:]*)?:20261203T143000/);
    expect(ics).toContain('DURATION:PT45M');
  });

  it('makes an all-day event when no time is known, across a month end', () => {
    const ics = agendaToIcs({ ...GOOD, date: '2026-11-30', time: undefined }, new Date('2026-11-22T10:00:00Z'));
    expect(ics).toMatch(/DTSTART;VALUE=DATE:20261130/);
    expect(ics).toMatch(/DTEND;VALUE=DATE:20261201/);
  });
});

describe('today is the local date', () => {
  it('late in the evening west of UTC, and early in the morning east of it, the prompt says the local day', async () => {
    const { agendaMessages, localDate } = await import('../../../app/tasks/agenda.ts');
    // A local time just before midnight: UTC is already the next day wherever the zone is west of UTC.
    const evening = new Date(2026, 11, 6, 23, 59);
    const morning = new Date(2026, 11, 6, 0, 1);
    expect(localDate(evening)).toBe('2026-12-06');
    expect(localDate(morning)).toBe('2026-12-06');
    expect(agendaMessages('notes', evening)[1].content).toContain('Today is 2026-12-06.');
  });
});
