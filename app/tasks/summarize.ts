// Summarize: prompts in the styles of Chrome's Summarizer API (key points, TL;DR, headline;
// short/medium/long), and map-reduce over documents longer than the context: chunks cut on
// paragraph boundaries, each summarized (several at once, each on its own sequence, so that the
// engine decodes them as one batch), then the partial summaries combined. Finished parts survive
// a failure: the error carries them, and a retry given them runs only the parts still missing.
import type { ChatMessage } from '../../engine/api.ts';

export type SummaryStyle = 'key-points' | 'tldr' | 'headline';
export type SummaryLength = 'short' | 'medium' | 'long';

export const SUMMARY_STYLES: readonly { id: SummaryStyle; label: string }[] = [
  { id: 'key-points', label: 'Key points' },
  { id: 'tldr', label: 'TL;DR' },
  { id: 'headline', label: 'Headline' },
];

export const SUMMARY_LENGTHS: readonly { id: SummaryLength; label: string }[] = [
  { id: 'short', label: 'Short' },
  { id: 'medium', label: 'Medium' },
  { id: 'long', label: 'Long' },
];

const STYLE_TEXT: Record<SummaryStyle, Record<SummaryLength, string>> = {
  'key-points': {
    short: 'Summarize the text as at most 3 key points, as a Markdown bullet list.',
    medium: 'Summarize the text as at most 5 key points, as a Markdown bullet list.',
    long: 'Summarize the text as at most 7 key points, as a Markdown bullet list.',
  },
  tldr: {
    short: 'Write a TL;DR of the text in one sentence.',
    medium: 'Write a TL;DR of the text in one short paragraph (about 3 sentences).',
    long: 'Write a TL;DR of the text in one paragraph (about 5 sentences).',
  },
  headline: {
    short: 'Write a headline for the text, 12 words at most.',
    medium: 'Write a headline for the text, 17 words at most.',
    long: 'Write a headline for the text, 22 words at most.',
  },
};

/** Output budget in tokens for each length; also bounds each map-step summary. */
export const SUMMARY_MAX_TOKENS: Record<SummaryLength, number> = { short: 160, medium: 320, long: 560 };

const SYSTEM = 'You summarize documents faithfully. Use only facts stated in the text. Reply with the summary only.';

