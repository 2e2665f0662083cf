// Layer builders shared by the architecture files: each names one block's GGUF tensors with the
// shapes its hyper-parameters imply (validated through the TensorTable) and returns its plan; plus
// the start (core, vocab, head) and the finish every plan shares.
import { EdgewiseError, quoteName } from '../errors.ts';
import type { GgufFile } from '../gguf/types.ts';
import { type CoreHParams, HParams, type Mamba1HParams, type Mamba2HParams, readCore } from './hparams.ts';
import type {
  AttentionMixer, DenseFfn, FfnPlan, Mamba1Mixer, Mamba2Mixer, MixerPlan, ModelPlan, MoeFfn, RopeKind, RopePlan,
  LayerPlan,
} from './plan.ts';
import { blk, TensorTable } from './tensors.ts';

export interface AttentionShape {
  readonly nEmbd: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  readonly rope: RopePlan;
  /** Default 1/sqrt(headDim). */
  readonly kqScale?: number;
  /** 'qkv': q/k/v biases required (Qwen2); 'optional': any of q/k/v/output biases if present. */
  readonly biases: 'none' | 'qkv' | 'optional';
  /** Per-head q/k RMSNorm (Qwen3); default none. */
  readonly qkNorm?: boolean;
}

export function attentionMixer(t: TensorTable, i: number, s: AttentionShape): AttentionMixer {
  const qWidth = s.nHead * s.headDim;
  const kvWidth = s.nHeadKv * s.headDim;
  const bias = (name: string, width: number): string | undefined => {
    if (s.biases === 'none') return undefined;
    if (s.biases === 'qkv' && name !== 'attn_output') return t.require(blk(i, `${name}.bias`), [width]);
    if (s.biases === 'optional') return t.optional(blk(i, `${name}.bias`), [width]);
    return undefined;
  };
  return {
    kind: 'attention',
    nHead: s.nHead,
    nHeadKv: s.nHeadKv,
    headDim: s.headDim,
    rope: s.rope,
    kqScale: s.kqScale ?? 1 / Math.sqrt(s.headDim),
    tensors: {
      q: t.require(blk(i, 'attn_q.weight'), [s.nEmbd, qWidth]),
      k: t.require(blk(i, 'attn_k.weight'), [s.nEmbd, kvWidth]),
      v: t.require(blk(i, 'attn_v.weight'), [s.nEmbd, kvWidth]),
      output: t.require(blk(i, 'attn_output.weight'), [qWidth, s.nEmbd]),
      qBias: bias('attn_q', qWidth),
      kBias: bias('attn_k', kvWidth),
      vBias: bias('attn_v', kvWidth),
      outputBias: bias('attn_output', s.nEmbd),
      qNorm: s.qkNorm ? t.require(blk(i, 'attn_q_norm.weight'), [s.headDim]) : undefined,
      kNorm: s.qkNorm ? t.require(blk(i, 'attn_k_norm.weight'), [s.headDim]) : undefined,
    },
  };
}

export function denseFfn(t: TensorTable, i: number, nEmbd: number, nFf: number): DenseFfn {
  return {
    kind: 'dense',
    nFf,
    tensors: {
      norm: t.require(blk(i, 'ffn_norm.weight'), [nEmbd]),
      gate: t.require(blk(i, 'ffn_gate.weight'), [nEmbd, nFf]),
      up: t.require(blk(i, 'ffn_up.weight'), [nEmbd, nFf]),
      down: t.require(blk(i, 'ffn_down.weight'), [nFf, nEmbd]),
    },
  };
}

export const NO_FFN: FfnPlan = { kind: 'none' };

/** MoE iff the file has blk.i.ffn_gate_inp (the router), else dense SwiGLU of width nFf. */
export function denseOrMoeFfn(t: TensorTable, i: number, nFf: number, moe: MoeShape): DenseFfn | MoeFfn {
  return t.has(blk(i, 'ffn_gate_inp.weight')) ? moeFfn(t, i, moe) : denseFfn(t, i, moe.nEmbd, nFf);
}

export interface MoeShape {
  readonly nEmbd: number;
  readonly nFf: number;
  readonly nExpert: number;
  readonly nExpertUsed: number;
  readonly normalizeWeights: boolean;
  /** Hidden width of the shared expert; 0 for none. */
  readonly nFfShared: number;
}

export function moeFfn(t: TensorTable, i: number, s: MoeShape): MoeFfn {
  const { nEmbd, nFf, nExpert } = s;
  const shared = s.nFfShared > 0 ? {
    nFf: s.nFfShared,
    gate: t.require(blk(i, 'ffn_gate_shexp.weight'), [nEmbd, s.nFfShared]),
    up: t.require(blk(i, 'ffn_up_shexp.weight'), [nEmbd, s.nFfShared]),
    down: t.require(blk(i, 'ffn_down_shexp.weight'), [s.nFfShared, nEmbd]),
  } : undefined;
  return {
    kind: 'moe',
    nExpert,
    nExpertUsed: s.nExpertUsed,
    nFf,
    normalizeWeights: s.normalizeWeights,
    tensors: {
      norm: t.require(blk(i, 'ffn_norm.weight'), [nEmbd]),
      gateInp: t.require(blk(i, 'ffn_gate_inp.weight'), [nEmbd, nExpert]),
      gateExps: t.require(blk(i, 'ffn_gate_exps.weight'), [nEmbd, nFf, nExpert]),
      upExps: t.require(blk(i, 'ffn_up_exps.weight'), [nEmbd, nFf, nExpert]),
      downExps: t.require(blk(i, 'ffn_down_exps.weight'), [nFf, nEmbd, nExpert]),
    },
    shared,
  };
}

