// Reads an architecture's hyper-parameters from GGUF metadata, under its `{arch}.` prefix, the
// way llama.cpp does: some keys may be a scalar or a per-layer array (head_count_kv,
// head_count, feed_forward_length), missing optional keys take llama.cpp's defaults.
import { EdgewiseError } from '../errors.ts';
import type { GgufFile, GgufValue } from '../gguf/types.ts';

function describe(v: GgufValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return 'an array';
}

function asNumber(v: GgufValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

export class HParams {
  readonly arch: string;
  private readonly meta: ReadonlyMap<string, GgufValue>;

  constructor(file: GgufFile, arch: string) {
    this.meta = file.metadata;
    this.arch = arch;
  }

  key(name: string): string {
    return `${this.arch}.${name}`;
  }

  has(name: string): boolean {
    return this.meta.has(this.key(name));
  }

  private bad(name: string, want: string): EdgewiseError {
    const v = this.meta.get(this.key(name));
    const got = v === undefined ? 'missing' : describe(v);
    return new EdgewiseError('gguf-unsupported', `model metadata ${this.key(name)} should be ${want}, got ${got}`);
  }

  /** A non-negative integer; `fallback` when the key is absent (required when no fallback). */
  count(name: string, fallback?: number): number {
    const v = this.meta.get(this.key(name));
    if (v === undefined && fallback !== undefined) return fallback;
    const n = asNumber(v);
    if (n === undefined || !Number.isInteger(n) || n < 0) throw this.bad(name, 'a non-negative integer');
    return n;
  }

  float(name: string, fallback?: number): number {
    const v = this.meta.get(this.key(name));
    if (v === undefined && fallback !== undefined) return fallback;
    const n = asNumber(v);
    if (n === undefined || !Number.isFinite(n)) throw this.bad(name, 'a number');
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.meta.get(this.key(name));
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    throw this.bad(name, 'a boolean');
  }

  string(name: string, fallback: string): string {
    const v = this.meta.get(this.key(name));
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw this.bad(name, 'a string');
    return v;
  }

  /** A scalar repeated over nLayer layers, or an array of exactly nLayer integers. */
  perLayer(name: string, nLayer: number, fallback?: number): number[] {
    const v = this.meta.get(this.key(name));
    if (v === undefined || typeof v === 'number' || typeof v === 'bigint') {
      const n = this.count(name, fallback);
      return new Array<number>(nLayer).fill(n);
    }
    if (typeof v === 'string' || typeof v === 'boolean' || v.length !== nLayer) {
      throw this.bad(name, `an integer or an array of ${nLayer} integers (one per layer)`);
    }
    const out: number[] = [];
    for (let i = 0; i < nLayer; i++) {
      const n = asNumber(v[i] as GgufValue);
      if (n === undefined || !Number.isInteger(n) || n < 0) throw this.bad(name, `an array of ${nLayer} non-negative integers`);
      out.push(n);
    }
    return out;
  }
}

/** The common core every architecture reads: width, depth, vocabulary, context, norm eps. */
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
