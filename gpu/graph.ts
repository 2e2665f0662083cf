// The forward graph of one pass over n tokens of one sequence: walks the ModelPlan's layers and
// turns them into prepared dispatches (gpu/ops) over the model's weights, the shared activation
// buffers and that sequence's state (KV cache, conv/SSM state). Built once per (sequence, n,
// logits mode) and reused; nothing in a list depends on the tokens or their positions (those are
// queue writes before each submit).
import type { AttentionMixer, DenseFfn, LayerPlan, Mamba1Mixer, Mamba2Mixer, ModelPlan, MoeFfn } from '../model/arch/plan.ts';
import type { Dispatch } from './dispatch.ts';
import { expertName, type ModelWeights } from './model-weights.ts';
import { prepareAttentionDecode, defaultDecodeSplits } from './ops/attention-decode.ts';
import { prepareAttentionPrefill } from './ops/attention-prefill.ts';
import type { OpEnv } from './ops/common.ts';
import { prepareElementwise } from './ops/elementwise.ts';
import { prepareEmbedding } from './ops/embedding.ts';
import { prepareGemm } from './ops/gemm.ts';
import { GEMV_MAX_TOKENS, prepareGemv } from './ops/gemv.ts';
import type { KvCache } from './ops/kv-cache.ts';
import type { ExpertGate } from './ops/matrix-common.ts';
import { prepareMoeCombine } from './ops/moe-combine.ts';
import { prepareMoeRouter } from './ops/moe-topk.ts';
import { prepareRmsNorm } from './ops/rmsnorm.ts';
import { prepareRmsNormSlices } from './ops/rmsnorm-slices.ts';
import { prepareRopeKv } from './ops/rope-kv.ts';
import type { RowView } from './ops/rows.ts';
import { prepareSsdScan } from './ops/ssd-scan.ts';
import { prepareSsmConv } from './ops/ssm-conv.ts';
import { prepareSsmScan } from './ops/ssm-scan.ts';
import type { LayerState } from './sequence-state.ts';

/** Which logits a pass computes: none (a prefill chunk before the last), the last row's, or every row's. */
export type LogitsMode = 'none' | 'last' | 'all';

/** The activation buffers, sized once for a full chunk and shared by every sequence of a model. */
export interface Scratch {
  readonly ids: GPUBuffer;
  readonly x: GPUBuffer;      // (C, nEmbd) residual stream
  readonly h: GPUBuffer;      // (C, nEmbd) normed input of a block
  readonly a: GPUBuffer;      // (C, widthA) fused projections: q|k|v, x|z, z|xBC|dt, gate|up
  readonly b: GPUBuffer;      // (C, widthB) attention out, conv out, SwiGLU out
  readonly c: GPUBuffer;      // (C, widthC) [dt|B|C], Mamba-2 y, router logits
  readonly d: GPUBuffer;      // (C, widthD) projected dt
  readonly tmp: GPUBuffer;    // (C, nEmbd) a block's output before a scaled residual add
  readonly moeIds: GPUBuffer;
  readonly moeWeights: GPUBuffer;
  readonly partial: GPUBuffer;
  readonly step: GPUBuffer;
  readonly recent: GPUBuffer;
  readonly logits: GPUBuffer; // (1, nVocab)
}

/** Builds the dispatches of one forward pass over n tokens: embedding, layers, output. */
export class ForwardBuilder {
  private readonly out: Dispatch[] = [];
  private readonly jobs: Promise<void>[] = [];

  constructor(
    private readonly env: OpEnv,
    private readonly plan: ModelPlan,
    private readonly w: ModelWeights,
    private readonly layers: readonly LayerState[],
    private readonly s: Scratch,
    /** (C, nVocab): every row's logits, allocated only when a caller asks for them (mode 'all'). */
    private readonly logitsAll: GPUBuffer | undefined,
    private readonly n: number,
    private readonly mode: LogitsMode,
  ) {}

  /** Appends the dispatches `p` will give, keeping their order. */
  private add(p: Promise<Dispatch | readonly Dispatch[]>): void {
    const slot = this.out.length;
    this.out.push(undefined as unknown as Dispatch);
    this.jobs.push(p.then((d) => { (this.out as unknown[])[slot] = d; }));
  }

  async build(): Promise<Dispatch[]> {
    const { plan, s, n, env } = this;
    const E = plan.nEmbd;
    this.add(prepareEmbedding(env, { label: 'embd', weight: this.w.get(plan.tokenEmbedding), ids: { buffer: s.ids }, tokens: n, y: { buffer: s.x } }));
    if (plan.embeddingScale !== 1) {
      this.add(prepareElementwise(env, { label: 'embd.scale', kind: 'scale_inplace', nRows: n, width: E, y: { buffer: s.x }, scale: plan.embeddingScale }));
    }
    for (const layer of plan.layers) this.layer(layer);
    if (this.mode !== 'none') this.output();
    await Promise.all(this.jobs);
    return this.out.flat();
  }

