// The CPU reference forward pass for every architecture a ModelPlan can describe: plain loops
// (the per-op references in this folder) on dequantized f32 weights, f64 accumulation. Slow; it
// is the oracle the GPU engine is tested against, itself tested against llama.cpp's logits.
//
// State is explicit (KV cache per attention layer, conv + SSM state per recurrent layer), so a
// sequence may be fed in one call, in chunks, or one token at a time with the same result.
// Activations are row-major (n_tokens, width).
import type {
  AttentionMixer, DenseFfn, FfnPlan, Mamba1Mixer, Mamba2Mixer, MixerPlan, ModelPlan, MoeFfn,
} from '../arch/plan.ts';
import { mamba1DbcWidth, mamba2ConvChannels, mamba2ProjectionWidth } from '../arch/mixer-facts.ts';
import { EdgewiseError } from '../errors.ts';
import { attention } from './attention.ts';
import { add, moeTopK, scale, softmaxRows, swiglu } from './elementwise.ts';
import {
  causalConv1d, createConvState, createSsmState, rowView, selectiveScan, type ConvState, type SsmState,
} from './mamba.ts';
import { createSsdState, gatedGroupRmsNorm, ssdScan, type SsdState } from './mamba2.ts';
import { embeddingRows, matMul, type DenseWeight } from './matmul.ts';
import { rmsNorm } from './norm.ts';
import { rope } from './rope.ts';
import type { ReferenceWeights } from './weights.ts';

export interface AttentionState {
  readonly kind: 'attention';
  /** (capacity, nHeadKv·headDim) each, rows 0..pos-1 filled (after RoPE for k). */
  readonly k: Float32Array;
  readonly v: Float32Array;
}

export interface Mamba1State {
  readonly kind: 'mamba1';
  readonly conv: ConvState;
  readonly ssm: SsmState;
}

export interface Mamba2State {
  readonly kind: 'mamba2';
  readonly conv: ConvState;
  readonly ssm: SsdState;
}

export type LayerState = AttentionState | Mamba1State | Mamba2State;

export interface ReferenceState {
  /** Tokens consumed so far: the position of the next token. */
  pos: number;
  /** Most tokens the KV caches hold. */
  readonly capacity: number;
  readonly layers: readonly LayerState[];
}

export function createReferenceState(plan: ModelPlan, capacity: number): ReferenceState {
  const layers = plan.layers.map((layer): LayerState => {
    const m = layer.mixer;
    switch (m.kind) {
      case 'attention': {
        const width = m.nHeadKv * m.headDim;
        return { kind: 'attention', k: new Float32Array(capacity * width), v: new Float32Array(capacity * width) };
      }
      case 'mamba1':
        return { kind: 'mamba1', conv: createConvState(m.dInner, m.dConv), ssm: createSsmState(m.dInner, m.dState) };
      case 'mamba2':
        return {
          kind: 'mamba2',
          conv: createConvState(mamba2ConvChannels(m), m.dConv),
          ssm: createSsdState({ nHead: m.nHead, headDim: m.headDim, nGroup: m.nGroup, dState: m.dState }),
        };
    }
  });
  return { pos: 0, capacity, layers };
}

/** Called with each named intermediate activation; layer is -1 for embedding and output. */
export type TraceFn = (layer: number, op: string, data: Float32Array) => void;

export interface ForwardOptions {
  readonly trace?: TraceFn;
}

/** Weight lookup with ggml shapes from the plan: matrices as DenseWeight, vectors as data. */
class Weights {
  private readonly shapes: ReadonlyMap<string, readonly number[]>;

  constructor(plan: ModelPlan, private readonly values: ReferenceWeights) {
    this.shapes = new Map(plan.tensors.map((t) => [t.name, t.ne]));
  }

  vec(name: string): Float32Array {
    const v = this.values.get(name);
    if (!v) throw new EdgewiseError('tensor-missing', `reference weights lack tensor ${name}`);
    return v;
  }

  /** ne {k, n}: n rows of k. */
  mat(name: string): DenseWeight {
    const ne = this.shapes.get(name);
    if (!ne) throw new EdgewiseError('tensor-missing', `the plan names no tensor ${name}`);
    return { data: this.vec(name), k: ne[0], n: ne[1] ?? 1 };
  }

  /** Expert e of a stacked ne {k, n, n_expert} tensor. */
  expert(name: string, e: number): DenseWeight {
    const { data, k, n } = this.mat(name);
    return { data: data.subarray(e * k * n, (e + 1) * k * n), k, n };
  }
}

interface Ctx {
  readonly plan: ModelPlan;
  readonly w: Weights;
  readonly n: number;
  readonly pos: number;
  readonly layer: number;
  readonly trace: TraceFn;
}

/**
 * Logits (tokens.length, nVocab) for `tokens`, continuing from `state` (a fresh one if omitted)
 * and advancing it.
 */
