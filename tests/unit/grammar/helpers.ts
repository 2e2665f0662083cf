// Shared by the grammar tests: a seeded PRNG, random schemas of the supported subset, small
// vocabularies that split terminals and code points, fixture vocabularies, and the judge (ajv with
// RFC 3339 date/time checks written independently of the grammar's own formats).
import Ajv from 'ajv';
import { compileJsonSchema } from '../../../model/grammar/schema.ts';
import { CompiledGrammar, type GrammarMatcher } from '../../../model/grammar/matcher.ts';
import { TokenIndex, grammarVocabFromTokenizer, type GrammarVocab } from '../../../model/grammar/token-index.ts';
import { fixtureTokenizer } from '../tokenizer/helpers.ts';
import { seededRandom } from '../../../engine/sampler.ts';

/** mulberry32, the sampler's seeded generator: the same seed gives the same case on every run. */
export const prng = seededRandom;

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const WORDS = ['id', 'name', 'title', 'a', 'ab', 'abc', 'nämé', '日付', 'émoji🤖', 'x y', 'q"uote', 'back\\slash', 'tab\t', 'k'];
const STRINGS = ['red', 'green', 'café', 'naïve', '日本語', '日本', '🤖', '👍🏽', 'a"b', 'c\\d', 'line\nbreak', '', 'Ω'];

/** A random schema of the subset, nested at most two deep; strings are mostly bounded so random models finish. */
export function randomSchema(r: () => number, depth = 0): Record<string, unknown> {
  const leaf = depth >= 2 || r() < 0.35;
  const kinds = leaf
    ? ['string', 'string', 'number', 'integer', 'boolean', 'null', 'enum', 'const', 'format']
    : ['object', 'object', 'array', 'anyOf', 'string', 'integer'];
  switch (pick(r, kinds)) {
    case 'string': {
      const s: Record<string, unknown> = { type: 'string', maxLength: int(r, 0, 12) };
      if (r() < 0.3) s.minLength = int(r, 0, s.maxLength as number);
      if (r() < 0.1) delete s.maxLength;
      return s;
    }
    case 'number': return { type: 'number' };
    case 'integer': return { type: 'integer' };
    case 'boolean': return { type: 'boolean' };
    case 'null': return { type: 'null' };
    case 'enum': {
      const vals = new Set<unknown>();
      const n = int(r, 1, 4);
      for (let i = 0; i < n; i++) vals.add(r() < 0.7 ? pick(r, STRINGS) : pick(r, [1, 12, -3.5, true, null, 0, 120]));
      return r() < 0.5 ? { enum: [...vals] } : { type: 'string', enum: [...vals].filter((v) => typeof v === 'string').concat(['ok']) };
    }
    case 'const': return { const: pick(r, [...STRINGS, 7, false, { a: [1, 'é'] }]) };
    case 'format': return { type: 'string', format: pick(r, ['date', 'time', 'date-time']) };
    case 'object': {
      const props: Record<string, unknown> = {};
      const required: string[] = [];
      const n = int(r, 0, 4);
      for (let i = 0; i < n; i++) {
        const k = pick(r, WORDS);
        if (k in props) continue;
        props[k] = randomSchema(r, depth + 1);
        if (r() < 0.5) required.push(k);
      }
      return { type: 'object', properties: props, required };
    }
    case 'array': {
      const min = int(r, 0, 2);
      const s: Record<string, unknown> = { type: 'array', items: randomSchema(r, depth + 1), minItems: min };
      if (r() < 0.8) s.maxItems = int(r, min, min + 3);
      return s;
    }
    case 'anyOf': {
      const n = int(r, 2, 3);
      return { anyOf: Array.from({ length: n }, () => randomSchema(r, depth + 1)) };
    }
  }
  throw new Error('unreachable');
}

const enc = new TextEncoder();

/**
 * A small vocabulary: every byte 0x20..0xff alone (so code points split across tokens), the JSON
 * punctuation in runs that span terminals, and random cuts of literal texts (keys, enum values,
 * dates), many ending mid-code-point. The last id is the end-of-generation token.
 */
