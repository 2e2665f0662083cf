// Shared by the tokenizer tests: the fixture folder, loading a fixture's tokenizer through our
// GGUF reader, and a seeded generator of adversarial strings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFileSource } from '../../../cli/file-source.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import type { GgufFile } from '../../../model/gguf/types.ts';
import { tokenizerFromGguf, type Tokenizer } from '../../../model/tokenizer/tokenizer.ts';
import { seededRandom } from '../../../engine/sampler.ts';

export const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

export const TOKENIZER_CASES = ['tok-spm-llama2', 'tok-spm-mistral', 'tok-spm-phi3', 'tok-spm-gemma3', 'tok-bpe-qwen3',
  'tok-bpe-llama3', 'tok-bpe-gpt2', 'tok-bpe-refact', 'tok-bpe-deepseek-coder'];

export function ggufPath(name: string): string {
  return join(FIXTURES, name, name.startsWith('tok-') ? 'vocab.gguf' : 'model.gguf');
}

export function manifest(name: string): any {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
}

export async function readFixture(name: string): Promise<GgufFile> {
  const src = await nodeFileSource(ggufPath(name));
  try {
    return await readGguf(src);
  } finally {
    await src.close();
  }
}

export async function fixtureTokenizer(name: string): Promise<Tokenizer> {
  return tokenizerFromGguf(await readFixture(name));
}

/** mulberry32, the sampler's seeded generator: the same seed gives the same case on every run. */
export const prng = seededRandom;

const WORDS = [
  'the', 'The', 'quick', 'brown', 'fox', "don't", "I'm", "we'll", "THEY'RE", "it's", "You'VE", 'hello', 'Hello', 'HELLO',
  'café', 'naïve', 'résumé', 'Ångström', 'façade', 'straße', 'Ærøskøbing', 'ﬁne',
  'Привет', 'мир', 'Ελληνικά', 'γειά', '日本語', 'こんにちは', 'カタカナ', '中文字符', '你好世界', '한국어', '안녕하세요',
  'مرحبا', 'العربية', 'שלום', 'हिन्दी', 'नमस्ते', 'ภาษาไทย', 'Tiếng Việt', 'ქართული', 'Հայերեն', 'ᚠᚢᚦ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '𝟘𝟙𝟚',
];
const EMOJI = ['😀', '👍', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', '🇯🇵', '❤️', '🤖', '🧑🏿‍💻', '👩‍❤️‍💋‍👨', '⭐', '🫠', '1️⃣'];
const SPACES = [' ', '  ', '   ', '\t', '\t\t', '\n', '\n\n', '\r\n', ' \n', '\n ', '\u00a0', '\u3000', '\u2009', '\u200b', '\u2028', '\v', '\f', '\u0085', '        '];
const CODE = ['function f(x) { return x * 2; }', 'if (a != b) {\n\treturn;\n}', 'for i in range(10):\n    print(i)',
  'const x = [1, 2, 3];', '#include <stdio.h>', 'SELECT * FROM t WHERE id = 42;', '<div class="a">b</div>', 'a->b', '$x += 1;',
  '```js\nlet y = 0;\n```', '<0x41>', '\\n\\t', '{{ x }}', '=====', '...', '?!', ' ,', " ' ", "'s", "'LL"];
const PUNCT = ['.', ',', '!', '?', ';', ':', '-', '—', '–', '…', '"', "'", '(', ')', '[', ']', '«', '»', '¿', '¡', '§', '©', '™', '€', '£', '¥', '%', '&', '*', '@', '#', '~', '^', '|', '\\', '/', '_', '+', '=', '<', '>'];

/** One random codepoint, anywhere in Unicode but never a surrogate (the strings stay valid UTF-16). */
function randomCodepoint(r: () => number): string {
  const pick = r();
  let c: number;
  if (pick < 0.4) c = 0x20 + Math.floor(r() * 0x60);
  else if (pick < 0.8) c = 0xa0 + Math.floor(r() * 0x3000);
  else if (pick < 0.95) c = Math.floor(r() * 0x10000);
  else c = 0x10000 + Math.floor(r() * 0x30000);
  if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
  return String.fromCodePoint(c);
}

/** A string mixing scripts, emoji (ZWJ, flags, skin tones), whitespace runs, digits, code and special-token literals. */
export function randomText(r: () => number, specials: readonly string[]): string {
  const n = 1 + Math.floor(r() * 12);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.25) s += pick(WORDS);
    else if (k < 0.35) s += pick(EMOJI);
    else if (k < 0.5) s += pick(SPACES);
    else if (k < 0.58) s += String(Math.floor(r() * 10 ** (1 + Math.floor(r() * 9))));
    else if (k < 0.66) s += pick(CODE);
    else if (k < 0.76) s += pick(PUNCT);
    else if (k < 0.84 && specials.length > 0) s += pick(specials);
    else { const m = 1 + Math.floor(r() * 4); for (let j = 0; j < m; j++) s += randomCodepoint(r); }
    if (r() < 0.5) s += ' ';
  }
  return s;
}