export interface Mamba1Shape extends Mamba1HParams {
  readonly nEmbd: number;
  /** Falcon-Mamba's weightless dt/B/C RMSNorm (`ssm.dt_b_c_rms`). */
  readonly unweightedDtBcNorm: boolean;
}

/** Mamba-1 block; weighted dt/B/C norms (Jamba) are used when the file has them, as llama.cpp does. */
export function mamba1Mixer(t: TensorTable, i: number, s: Mamba1Shape): Mamba1Mixer {
  const { nEmbd, dInner, dState, dConv, dtRank } = s;
  const dtNorm = t.optional(blk(i, 'ssm_dt_norm.weight'), [dtRank]);
  const bNorm = dtNorm ? t.require(blk(i, 'ssm_b_norm.weight'), [dState]) : undefined;
  const cNorm = dtNorm ? t.require(blk(i, 'ssm_c_norm.weight'), [dState]) : undefined;
  return {
    kind: 'mamba1',
    dInner, dState, dConv, dtRank,
    dtBcNorm: dtNorm ? 'weighted' : s.unweightedDtBcNorm ? 'unweighted' : 'none',
    tensors: {
      in: t.require(blk(i, 'ssm_in.weight'), [nEmbd, 2 * dInner]),
      conv1d: t.require(blk(i, 'ssm_conv1d.weight'), [dConv, dInner]),
      conv1dBias: t.require(blk(i, 'ssm_conv1d.bias'), [dInner]),
      x: t.require(blk(i, 'ssm_x.weight'), [dInner, dtRank + 2 * dState]),
      dt: t.require(blk(i, 'ssm_dt.weight'), [dtRank, dInner]),
      dtBias: t.require(blk(i, 'ssm_dt.bias'), [dInner]),
      a: t.require(blk(i, 'ssm_a'), [dState, dInner]),
      d: t.require(blk(i, 'ssm_d'), [dInner]),
      out: t.require(blk(i, 'ssm_out.weight'), [dInner, nEmbd]),
      dtNorm, bNorm, cNorm,
    },
  };
}

export interface Mamba2Shape extends Mamba2HParams {
  readonly nEmbd: number;
}

export function mamba2Mixer(t: TensorTable, hp: HParams, i: number, s: Mamba2Shape): Mamba2Mixer {
  const { nEmbd, dInner, dState, dConv, nGroup, nHead } = s;
  if (nHead === 0 || dInner % nHead !== 0 || nGroup === 0 || nHead % nGroup !== 0) {
    throw new EdgewiseError('gguf-unsupported',
      `${hp.arch}: Mamba-2 needs d_inner (${dInner}) divisible by the head count (${nHead}) and heads by groups (${nGroup})`);
  }
  const convDim = dInner + 2 * nGroup * dState;
  return {
    kind: 'mamba2',
    dInner, dState, nGroup, nHead, headDim: dInner / nHead, dConv,
    tensors: {
      in: t.require(blk(i, 'ssm_in.weight'), [nEmbd, dInner + convDim + nHead]),
      conv1d: t.require(blk(i, 'ssm_conv1d.weight'), [dConv, convDim]),
      conv1dBias: t.require(blk(i, 'ssm_conv1d.bias'), [convDim]),
      dtBias: t.require(blk(i, 'ssm_dt.bias'), [nHead]),
      a: t.require(blk(i, 'ssm_a'), [1, nHead]),
      d: t.require(blk(i, 'ssm_d'), [1, nHead]),
      norm: t.require(blk(i, 'ssm_norm.weight'), [dInner / nGroup, nGroup]),
      out: t.require(blk(i, 'ssm_out.weight'), [dInner, nEmbd]),
    },
  };
}

/** The RMSNorm weight in front of a layer's mixer (named attn_norm for every mixer kind). */
export const mixerNorm = (t: TensorTable, i: number, nEmbd: number): string => t.require(blk(i, 'attn_norm.weight'), [nEmbd]);

/**
 * RoPE from metadata: rotated dims `rope.dimension_count` (default headDim; even and at most
 * headDim, since dims rotate in pairs within a head; 0 rotates nothing, i.e. NoPE; `wholeHead`:
 * must equal headDim, as llama.cpp requires of llama), freq_base (default 10000, positive),
 * linear scaling from `rope.scaling.type/factor` (or the older `rope.scale_linear`), and the
 * optional `rope_freqs.weight` divisors.
 */
