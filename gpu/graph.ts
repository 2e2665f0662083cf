// The forward graph of one pass over n tokens: walks the ModelPlan's layers and turns them into
// prepared dispatches (gpu/ops) over the model's weights, the shared activation buffers and the
// state (KV cache, conv/SSM state) of the sequences it serves. A pass serves one sequence, or
// several (a batched decode step, gpu/batch-step.ts): each is a lane owning a run of rows, and
// only the ops that touch a sequence's state or position (RoPE, KV write, attention, conv, scan)
// run once per lane; every matmul runs once over all rows. Built once per (lanes, n, logits mode)
// and reused; nothing in a list depends on the tokens or their positions (those are queue writes
// before each submit).
import type { AttentionMixer, DenseFfn, LayerPlan, Mamba1Mixer, Mamba2Mixer, ModelPlan, MoeFfn } from '../model/arch/plan.ts';
import type { Dispatch } from './dispatch.ts';
import { expertName, type ModelWeights } from './model-weights.ts';
import type { WeightTensor } from './weights.ts';
import { prepareAttentionDecode, defaultDecodeSplits } from './ops/attention-decode.ts';
import { prepareAttentionPrefill } from './ops/attention-prefill.ts';
import type { OpEnv } from './ops/common.ts';
import { prepareElementwise } from './ops/elementwise.ts';
import { prepareEmbedding } from './ops/embedding.ts';
import { prepareGemm } from './ops/gemm.ts';
import { GEMV_MAX_TOKENS, gemvSlotPart, prepareGemv, prepareGemvMulti, type GemvSlot } from './ops/gemv.ts';
import type { KvCache } from './ops/kv-cache.ts';
import type { ExpertGate } from './ops/matrix-common.ts';
import { prepareMoeCombine } from './ops/moe-combine.ts';
import { prepareMoeRouter } from './ops/moe-topk.ts';
import { prepareRmsNorm } from './ops/rmsnorm.ts';
import { prepareRmsNormSlices } from './ops/rmsnorm-slices.ts';
import { prepareRopeKv } from './ops/rope-kv.ts';
import type { RowView } from './ops/rows.ts';
import { prepareSsdChunk } from './ops/ssd-chunk.ts';
import { prepareSsdScan } from './ops/ssd-scan.ts';
import { prepareSsmConv } from './ops/ssm-conv.ts';
import { BC_NORM_MAX, prepareSsmScan } from './ops/ssm-scan.ts';
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

/**
 * The input of a block's matrices: the normed hidden state h, or (decode, n ≤ GEMV_MAX_TOKENS)
 * the residual stream x with the name of the RMSNorm weight each GEMV applies on the way in, so
 * that no norm dispatch runs and nothing reads more bytes (x instead of h, plus the norm weight).
 */
interface BlockInput {
  readonly x: RowView;
  readonly norm?: string;
}

/** One sequence's share of a pass: its state and step uniform, and its rows [row, row + n) of the activations. */
export interface Lane {
  readonly layers: readonly LayerState[];
  readonly step: GPUBuffer;
  readonly row: number;
  readonly n: number;
}

/** `view` moved down by `rows` rows of `stride` elements. */
function rowsDown(view: RowView, rows: number, stride: number): RowView {
  return rows === 0 ? view : { ...view, offset: (view.offset ?? 0) + rows * stride };
}

