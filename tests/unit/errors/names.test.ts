// quoteName and oneLine: the only way text from a model file enters an error message.
import { describe, expect, it } from 'vitest';
import { MESSAGE_MAX, oneLine, quoteName } from '../../../model/errors.ts';

const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]*$/u;

describe('quoteName', () => {
  it('quotes a plain name as it is', () => {
    expect(quoteName('blk.0.attn_q.weight')).toBe('"blk.0.attn_q.weight"');
    expect(quoteName('')).toBe('""');
  });

  it('escapes quotes, backslashes and every control, format and separator character', () => {
    expect(quoteName('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteName('\x1b[2Jx\n\r\t')).toBe('"\\u001b[2Jx\\n\\r\\t"');
    expect(quoteName('\u202eevil\u200b\u2028\x7f\x9b')).toBe('"\\u202eevil\\u200b\\u2028\\u007f\\u009b"');
    expect(quoteName('lone \ud800 surrogate')).toBe('"lone \\ud800 surrogate"');
  });

  it('cuts a long name to 80 characters and says how long it was, never splitting a surrogate pair', () => {
    const long = 'k'.repeat(265_000);
    expect(quoteName(long)).toBe(`"${'k'.repeat(80)}…" (265000 characters)`);
    const emoji = '😀'.repeat(100);
    const q = quoteName(emoji);
    expect(q).toBe(`"${'😀'.repeat(80)}…" (200 characters)`);
    expect(q).toMatch(PRINTABLE);
  });

  it('leaves no invisible character in any input (random strings over all of UTF-16)', () => {
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rand() * 200);
      const text = String.fromCharCode(...Array.from({ length: len }, () => Math.floor(rand() * (rand() < 0.5 ? 0x100 : 0x10000))));
      const q = quoteName(text);
      expect(q, JSON.stringify(text)).toMatch(PRINTABLE);
      expect(q.length).toBeLessThanOrEqual(2 + 80 * 6 + 40);
    }
  });
});

describe('oneLine', () => {
  it('keeps a short printable message unchanged and is idempotent on quoted names', () => {
    const m = `tensor ${quoteName('a\x1bb')} is missing`;
    expect(oneLine(m)).toBe(m);
  });

  it('turns a multi-line message into one line within the limit', () => {
    const m = oneLine(`first\nsecond\r\n${'x'.repeat(10_000)}`);
    expect(m).not.toMatch(/[\n\r]/);
    expect(m.startsWith('first\\nsecond\\r\\n')).toBe(true);
    expect(Array.from(m).length).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(m.endsWith('…')).toBe(true);
  });

  it('stays within the limit when escapes lengthen the text', () => {
    const m = oneLine('\x1b'.repeat(MESSAGE_MAX));
    expect(Array.from(m).length).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(m).toMatch(PRINTABLE);
  });
});
