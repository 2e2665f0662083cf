// Byte counts in the words a user reads in an error or a progress line: the one formatter of
// model/format.ts (decimal units, the user's locale).

export { formatBytes } from '../../model/format.ts';

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.floor((100 * part) / whole)}%` : '0%';
}

/** `text` fit for a one-line error: control characters (a garbled file's bytes can reach a
 *  parser's message) become U+FFFD, and it is cut at `max` characters. */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\ufffd');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