/** Builds the dispatches of one forward pass over n tokens: embedding, layers, output. */
export class ForwardBuilder {
  private readonly out: Dispatch[] = [];
  private readonly jobs: Promise<void>[] = [];
  private readonly lanes: readonly Lane[];

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
    /** The sequences served, in row order (default: one, `layers` over all n rows at s.step). */
    lanes?: readonly Lane[],
  ) {
    this.lanes = lanes ?? [{ layers, step: s.step, row: 0, n }];
  }

  /** Appends the dispatches `p` will give, keeping their order. */
  private add(p: Promise<Dispatch | readonly Dispatch[]>): void {
    const slot = this.out.length;
    this.out.push(undefined as unknown as Dispatch);
    this.jobs.push(p.then((d) => { (this.out as unknown[])[slot] = d; }));
  }

  async build(): Promise<Dispatch[]> {
    const { plan, s, n, env } = this;
    this.add(prepareEmbedding(env, { label: 'embd', weight: this.w.get(plan.tokenEmbedding), ids: { buffer: s.ids }, tokens: n, y: { buffer: s.x }, scale: plan.embeddingScale }));
    for (const layer of plan.layers) this.layer(layer);
    if (this.mode !== 'none') this.output();
    await Promise.all(this.jobs);
    return this.out.flat();
  }

  private vec(name: string): GPUBuffer {
    return this.w.get(name).parts[0].buffer;
  }

  /** y = W x (+ bias) (+ y): GEMV for a few tokens, GEMM for more; `norm` (GEMV only) is RMSNorm of x fused in. */
  private matmul(weight: string, x: RowView, y: RowView, o: { bias?: string; accumulate?: boolean; tokens?: number; gate?: ExpertGate; norm?: string; scale?: number } = {}): void {
    const tokens = o.tokens ?? this.n;
    const args = {
      label: weight, weight: this.w.get(weight), tokens, x, y,
      bias: o.bias ? this.w.get(o.bias) : undefined, accumulate: o.accumulate, gate: o.gate,
    };
    if (tokens <= GEMV_MAX_TOKENS) this.add(prepareGemv(this.env, { ...args, norm: this.gemvNorm(o.norm), scale: o.scale }));
    else if (o.norm || o.scale !== undefined) throw new Error(`${weight}: a fused norm or scale needs the GEMV path (≤ ${GEMV_MAX_TOKENS} tokens)`);
    else this.add(prepareGemm(this.env, args));
  }

  private gemvNorm(norm: string | undefined): { weight: GPUBuffer; eps: number } | undefined {
    return norm ? { weight: this.vec(norm), eps: this.plan.normEps } : undefined;
  }

  /**
   * Several matrices over one input in one GEMV dispatch (Q|K|V of mixed types; gate and up with
   * SwiGLU on write), when the pass is a decode and each matrix lies in one weight buffer;
   * false when the caller must fall back to one matmul per matrix.
   */
  private matmulMulti(label: string, input: BlockInput, y: RowView, slots: readonly GemvSlot[], o: { swiglu?: boolean; gate?: ExpertGate; bias?: WeightTensor } = {}): boolean {
    if (this.n > GEMV_MAX_TOKENS) return false;
    if (!slots.every((s) => gemvSlotPart(s.weight, s.rowStart ?? 0, s.rows ?? s.weight.dims.slice(1).reduce((a, b) => a * b, 1) - (s.rowStart ?? 0)))) return false;
    this.add(prepareGemvMulti(this.env, { label, x: input.x, y, slots, tokens: this.n, norm: this.gemvNorm(input.norm), swiglu: o.swiglu, gate: o.gate, bias: o.bias }));
    return true;
  }

  /**
   * x += scale · (W in): straight into the residual stream when unscaled or decoding (the GEMV
   * scales). `norm` (decoding only): RMSNorm of `in` with that weight, fused into the GEMV.
   */
  private residual(weight: string, input: RowView, scale: number, label: string, bias?: string, norm?: string): void {
    const { s, n } = this;
    if (scale === 1 || n <= GEMV_MAX_TOKENS) {
      this.matmul(weight, input, { buffer: s.x }, { accumulate: true, bias, scale: scale === 1 ? undefined : scale, norm });
      return;
    }
    this.matmul(weight, input, { buffer: s.tmp }, { bias, norm });  // a norm here throws: it needs the GEMV
    this.add(prepareElementwise(this.env, { label: `${label}.residual`, kind: 'add_inplace', nRows: n, width: this.plan.nEmbd, y: { buffer: s.x }, b: { buffer: s.tmp }, scale }));
  }

  /**
   * RMSNorm of the residual stream as a block's input: fused into the block's GEMVs when
   * decoding, unless `dispatch` (a normed h that feeds many matrices: an MoE router, its experts
   * and shared expert, stays one norm dispatch); a dispatch into h otherwise.
   */
  private norm(label: string, weight: string, dispatch = false): BlockInput {
    const { s, n, plan } = this;
    if (n <= GEMV_MAX_TOKENS && !dispatch) return { x: { buffer: s.x }, norm: weight };
    this.add(prepareRmsNorm(this.env, { label, x: { buffer: s.x }, y: { buffer: s.h }, weight: this.vec(weight), nTokens: n, rowLen: plan.nEmbd, eps: plan.normEps }));
    return { x: { buffer: s.h } };
  }

  private layer(layer: LayerPlan): void {
    const label = `blk.${layer.index}`;
    const input = this.norm(`${label}.mixer_norm`, layer.mixerNorm);
    const m = layer.mixer;
    if (m.kind === 'attention') this.attention(label, m, layer.index, layer.residualScale, input);
    else if (m.kind === 'mamba1') this.mamba1(label, m, layer.index, layer.residualScale, input);
    else this.mamba2(label, m, layer.index, layer.residualScale, input);
    const f = layer.ffn;
    if (f.kind === 'none') return;
    const ffnInput = this.norm(`${label}.ffn_norm`, f.tensors.norm, f.kind === 'moe');
    if (f.kind === 'dense') this.denseFfn(label, f, layer.residualScale, ffnInput);
    else this.moeFfn(label, f, layer.residualScale, ffnInput);
  }

  /** Runs `op` once per lane, with its label suffixed by the lane's index when there are several. */
  private perLane(label: string, op: (lane: Lane, label: string) => void): void {
    this.lanes.forEach((lane, i) => op(lane, this.lanes.length > 1 ? `${label}#${i}` : label));
  }

  private attention(label: string, m: AttentionMixer, index: number, scale: number, input: BlockInput): void {
    const { s, n, env } = this;
    const qw = m.nHead * m.headDim, kw = m.nHeadKv * m.headDim, stride = qw + 2 * kw;
    const t = m.tensors;
    const qkv = this.w.joined(t.q);
    const a = { buffer: s.a, offset: 0, stride };
    // Biases: none, or all three joined into one q|k|v vector for the one-dispatch GEMV.
    const biased = t.qBias || t.kBias || t.vBias;
    const qkvBias = t.qBias ? this.w.joined(t.qBias) : undefined;
    if (qkv) {
      this.matmul(qkv.name, input.x, a, { norm: input.norm });
    } else if ((biased && !qkvBias) || !this.matmulMulti(`${t.q}+${t.k}+${t.v}`, input, a, [
      { weight: this.w.get(t.q), yOffset: 0 }, { weight: this.w.get(t.k), yOffset: qw }, { weight: this.w.get(t.v), yOffset: qw + kw },
    ], { bias: qkvBias })) {
      this.matmul(t.q, input.x, { buffer: s.a, offset: 0, stride }, { bias: t.qBias, norm: input.norm });
      this.matmul(t.k, input.x, { buffer: s.a, offset: qw, stride }, { bias: t.kBias, norm: input.norm });
      this.matmul(t.v, input.x, { buffer: s.a, offset: qw + kw, stride }, { bias: t.vBias, norm: input.norm });
    }
    // q/k norm, RoPE and the cache write in one dispatch per lane: q stays in place for the attention.
    const rope = m.rope.kind === 'none' ? undefined : {
      nRot: m.rope.nRot, freqBase: m.rope.freqBase, freqScale: m.rope.freqScale, neox: m.rope.kind === 'neox',
      freqFactors: m.rope.freqFactors ? this.w.host.get(m.rope.freqFactors) : undefined,
    };
    this.perLane(label, (lane, l) => {
      const kv: KvCache = lane.layers[index].kv!;
      const a = (offset: number): RowView => rowsDown({ buffer: s.a, offset, stride }, lane.row, stride);
      this.add(prepareRopeKv(env, {
        label: `${l}.rope_kv`, cache: kv, step: lane.step, nTokens: lane.n, nHead: m.nHead, rope,
        q: a(0), k: a(qw), v: a(qw + kw),
        qkNorm: t.qNorm && t.kNorm ? { q: this.vec(t.qNorm), k: this.vec(t.kNorm), eps: this.plan.normEps } : undefined,
      }));
      const out = rowsDown({ buffer: s.b }, lane.row, qw);
      if (lane.n === 1) {
        this.add(prepareAttentionDecode(env, { label: `${l}.attn`, cache: kv, step: lane.step, q: { buffer: s.a, offset: lane.row * stride }, out, nHead: m.nHead, scale: m.kqScale, partial: s.partial, nSplit: defaultDecodeSplits(kv.nCtx) }));
      } else {
        this.add(prepareAttentionPrefill(env, { label: `${l}.attn`, cache: kv, step: lane.step, nTokens: lane.n, nHead: m.nHead, scale: m.kqScale, q: a(0), out }));
      }
    });
    this.residual(t.output, { buffer: s.b }, scale, label, t.outputBias);
  }

  private mamba1(label: string, m: Mamba1Mixer, index: number, scale: number, input: BlockInput): void {
    const { s, n, env } = this;
    const t = m.tensors;
    const dbcWidth = m.dtRank + 2 * m.dState;
    this.matmul(t.in, input.x, { buffer: s.a, stride: 2 * m.dInner }, { norm: input.norm });
    this.perLane(label, (lane, l) => this.add(prepareSsmConv(env, {
      label: `${l}.ssm_conv`, channels: m.dInner, dConv: m.dConv, nTokens: lane.n,
      x: rowsDown({ buffer: s.a, offset: 0, stride: 2 * m.dInner }, lane.row, 2 * m.dInner), weight: this.vec(t.conv1d), bias: this.vec(t.conv1dBias),
      state: lane.layers[index].recurrent![0].live, y: rowsDown({ buffer: s.b, offset: 0, stride: m.dInner }, lane.row, m.dInner),
    })));
    this.matmul(t.x, { buffer: s.b, stride: m.dInner }, { buffer: s.c, stride: dbcWidth });
    // Decoding with Jamba's weighted norms, the norms cost no dispatch: the dt GEMV norms dt on
    // its way in and the scan norms B and C (weights in its uniform). Otherwise dt, B and C are
    // normed in place in one dispatch.
    const fused = this.n <= GEMV_MAX_TOKENS && m.dtBcNorm === 'weighted' && m.dState <= BC_NORM_MAX;
    if (m.dtBcNorm !== 'none' && !fused) {
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
    this.matmul(t.dt, { buffer: s.c, offset: 0, stride: dbcWidth }, { buffer: s.d, stride: m.dInner }, { norm: fused ? t.dtNorm : undefined });
    const bcNorm = fused ? { b: this.w.host.get(t.bNorm!)!, c: this.w.host.get(t.cNorm!)!, eps: this.plan.normEps } : undefined;
    this.perLane(label, (lane, l) => this.add(prepareSsmScan(env, {
      label: `${l}.ssm_scan`, dInner: m.dInner, dState: m.dState, nTokens: lane.n,
      xy: rowsDown({ buffer: s.b, stride: m.dInner }, lane.row, m.dInner), dt: rowsDown({ buffer: s.d, stride: m.dInner }, lane.row, m.dInner),
      B: rowsDown({ buffer: s.c, offset: m.dtRank, stride: dbcWidth }, lane.row, dbcWidth), C: rowsDown({ buffer: s.c, offset: m.dtRank + m.dState, stride: dbcWidth }, lane.row, dbcWidth),
      z: rowsDown({ buffer: s.a, offset: m.dInner, stride: 2 * m.dInner }, lane.row, 2 * m.dInner),
      A: this.vec(t.a), D: this.vec(t.d), dtBias: this.vec(t.dtBias), state: lane.layers[index].recurrent![1].live, bcNorm,
    })));
    this.residual(t.out, { buffer: s.b, stride: m.dInner }, scale, label);
  }

  private mamba2(label: string, m: Mamba2Mixer, index: number, scale: number, input: BlockInput): void {
    const { s, n, env } = this;
    const t = m.tensors;
    const convDim = m.dInner + 2 * m.nGroup * m.dState;
    const width = m.dInner + convDim + m.nHead;
    this.matmul(t.in, input.x, { buffer: s.a, stride: width }, { norm: input.norm });
    this.perLane(label, (lane, l) => {
      const a = (offset: number): RowView => rowsDown({ buffer: s.a, offset, stride: width }, lane.row, width);
      const b = (offset: number): RowView => rowsDown({ buffer: s.b, offset, stride: convDim }, lane.row, convDim);
      const state = lane.layers[index].recurrent!;
      this.add(prepareSsmConv(env, {
        label: `${l}.ssm_conv`, channels: convDim, dConv: m.dConv, nTokens: lane.n,
        x: a(m.dInner), weight: this.vec(t.conv1d), bias: this.vec(t.conv1dBias), state: state[0].live, y: b(0),
      }));
      // Prefill takes the chunked SSD form; the decode step (one token) the sequential scan.
      const scan = lane.n > 1 ? prepareSsdChunk : prepareSsdScan;
      this.add(scan(env, {
        label: `${l}.ssm_scan`, nHead: m.nHead, headDim: m.headDim, nGroup: m.nGroup, dState: m.dState, nTokens: lane.n,
        x: b(0), B: b(m.dInner), C: b(m.dInner + m.nGroup * m.dState), z: a(0), dt: a(m.dInner + convDim),
        A: this.vec(t.a), D: this.vec(t.d), dtBias: this.vec(t.dtBias), state: state[1].live,
        y: rowsDown({ buffer: s.c, offset: 0, stride: m.dInner }, lane.row, m.dInner),
      }));
    });
    // The gated output's RMSNorm: with one group, decoding, the out GEMV takes it on its input.
    if (m.nGroup === 1 && n <= GEMV_MAX_TOKENS) {
      this.residual(t.out, { buffer: s.c, stride: m.dInner }, scale, label, undefined, t.norm);
      return;
    }
    const groupLen = m.dInner / m.nGroup;
    this.add(prepareRmsNorm(env, {
      label: `${label}.ssm_norm`, y: { buffer: s.c }, weight: this.vec(t.norm), nGroups: m.nGroup,
      nTokens: n, rowLen: groupLen, rowsPerToken: m.nGroup, eps: this.plan.normEps,
    }));
    this.residual(t.out, { buffer: s.c, stride: m.dInner }, scale, label);
  }

  /**
   * SwiGLU: silu(gate·h) * up·h into b; `finish` applies the down projection to it. Decoding,
   * one GEMV computes gate and up rows side by side and writes only their SwiGLU.
   */
  private swiglu(label: string, input: BlockInput, gate: string, up: string, nFf: number, finish: (input: RowView) => void, expert?: ExpertGate): void {
    const { s, n, env } = this;
    const gateUp = this.w.joined(gate);
    const out = { buffer: s.b, offset: 0, stride: nFf };
    const slots: GemvSlot[] = gateUp
      ? [{ weight: gateUp, rows: nFf, yOffset: 0 }, { weight: gateUp, rowStart: nFf, rows: nFf, yOffset: 0 }]
      : [{ weight: this.w.get(gate), yOffset: 0 }, { weight: this.w.get(up), yOffset: 0 }];
    if (this.matmulMulti(`${gateUp?.name ?? `${gate}+${up}`}.swiglu`, input, out, slots, { swiglu: true, gate: expert })) {
      finish(out);
      return;
    }
    if (gateUp) {
      this.matmul(gateUp.name, input.x, { buffer: s.a, offset: 0, stride: 2 * nFf }, { gate: expert, norm: input.norm });
    } else {
      this.matmul(gate, input.x, { buffer: s.a, offset: 0, stride: 2 * nFf }, { gate: expert, norm: input.norm });
      this.matmul(up, input.x, { buffer: s.a, offset: nFf, stride: 2 * nFf }, { gate: expert, norm: input.norm });
    }
    this.add(prepareElementwise(env, {
      label: `${label}.swiglu`, kind: 'swiglu', nRows: n, width: nFf,
      y: out, a: { buffer: s.a, offset: 0, stride: 2 * nFf }, b: { buffer: s.a, offset: nFf, stride: 2 * nFf },
    }));
    finish(out);
  }

  private denseFfn(label: string, f: DenseFfn, scale: number, input: BlockInput): void {
    const t = f.tensors;
    this.swiglu(`${label}.ffn`, input, t.gate, t.up, f.nFf, (h) => this.residual(t.down, h, scale, `${label}.ffn`));
  }

  private moeFfn(label: string, f: MoeFfn, scale: number, input: BlockInput): void {
    const { s, n, env, plan } = this;
    const t = f.tensors;
    // Router: probabilities over experts and the top nExpertUsed per token, in one dispatch.
    this.matmul(t.gateInp, input.x, { buffer: s.c, stride: f.nExpert }, { norm: input.norm });
    this.add(prepareMoeRouter(env, { label: `${label}.router`, logits: { buffer: s.c }, ids: s.moeIds, weights: s.moeWeights, nRows: n, nExperts: f.nExpert, k: f.nExpertUsed }));
    // Routing needs no read back: every expert's matrices are dispatched, gated by the top-k ids
    // (shaders/expert-gate.wgsl), so only the chosen experts' weights are read (for a prefill
    // chunk, those chosen by some token of a tile); the combine adds each expert's output with
    // the weight the router gave it, and skips the rows that did not choose it.
    for (let e = 0; e < f.nExpert; e++) {
      const el = `${label}.expert${e}`;
      const gate: ExpertGate = { ids: s.moeIds, k: f.nExpertUsed, expert: e };
      this.swiglu(el, input, expertName(t.gateExps, e), expertName(t.upExps, e), f.nFf, (h) => {
        this.matmul(expertName(t.downExps, e), h, { buffer: s.tmp }, { gate });
        this.add(prepareMoeCombine(env, {
          label: `${el}.combine`, ids: s.moeIds, weights: s.moeWeights, x: s.tmp, y: s.x, nRows: n, width: plan.nEmbd,
          k: f.nExpertUsed, expert: e, normalize: f.normalizeWeights, scale,
        }));
      }, gate);
    }
    if (f.shared) {
      const sh = f.shared;
      this.swiglu(`${label}.shexp`, input, sh.gate, sh.up, sh.nFf, (h) => this.residual(sh.down, h, scale, `${label}.shexp`));
    }
  }

  private output(): void {
    const { s, n, env, plan } = this;
    const E = plan.nEmbd, V = plan.nVocab;
    const rows = this.mode === 'all' ? n : 1;
    const first = this.mode === 'all' ? 0 : n - 1;
    const logits = this.mode === 'all' ? this.logitsAll! : s.logits;
    if (rows <= GEMV_MAX_TOKENS) {
      const scale = plan.logitScale === 1 ? undefined : 1 / plan.logitScale;
      this.matmul(plan.output, { buffer: s.x, offset: first * E }, { buffer: logits }, { tokens: rows, norm: plan.outputNorm, scale });
      return;
    }
    this.add(prepareRmsNorm(env, { label: 'output_norm', x: { buffer: s.x, offset: first * E }, y: { buffer: s.h }, weight: this.vec(plan.outputNorm), nTokens: rows, rowLen: E, eps: plan.normEps }));
    this.matmul(plan.output, { buffer: s.h }, { buffer: logits }, { tokens: rows });
    if (plan.logitScale !== 1) {
      this.add(prepareElementwise(env, { label: 'logits.scale', kind: 'scale_inplace', nRows: rows, width: V, y: { buffer: logits }, scale: 1 / plan.logitScale }));
    }
  }
}