  private vec(name: string): GPUBuffer {
    return this.w.get(name).parts[0].buffer;
  }

  /** y = W x (+ bias) (+ y): GEMV for a few tokens, GEMM for more. */
  private matmul(weight: string, x: RowView, y: RowView, o: { bias?: string; accumulate?: boolean; tokens?: number; gate?: ExpertGate } = {}): void {
    const tokens = o.tokens ?? this.n;
    const args = {
      label: weight, weight: this.w.get(weight), tokens, x, y,
      bias: o.bias ? this.w.get(o.bias) : undefined, accumulate: o.accumulate, gate: o.gate,
    };
    this.add(tokens <= GEMV_MAX_TOKENS ? prepareGemv(this.env, args) : prepareGemm(this.env, args));
  }

  /** x += scale · (W in): straight into the residual stream when unscaled. */
  private residual(weight: string, input: RowView, scale: number, label: string, bias?: string): void {
    const { s, n } = this;
    if (scale === 1) {
      this.matmul(weight, input, { buffer: s.x }, { accumulate: true, bias });
      return;
    }
    this.matmul(weight, input, { buffer: s.tmp }, { bias });
    this.add(prepareElementwise(this.env, { label: `${label}.residual`, kind: 'add_inplace', nRows: n, width: this.plan.nEmbd, y: { buffer: s.x }, b: { buffer: s.tmp }, scale }));
  }

  private norm(label: string, weight: string): void {
    const { s, n, plan } = this;
    this.add(prepareRmsNorm(this.env, { label, x: { buffer: s.x }, y: { buffer: s.h }, weight: this.vec(weight), nTokens: n, rowLen: plan.nEmbd, eps: plan.normEps }));
  }

  private layer(layer: LayerPlan): void {
    const label = `blk.${layer.index}`;
    this.norm(`${label}.mixer_norm`, layer.mixerNorm);
    const m = layer.mixer;
    const state = this.layers[layer.index];
    if (m.kind === 'attention') this.attention(label, m, state.kv!, layer.residualScale);
    else if (m.kind === 'mamba1') this.mamba1(label, m, state.recurrent!, layer.residualScale);
    else this.mamba2(label, m, state.recurrent!, layer.residualScale);
    const f = layer.ffn;
    if (f.kind === 'none') return;
    this.norm(`${label}.ffn_norm`, f.tensors.norm);
    if (f.kind === 'dense') this.denseFfn(label, f, layer.residualScale);
    else this.moeFfn(label, f, layer.residualScale);
  }

  private attention(label: string, m: AttentionMixer, kv: KvCache, scale: number): void {
    const { s, n, env } = this;
    const qw = m.nHead * m.headDim, kw = m.nHeadKv * m.headDim, stride = qw + 2 * kw;
    const t = m.tensors;
    const h = { buffer: s.h };
    const qkv = this.w.joined(t.q);
    if (qkv) {
      this.matmul(qkv.name, h, { buffer: s.a, offset: 0, stride });
    } else {
      this.matmul(t.q, h, { buffer: s.a, offset: 0, stride }, { bias: t.qBias });
      this.matmul(t.k, h, { buffer: s.a, offset: qw, stride }, { bias: t.kBias });
      this.matmul(t.v, h, { buffer: s.a, offset: qw + kw, stride }, { bias: t.vBias });
    }
    // q/k norm, RoPE and the cache write in one dispatch: q stays in place for the attention.
    const rope = m.rope.kind === 'none' ? undefined : {
      nRot: m.rope.nRot, freqBase: m.rope.freqBase, freqScale: m.rope.freqScale, neox: m.rope.kind === 'neox',
      freqFactors: m.rope.freqFactors ? this.w.host.get(m.rope.freqFactors) : undefined,
    };
    this.add(prepareRopeKv(env, {
      label: `${label}.rope_kv`, cache: kv, step: s.step, nTokens: n, nHead: m.nHead, rope,
      q: { buffer: s.a, offset: 0, stride }, k: { buffer: s.a, offset: qw, stride }, v: { buffer: s.a, offset: qw + kw, stride },
      qkNorm: t.qNorm && t.kNorm ? { q: this.vec(t.qNorm), k: this.vec(t.kNorm), eps: this.plan.normEps } : undefined,
    }));
    if (n === 1) {
      this.add(prepareAttentionDecode(env, { label: `${label}.attn`, cache: kv, step: s.step, q: { buffer: s.a, offset: 0 }, out: { buffer: s.b }, nHead: m.nHead, scale: m.kqScale, partial: s.partial, nSplit: defaultDecodeSplits(kv.nCtx) }));
    } else {
      this.add(prepareAttentionPrefill(env, { label: `${label}.attn`, cache: kv, step: s.step, nTokens: n, nHead: m.nHead, scale: m.kqScale, q: { buffer: s.a, offset: 0, stride }, out: { buffer: s.b } }));
    }
    this.residual(t.output, { buffer: s.b }, scale, label, t.outputBias);
  }

