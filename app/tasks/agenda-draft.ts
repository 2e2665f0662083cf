// When the model's answer is not a usable agenda, the user still gets an editable draft built
// from what the source states plainly: the Subject line as title, the people in From/To/Cc as
// attendees, and one item to fill in. The UI says that this draft did not come from the model.
import type { Agenda } from './agenda-schema.ts';

const HEADER = /^(subject|from|to|cc)\s*:\s*(.+)$/gim;

export function draftFromSource(source: string): Agenda {
  let title: string | undefined;
  const people: string[] = [];
  for (const m of source.matchAll(HEADER)) {
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (key === 'subject') title ??= value.replace(/^((re|fwd?|aw)\s*:\s*)+/i, '').trim();
    else for (const p of value.split(/[,;]/)) {
      const name = p.replace(/<[^>]*>/g, '').replace(/["']/g, '').trim() || p.replace(/[<>]/g, '').trim();
      if (name && !people.includes(name)) people.push(name);
    }
  }
  const firstLine = source.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return {
    title: (title || firstLine || 'Meeting').slice(0, 120),
    attendees: people.slice(0, 30),
    items: [{ title: 'Discussion' }],
    preReads: [],
    decisionsNeeded: [],
  };
}