export function splittingVocab(r: () => number, texts: readonly string[]): GrammarVocab {
  const seen = new Set<string>();
  const pieces: Uint8Array[] = [];
  const add = (b: Uint8Array) => {
    const k = Array.from(b).join(',');
    if (b.length === 0 || seen.has(k)) return;
    seen.add(k);
    pieces.push(b);
  };
  for (let b = 0x20; b < 0x100; b++) add(Uint8Array.of(b));
  for (const t of ['{"', '":', '","', '"}', '"]', '],"', '},{"', '":"', '":[', '":{"', '[{"', '}]', ',"', '1,', '0.5', 'e+1', '\\n', '\\u00e9', '\\ud83d', 'true', 'null}', '"2024-', '-02-', 'T12:', ':00Z"']) add(enc.encode(t));
  for (const t of texts) {
    const b = enc.encode(t);
    for (let i = 0; i < 3; i++) {
      const a = int(r, 0, b.length), c = int(r, a, b.length);
      add(b.subarray(a, c));
    }
  }
  return { pieces: [...pieces, null], eog: [pieces.length] };
}

/** Literal texts of a schema (keys and JSON of enum/const values), to seed a vocabulary. */
export function schemaTexts(s: unknown, out: string[] = []): string[] {
  if (typeof s !== 'object' || s === null) return out;
  const o = s as Record<string, unknown>;
  if (o.properties) for (const [k, v] of Object.entries(o.properties as object)) { out.push(`{${JSON.stringify(k)}:`, `,${JSON.stringify(k)}:`); schemaTexts(v, out); }
  if (o.enum) for (const v of o.enum as unknown[]) out.push(JSON.stringify(v));
  if (o.const !== undefined) out.push(JSON.stringify(o.const));
  if (o.items) schemaTexts(o.items, out);
  if (o.anyOf) for (const a of o.anyOf as unknown[]) schemaTexts(a, out);
  return out;
}

export function grammarFor(schema: unknown, index: TokenIndex): CompiledGrammar {
  return new CompiledGrammar(compileJsonSchema(schema), index);
}

const indexes = new Map<string, Promise<TokenIndex>>();
/** The TokenIndex of a fixture's vocabulary, built once per test file. */
export function fixtureIndex(name: string): Promise<TokenIndex> {
  let p = indexes.get(name);
  if (!p) { p = fixtureTokenizer(name).then((t) => new TokenIndex(grammarVocabFromTokenizer(t))); indexes.set(name, p); }
  return p;
}

/** Brute force: token i is allowed iff prefix + its bytes is still a valid prefix (EOG: iff complete). */
export function bruteForceMask(m: GrammarMatcher): Uint32Array {
  const ix = m.grammar.index;
  const out = new Uint32Array(ix.words);
  for (let id = 0; id < ix.size; id++) if (m.clone().acceptToken(id)) out[id >>> 5] |= 1 << (id & 31);
  return out;
}

export function setBits(mask: Uint32Array, size: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < size; id++) if ((mask[id >>> 5] >>> (id & 31)) & 1) ids.push(id);
  return ids;
}

// RFC 3339 checks for the judge, by calendar arithmetic rather than a grammar.
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // setUTCFullYear, not Date.UTC: that one reads years 0-99 as 1900-1999.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}
function isTime(s: string): boolean {
  const m = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(z|[+-](\d{2}):(\d{2}))$/i.exec(s);
  return !!m && Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3]) < 60 && (m[6] === undefined || (Number(m[6]) < 24 && Number(m[7]) < 60));
}

export function judge(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true });
  ajv.addFormat('date', isDate);
  ajv.addFormat('time', isTime);
  ajv.addFormat('date-time', (s: string) => { const i = s.search(/[tT]/); return i > 0 && isDate(s.slice(0, i)) && isTime(s.slice(i + 1)); });
  return ajv;
}