export function referenceForward(
  plan: ModelPlan,
  weights: ReferenceWeights,
  tokens: ArrayLike<number>,
  state: ReferenceState = createReferenceState(plan, tokens.length),
  options: ForwardOptions = {},
): Float32Array {
  const n = tokens.length;
  if (state.pos + n > state.capacity) {
    throw new EdgewiseError('context-full', `context is full: ${state.pos} + ${n} tokens exceed ${state.capacity}`);
  }
  const trace = options.trace ?? (() => {});
  const w = new Weights(plan, weights);
  const { nEmbd, normEps } = plan;

  let x = embeddingRows(w.mat(plan.tokenEmbedding), tokens);
  if (plan.embeddingScale !== 1) x = scale(x, plan.embeddingScale);
  trace(-1, 'embedding', x);

  for (const layer of plan.layers) {
    const ctx: Ctx = { plan, w, n, pos: state.pos, layer: layer.index, trace };
    const h = rmsNorm(x, nEmbd, normEps, w.vec(layer.mixerNorm));
    trace(layer.index, 'mixer_norm', h);
    const m = mixer(ctx, layer.mixer, state.layers[layer.index], h);
    trace(layer.index, 'mixer_out', m);
    x = add(x, m, layer.residualScale);
    trace(layer.index, 'mixer_residual', x);
    if (layer.ffn.kind !== 'none') {
      const f = ffn(ctx, layer.ffn, rmsNorm(x, nEmbd, normEps, w.vec(layer.ffn.tensors.norm)));
      trace(layer.index, 'ffn_out', f);
      x = add(x, f, layer.residualScale);
      trace(layer.index, 'ffn_residual', x);
    }
  }

  const out = rmsNorm(x, nEmbd, normEps, w.vec(plan.outputNorm));
  trace(-1, 'output_norm', out);
  let logits = matMul(w.mat(plan.output), out, n);
  if (plan.logitScale !== 1) logits = scale(logits, 1 / plan.logitScale);
  trace(-1, 'logits', logits);
  state.pos += n;
  return logits;
}

function mixer(ctx: Ctx, m: MixerPlan, s: LayerState, h: Float32Array): Float32Array {
  if (m.kind === 'attention' && s.kind === 'attention') return attentionBlock(ctx, m, s, h);
  if (m.kind === 'mamba1' && s.kind === 'mamba1') return mamba1Block(ctx, m, s, h);
  if (m.kind === 'mamba2' && s.kind === 'mamba2') return mamba2Block(ctx, m, s, h);
  throw new EdgewiseError('usage', `layer ${ctx.layer}: state of kind ${s.kind} does not fit a ${m.kind} layer`);
}

function attentionBlock(ctx: Ctx, m: AttentionMixer, s: AttentionState, h: Float32Array): Float32Array {
  const { w, n, pos, layer, trace } = ctx;
  const { nHead, nHeadKv, headDim, tensors: t } = m;
  const opt = (bias?: string) => (bias ? { bias: w.vec(bias) } : {});
  let q = matMul(w.mat(t.q), h, n, opt(t.qBias));
  let k = matMul(w.mat(t.k), h, n, opt(t.kBias));
  const v = matMul(w.mat(t.v), h, n, opt(t.vBias));
  if (t.qNorm && t.kNorm) {
    q = rmsNorm(q, headDim, ctx.plan.normEps, w.vec(t.qNorm));
    k = rmsNorm(k, headDim, ctx.plan.normEps, w.vec(t.kNorm));
  }
  if (m.rope.kind !== 'none') {
    const positions = Array.from({ length: n }, (_, i) => pos + i);
    const params = {
      nRot: m.rope.nRot, freqBase: m.rope.freqBase, freqScale: m.rope.freqScale, neox: m.rope.kind === 'neox',
      freqFactors: m.rope.freqFactors ? w.vec(m.rope.freqFactors) : undefined,
    };
    q = rope(q, n, nHead, headDim, positions, params);
    k = rope(k, n, nHeadKv, headDim, positions, params);
  }
  trace(layer, 'q', q);
  trace(layer, 'k', k);
  trace(layer, 'v', v);
  const width = nHeadKv * headDim;
  s.k.set(k, pos * width);
  s.v.set(v, pos * width);
  const o = attention(q, s.k, s.v, n, pos, { nHead, nHeadKv, headDim, scale: m.kqScale });
  trace(layer, 'attn', o);
  return matMul(w.mat(t.output), o, n, opt(t.outputBias));
}

/** Columns [from, from+width) of a (n, stride) buffer as a dense (n, width) copy. */
function columns(a: Float32Array, n: number, stride: number, from: number, width: number): Float32Array {
  const out = new Float32Array(n * width);
  for (let r = 0; r < n; r++) out.set(a.subarray(r * stride + from, r * stride + from + width), r * width);
  return out;
}

