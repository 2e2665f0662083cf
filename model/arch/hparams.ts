// An architecture's hyper-parameters, read from GGUF metadata under its `{arch}.` prefix through
// the typed accessors of model/gguf/metadata.ts, with llama.cpp's defaults for optional keys.
import { EdgewiseError } from '../errors.ts';
import {
  metaCount, metaNumber, metaNumberOrArray, metaOptionalBool, metaOptionalNumber, metaOptionalString,
} from '../gguf/metadata.ts';
import type { GgufFile } from '../gguf/types.ts';

export class HParams {
  constructor(private readonly file: GgufFile, readonly arch: string) {}

  key(name: string): string {
    return `${this.arch}.${name}`;
  }

  has(name: string): boolean {
    return this.file.metadata.has(this.key(name));
  }

  /** A non-negative integer; `fallback` when the key is absent (required when no fallback). */
  count(name: string, fallback?: number): number {
    if (fallback !== undefined && !this.has(name)) return fallback;
    return metaCount(this.file, this.key(name));
  }

  float(name: string, fallback?: number): number {
    if (fallback !== undefined) return metaOptionalNumber(this.file, this.key(name)) ?? fallback;
    return metaNumber(this.file, this.key(name));
  }

  bool(name: string, fallback: boolean): boolean {
    return metaOptionalBool(this.file, this.key(name)) ?? fallback;
  }

  string(name: string, fallback: string): string {
    return metaOptionalString(this.file, this.key(name)) ?? fallback;
  }

  /** nLayer values from a scalar (every layer) or a per-layer array (e.g. head_count_kv of hybrids). */
  perLayer(name: string, nLayer: number, fallback?: number): number[] {
    if (fallback !== undefined && !this.has(name)) return new Array<number>(nLayer).fill(fallback);
    const values = metaNumberOrArray(this.file, this.key(name), nLayer);
    for (const v of values) {
      if (!Number.isInteger(v) || v < 0) {
        throw new EdgewiseError('gguf-malformed', `GGUF metadata key "${this.key(name)}" should hold non-negative integers, got ${v}`);
      }
    }
    return values;
  }
}

/** The common core every architecture reads: width, depth, context, norm eps. */
export interface CoreHParams {
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nCtxTrain: number;
  readonly normEps: number;
}

export function readCore(hp: HParams): CoreHParams {
  return {
    nEmbd: hp.count('embedding_length'),
    nLayer: hp.count('block_count'),
    nCtxTrain: hp.count('context_length'),
    normEps: hp.float('attention.layer_norm_rms_epsilon'),
  };
}

/** Fails with a typed error when a derived size is not a whole number. */
export function divide(hp: HParams, what: string, a: number, b: number): number {
  if (b === 0 || a % b !== 0) {
    throw new EdgewiseError('gguf-unsupported', `${hp.arch}: ${what} = ${a} / ${b} is not a whole number`);
  }
  return a / b;
}