  private mamba1(label: string, m: Mamba1Mixer, state: readonly { live: GPUBuffer }[], scale: number): void {
    const { s, n, env } = this;
    const t = m.tensors;
    const dbcWidth = m.dtRank + 2 * m.dState;
    this.matmul(t.in, { buffer: s.h }, { buffer: s.a, stride: 2 * m.dInner });
    this.add(prepareSsmConv(env, {
      label: `${label}.ssm_conv`, channels: m.dInner, dConv: m.dConv, nTokens: n,
      x: { buffer: s.a, offset: 0, stride: 2 * m.dInner }, weight: this.vec(t.conv1d), bias: this.vec(t.conv1dBias), state: state[0].live, y: { buffer: s.b, offset: 0, stride: m.dInner },
    }));
    this.matmul(t.x, { buffer: s.b, stride: m.dInner }, { buffer: s.c, stride: dbcWidth });
    if (m.dtBcNorm !== 'none') {
      // dt, B and C normed in place in one dispatch.
      const w = (name: string | undefined) => (m.dtBcNorm === 'weighted' && name ? this.vec(name) : undefined);
      this.add(prepareRmsNormSlices(env, {
        label: `${label}.dt_b_c_norm`, y: { buffer: s.c, offset: 0, stride: dbcWidth }, nTokens: n, eps: this.plan.normEps,
        slices: [
          { offset: 0, len: m.dtRank, weight: w(t.dtNorm) },
          { offset: m.dtRank, len: m.dState, weight: w(t.bNorm) },
          { offset: m.dtRank + m.dState, len: m.dState, weight: w(t.cNorm) },
        ],
      }));
    }
    this.matmul(t.dt, { buffer: s.c, offset: 0, stride: dbcWidth }, { buffer: s.d, stride: m.dInner });
    this.add(prepareSsmScan(env, {
      label: `${label}.ssm_scan`, dInner: m.dInner, dState: m.dState, nTokens: n,
      xy: { buffer: s.b, stride: m.dInner }, dt: { buffer: s.d, stride: m.dInner },
      B: { buffer: s.c, offset: m.dtRank, stride: dbcWidth }, C: { buffer: s.c, offset: m.dtRank + m.dState, stride: dbcWidth },
      z: { buffer: s.a, offset: m.dInner, stride: 2 * m.dInner },
      A: this.vec(t.a), D: this.vec(t.d), dtBias: this.vec(t.dtBias), state: state[1].live,
    }));
    this.residual(t.out, { buffer: s.b, stride: m.dInner }, scale, label);
  }

  private mamba2(label: string, m: Mamba2Mixer, state: readonly { live: GPUBuffer }[], scale: number): void {
    const { s, n, env } = this;
    const t = m.tensors;
    const convDim = m.dInner + 2 * m.nGroup * m.dState;
    const width = m.dInner + convDim + m.nHead;
    this.matmul(t.in, { buffer: s.h }, { buffer: s.a, stride: width });
    this.add(prepareSsmConv(env, {
      label: `${label}.ssm_conv`, channels: convDim, dConv: m.dConv, nTokens: n,
      x: { buffer: s.a, offset: m.dInner, stride: width }, weight: this.vec(t.conv1d), bias: this.vec(t.conv1dBias), state: state[0].live, y: { buffer: s.b, offset: 0, stride: convDim },
    }));
    this.add(prepareSsdScan(env, {
      label: `${label}.ssm_scan`, nHead: m.nHead, headDim: m.headDim, nGroup: m.nGroup, dState: m.dState, nTokens: n,
      x: { buffer: s.b, offset: 0, stride: convDim }, B: { buffer: s.b, offset: m.dInner, stride: convDim }, C: { buffer: s.b, offset: m.dInner + m.nGroup * m.dState, stride: convDim },
      z: { buffer: s.a, offset: 0, stride: width }, dt: { buffer: s.a, offset: m.dInner + convDim, stride: width },
      A: this.vec(t.a), D: this.vec(t.d), dtBias: this.vec(t.dtBias), state: state[1].live, y: { buffer: s.c, offset: 0, stride: m.dInner },
    }));
    const groupLen = m.dInner / m.nGroup;
    this.add(prepareRmsNorm(env, {
      label: `${label}.ssm_norm`, y: { buffer: s.c }, weight: this.vec(t.norm), nGroups: m.nGroup,
      nTokens: n, rowLen: groupLen, rowsPerToken: m.nGroup, eps: this.plan.normEps,
    }));
    this.residual(t.out, { buffer: s.c, stride: m.dInner }, scale, label);
  }