export function ropeFromMetadata(hp: HParams, t: TensorTable, kind: RopeKind, headDim: number, opts: { wholeHead?: boolean } = {}): RopePlan {
  const nRot = hp.count('rope.dimension_count', headDim);
  if (opts.wholeHead && nRot !== headDim) throw hp.bad('rope.dimension_count', nRot, `${hp.arch} rotates the whole head of ${headDim}`);
  if (nRot > headDim || nRot % 2 !== 0) throw hp.bad('rope.dimension_count', nRot, `rotated dimensions come in pairs within a head of ${headDim}`);
  const type = hp.string('rope.scaling.type', 'linear');
  let factor = hp.float('rope.scaling.factor', 0);
  if (factor === 0) factor = hp.float('rope.scale_linear', 1);
  if (factor < 0) throw hp.bad('rope.scaling.factor', factor, 'a scaling factor cannot be negative');
  if (type !== 'linear' && type !== 'none' && !(type === 'yarn' && factor === 1)) {
    throw new EdgewiseError('gguf-unsupported', `${hp.arch}: RoPE scaling type ${quoteName(type)} is not supported (linear and none are)`);
  }
  const freqScale = type === 'none' || factor === 0 ? 1 : 1 / factor;
  const freqBase = hp.float('rope.freq_base', 10000);
  if (!(freqBase > 0)) throw hp.bad('rope.freq_base', freqBase, 'the RoPE base must be positive');
  if (nRot === 0) return NO_ROPE;
  const freqFactors = t.optional('rope_freqs.weight', [nRot / 2]);
  return { kind, nRot, freqBase, freqScale, freqFactors };
}

export const NO_ROPE: RopePlan = { kind: 'none', nRot: 0, freqBase: 10000, freqScale: 1 };

/**
 * n_vocab from `vocab_size`, else the tokenizer's token list, else the embedding's rows. When the
 * file has both a vocab_size and a token list they must agree: the embedding and output rows are
 * checked against n_vocab, and every id the model can produce must be a token.
 */
export function vocabSize(hp: HParams, t: TensorTable, meta: ReadonlyMap<string, unknown>): number {
  const tokens = meta.get('tokenizer.ggml.tokens');
  if (hp.has('vocab_size')) {
    const n = hp.count('vocab_size');
    if (Array.isArray(tokens) && tokens.length !== n) {
      throw hp.bad('vocab_size', n, `the tokenizer has ${tokens.length} tokens (tokenizer.ggml.tokens)`);
    }
    return n;
  }
  if (Array.isArray(tokens)) return tokens.length;
  const dims = t.dims('token_embd.weight');
  if (!dims) throw new EdgewiseError('tensor-missing', `${hp.arch} model is missing tensor token_embd.weight`);
  return dims[1] ?? 1;
}

export interface Head {
  readonly tokenEmbedding: string;
  readonly outputNorm: string;
  readonly output: string;
  readonly tied: boolean;
}

/** Embedding, final norm and output matrix; a file without output.weight is tied, as in llama.cpp. */
export function modelHead(t: TensorTable, nEmbd: number, nVocab: number): Head {
  const tokenEmbedding = t.require('token_embd.weight', [nEmbd, nVocab]);
  const outputNorm = t.require('output_norm.weight', [nEmbd]);
  const untied = t.optional('output.weight', [nEmbd, nVocab]);
  return { tokenEmbedding, outputNorm, output: untied ?? tokenEmbedding, tied: untied === undefined };
}

/** What every architecture reads first: its metadata and tensors, the core, n_vocab and the head. */
export interface PlanStart {
  readonly arch: string;
  readonly hp: HParams;
  readonly t: TensorTable;
  readonly core: CoreHParams;
  readonly nVocab: number;
  readonly head: Head;
}

export function startPlan(file: GgufFile, arch: string): PlanStart {
  const hp = new HParams(file, arch);
  const t = new TensorTable(file, arch);
  const core = readCore(hp);
  const nVocab = vocabSize(hp, t, file.metadata);
  return { arch, hp, t, core, nVocab, head: modelHead(t, core.nEmbd, nVocab) };
}

export interface LayerBuilders {
  readonly mixer: (i: number) => MixerPlan;
  readonly ffn: (i: number) => FfnPlan;
  /** Default 1. */
  readonly residualScale?: number;
}

/** Every layer: its mixer norm, then its mixer, then its FFN (the order tensors are named in). */
export function planLayers(m: PlanStart, b: LayerBuilders): LayerPlan[] {
  const layers: LayerPlan[] = [];
  for (let i = 0; i < m.core.nLayer; i++) {
    const norm = mixerNorm(m.t, i, m.core.nEmbd);
    const mixer = b.mixer(i);
    layers.push({ index: i, mixerNorm: norm, mixer, ffn: b.ffn(i), residualScale: b.residualScale ?? 1 });
  }
  return layers;
}

/** Assembles the plan once every tensor has been named (and so validated). */
export function finishPlan(
  m: PlanStart,
  layers: LayerPlan[],
  scales?: Partial<Pick<ModelPlan, 'embeddingScale' | 'logitScale'>>,
): ModelPlan {
  return {
    embeddingScale: 1, logitScale: 1, arch: m.arch, ...m.core, nVocab: m.nVocab, ...m.head, ...scales,
    layers, tensors: m.t.list(),
  };
}
