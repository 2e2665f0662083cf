// The published agenda schema: what the Agenda task asks the model for, and what the parser
// accepts. Kept within the JSON Schema subset that constrained decoding supports.

export interface AgendaItem {
  title: string;
  owner?: string;
  minutes?: number;
  notes?: string;
}

export interface Agenda {
  title: string;
  goal?: string;
  date?: string;      // YYYY-MM-DD
  time?: string;      // HH:MM (24 h)
  durationMinutes?: number;
  location?: string;
  attendees: string[];
  items: AgendaItem[];
  preReads: string[];
  decisionsNeeded: string[];
}

export const AGENDA_SCHEMA = {
  $id: 'https://edgewise.local/schemas/agenda.json',
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 120 },
    goal: { type: 'string', maxLength: 300 },
    date: { type: 'string', format: 'date' },
    time: { type: 'string', format: 'time' },
    durationMinutes: { type: 'integer' },
    location: { type: 'string', maxLength: 120 },
    attendees: { type: 'array', items: { type: 'string', maxLength: 80 }, maxItems: 30 },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 15,
      items: {
        type: 'object',
        properties: {
          title: { type: 'string', maxLength: 160 },
          owner: { type: 'string', maxLength: 80 },
          minutes: { type: 'integer' },
          notes: { type: 'string', maxLength: 300 },
        },
        required: ['title'],
      },
    },
    preReads: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 10 },
    decisionsNeeded: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 10 },
  },
  required: ['title', 'attendees', 'items', 'preReads', 'decisionsNeeded'],
} as const;