  /** SwiGLU: silu(gate·h) * up·h into b; `finish` applies the down projection to it. */
  private swiglu(label: string, gate: string, up: string, nFf: number, finish: (input: RowView) => void, expert?: ExpertGate): void {
    const { s, n, env } = this;
    const gateUp = this.w.joined(gate);
    if (gateUp) {
      this.matmul(gateUp.name, { buffer: s.h }, { buffer: s.a, offset: 0, stride: 2 * nFf }, { gate: expert });
    } else {
      this.matmul(gate, { buffer: s.h }, { buffer: s.a, offset: 0, stride: 2 * nFf }, { gate: expert });
      this.matmul(up, { buffer: s.h }, { buffer: s.a, offset: nFf, stride: 2 * nFf }, { gate: expert });
    }
    this.add(prepareElementwise(env, {
      label: `${label}.swiglu`, kind: 'swiglu', nRows: n, width: nFf,
      y: { buffer: s.b, offset: 0, stride: nFf }, a: { buffer: s.a, offset: 0, stride: 2 * nFf }, b: { buffer: s.a, offset: nFf, stride: 2 * nFf },
    }));
    finish({ buffer: s.b, stride: nFf });
  }

  private denseFfn(label: string, f: DenseFfn, scale: number): void {
    const t = f.tensors;
    this.swiglu(`${label}.ffn`, t.gate, t.up, f.nFf, (input) => this.residual(t.down, input, scale, `${label}.ffn`));
  }

  private moeFfn(label: string, f: MoeFfn, scale: number): void {
    const { s, n, env, plan } = this;
    const t = f.tensors;
    // Router: probabilities over experts and the top nExpertUsed per token, in one dispatch.
    this.matmul(t.gateInp, { buffer: s.h }, { buffer: s.c, stride: f.nExpert });
    this.add(prepareMoeRouter(env, { label: `${label}.router`, logits: { buffer: s.c }, ids: s.moeIds, weights: s.moeWeights, nRows: n, nExperts: f.nExpert, k: f.nExpertUsed }));
    // Routing needs no read back: every expert's matrices are dispatched, gated by the top-k ids
    // (shaders/expert-gate.wgsl), so only the chosen experts' weights are read (for a prefill
    // chunk, those chosen by some token of a tile); the combine adds each expert's output with
    // the weight the router gave it, and skips the rows that did not choose it.
    for (let e = 0; e < f.nExpert; e++) {
      const el = `${label}.expert${e}`;
      const gate: ExpertGate = { ids: s.moeIds, k: f.nExpertUsed, expert: e };
      this.swiglu(el, expertName(t.gateExps, e), expertName(t.upExps, e), f.nFf, (input) => {
        this.matmul(expertName(t.downExps, e), input, { buffer: s.tmp }, { gate });
        this.add(prepareMoeCombine(env, {
          label: `${el}.combine`, ids: s.moeIds, weights: s.moeWeights, x: s.tmp, y: s.x, nRows: n, width: plan.nEmbd,
          k: f.nExpertUsed, expert: e, normalize: f.normalizeWeights, scale,
        }));
      }, gate);
    }
    if (f.shared) {
      const sh = f.shared;
      this.swiglu(`${label}.shexp`, sh.gate, sh.up, sh.nFf, (input) => this.residual(sh.down, input, scale, `${label}.shexp`));
    }
  }

  private output(): void {
    const { s, n, env, plan } = this;
    const E = plan.nEmbd, V = plan.nVocab;
    const rows = this.mode === 'all' ? n : 1;
    const first = this.mode === 'all' ? 0 : n - 1;
    this.add(prepareRmsNorm(env, { label: 'output_norm', x: { buffer: s.x, offset: first * E }, y: { buffer: s.h }, weight: this.vec(plan.outputNorm), nTokens: rows, rowLen: E, eps: plan.normEps }));
    const logits = this.mode === 'all' ? this.logitsAll! : s.logits;
    this.matmul(plan.output, { buffer: s.h }, { buffer: logits }, { tokens: rows });
    if (plan.logitScale !== 1) {
      this.add(prepareElementwise(env, { label: 'logits.scale', kind: 'scale_inplace', nRows: rows, width: V, y: { buffer: logits }, scale: 1 / plan.logitScale }));
    }
  }
}
