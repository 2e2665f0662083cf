// Splits text into pre-tokens exactly as llama.cpp's unicode_regex_split does. Each regex of a
// pre-tokenizer re-splits the pieces left by the one before. Three regexes (GPT-2, Llama-3, Qwen2)
// are matched by hand-written scanners, because llama.cpp matches them that way and its scanners
// differ from a regex engine at segment edges; the rest run as JS regexes over llama.cpp's
// "collapsed" text, where every non-ASCII codepoint stands for its category, so that \p{…} means
// what llama.cpp's tables say, not what the JS engine's Unicode version says.
import { REGEX_GPT2, REGEX_LLAMA3, REGEX_QWEN2 } from './pre-types.ts';
import {
  ACCENT_MARK, LETTER, NUMBER, PUNCTUATION, SYMBOL, WHITESPACE_FLAG, codepoints, cptFlagsTable,
} from './unicode.ts';

const CR = 0x0d;
const LF = 0x0a;
const APOSTROPHE = 0x27;
const SPACE = 0x20;
const OUT = -1;

type Scanner = 'gpt2' | 'llama3' | 'qwen2';
const SCANNERS = new Map<string, Scanner>([[REGEX_GPT2, 'gpt2'], [REGEX_LLAMA3, 'llama3'], [REGEX_QWEN2, 'qwen2']]);

/** Pre-tokens of `text` (substrings, in order, covering it all) under the given regexes. */
export function regexSplit(text: string, regexes: readonly string[]): string[] {
  const cpts = codepoints(text);
  let lengths = [cpts.length];
  for (const re of regexes) {
    const scanner = SCANNERS.get(re);
    lengths = scanner ? scan(scanner, cpts, lengths) : regexPieces(re, cpts, lengths);
  }
  // Lengths are in codepoints; map back to UTF-16 slices of the original text.
  const words: string[] = [];
  let u = 0;
  let c = 0;
  for (const len of lengths) {
    const start = u;
    for (let k = 0; k < len; k++) u += cpts[c++] > 0xffff ? 2 : 1;
    words.push(text.slice(start, u));
  }
  return words;
}

/** The hand-written scanners, over each segment [ini, end) of codepoints. */
function scan(kind: Scanner, cpts: Uint32Array, segments: number[]): number[] {
  const F = cptFlagsTable();
  const out: number[] = [];
  let start = 0;
  for (const segLen of segments) {
    const ini = start;
    const end = start + segLen;
    start = end;
    const cptAt = (p: number) => (p >= ini && p < end ? cpts[p] : OUT);
    const flagsAt = (p: number) => (p >= ini && p < end ? F[cpts[p]] : 0);
    let prevEnd = ini;
    const add = (e: number) => {
      const len = e - prevEnd;
      if (len > 0) out.push(len);
      prevEnd = e;
      return len;
    };
    const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);
    let pos = ini;
    while (pos < end) {
      const cpt = cpts[pos];
      const flags = F[cpt];
      // 's 't 're 've 'm 'll 'd — case-insensitive except for GPT-2
      if (cpt === APOSTROPHE && pos + 1 < end) {
        const n1 = kind === 'gpt2' ? cptAt(pos + 1) : lower(cptAt(pos + 1));
        if (n1 === 0x73 || n1 === 0x74 || n1 === 0x6d || n1 === 0x64) { pos += add(pos + 2); continue; }
        if (pos + 2 < end) {
          const n2 = kind === 'gpt2' ? cptAt(pos + 2) : lower(cptAt(pos + 2));
          if ((n1 === 0x72 && n2 === 0x65) || (n1 === 0x76 && n2 === 0x65) || (n1 === 0x6c && n2 === 0x6c)) {
            pos += add(pos + 3);
            continue;
          }
        }
      }
      if (kind === 'gpt2') {
        let f2 = cpt === SPACE ? flagsAt(pos + 1) : flags;
        if (f2 & LETTER) { // ' ?\p{L}+'
          if (cpt === SPACE) pos++;
          while (f2 & LETTER) f2 = flagsAt(++pos);
          add(pos);
          continue;
        }
        if (f2 & NUMBER) { // ' ?\p{N}+'
          if (cpt === SPACE) pos++;
          while (f2 & NUMBER) f2 = flagsAt(++pos);
          add(pos);
          continue;
        }
        if (!(f2 & (WHITESPACE_FLAG | LETTER | NUMBER)) && f2) { // ' ?[^\s\p{L}\p{N}]+'
          if (cpt === SPACE) pos++;
          while (!(f2 & (WHITESPACE_FLAG | LETTER | NUMBER)) && f2) f2 = flagsAt(++pos);
          add(pos);
          continue;
        }
      } else {
        // '[^\r\n\p{L}\p{N}]?\p{L}+'
        if (!(cpt === CR || cpt === LF || (flags & NUMBER)) && ((flags & LETTER) || (flagsAt(pos + 1) & LETTER))) {
          pos++;
          while (flagsAt(pos) & LETTER) pos++;
          add(pos);
          continue;
        }
        if (flags & NUMBER) {
          if (kind === 'qwen2') { // '\p{N}'
            add(++pos);
            continue;
          }
          let ini3 = pos; // '\p{N}{1,3}'
          while (flagsAt(pos) & NUMBER) {
            if (++pos - ini3 >= 3) { add(pos); ini3 = pos; }
          }
          add(pos);
          continue;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*' (llama.cpp tests the first codepoint's own flags here)
        let f2 = cpt === SPACE ? flagsAt(pos + 1) : flags;
        if (!(f2 & (WHITESPACE_FLAG | LETTER | NUMBER)) && flags) {
          if (cpt === SPACE) pos++;
          while (!(f2 & (WHITESPACE_FLAG | LETTER | NUMBER)) && f2) f2 = flagsAt(++pos);
          let c2 = cptAt(pos);
          while (c2 === CR || c2 === LF) c2 = cptAt(++pos);
          add(pos);
          continue;
        }
      }
      let nws = 0;
      let lastRN = 0;
      while (flagsAt(pos + nws) & WHITESPACE_FLAG) {
        const c2 = cptAt(pos + nws);
        if (c2 === CR || c2 === LF) lastRN = pos + nws + 1;
        nws++;
      }
      if (kind !== 'gpt2' && lastRN > 0) { // '\s*[\r\n]+'
        pos = lastRN;
        add(pos);
        continue;
      }
      if (nws > 1 && cptAt(pos + nws) !== OUT) { // '\s+(?!\S)'
        pos += nws - 1;
        add(pos);
        continue;
      }
      if (nws > 0) { // '\s+'
        pos += nws;
        add(pos);
        continue;
      }
      add(++pos);
    }
  }
  return out;
}

