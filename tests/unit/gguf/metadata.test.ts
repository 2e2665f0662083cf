// Typed metadata accessors on real fixtures: values, and the error codes for missing and mistyped keys.
import { describe, expect, it } from 'vitest';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import {
  architecture, archKey, metaArray, metaBool, metaCount, metaNumber, metaNumberArray, metaNumberOrArray,
  metaOptionalBool, metaOptionalNumber, metaOptionalString, metaString, metaStringArray,
} from '../../../model/gguf/metadata.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { fixtureBytes } from './fixtures.ts';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgewiseError);
    return (e as EdgewiseError).code;
  }
  throw new Error('expected an EdgewiseError');
}

describe('metadata accessors', async () => {
  const jamba = await readGguf(memorySource(fixtureBytes('jamba-F32')));
  const llama = await readGguf(memorySource(fixtureBytes('llama-F32')));

  it('reads scalars, strings, bools and arrays', () => {
    expect(architecture(jamba)).toBe('jamba');
    expect(archKey(jamba, 'block_count')).toBe('jamba.block_count');
    expect(metaCount(jamba, 'jamba.block_count')).toBe(4);
    expect(metaNumber(jamba, 'jamba.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-6, 12);
    expect(metaOptionalNumber(jamba, 'jamba.rope.freq_base')).toBeUndefined();
    expect(metaString(jamba, 'tokenizer.ggml.model')).toBe('llama');
    expect(metaOptionalString(jamba, 'tokenizer.chat_template')).toBeUndefined();
    expect(metaBool(jamba, 'tokenizer.ggml.add_bos_token')).toBe(true);
    expect(metaOptionalBool(jamba, 'tokenizer.ggml.add_eos_token')).toBe(false);
    expect(metaStringArray(jamba, 'tokenizer.ggml.tokens').length).toBe(512);
    expect(metaNumberArray(jamba, 'tokenizer.ggml.scores').length).toBe(512);
    expect(metaArray(jamba, 'tokenizer.ggml.token_type').length).toBe(512);
  });

  it('expands per-layer values given as a scalar or an array', () => {
    expect(metaNumberOrArray(jamba, 'jamba.attention.head_count_kv', 4)).toEqual([0, 0, 2, 0]);
    expect(metaNumberOrArray(llama, 'llama.attention.head_count_kv', 2)).toEqual([2, 2]);
    expect(codeOf(() => metaNumberOrArray(jamba, 'jamba.attention.head_count_kv', 5))).toBe('gguf-malformed');
  });

  it('names missing keys (unsupported) and mistyped keys (malformed)', () => {
    expect(codeOf(() => metaNumber(jamba, 'jamba.no_such_key'))).toBe('gguf-unsupported');
    expect(() => metaNumber(jamba, 'jamba.no_such_key')).toThrow(/jamba\.no_such_key/);
    expect(codeOf(() => metaNumber(jamba, 'tokenizer.ggml.model'))).toBe('gguf-malformed');
    expect(() => metaString(jamba, 'jamba.block_count')).toThrow(/jamba\.block_count/);
    expect(codeOf(() => metaBool(jamba, 'jamba.block_count'))).toBe('gguf-malformed');
    expect(codeOf(() => metaStringArray(jamba, 'tokenizer.ggml.scores'))).toBe('gguf-malformed');
    expect(codeOf(() => metaNumberArray(jamba, 'tokenizer.ggml.tokens'))).toBe('gguf-malformed');
    expect(codeOf(() => metaCount(jamba, 'jamba.attention.layer_norm_rms_epsilon'))).toBe('gguf-malformed');
    expect(codeOf(() => metaArray(jamba, 'jamba.block_count'))).toBe('gguf-malformed');
  });
});