export function summaryMessages(text: string, style: SummaryStyle, length: SummaryLength): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${STYLE_TEXT[style][length]}\n\nText:\n"""\n${text}\n"""` },
  ];
}

/** The map step: one part of a long document, summarized as notes to be combined later. */
export function partMessages(text: string, part: number, parts: number): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `This is part ${part} of ${parts} of a longer document. List its main facts and points as a concise Markdown bullet list.\n\nText:\n"""\n${text}\n"""` },
  ];
}

/** The reduce step: partial summaries in document order, combined into the requested style. */
export function combineMessages(partials: readonly string[], style: SummaryStyle, length: SummaryLength): ChatMessage[] {
  const joined = partials.map((p, i) => `Part ${i + 1}:\n${p.trim()}`).join('\n\n');
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `These are summaries of consecutive parts of one document. ${STYLE_TEXT[style][length]} Cover the whole document.\n\n${joined}` },
  ];
}

/**
 * Splits text into pieces of at most `maxTokens` tokens each, cutting on paragraph boundaries
 * (blank lines), then on sentence ends, then on whitespace, so no piece is over budget.
 * `countTokens` is given each candidate piece; pieces keep document order.
 */
export async function splitIntoChunks(text: string, maxTokens: number, countTokens: (s: string) => Promise<number>): Promise<string[]> {
  if (maxTokens < 1) throw new RangeError('maxTokens must be positive');
  const units = await splitUnits(text.replace(/\r\n?/g, '\n'), maxTokens, countTokens, 0, '');
  const chunks: string[] = [];
  let current = '';
  let currentTokens = 0;
  for (const u of units) {
    // A separator costs about one token per character of it (at most 2 here).
    const joinCost = current ? u.sep.length : 0;
    if (current && currentTokens + joinCost + u.tokens > maxTokens) {
      chunks.push(current);
      current = '';
      currentTokens = 0;
    }
    current = current ? current + u.sep + u.text : u.text;
    currentTokens += (current === u.text ? 0 : joinCost) + u.tokens;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** A piece of the text with its token count and the separator that preceded it. */
interface Unit { text: string; tokens: number; sep: string }

const LEVELS: readonly { split: RegExp; sep: string }[] = [
  { split: /\n\s*\n/, sep: '\n\n' },
  { split: /(?<=[.!?…。！？])\s+/, sep: ' ' },
  { split: /\s+/, sep: ' ' },
];

async function splitUnits(text: string, maxTokens: number, count: (s: string) => Promise<number>, level: number, firstSep: string): Promise<Unit[]> {
  const pieces = level < LEVELS.length ? text.split(LEVELS[level].split) : hardSplit(text);
  const sep = level < LEVELS.length ? LEVELS[level].sep : '';
  const out: Unit[] = [];
  for (const raw of pieces) {
    const piece = level < LEVELS.length ? raw.trim() : raw;
    if (!piece) continue;
    const before = out.length === 0 ? firstSep : sep;
    const tokens = await count(piece);
    if (tokens <= maxTokens) out.push({ text: piece, tokens, sep: before });
    else out.push(...await splitUnits(piece, maxTokens, count, Math.min(level + 1, LEVELS.length), before));
  }
  return out;
}

/** Last resort for a run with no whitespace: halves, which the caller re-counts. */
function hardSplit(text: string): string[] {
  const chars = [...text];
  if (chars.length <= 1) return [text];
  const mid = chars.length >> 1;
  return [chars.slice(0, mid).join(''), chars.slice(mid).join('')];
}

export interface SummarizeDeps {
  readonly contextLength: number;
  countTokens(text: string): Promise<number>;
  /**
   * Runs one generation; resolves with its full text. Map steps running at once get different
   * `lane`s (0 ≤ lane < parallel): each needs a sequence of its own.
   */
  generate(messages: ChatMessage[], maxTokens: number, onToken: (delta: string) => void, lane: number): Promise<string>;
  /** Parts summarized at once in the map step (default 1); the engine batches their decoding. */
  readonly parallel?: number;
  /** Says which model summarizes, so that parts done by one model never resume on another. */
  readonly model?: string;
  /** Called as the work moves: every part's state (map), or the final combine. */
  onProgress?(p: SummaryProgress): void;
  /** Streams the text of the final (or only) generation. */
  onToken?(delta: string): void;
  readonly signal?: AbortSignal;
}

/** A part of the map step: kept from an earlier run, waiting, being written (characters so far), or done. */
export interface PartProgress {
  readonly state: 'kept' | 'waiting' | 'writing' | 'done';
  readonly chars: number;
}

export type SummaryProgress =
  | { kind: 'single' }
  | { kind: 'parts'; parts: readonly PartProgress[]; parallel: number }
  | { kind: 'combine'; round: number };

/** Tokens kept free for the prompt's instructions and the chat template around the text. */
export const PROMPT_OVERHEAD_TOKENS = 160;

/** The map step's work so far: the document's parts and the summaries of those finished
 *  (`partials[i]`, null or absent where part i + 1 is not), with what they were made from. */
export interface SummaryCheckpoint {
  readonly text: string;
  readonly contextLength: number;
  readonly model: string | undefined;
  readonly chunks: readonly string[];
  readonly partials: readonly (string | null)[];
}

/** Index of the first part a checkpoint has no summary for (chunks.length when it has them all). */
function firstMissing(c: Pick<SummaryCheckpoint, 'chunks' | 'partials'>): number {
  let i = 0;
  while (i < c.chunks.length && typeof c.partials[i] === 'string') i++;
  return i;
}

/** Parts a checkpoint holds the summary of. */
export function finishedParts(c: Pick<SummaryCheckpoint, 'partials'>): number {
  return c.partials.filter((p) => typeof p === 'string').length;
}

/** A summary stopped (failed or aborted) after the map step began; `checkpoint` keeps the parts
 *  already summarized. The message is the cause's, prefixed with where it happened. */
export class SummaryInterrupted extends Error {
  constructor(readonly checkpoint: SummaryCheckpoint, override readonly cause: unknown) {
    const missing = firstMissing(checkpoint);
    const at = missing < checkpoint.chunks.length ? `part ${missing + 1} of ${checkpoint.chunks.length}` : 'combining the parts';
    super(`Stopped at ${at}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'SummaryInterrupted';
  }
}

/** The 1-based first part a retry with `checkpoint` runs (parts past it already finished are
 *  kept too), when it applies to this document, context and model and has parts worth keeping;
 *  otherwise undefined. */
export function resumePart(checkpoint: SummaryCheckpoint | undefined, text: string, contextLength: number | undefined, model: string | undefined): number | undefined {
  if (!checkpoint || finishedParts(checkpoint) === 0) return undefined;
  if (checkpoint.text !== text || checkpoint.contextLength !== contextLength || checkpoint.model !== model) return undefined;
  return firstMissing(checkpoint) + 1;
}

/** The label of the button that resumes at `part` (1-based) of `parts`. */
export function resumeLabel(part: number, parts: number): string {
  return part <= parts ? `Resume from part ${part}` : 'Resume: combine the parts';
}