// Collapsed representation: a codepoint < 128 stays itself; others become one of these bytes.
const COLLAPSED_CHAR: Record<number, string> = {
  [NUMBER]: '\xd1', [LETTER]: '\xd2', [PUNCTUATION]: '\xd3', [ACCENT_MARK]: '\xd4', [SYMBOL]: '\xd5',
};
const COLLAPSED_WHITESPACE = '\x0b';
const COLLAPSED_OTHER = '\xd0';

/** \p{…} classes llama.cpp understands, the category they stand for, and that category's ASCII members. */
const UCAT: Record<string, [number, string]> = {
  '\\p{N}': [NUMBER, '0-9'],
  '\\p{L}': [LETTER, 'A-Za-z'],
  '\\p{P}': [PUNCTUATION, '!-#%-*,-/:-;?-@\\[-\\]_\\{\\}'],
  '\\p{M}': [ACCENT_MARK, ''],
  '\\p{S}': [SYMBOL, '\\$\\+<->\\^`\\|~'],
  '\\p{Lu}': [LETTER, 'A-Za-z'], '\\p{Ll}': [LETTER, 'A-Za-z'], '\\p{Lt}': [LETTER, 'A-Za-z'],
  '\\p{Lm}': [LETTER, 'A-Za-z'], '\\p{Lo}': [LETTER, 'A-Za-z'],
};

const compiled = new Map<string, { re: RegExp; collapsed: boolean }>();

function compile(src: string): { re: RegExp; collapsed: boolean } {
  let hit = compiled.get(src);
  if (hit) return hit;
  const collapsed = Object.keys(UCAT).some((k) => src.includes(k));
  if (!collapsed) {
    hit = { re: new RegExp(src, 'gu'), collapsed };
  } else {
    // Each \p{X} becomes [<category byte><ASCII members>] (without brackets inside a class).
    let out = '';
    let inside = false;
    for (let i = 0; i < src.length; i++) {
      const ch = src[i];
      if (ch === '[' && (i === 0 || src[i - 1] !== '\\')) { out += ch; inside = true; continue; }
      if (inside && ch === ']' && src[i - 1] !== '\\') { out += ch; inside = false; continue; }
      if (ch === '\\' && src[i + 1] === 'p' && src[i + 2] === '{') {
        const close = src.indexOf('}', i + 3);
        const cat = close >= 0 ? UCAT[src.slice(i, close + 1)] : undefined;
        if (cat) {
          const body = COLLAPSED_CHAR[cat[0]] + cat[1];
          out += inside ? body : `[${body}]`;
          i = close;
          continue;
        }
      }
      out += ch;
    }
    hit = { re: new RegExp(out, 'g'), collapsed };
  }
  compiled.set(src, hit);
  return hit;
}

/** One regex over each segment: matches and the gaps between them become pieces. */
function regexPieces(src: string, cpts: Uint32Array, segments: number[]): number[] {
  const { re, collapsed } = compile(src);
  const F = cptFlagsTable();
  const out: number[] = [];
  let start = 0;
  for (const segLen of segments) {
    // Build the segment's text: one UTF-16 unit per codepoint when collapsed, real codepoints otherwise
    // (non-ASCII whitespace then reads as \v, as std::wregex would not see it as \s).
    let s = '';
    const unitToCpt: number[] = [];
    for (let k = 0; k < segLen; k++) {
      const c = cpts[start + k];
      let ch: string;
      if (c < 128) ch = String.fromCharCode(c);
      else if (F[c] & WHITESPACE_FLAG) ch = COLLAPSED_WHITESPACE;
      else if (collapsed) ch = COLLAPSED_CHAR[F[c] & 0xff] ?? COLLAPSED_OTHER;
      else ch = String.fromCodePoint(c);
      if (!collapsed) for (let j = 0; j < ch.length; j++) unitToCpt.push(k);
      s += ch;
    }
    const toCpt = (unit: number) => (collapsed ? unit : unit < unitToCpt.length ? unitToCpt[unit] : segLen);
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      const mStart = toCpt(m.index);
      const mEnd = toCpt(m.index + m[0].length);
      if (mStart > last) out.push(mStart - last);
      out.push(mEnd - mStart);
      last = mEnd;
    }
    if (last < segLen) out.push(segLen - last);
    start += segLen;
  }
  return out;
}
