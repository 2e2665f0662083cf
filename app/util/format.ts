// Numbers for people (sizes, durations: model/format.ts, shared with the worker), and errors as
// one line.
export { formatBytes, formatDuration } from '../../model/format.ts';

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An error as one short line for people: its message's first line, at most `max` characters. */
export function oneLineError(e: unknown, max = 160): string {
  const line = errorMessage(e).split('\n', 1)[0].trim() || 'unknown error';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
