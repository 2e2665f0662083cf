// The schema compiler refuses what it cannot honour (naming where), so a schema is never silently
// loosened, and accepts the documented subset.
import { describe, expect, it } from 'vitest';
import { AGENDA_SCHEMA } from '../../../app/tasks/agenda-schema.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { compileJsonSchema } from '../../../model/grammar/schema.ts';
import { TokenIndex } from '../../../model/grammar/token-index.ts';
import { grammarFor } from './helpers.ts';

const enc = new TextEncoder();
const bytesVocab = () => {
  const pieces: (Uint8Array | null)[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  return new TokenIndex({ pieces: [...pieces, null], eog: [256] });
};
const accepts = (schema: unknown, text: string) => {
  const m = grammarFor(schema, bytesVocab()).matcher();
  return m.acceptBytes(enc.encode(text)) && m.isComplete();
};

describe('compileJsonSchema', () => {
  it.each([
    [{ type: 'string', pattern: 'a+' }, /\/: keyword "pattern" is not supported/],
    [{ type: 'object', properties: { a: { type: 'number', minimum: 0 } } }, /\/properties\/a: keyword "minimum"/],
    [{ type: 'object', properties: {}, required: ['x'] }, /required property "x" is not in "properties"/],
    [{ type: 'string', minLength: 3, maxLength: 2 }, /minLength 3 > maxLength 2/],
    [{ type: 'string', format: 'email' }, /format "email" is not supported/],
    [{ type: 'array' }, /an array needs "items"/],
    [{ $ref: '#/x' }, /keyword "\$ref" is not supported/],
    [{ type: 'integer', enum: ['a', 1.5] }, /no enum\/const value satisfies/],
    [{}, /unconstrained value/],
    [{ type: 'date' }, /unknown type "date"/],
  ])('refuses %j', (schema, message) => {
    let err: unknown;
    try { compileJsonSchema(schema); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(EdgewiseError);
    expect((err as EdgewiseError).code).toBe('usage');
    expect((err as Error).message).toMatch(message);
  });

  it('compiles the agenda schema', () => {
    expect(compileJsonSchema(AGENDA_SCHEMA).root.kind).toBe('object');
  });

  it('emits properties in schema order, skipping optional ones only', () => {
    const s = { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'boolean' }, c: { type: 'null' } }, required: ['b'] };
    expect(accepts(s, '{"a":1,"b":true,"c":null}')).toBe(true);
    expect(accepts(s, '{"b":false}')).toBe(true);
    expect(accepts(s, '{"b":true,"a":1}')).toBe(false);
    expect(accepts(s, '{"a":1}')).toBe(false);
    expect(accepts(s, '{ "b":true}')).toBe(false); // no insignificant whitespace
  });

  it('type lists, enum filtered by type, const, numbers and formats', () => {
    expect(accepts({ type: ['string', 'null'] }, 'null')).toBe(true);
    expect(accepts({ type: 'integer', enum: [1, 'x', 2.5] }, '1')).toBe(true);
    expect(accepts({ type: 'integer', enum: [1, 'x', 2.5] }, '"x"')).toBe(false);
    expect(accepts({ const: { a: [1, 'é'] } }, '{"a":[1,"é"]}')).toBe(true);
    expect(accepts({ type: 'number' }, '-0.5e+12')).toBe(true);
    expect(accepts({ type: 'integer' }, '1.0')).toBe(false);
    expect(accepts({ type: 'integer' }, '0123')).toBe(false);
    expect(accepts({ type: 'integer' }, '1234567890123456')).toBe(false); // 16 digits: past the documented limit
    expect(accepts({ type: 'string', format: 'date' }, '"2024-04-30"')).toBe(true);
    expect(accepts({ type: 'string', format: 'date' }, '"2024-04-31"')).toBe(false);
    expect(accepts({ type: 'string', format: 'time' }, '"23:59:59+05:30"')).toBe(true);
    expect(accepts({ type: 'string', format: 'time' }, '"24:00:00Z"')).toBe(false);
    expect(accepts({ type: 'string', format: 'date-time' }, '"1999-12-31T08:00:00Z"')).toBe(true);
    expect(accepts({ type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 }, '[]')).toBe(false);
    expect(accepts({ type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 }, '[1,2,3]')).toBe(false);
  });
});
