// An architecture's hyper-parameters, read from GGUF metadata under its `{arch}.` prefix through
// the typed accessors of model/gguf/metadata.ts, with llama.cpp's defaults for optional keys.
// Values that no model can run with are refused here, naming the key ('gguf-malformed', exit 3):
// layer counts outside 1..512 (llama.cpp's LLAMA_MAX_LAYERS), attention layers without heads or
// whose KV heads do not divide their heads, a norm epsilon that is not finite and positive, expert
// counts llama.cpp asserts on, non-finite floats.
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

  /** A finite number; `fallback` when the key is absent (required when no fallback). */
  float(name: string, fallback?: number): number {
    const v = fallback !== undefined ? metaOptionalNumber(this.file, this.key(name)) ?? fallback : metaNumber(this.file, this.key(name));
    if (!Number.isFinite(v)) throw this.bad(name, v, 'it must be a finite number');
    return v;
  }

  /** The typed error for a hyper-parameter no model can run with: names the key and its value. */
  bad(name: string, value: number, why: string): EdgewiseError {
    return new EdgewiseError('gguf-malformed', `GGUF metadata key "${this.key(name)}" is ${value}: ${why}; the model file is broken`);
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

/** llama.cpp's LLAMA_MAX_LAYERS; per-layer arrays are allocated from block_count, so it is checked first. */
const MAX_LAYERS = 512;
/** llama.cpp's LLAMA_MAX_EXPERTS. */
const MAX_EXPERTS = 1024;

export function readCore(hp: HParams): CoreHParams {
  const nLayer = hp.count('block_count');
  if (nLayer < 1 || nLayer > MAX_LAYERS) throw hp.bad('block_count', nLayer, `a model has 1 to ${MAX_LAYERS} layers`);
  const nEmbd = hp.count('embedding_length');
  if (nEmbd < 1) throw hp.bad('embedding_length', nEmbd, 'the embedding width must be positive');
  const normEps = hp.float('attention.layer_norm_rms_epsilon');
  if (!(normEps > 0)) throw hp.bad('attention.layer_norm_rms_epsilon', normEps, 'the norm epsilon must be positive');
  return { nEmbd, nLayer, nCtxTrain: hp.count('context_length'), normEps };
}

/** Per-layer widths of the blocks: attention heads, KV heads and FFN hidden size. */
export interface BlockWidths {
  readonly nHead: readonly number[];
  readonly nHeadKv: readonly number[];
  readonly nFf: readonly number[];
}

/**
 * `kvHeads: 'default-to-heads'`: head_count_kv defaults to head_count (no GQA), as in llama.cpp;
 * 'required': hybrids, whose per-layer head_count_kv says which layers are attention (0 = SSM).
 */
export function readBlockWidths(hp: HParams, nLayer: number, kvHeads: 'default-to-heads' | 'required'): BlockWidths {
  const nHead = hp.perLayer('attention.head_count', nLayer);
  const nHeadKv = kvHeads === 'required'
    ? hp.perLayer('attention.head_count_kv', nLayer)
    : hp.perLayer('attention.head_count_kv', nLayer, nHead[0]);
  for (let i = 0; i < nLayer; i++) {
    if (kvHeads === 'required' && nHeadKv[i] === 0) continue;   // a recurrent layer of a hybrid
    if (nHead[i] === 0) throw hp.bad('attention.head_count', 0, `attention layer ${i} needs at least one head`);
    if (nHeadKv[i] === 0) throw hp.bad('attention.head_count_kv', 0, `attention layer ${i} needs at least one KV head`);
    if (nHead[i] % nHeadKv[i] !== 0) {
      throw hp.bad('attention.head_count_kv', nHeadKv[i], `layer ${i}'s ${nHead[i]} heads do not share ${nHeadKv[i]} KV heads evenly`);
    }
  }
  return { nHead, nHeadKv, nFf: hp.perLayer('feed_forward_length', nLayer) };
}

/** `attention.key_length` when the file gives it (it may differ from n_embd / n_head), else n_embd / n_head. */
export function readHeadDim(hp: HParams, nEmbd: number, nHead: number): number {
  if (!hp.has('attention.key_length')) return divide(hp, 'head size', nEmbd, nHead);
  const headDim = hp.count('attention.key_length');
  if (headDim < 1) throw hp.bad('attention.key_length', headDim, 'the head size must be positive');
  return headDim;
}

/** Routed experts: how many, and how many each token uses (0 and 0 for a dense model), as llama.cpp asserts them. */
export function readExperts(hp: HParams): { readonly nExpert: number; readonly nExpertUsed: number } {
  const nExpert = hp.count('expert_count', 0);
  const nExpertUsed = hp.count('expert_used_count', 0);
  if (nExpert > MAX_EXPERTS) throw hp.bad('expert_count', nExpert, `at most ${MAX_EXPERTS} experts`);
  if (nExpertUsed > nExpert) throw hp.bad('expert_used_count', nExpertUsed, `more experts used than the ${nExpert} there are`);
  if (nExpert > 0 && nExpertUsed === 0) throw hp.bad('expert_used_count', 0, `a model with ${nExpert} experts must use at least one`);
  return { nExpert, nExpertUsed };
}

/** The SSM sizes both Mamba generations read. */
export interface SsmHParams {
  readonly dInner: number;
  readonly dState: number;
  readonly dConv: number;
}

function readSsm(hp: HParams): SsmHParams {
  return { dInner: hp.count('ssm.inner_size'), dState: hp.count('ssm.state_size'), dConv: hp.count('ssm.conv_kernel') };
}

/** Mamba-1: `ssm.time_step_rank` is the rank of the dt projection. */
export interface Mamba1HParams extends SsmHParams {
  readonly dtRank: number;
}

export function readMamba1(hp: HParams): Mamba1HParams {
  return { ...readSsm(hp), dtRank: hp.count('ssm.time_step_rank') };
}

/** Mamba-2: dt has no projection, so `ssm.time_step_rank` is the head count. */
export interface Mamba2HParams extends SsmHParams {
  readonly nGroup: number;
  readonly nHead: number;
}

export function readMamba2(hp: HParams): Mamba2HParams {
  return { ...readSsm(hp), nGroup: hp.count('ssm.group_count', 1), nHead: hp.count('ssm.time_step_rank') };
}

/** Fails with a typed error when a derived size is not a whole number. */
export function divide(hp: HParams, what: string, a: number, b: number): number {
  if (b === 0 || a % b !== 0) {
    throw new EdgewiseError('gguf-unsupported', `${hp.arch}: ${what} = ${a} / ${b} is not a whole number`);
  }
  return a / b;
}
