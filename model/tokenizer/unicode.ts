// Codepoint classes as llama.cpp's pre-tokenizers see them, from its own tables (unicode-data.ts),
// plus UTF-8 helpers. Splitting must use these, not the JS engine's \p{…}: the engine's Unicode
// version is newer, and ~10k codepoints assigned since then would split differently.
import { CATEGORY_RANGES, WHITESPACE } from './unicode-data.ts';

export const UNDEFINED = 0x01;
export const NUMBER = 0x02;
export const LETTER = 0x04;
export const SEPARATOR = 0x08;
export const ACCENT_MARK = 0x10;
export const PUNCTUATION = 0x20;
export const SYMBOL = 0x40;
export const CONTROL = 0x80;
export const WHITESPACE_FLAG = 0x100;

const N_CODEPOINTS = 0x110000;
let table: Uint16Array | undefined;

/** Category flag (one bit of 0x01..0x80) | WHITESPACE_FLAG, indexed by codepoint. Built on first use. */
function flagsTable(): Uint16Array {
  if (table) return table;
  const t = new Uint16Array(N_CODEPOINTS);
  let start = 0;
  let flag = 0;
  for (const chunk of CATEGORY_RANGES.split(' ')) {
    const next = start + parseInt(chunk.slice(0, -1) || '0', 36);
    t.fill(flag, start, Math.min(next, N_CODEPOINTS));
    start = next;
    const f = chunk[chunk.length - 1];
    flag = f === '-' ? 0 : 1 << Number(f);
  }
  for (const c of WHITESPACE) t[c] |= WHITESPACE_FLAG;
  table = t;
  return t;
}

/** llama.cpp's flags for one codepoint; 0 only for values outside Unicode. */
export function cptFlags(cpt: number): number {
  return cpt < N_CODEPOINTS ? flagsTable()[cpt] : 0;
}

/** The whole table, for loops that classify many codepoints. */
export function cptFlagsTable(): Uint16Array {
  return flagsTable();
}

/** Codepoints of a JS string (lone surrogates become U+FFFD, as the UTF-8 llama.cpp receives has them). */
export function codepoints(text: string): Uint32Array {
  const out = new Uint32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    out[n++] = c;
  }
  return out.subarray(0, n);
}

export const utf8Encoder = new TextEncoder();
