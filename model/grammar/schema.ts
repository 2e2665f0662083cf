// JSON Schema (the subset constrained decoding supports) → grammar nodes. The subset:
//   object: properties (emitted in schema order; optional ones may be skipped) and required;
//           no other property is ever emitted, so additionalProperties does not matter
//   array: items, minItems, maxItems
//   string: minLength, maxLength (counted in code points, an escape being one), enum, const,
//           format date | time | date-time (see formats.ts)
//   number, integer, boolean, null; enum and const of any JSON values; anyOf; type as a list
// Annotations ($id, $schema, title, description, default, examples, $comment) are ignored; any
// other keyword is refused, so a schema is never silently loosened.
// Output policy: no insignificant whitespace; numbers have at most 15 integer and 15 fraction
// digits and a 2-digit exponent (always finite), integers no fraction or exponent; strings never
// use \u escapes for surrogates. Every output is therefore one compact JSON text.
import { EdgewiseError } from '../errors.ts';
import { FORMATS } from './formats.ts';
import { LiteralSet, exactBytes } from './literal.ts';

export interface ObjectNode { readonly kind: 'object'; readonly id: number; readonly props: readonly Prop[] }
export interface Prop { readonly name: string; readonly key: Uint8Array; readonly value: GrammarNode; readonly required: boolean }
export interface ArrayNode { readonly kind: 'array'; readonly id: number; readonly item: GrammarNode; readonly min: number; readonly max: number }
export interface StringNode { readonly kind: 'string'; readonly id: number; readonly min: number; readonly max: number }
export interface NumberNode { readonly kind: 'number'; readonly id: number; readonly integer: boolean }
export interface LiteralNode { readonly kind: 'literal'; readonly id: number; readonly set: LiteralSet }
export interface AnyOfNode { readonly kind: 'anyOf'; readonly id: number; readonly alts: readonly GrammarNode[] }
export type GrammarNode = ObjectNode | ArrayNode | StringNode | NumberNode | LiteralNode | AnyOfNode;

export interface Grammar {
  readonly root: GrammarNode;
}

const IGNORED = new Set(['$id', '$schema', 'title', 'description', 'default', 'examples', '$comment', 'additionalProperties']);
const BY_TYPE: Record<string, readonly string[]> = {
  object: ['properties', 'required'],
  array: ['items', 'minItems', 'maxItems'],
  string: ['minLength', 'maxLength', 'format'],
  number: [], integer: [], boolean: [], null: [],
};
const TYPES = Object.keys(BY_TYPE);
const encoder = new TextEncoder();

