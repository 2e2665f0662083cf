// Reads a RawVocab from GGUF metadata (`tokenizer.ggml.*`, `general.name`).
import { EdgewiseError } from '../errors.ts';
import type { GgufValue } from '../gguf/types.ts';
import type { RawVocab } from './vocab.ts';

type Metadata = ReadonlyMap<string, GgufValue>;

function str(meta: Metadata, key: string): string | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new EdgewiseError('tokenizer', `${key} should be a string`);
  return v;
}

function id(meta: Metadata, key: string): number | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw new EdgewiseError('tokenizer', `${key} should be an integer token id`);
}

function bool(meta: Metadata, key: string): boolean | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  throw new EdgewiseError('tokenizer', `${key} should be a boolean`);
}

function strings(meta: Metadata, key: string): string[] | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new EdgewiseError('tokenizer', `${key} should be an array of strings`);
  return v as string[];
}

function numbers(meta: Metadata, key: string): ArrayLike<number> | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint32Array || v instanceof Float64Array
    || v instanceof Int16Array || v instanceof Uint16Array || v instanceof Int8Array || v instanceof Uint8Array) return v;
  throw new EdgewiseError('tokenizer', `${key} should be a numeric array`);
}

// The deprecated prefix/suffix/middle keys win over fim_* ones: llama.cpp reads them last.
export function rawVocabFromMetadata(meta: Metadata): RawVocab {
  const model = str(meta, 'tokenizer.ggml.model');
  if (model === undefined) throw new EdgewiseError('tokenizer', 'the model file has no tokenizer (tokenizer.ggml.model is missing)');
  const tokens = strings(meta, 'tokenizer.ggml.tokens');
  if (!tokens) throw new EdgewiseError('tokenizer', 'the model file has no vocabulary (tokenizer.ggml.tokens is missing)');
  return {
    model,
    pre: str(meta, 'tokenizer.ggml.pre'),
    tokens,
    scores: numbers(meta, 'tokenizer.ggml.scores'),
    tokenTypes: numbers(meta, 'tokenizer.ggml.token_type'),
    merges: strings(meta, 'tokenizer.ggml.merges'),
    bos: id(meta, 'tokenizer.ggml.bos_token_id'),
    eos: id(meta, 'tokenizer.ggml.eos_token_id'),
    eot: id(meta, 'tokenizer.ggml.eot_token_id'),
    eom: id(meta, 'tokenizer.ggml.eom_token_id'),
    unk: id(meta, 'tokenizer.ggml.unknown_token_id'),
    sep: id(meta, 'tokenizer.ggml.seperator_token_id'),
    pad: id(meta, 'tokenizer.ggml.padding_token_id'),
    fimPre: id(meta, 'tokenizer.ggml.prefix_token_id') ?? id(meta, 'tokenizer.ggml.fim_pre_token_id'),
    fimSuf: id(meta, 'tokenizer.ggml.suffix_token_id') ?? id(meta, 'tokenizer.ggml.fim_suf_token_id'),
    fimMid: id(meta, 'tokenizer.ggml.middle_token_id') ?? id(meta, 'tokenizer.ggml.fim_mid_token_id'),
    fimPad: id(meta, 'tokenizer.ggml.fim_pad_token_id'),
    fimRep: id(meta, 'tokenizer.ggml.fim_rep_token_id'),
    fimSep: id(meta, 'tokenizer.ggml.fim_sep_token_id'),
    addBos: bool(meta, 'tokenizer.ggml.add_bos_token'),
    addEos: bool(meta, 'tokenizer.ggml.add_eos_token'),
    addSpacePrefix: bool(meta, 'tokenizer.ggml.add_space_prefix'),
    name: str(meta, 'general.name'),
  };
}