function mamba1Block(ctx: Ctx, m: Mamba1Mixer, s: Mamba1State, h: Float32Array): Float32Array {
  const { w, n, layer, trace } = ctx;
  const { dInner, dState, dtRank, tensors: t } = m;
  const xz = matMul(w.mat(t.in), h, n);
  const xc = causalConv1d(s.conv, rowView(xz, 2 * dInner, 0), n, w.vec(t.conv1d), w.vec(t.conv1dBias));
  trace(layer, 'ssm_conv', xc);
  const dbc = matMul(w.mat(t.x), xc, n);
  const width = mamba1DbcWidth(m);
  let dt = columns(dbc, n, width, 0, dtRank);
  let B = columns(dbc, n, width, dtRank, dState);
  let C = columns(dbc, n, width, dtRank + dState, dState);
  if (m.dtBcNorm !== 'none') {
    const eps = ctx.plan.normEps;
    const weighted = m.dtBcNorm === 'weighted';
    dt = rmsNorm(dt, dtRank, eps, weighted && t.dtNorm ? w.vec(t.dtNorm) : undefined);
    B = rmsNorm(B, dState, eps, weighted && t.bNorm ? w.vec(t.bNorm) : undefined);
    C = rmsNorm(C, dState, eps, weighted && t.cNorm ? w.vec(t.cNorm) : undefined);
  }
  const dtProj = matMul(w.mat(t.dt), dt, n);
  const y = selectiveScan(s.ssm, {
    x: xc, dt: dtProj, B, C, z: rowView(xz, 2 * dInner, dInner),
    A: w.vec(t.a), D: w.vec(t.d), dtBias: w.vec(t.dtBias),
  }, n);
  trace(layer, 'ssm_scan', y);
  return matMul(w.mat(t.out), y, n);
}

function mamba2Block(ctx: Ctx, m: Mamba2Mixer, s: Mamba2State, h: Float32Array): Float32Array {
  const { w, n, layer, trace } = ctx;
  const { dInner, dState, nGroup, nHead, tensors: t } = m;
  const convDim = mamba2ConvChannels(m);
  const width = mamba2ProjectionWidth(m);
  const zxbcdt = matMul(w.mat(t.in), h, n);
  const xbc = causalConv1d(s.conv, rowView(zxbcdt, width, dInner), n, w.vec(t.conv1d), w.vec(t.conv1dBias));
  trace(layer, 'ssm_conv', xbc);
  const y = ssdScan(s.ssm, {
    x: rowView(xbc, convDim, 0),
    B: rowView(xbc, convDim, dInner),
    C: rowView(xbc, convDim, dInner + nGroup * dState),
    dt: rowView(zxbcdt, width, dInner + convDim),
    z: null,
    A: w.vec(t.a), D: w.vec(t.d), dtBias: w.vec(t.dtBias),
  }, n);
  trace(layer, 'ssm_scan', y);
  const normed = gatedGroupRmsNorm(y, rowView(zxbcdt, width, 0), n, w.vec(t.norm), nGroup, ctx.plan.normEps);
  trace(layer, 'ssm_norm', normed);
  return matMul(w.mat(t.out), normed, n);
}

function swigluFfn(gate: DenseWeight, up: DenseWeight, down: DenseWeight, h: Float32Array, n: number): Float32Array {
  return matMul(down, swiglu(matMul(gate, h, n), matMul(up, h, n)), n);
}

function ffn(ctx: Ctx, f: Exclude<FfnPlan, { kind: 'none' }>, h: Float32Array): Float32Array {
  return f.kind === 'dense' ? denseFfn(ctx, f, h) : moeFfn(ctx, f, h);
}

function denseFfn(ctx: Ctx, f: DenseFfn, h: Float32Array): Float32Array {
  const { w, n } = ctx;
  return swigluFfn(w.mat(f.tensors.gate), w.mat(f.tensors.up), w.mat(f.tensors.down), h, n);
}

function moeFfn(ctx: Ctx, f: MoeFfn, h: Float32Array): Float32Array {
  const { w, n, plan, layer, trace } = ctx;
  const { nEmbd } = plan;
  const k = f.nExpertUsed;
  const probs = softmaxRows(matMul(w.mat(f.tensors.gateInp), h, n), f.nExpert);
  trace(layer, 'ffn_moe_probs', probs);
  const { ids, weights } = moeTopK(probs, f.nExpert, k);
  const out = new Float32Array(n * nEmbd);
  for (let t = 0; t < n; t++) {
    const row = h.subarray(t * nEmbd, (t + 1) * nEmbd);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += weights[t * k + j];
    for (let j = 0; j < k; j++) {
      const e = ids[t * k + j];
      const weight = f.normalizeWeights ? weights[t * k + j] / sum : weights[t * k + j];
      const y = swigluFfn(w.expert(f.tensors.gateExps, e), w.expert(f.tensors.upExps, e), w.expert(f.tensors.downExps, e), row, 1);
      for (let c = 0; c < nEmbd; c++) out[t * nEmbd + c] += weight * y[c];
    }
  }
  if (!f.shared) return out;
  const shared = swigluFfn(w.mat(f.shared.gate), w.mat(f.shared.up), w.mat(f.shared.down), h, n);
  return add(out, shared);
}