function fail(path: string, problem: string): never {
  throw new EdgewiseError('usage', `JSON schema at ${path || '/'}: ${problem}`);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

class Compiler {
  private nextId = 0;

  node(s: unknown, path: string): GrammarNode {
    if (s === true || (typeof s === 'object' && s !== null && Object.keys(s).length === 0)) fail(path, 'an unconstrained value ({} or true) is not supported; give a type');
    if (typeof s !== 'object' || s === null || Array.isArray(s)) fail(path, 'a schema must be an object');
    const o = s as Record<string, unknown>;
    const types = o.type === undefined ? undefined : Array.isArray(o.type) ? o.type : [o.type];
    if (types) for (const t of types) if (typeof t !== 'string' || !TYPES.includes(t)) fail(path, `unknown type ${JSON.stringify(t)}`);
    const allowed = new Set([...IGNORED, 'type', 'enum', 'const', 'anyOf', ...(types ?? TYPES).flatMap((t) => BY_TYPE[t as string])]);
    for (const k of Object.keys(o)) if (!allowed.has(k)) fail(path, `keyword "${k}" is not supported${types ? ` for type ${types.join('|')}` : ''}`);

    if (o.enum !== undefined || o.const !== undefined) {
      if (o.anyOf !== undefined) fail(path, 'enum/const together with anyOf is not supported');
      const values = (o.const !== undefined ? [o.const] : o.enum) as Json[];
      if (!Array.isArray(values)) fail(path, 'enum must be an array');
      const typeOk = (v: Json) => !types || types.some((t) => t === typeOf(v) || (t === 'number' && typeOf(v) === 'integer'));
      const lengthOk = (v: Json) => typeof v !== 'string' || ([...v].length >= ((o.minLength as number) ?? 0) && [...v].length <= ((o.maxLength as number) ?? Infinity));
      const kept = [...new Set(values.filter((v) => typeOk(v) && lengthOk(v)).map((v) => JSON.stringify(v)))];
      if (kept.length === 0) fail(path, 'no enum/const value satisfies the rest of the schema');
      return this.literal(kept.map((t) => encoder.encode(t)));
    }
    if (o.anyOf !== undefined) {
      if (types) fail(path, 'type together with anyOf is not supported; put the type in each branch');
      if (!Array.isArray(o.anyOf) || o.anyOf.length === 0) fail(path, 'anyOf must be a non-empty array');
      const alts = o.anyOf.map((a, i) => this.node(a, `${path}/anyOf/${i}`));
      return alts.length === 1 ? alts[0] : { kind: 'anyOf', id: this.nextId++, alts };
    }
    if (!types || types.length === 0) fail(path, 'missing "type"');
    const alts = [...new Set(types as string[])].map((t) => this.typed(t, o, path));
    return alts.length === 1 ? alts[0] : { kind: 'anyOf', id: this.nextId++, alts };
  }

  private literal(texts: Uint8Array[]): LiteralNode {
    return { kind: 'literal', id: this.nextId++, set: new LiteralSet(texts.map(exactBytes)) };
  }

  private typed(t: string, o: Record<string, unknown>, path: string): GrammarNode {
    switch (t) {
      case 'null': return this.literal([encoder.encode('null')]);
      case 'boolean': return this.literal([encoder.encode('true'), encoder.encode('false')]);
      case 'number': case 'integer': return { kind: 'number', id: this.nextId++, integer: t === 'integer' };
      case 'string': {
        const min = o.minLength ?? 0, max = o.maxLength ?? Infinity;
        if (!isCount(min)) fail(path, 'minLength must be a non-negative integer');
        if (max !== Infinity && !isCount(max)) fail(path, 'maxLength must be a non-negative integer');
        if ((min as number) > (max as number)) fail(path, `minLength ${min} > maxLength ${max}`);
        if (o.format !== undefined) {
          const seqs = FORMATS[o.format as string];
          if (!seqs) fail(path, `format "${String(o.format)}" is not supported (date, time, date-time)`);
          const len = seqs[0].length - 2;
          if (seqs.every((s) => s.length - 2 < (min as number) || s.length - 2 > (max as number))) fail(path, `format ${o.format} (${len} characters) cannot meet min/maxLength`);
          return { kind: 'literal', id: this.nextId++, set: new LiteralSet(seqs.filter((s) => s.length - 2 >= (min as number) && s.length - 2 <= (max as number))) };
        }
        return { kind: 'string', id: this.nextId++, min: min as number, max: max as number };
      }
      case 'array': {
        const min = o.minItems ?? 0, max = o.maxItems ?? Infinity;
        if (!isCount(min)) fail(path, 'minItems must be a non-negative integer');
        if (max !== Infinity && !isCount(max)) fail(path, 'maxItems must be a non-negative integer');
        if ((min as number) > (max as number)) fail(path, `minItems ${min} > maxItems ${max}`);
        if (o.items === undefined) fail(path, 'an array needs "items"');
        if (Array.isArray(o.items)) fail(path, 'tuple "items" (an array of schemas) is not supported');
        return { kind: 'array', id: this.nextId++, item: this.node(o.items, `${path}/items`), min: min as number, max: max as number };
      }
      case 'object': {
        const props = (o.properties ?? {}) as Record<string, unknown>;
        if (typeof props !== 'object' || props === null || Array.isArray(props)) fail(path, '"properties" must be an object');
        const required = (o.required ?? []) as unknown[];
        if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) fail(path, '"required" must be an array of names');
        for (const r of required) if (!(r as string in props)) fail(path, `required property "${r}" is not in "properties"`);
        return {
          kind: 'object',
          id: this.nextId++,
          props: Object.entries(props).map(([name, v]) => ({
            name,
            key: encoder.encode(JSON.stringify(name)),
            value: this.node(v, `${path}/properties/${name}`),
            required: required.includes(name),
          })),
        };
      }
    }
    return fail(path, `unknown type ${t}`);
  }
}

/** Compiles a JSON schema of the supported subset; throws EdgewiseError('usage') naming the first unsupported part. */
export function compileJsonSchema(schema: unknown): Grammar {
  return { root: new Compiler().node(schema, '') };
}