/**
 * Summarizes `text`, in one pass when it fits and by map-reduce when it does not. Given a
 * `resume` checkpoint (from a SummaryInterrupted of the same text, context and model), the parts
 * it holds are not summarized again.
 */
export async function summarizeDocument(text: string, style: SummaryStyle, length: SummaryLength, deps: SummarizeDeps, resume?: SummaryCheckpoint): Promise<string> {
  const outTokens = SUMMARY_MAX_TOKENS[length];
  const budget = deps.contextLength - PROMPT_OVERHEAD_TOKENS - outTokens;
  if (budget < 64) throw new RangeError(`the context (${deps.contextLength} tokens) is too small to summarize`);
  const docTokens = await deps.countTokens(text);
  if (docTokens <= budget) {
    deps.onProgress?.({ kind: 'single' });
    return deps.generate(summaryMessages(text, style, length), outTokens, (d) => deps.onToken?.(d), 0);
  }
  const partTokens = SUMMARY_MAX_TOKENS.medium;
  const mapBudget = deps.contextLength - PROMPT_OVERHEAD_TOKENS - partTokens;
  const usable = resumePart(resume, text, deps.contextLength, deps.model) !== undefined;
  const chunks = usable ? resume!.chunks : await splitIntoChunks(text, mapBudget, deps.countTokens);
  const done: (string | null)[] = chunks.map((_, i) => (usable && typeof resume!.partials[i] === 'string' ? resume!.partials[i] : null));
  const parallel = Math.max(1, Math.min(deps.parallel ?? 1, chunks.length));
  const parts: PartProgress[] = done.map((d) => ({ state: d === null ? 'waiting' : 'kept', chars: 0 }));
  const report = () => deps.onProgress?.({ kind: 'parts', parts: parts.map((p) => ({ ...p })), parallel });
  // Parts in document order, `parallel` at a time: a lane takes the next part as soon as its last
  // one is done. The first failure stops lanes from taking more; parts already running finish.
  const queue = done.flatMap((d, i) => (d === null ? [i] : []));
  let failure: { error: unknown } | undefined;
  const lane = async (n: number) => {
    while (queue.length > 0 && !failure) {
      const i = queue.shift()!;
      parts[i] = { state: 'writing', chars: 0 };
      report();
      try {
        deps.signal?.throwIfAborted();
        const partial = await deps.generate(partMessages(chunks[i], i + 1, chunks.length), partTokens, (d) => {
          parts[i] = { state: 'writing', chars: parts[i].chars + d.length };
          report();
        }, n);
        // A part cut short by Stop is not a finished part.
        deps.signal?.throwIfAborted();
        done[i] = partial;
        parts[i] = { state: 'done', chars: partial.length };
      } catch (error) {
        failure ??= { error };
        parts[i] = { state: 'waiting', chars: 0 };
      }
      report();
    }
  };
  try {
    report();
    await Promise.all(Array.from({ length: parallel }, (_, n) => lane(n)));
    if (failure) throw failure.error;
    return await reduce(done as string[], style, length, deps, mapBudget, partTokens);
  } catch (e) {
    throw new SummaryInterrupted({ text, contextLength: deps.contextLength, model: deps.model, chunks, partials: [...done] }, e);
  }
}

/** Reduce: combine as many partials as fit; if they do not all fit, combine groups first. */
async function reduce(partials: string[], style: SummaryStyle, length: SummaryLength, deps: SummarizeDeps, mapBudget: number, partTokens: number): Promise<string> {
  const outTokens = SUMMARY_MAX_TOKENS[length];
  const budget = deps.contextLength - PROMPT_OVERHEAD_TOKENS - outTokens;
  for (let round = 1; ; round++) {
    deps.signal?.throwIfAborted();
    const joinedTokens = await deps.countTokens(partials.join('\n\n'));
    if (joinedTokens <= budget || partials.length === 1) {
      deps.onProgress?.({ kind: 'combine', round });
      return deps.generate(combineMessages(partials, style, length), outTokens, (d) => deps.onToken?.(d), 0);
    }
    const groups = await splitIntoChunks(partials.join('\n\n'), mapBudget, deps.countTokens);
    deps.onProgress?.({ kind: 'combine', round });
    const next: string[] = [];
    for (let i = 0; i < groups.length; i++) {
      next.push(await deps.generate(partMessages(groups[i], i + 1, groups.length), partTokens, () => {}, 0));
    }
    if (next.length >= partials.length) return deps.generate(combineMessages(next, style, length), outTokens, (d) => deps.onToken?.(d), 0);
    partials = next;
  }
}
