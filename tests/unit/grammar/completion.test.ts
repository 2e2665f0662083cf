// Closing a value near the token budget (model/grammar/completion.ts): at states reached by random
// walks over random schemas, the shortest completion closes the value, the whole output then
// parses and validates, its length equals a search over all 256 bytes (the completion alphabet
// loses nothing), and its tokens spell exactly those bytes and are accepted one by one.
import { describe, expect, it } from 'vitest';
import { AGENDA_SCHEMA } from '../../../app/tasks/agenda-schema.ts';
import { ALL_BYTES } from '../../../model/grammar/completion.ts';
import type { GrammarMatcher } from '../../../model/grammar/matcher.ts';
import { TokenIndex } from '../../../model/grammar/token-index.ts';
import { fixtureIndex, grammarFor, judge, pick, prng, randomSchema, schemaTexts, setBits, splittingVocab } from './helpers.ts';

const SEED = Number(process.env.GRAMMAR_SEED ?? 0xc105e);
const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
const concat = (a: Uint8Array, b: Uint8Array) => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; };

/** Checks the completion at the matcher's state, given the bytes output so far. */
function checkCompletion(m: GrammarMatcher, prefix: Uint8Array, validate: (v: unknown) => boolean, what: string): void {
  const bytes = m.completionBytes();
  expect(bytes, `${what}: no completion`).not.toBeNull();
  expect(m.completionBytes(ALL_BYTES)!.length, `${what}: the alphabet search is longer than the 256-byte one`).toBe(bytes!.length);
  const byBytes = m.clone();
  expect(byBytes.acceptBytes(bytes!), `${what}: completion refused`).toBe(true);
  // Complete (a top-level number could still grow, so "closed" is too strong).
  expect(byBytes.isComplete(), `${what}: completion leaves the value open`).toBe(true);
  const full = text(concat(prefix, bytes!));
  expect(validate(JSON.parse(full)), `${what}: ${full} fails the schema`).toBe(true);
  const tokens = m.completion()!;
  expect(tokens.length).toBeLessThanOrEqual(bytes!.length);
  const byTokens = m.clone();
  const spelled: number[] = [];
  for (const id of tokens) {
    expect(byTokens.acceptToken(id), `${what}: completion token ${id} refused`).toBe(true);
    spelled.push(...m.grammar.index.pieces[id]!);
  }
  expect(Uint8Array.from(spelled)).toEqual(bytes);
}

function walkAndCheck(ix: TokenIndex, schema: object, r: () => number, what: string): number {
  const m = grammarFor(schema, ix).matcher();
  const validate = judge().compile(schema);
  let prefix = new Uint8Array(0);
  let checked = 0;
  for (let step = 0; step < 60; step++) {
    if (r() < 0.3) { checkCompletion(m, prefix, validate, `${what} step ${step}`); checked++; }
    const ids = setBits(m.allowedTokens(), ix.size).filter((id) => !ix.eog.includes(id));
    if (ids.length === 0) break;
    const id = pick(r, ids);
    expect(m.acceptToken(id)).toBe(true);
    prefix = concat(prefix, ix.pieces[id]!);
  }
  return checked;
}

describe('closing a value by its shortest completion', () => {
  it('known shapes: required keys filled with their least values, open strings and containers closed', () => {
    const r = prng(SEED);
    const ix = new TokenIndex(splittingVocab(r, ['{"a":', '"date":', 'true']));
    const cases: [object, string, string][] = [
      [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, '', '{"a":""}'],
      [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, '{"a":"xy', '"}'],
      [{ type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' } }, required: ['b'] }, '{', '"b":""}'],
      [{ type: 'array', items: { type: 'boolean' }, minItems: 2 }, '[', 'true,true]'],
      [{ type: 'object', properties: { date: { type: 'string', format: 'date' } }, required: ['date'] }, '{"date":"20', '00-01-01"}'],
      [{ type: 'number' }, '-', '0'],
    ];
    for (const [schema, prefix, want] of cases) {
      const m = grammarFor(schema, ix).matcher();
      expect(m.acceptBytes(new TextEncoder().encode(prefix))).toBe(true);
      expect(text(m.completionBytes()!), `${JSON.stringify(schema)} after ${prefix}`).toBe(want);
    }
  });

  it(`random schemas and the agenda, random walks, on splitting vocabularies and the llama vocabulary (seed ${SEED})`, async () => {
    const r = prng(SEED);
    let checked = 0;
    for (let i = 0; i < 40; i++) {
      const schema = i % 10 === 0 ? AGENDA_SCHEMA : randomSchema(r);
      const ix = new TokenIndex(splittingVocab(r, schemaTexts(schema)));
      checked += walkAndCheck(ix, schema, r, `schema ${i} ${JSON.stringify(schema)}`);
    }
    const llama = await fixtureIndex('llama-F32');
    for (let i = 0; i < 10; i++) {
      const schema = i % 5 === 0 ? AGENDA_SCHEMA : randomSchema(r);
      checked += walkAndCheck(llama, schema, r, `llama vocab, schema ${JSON.stringify(schema)}`);
    }
    expect(checked).toBeGreaterThan(200);
  });
});
