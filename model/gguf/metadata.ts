// Typed access to GGUF metadata for the tokenizer and architecture code. A missing required key is
// 'gguf-unsupported' (a valid file we cannot run); a key holding the wrong kind of value is
// 'gguf-malformed'. Both messages name the key.
import { EdgewiseError, quoteName } from '../errors.ts';
import type { GgufFile, GgufValue } from './types.ts';

function missing(key: string): EdgewiseError {
  return new EdgewiseError('gguf-unsupported', `GGUF metadata key ${quoteName(key)} is missing; this file was not converted for this architecture`);
}

function mistyped(key: string, want: string, got: GgufValue): EdgewiseError {
  return new EdgewiseError('gguf-malformed', `GGUF metadata key ${quoteName(key)} should be ${want} but holds ${describe(got)}`);
}

function describe(v: GgufValue): string {
  if (typeof v === 'string') return `the string ${quoteName(v, 40)}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `an array of ${(v as ArrayLike<unknown>).length}`;
  return `${typeof v} ${String(v)}`;
}

const isNumericArray = (v: GgufValue): v is Exclude<GgufValue, string[] | GgufValue[] | BigUint64Array | BigInt64Array> & ArrayLike<number> =>
  ArrayBuffer.isView(v) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);

export function architecture(file: GgufFile): string {
  return metaString(file, 'general.architecture');
}

/** `<arch>.<suffix>`, e.g. archKey(file, 'block_count') → "llama.block_count". */
export function archKey(file: GgufFile, suffix: string): string {
  return `${architecture(file)}.${suffix}`;
}

export function metaOptionalString(file: GgufFile, key: string): string | undefined {
  const v = file.metadata.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw mistyped(key, 'a string', v);
  return v;
}

export function metaString(file: GgufFile, key: string): string {
  const v = metaOptionalString(file, key);
  if (v === undefined) throw missing(key);
  return v;
}

/** Any integer or float scalar; a 64-bit integer beyond 2^53 is refused rather than rounded. */
export function metaOptionalNumber(file: GgufFile, key: string): number | undefined {
  const v = file.metadata.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw mistyped(key, 'a number', v);
  return v;
}

export function metaNumber(file: GgufFile, key: string): number {
  const v = metaOptionalNumber(file, key);
  if (v === undefined) throw missing(key);
  return v;
}

/** A non-negative integer (a count, an id, a length). */
export function metaCount(file: GgufFile, key: string): number {
  const v = metaNumber(file, key);
  if (!Number.isInteger(v) || v < 0) throw mistyped(key, 'a non-negative integer', v);
  return v;
}

export function metaOptionalBool(file: GgufFile, key: string): boolean | undefined {
  const v = file.metadata.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw mistyped(key, 'a bool', v);
  return v;
}

export function metaBool(file: GgufFile, key: string): boolean {
  const v = metaOptionalBool(file, key);
  if (v === undefined) throw missing(key);
  return v;
}

/** Any array value, as stored (typed array, string[] or nested GgufValue[]). */
export function metaArray(file: GgufFile, key: string): ArrayLike<unknown> & GgufValue {
  const v = file.metadata.get(key);
  if (v === undefined) throw missing(key);
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw mistyped(key, 'an array', v);
  return v as ArrayLike<unknown> & GgufValue;
}

export function metaStringArray(file: GgufFile, key: string): readonly string[] {
  const v = metaArray(file, key);
  if (!Array.isArray(v) || (v.length > 0 && typeof v[0] !== 'string')) throw mistyped(key, 'an array of strings', v);
  return v as string[];
}

export function metaOptionalStringArray(file: GgufFile, key: string): readonly string[] | undefined {
  return file.metadata.has(key) ? metaStringArray(file, key) : undefined;
}

/** A numeric array of any stored element type, as numbers (64-bit elements are refused). */
export function metaNumberArray(file: GgufFile, key: string): ArrayLike<number> {
  const v = metaArray(file, key);
  if (!isNumericArray(v)) throw mistyped(key, 'an array of numbers', v);
  return v;
}

/**
 * A per-layer hyper-parameter that GGUF stores either as one scalar for every layer or as an array
 * of `nLayers` values (e.g. `attention.head_count_kv` in hybrid models). Always `nLayers` numbers.
 */
export function metaNumberOrArray(file: GgufFile, key: string, nLayers: number): number[] {
  const v = file.metadata.get(key);
  if (v === undefined) throw missing(key);
  if (typeof v === 'number') return new Array<number>(nLayers).fill(v);
  if (!isNumericArray(v)) throw mistyped(key, 'a number or an array of numbers', v);
  if (v.length !== nLayers) throw mistyped(key, `a number or an array of ${nLayers} (one per layer)`, v);
  return Array.from(v);
}
