import { describe, expect, it } from 'vitest';
import { draftFromSource } from '../../../app/tasks/agenda-draft.ts';
import { agendaToIcs, agendaToMarkdown } from '../../../app/tasks/agenda.ts';

describe('draftFromSource', () => {
  it('takes the subject (without Re:/Fwd:) as title and From/To/Cc people as attendees', () => {
    const a = draftFromSource('From: Ana Ruiz <ana@example.org>\nTo: "Ben Okafor" <ben@example.org>, chen@example.org\nCc: Ana Ruiz <ana@example.org>\nSubject: Re: Fwd: Q3 roadmap\n\nBody text');
    expect(a.title).toBe('Q3 roadmap');
    expect(a.attendees).toEqual(['Ana Ruiz', 'Ben Okafor', 'chen@example.org']);
    expect(a.items).toEqual([{ title: 'Discussion' }]);
  });

  it('falls back to the first line for notes without headers, and the draft exports', () => {
    const a = draftFromSource('\n  Weekly sync notes\n- budget\n- hiring');
    expect(a.title).toBe('Weekly sync notes');
    expect(a.attendees).toEqual([]);
    expect(agendaToMarkdown(a)).toMatch(/^# Weekly sync notes\n/);
    expect(agendaToIcs(a, new Date(Date.UTC(2025, 0, 2)))).toContain('SUMMARY:Weekly sync notes');
  });
});
