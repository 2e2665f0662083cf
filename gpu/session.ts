// The GPU forward pass of a loaded model: walks the ModelPlan's layers and turns them into
// prepared dispatches (gpu/ops), one list per chunk length, built once and reused. Holds the
// explicit state (KV cache per attention layer, conv + SSM state per recurrent layer) and
// implements the decode loop's ForwardBackend: prefill in chunks with the matrix-matrix kernels,
// decode one token per command buffer with one small read back, nothing allocated per token.
import type { AttentionMixer, DenseFfn, LayerPlan, Mamba1Mixer, Mamba2Mixer, ModelPlan, MoeFfn } from '../model/arch/plan.ts';
import { planModel } from '../model/arch/index.ts';
import { EdgewiseError } from '../model/errors.ts';
import type { ForwardBackend, SamplingSettings } from '../model/generate.ts';
import { assertSupportedTensorTypes } from '../model/gguf/reader.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import type { GpuContext } from './device.ts';
import { encodeDispatches, type Dispatch } from './dispatch.ts';
import { checkMemoryPlan, planMemory, type MemoryPlan } from './memory-plan.ts';
import { expertName, uploadModelWeights, type ModelWeights } from './model-weights.ts';
import { prepareAttentionDecode, decodePartialSize, defaultDecodeSplits } from './ops/attention-decode.ts';
import { prepareAttentionPrefill } from './ops/attention-prefill.ts';
import type { OpEnv } from './ops/common.ts';
import { prepareElementwise, type Operand } from './ops/elementwise.ts';
import { prepareEmbedding } from './ops/embedding.ts';
import { prepareGemm } from './ops/gemm.ts';
import { GEMV_MAX_TOKENS, prepareGemv } from './ops/gemv.ts';
import { createKvCache, prepareKvWrite, type KvCache } from './ops/kv-cache.ts';
import type { ExpertGate } from './ops/matrix-common.ts';
import { prepareMoeCombine } from './ops/moe-combine.ts';
import { prepareMoeTopK } from './ops/moe-topk.ts';
import { prepareRmsNorm } from './ops/rmsnorm.ts';
import { prepareRope } from './ops/rope.ts';
import { MAX_TOP_K, prepareSample, type PreparedSample } from './ops/sample.ts';
import { prepareSoftmax } from './ops/softmax.ts';
import { prepareLogitMask, type PreparedLogitMask } from './ops/logit-mask.ts';
import { maskCandidates } from '../model/grammar/candidates.ts';
import type { MaskableBackend } from '../model/grammar/constrained.ts';
import { prepareSsdScan } from './ops/ssd-scan.ts';
import { rowSlice } from './ops/ssm-common.ts';
import { prepareSsmConv } from './ops/ssm-conv.ts';
import { prepareSsmScan } from './ops/ssm-scan.ts';
import { createStepBuffer, writeStep } from './ops/step.ts';
import { PipelineCache } from './pipelines.ts';
import { fillRecentWindow, parseCandidates, Sampler } from './sampler.ts';

export interface SessionOptions {
  /** Tokens the session can hold; default min(model's training context, 4096). */
  readonly contextLength?: number;
  /** Tokens per prefill chunk (activations are sized for it). Default 256. */
  readonly chunkTokens?: number;
  /** f16 KV cache where the device has shader-f16. Default true. */
  readonly kvF16?: boolean;
  /** Join Q/K/V and gate/up matrices into one product each (gpu/model-weights.ts). Default true. */
  readonly fuseMatrices?: boolean;
  /**
   * Encode each decode step's command buffer while the GPU runs the step before, so that only
   * a few queue writes and a submit stand between one token's read back and the next token's
   * work. Default true.
   */
  readonly encodeAhead?: boolean;
  readonly memoryBudgetBytes?: number;
  readonly onProgress?: (p: { phase: 'upload' | 'compile'; done: number; total: number }) => void;
}

/** Tokens the repetition penalty looks back over, at most (the recent-token ring). */
const RECENT_CAPACITY = 64;

type LogitsMode = 'none' | 'last' | 'all';

/** Where a submitted command buffer leaves its small result for the CPU. */
interface ReadTarget {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
}

/**
 * One decode step's commands, encoded once: forward over one token, sampling, the copy of the
 * result to a read-back buffer. Nothing in it depends on the token or its position (those are
 * queue writes before the submit), so a step encoded ahead serves whichever token comes next.
 */
interface EncodedStep {
  /** The sampling variant it was encoded for (k, greedy or not, masked or not). */
  readonly key: string;
  readonly commands: GPUCommandBuffer;
  readonly target: ReadTarget;
  readonly dispatches: number;
}

interface LayerState {
  readonly kv?: KvCache;
  /** Conv and SSM state buffers of a recurrent layer, with their snapshot copies. */
  readonly recurrent?: readonly { live: GPUBuffer; saved: GPUBuffer }[];
}

/** The activation buffers, sized once for a full chunk. */
interface Scratch {
  readonly ids: GPUBuffer;
  readonly x: GPUBuffer;      // (C, nEmbd) residual stream
  readonly h: GPUBuffer;      // (C, nEmbd) normed input of a block
  readonly a: GPUBuffer;      // (C, widthA) fused projections: q|k|v, x|z, z|xBC|dt, gate|up
  readonly b: GPUBuffer;      // (C, widthB) attention out, conv out, SwiGLU out
  readonly c: GPUBuffer;      // (C, widthC) [dt|B|C], Mamba-2 y, router logits
  readonly d: GPUBuffer;      // (C, widthD) projected dt, router probabilities
  readonly tmp: GPUBuffer;    // (C, nEmbd) a block's output before a scaled residual add
  readonly moeIds: GPUBuffer;
  readonly moeWeights: GPUBuffer;
  readonly partial: GPUBuffer;
  readonly step: GPUBuffer;
  readonly recent: GPUBuffer;
  readonly logits: GPUBuffer; // (1, nVocab)
}

function storage(device: GPUDevice, label: string, floats: number): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(floats) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}

export class GpuSession implements ForwardBackend, MaskableBackend {
  readonly contextLength: number;
  readonly chunkTokens: number;
  readonly history: number[] = [];
  private readonly env: OpEnv;
  private readonly lists = new Map<string, Promise<Dispatch[]>>();
  private readonly samplers = new Map<number, Promise<PreparedSample>>();
  private logitMask?: Promise<PreparedLogitMask>;
  private logitsAll?: GPUBuffer;
  private readonly readSmall: GPUBuffer;
  private readonly readCandidates: GPUBuffer;
  private sampler = new Sampler(0);
  /** History length at which the recurrent state was saved, or -1. */
  private savedAt = -1;
  /**
   * CPU side of the forward passes so far: passes submitted and their dispatches; `ms` spent
   * encoding and submitting them while the GPU waited for them, `aheadMs` spent encoding decode
   * steps ahead, while the GPU was still busy with the step before (`aheadSteps` of them used).
   */
  readonly encodeStats = { passes: 0, dispatches: 0, ms: 0, aheadMs: 0, aheadSteps: 0 };
  private readonly encodeAhead: boolean;
  /** The next decode step, encoded while the GPU ran the last one. */
  private ahead?: EncodedStep;
  /** Staging words for the per-token queue writes, so that a decode step allocates nothing. */
  private readonly oneId = new Uint32Array(1);
  private readonly recentWords = new Uint32Array(RECENT_CAPACITY);
  private readonly hasRecurrent: boolean;
  private lostReason?: string;
  private destroyed = false;

  private constructor(
    readonly ctx: GpuContext,
    readonly plan: ModelPlan,
    readonly memory: MemoryPlan,
    private readonly weights: ModelWeights,
    private readonly layers: readonly LayerState[],
    private readonly s: Scratch,
    contextLength: number,
    chunkTokens: number,
    private readonly widths: { a: number; b: number; c: number; d: number },
    pipelines: PipelineCache,
    encodeAhead: boolean,
  ) {
    this.encodeAhead = encodeAhead;
    this.contextLength = contextLength;
    this.chunkTokens = chunkTokens;
    this.env = { ctx, pipelines };
    const { device } = ctx;
    this.readSmall = device.createBuffer({ label: 'readback/token', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.readCandidates = device.createBuffer({ label: 'readback/candidates', size: MAX_TOP_K * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.hasRecurrent = layers.some((l) => l.recurrent);
    device.lost.then((info) => { this.lostReason = info.message || info.reason; });
  }

  /** Plans memory, uploads the weights from `source`, allocates state and compiles pipelines. */
  static async load(ctx: GpuContext, file: GgufFile, source: ByteSource, options: SessionOptions = {}, pipelines = new PipelineCache(ctx.device)): Promise<GpuSession> {
    assertSupportedTensorTypes(file);
    const plan = planModel(file);
    const contextLength = Math.max(2, Math.min(options.contextLength ?? Math.min(plan.nCtxTrain || 4096, 4096), plan.nCtxTrain || Infinity));
    const chunkTokens = Math.max(1, Math.min(options.chunkTokens ?? 256, contextLength));
    const kvF16 = (options.kvF16 ?? true) && ctx.features.f16;
    const memInput = {
      plan, file, contextLength, chunkTokens, kvBytesPerElement: kvF16 ? 2 as const : 4 as const,
      limits: ctx.limits, memoryBudgetBytes: options.memoryBudgetBytes,
    };
    const memory = planMemory(memInput);
    checkMemoryPlan(memory, memInput);

    const { device } = ctx;
    const env: OpEnv = { ctx, pipelines };
    const hostTensors = plan.layers.flatMap((l) => (l.mixer.kind === 'attention' && l.mixer.rope.freqFactors ? [l.mixer.rope.freqFactors] : []));
    const weights = await uploadModelWeights(device, plan, file, source, {
      hostTensors, fuse: options.fuseMatrices,
      onProgress: (p) => options.onProgress?.({ phase: 'upload', done: p.done, total: p.total }),
    });
    try {
      const widths = { a: 1, b: 1, c: 1, d: 1 };
      let maxHead = 1, maxHeadDim = 1;
      const layers = plan.layers.map((layer): LayerState => {
        const m = layer.mixer;
        const f = layer.ffn;
        if (f.kind === 'dense' || f.kind === 'moe') {
          widths.a = Math.max(widths.a, 2 * f.nFf, f.kind === 'moe' && f.shared ? 2 * f.shared.nFf : 0);
          widths.b = Math.max(widths.b, f.nFf, f.kind === 'moe' && f.shared ? f.shared.nFf : 0);
          if (f.kind === 'moe') {
            widths.c = Math.max(widths.c, f.nExpert);
            widths.d = Math.max(widths.d, f.nExpert);
          }
        }
        const label = `blk.${layer.index}`;
        switch (m.kind) {
          case 'attention': {
            widths.a = Math.max(widths.a, (m.nHead + 2 * m.nHeadKv) * m.headDim);
            widths.b = Math.max(widths.b, m.nHead * m.headDim);
            maxHead = Math.max(maxHead, m.nHead);
            maxHeadDim = Math.max(maxHeadDim, m.headDim);
            return { kv: createKvCache(env, `${label}.kv`, contextLength, m.nHeadKv, m.headDim, kvF16) };
          }
          case 'mamba1': {
            widths.a = Math.max(widths.a, 2 * m.dInner);
            widths.b = Math.max(widths.b, m.dInner);
            widths.c = Math.max(widths.c, m.dtRank + 2 * m.dState);
            widths.d = Math.max(widths.d, m.dInner);
            return { recurrent: recurrentState(device, label, [(m.dConv - 1) * m.dInner, m.dInner * m.dState]) };
          }
          case 'mamba2': {
            const convDim = m.dInner + 2 * m.nGroup * m.dState;
            widths.a = Math.max(widths.a, m.dInner + convDim + m.nHead);
            widths.b = Math.max(widths.b, convDim);
            widths.c = Math.max(widths.c, m.dInner);
            return { recurrent: recurrentState(device, label, [(m.dConv - 1) * convDim, m.nHead * m.headDim * m.dState]) };
          }
        }
      });
      const C = chunkTokens, E = plan.nEmbd;
      const maxUsed = Math.max(1, ...plan.layers.map((l) => (l.ffn.kind === 'moe' ? l.ffn.nExpertUsed : 1)));
      const recent = device.createBuffer({ label: 'recent', size: RECENT_CAPACITY * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      const scratch: Scratch = {
        ids: device.createBuffer({ label: 'ids', size: Math.max(16, C * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }),
        x: storage(device, 'x', C * E),
        h: storage(device, 'h', C * E),
        a: storage(device, 'a', C * widths.a),
        b: storage(device, 'b', C * widths.b),
        c: storage(device, 'c', C * widths.c),
        d: storage(device, 'd', C * widths.d),
        tmp: storage(device, 'tmp', C * E),
        moeIds: storage(device, 'moe.ids', C * maxUsed),
        moeWeights: storage(device, 'moe.weights', C * maxUsed),
        partial: device.createBuffer({ label: 'attn.partial', size: Math.max(16, decodePartialSize(maxHead, defaultDecodeSplits(contextLength), maxHeadDim)), usage: GPUBufferUsage.STORAGE }),
        step: createStepBuffer(device),
        recent,
        logits: storage(device, 'logits', plan.nVocab),
      };
      const session = new GpuSession(ctx, plan, memory, weights, layers, scratch, contextLength, chunkTokens, widths, pipelines, options.encodeAhead ?? true);
      // Compile everything decode needs, and the full-chunk prefill list, before the first token.
      const warm: Promise<unknown>[] = [session.list(1, 'last'), session.prepareSampler(1), session.prepareSampler(40)];
      if (C > 1) warm.push(session.list(C, 'none'));
      let done = 0;
      for (const w of warm) w.then(() => options.onProgress?.({ phase: 'compile', done: ++done, total: warm.length }));
      await Promise.all(warm);
      return session;
    } catch (e) {
      weights.destroy();
      throw e;
    }
  }

  get vocabSize(): number {
    return this.plan.nVocab;
  }

  beginGeneration(sampling: SamplingSettings): void {
    this.sampler = new Sampler(sampling.seed);
  }

  evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number> {
    return this.sampleNext(tokens, sampling);
  }

  /** As evalAndSample, drawing only tokens whose bit is set in `mask` (constrained decoding). */
  evalAndSampleMasked(tokens: readonly number[], sampling: SamplingSettings, mask: Uint32Array): Promise<number> {
    return this.sampleNext(tokens, sampling, mask);
  }

  private async sampleNext(tokens: readonly number[], sampling: SamplingSettings, mask?: Uint32Array): Promise<number> {
    if (tokens.length === 0) throw new RangeError('evalAndSample: no tokens');
    this.checkRoom(tokens.length);
    // Run all but the last token, save the recurrent state there (so "regenerate" needs no
    // prefill), then the last token with its logits.
    if (tokens.length > 1) {
      await this.run(tokens.slice(0, -1), 'none');
      this.saveRecurrent();
    }
    const last = tokens[tokens.length - 1];
    const greedy = !(sampling.temperature > 0);
    const k = greedy ? 1 : Math.max(1, Math.min(sampling.topK > 0 ? sampling.topK : MAX_TOP_K, MAX_TOP_K, this.plan.nVocab));
    const sample = await this.prepareSampler(k);
    const masking = mask ? await (this.logitMask ??= prepareLogitMask(this.env, { label: 'logit_mask', logits: this.s.logits, nVocab: this.plan.nVocab })) : undefined;
    const forward = await this.list(1, 'last');
    const key = `${k}/${greedy ? 'argmax' : 'top-k'}/${masking ? 'masked' : 'free'}`;
    const encode = (): EncodedStep => {
      const enc = this.ctx.device.createCommandEncoder({ label: `step/${key}` });
      const pass = enc.beginComputePass({ label: 'forward(1)' });
      encodeDispatches(pass, forward);
      pass.end();
      const sampled = enc.beginComputePass({ label: 'sample' });
      encodeDispatches(sampled, masking ? [masking.dispatch, ...sample.dispatches] : sample.dispatches);
      sampled.end();
      const target = greedy ? { buffer: this.readSmall, bytes: 4 } : { buffer: this.readCandidates, bytes: k * 8 };
      enc.copyBufferToBuffer(sample.result, 0, target.buffer, 0, target.bytes);
      return { key, commands: enc.finish(), target, dispatches: forward.length };
    };

    const { queue } = this.ctx.device;
    const t0 = performance.now();
    if (masking) masking.write(queue, mask!);
    this.writeRecent(last, sampling.penaltyLastN);
    sample.configure(queue, sampling.repetitionPenalty > 0 ? sampling.repetitionPenalty : 1, greedy ? 1 : sampling.temperature);
    this.oneId[0] = last;
    queue.writeBuffer(this.s.ids, 0, this.oneId);
    writeStep(queue, this.s.step, this.history.length);
    const step = this.ahead?.key === key ? this.ahead : encode();
    if (step === this.ahead) this.encodeStats.aheadSteps++;
    this.ahead = undefined;
    queue.submit([step.commands]);
    this.encodeStats.passes++;
    this.encodeStats.dispatches += step.dispatches;
    this.encodeStats.ms += performance.now() - t0;
    this.history.push(last);
    const mapped = step.target.buffer.mapAsync(GPUMapMode.READ, 0, step.target.bytes);
    if (this.encodeAhead) {
      // The GPU is busy with this step: encode the next one now, assuming it samples the same way.
      const t1 = performance.now();
      this.ahead = encode();
      this.encodeStats.aheadMs += performance.now() - t1;
    }
    await mapped;
    const words = new Uint32Array(step.target.buffer.getMappedRange(0, step.target.bytes).slice(0));
    step.target.buffer.unmap();
    this.checkLost();
    if (greedy) return words[0];
    let candidates = parseCandidates(words, k);
    if (mask) {
      // Refused tokens have probability 0 after the mask; drop them so the draw cannot pick one.
      const allowed = maskCandidates(candidates, mask);
      if (!allowed) throw new EdgewiseError('usage', 'constrained decoding: the mask left no token to sample');
      candidates = allowed;
    }
    return this.sampler.draw(candidates, { topP: sampling.topP, minP: sampling.minP });
  }

  /** Logits (tokens.length, nVocab) for each input position, advancing the state. */
  async evalLogits(tokens: readonly number[]): Promise<Float32Array> {
    this.checkRoom(tokens.length);
    const V = this.plan.nVocab;
    const out = new Float32Array(tokens.length * V);
    this.logitsAll ??= storage(this.ctx.device, 'logits.all', this.chunkTokens * V);
    const read = this.ctx.device.createBuffer({ label: 'readback/logits', size: this.chunkTokens * V * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      for (let at = 0; at < tokens.length; at += this.chunkTokens) {
        const chunk = tokens.slice(at, at + this.chunkTokens);
        const words = await this.run(chunk, 'all', (enc) => {
          enc.copyBufferToBuffer(this.logitsAll!, 0, read, 0, chunk.length * V * 4);
          return { buffer: read, bytes: chunk.length * V * 4 };
        });
        out.set(new Float32Array(words!.buffer, words!.byteOffset, chunk.length * V), at * V);
      }
    } finally {
      read.destroy();
    }
    return out;
  }

  rewind(n: number): boolean {
    if (n > this.history.length) return false;
    if (this.hasRecurrent && n !== this.history.length) {
      if (n !== this.savedAt) return false;
      this.restoreRecurrent();
    }
    this.history.length = n;
    return true;
  }

  reset(): void {
    const enc = this.ctx.device.createCommandEncoder({ label: 'reset' });
    for (const l of this.layers) for (const r of l.recurrent ?? []) enc.clearBuffer(r.live);
    this.ctx.device.queue.submit([enc.finish()]);
    this.history.length = 0;
    this.savedAt = -1;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ahead = undefined;
    this.weights.destroy();
    for (const l of this.layers) {
      l.kv?.k.destroy();
      l.kv?.v.destroy();
      for (const r of l.recurrent ?? []) { r.live.destroy(); r.saved.destroy(); }
    }
    for (const b of Object.values(this.s)) b.destroy();
    this.logitsAll?.destroy();
    void this.logitMask?.then((m) => m.bitset.destroy());
    this.readSmall.destroy();
    this.readCandidates.destroy();
  }

  private checkRoom(n: number): void {
    if (this.destroyed) throw new EdgewiseError('usage', 'this model was unloaded');
    this.checkLost();
    if (this.history.length + n > this.contextLength) {
      throw new EdgewiseError('context-full', `the context is full: ${this.history.length} + ${n} tokens exceed ${this.contextLength}`);
    }
  }

  /**
   * Runs tokens through the model in chunks; each chunk computes logits as `mode` says and may
   * append commands (copies) whose mapped result is returned (the last chunk's).
   */
  private async run(tokens: readonly number[], mode: LogitsMode, finish?: (enc: GPUCommandEncoder) => ReadTarget): Promise<Uint32Array | undefined> {
    const { device } = this.ctx;
    let result: Uint32Array | undefined;
    for (let at = 0; at < tokens.length; at += this.chunkTokens) {
      const chunk = tokens.slice(at, at + this.chunkTokens);
      const lastChunk = at + chunk.length >= tokens.length;
      const dispatches = await this.list(chunk.length, lastChunk ? mode : mode === 'all' ? 'all' : 'none');
      const t0 = performance.now();
      device.queue.writeBuffer(this.s.ids, 0, Uint32Array.from(chunk));
      writeStep(device.queue, this.s.step, this.history.length);
      const enc = device.createCommandEncoder({ label: `forward(${chunk.length})` });
      const pass = enc.beginComputePass({ label: `forward(${chunk.length})` });
      encodeDispatches(pass, dispatches);
      pass.end();
      const target = finish?.(enc);
      device.queue.submit([enc.finish()]);
      this.encodeStats.passes++;
      this.encodeStats.dispatches += dispatches.length;
      this.encodeStats.ms += performance.now() - t0;
      this.history.push(...chunk);
      if (target) {
        await target.buffer.mapAsync(GPUMapMode.READ, 0, target.bytes);
        result = new Uint32Array(target.buffer.getMappedRange(0, target.bytes).slice(0));
        target.buffer.unmap();
      }
    }
    this.checkLost();
    return result;
  }

  private checkLost(): void {
    if (this.lostReason !== undefined) throw new EdgewiseError('device-lost', `the GPU device was lost (${this.lostReason}); load the model again`);
  }

  private writeRecent(next: number, lastN: number): void {
    this.ctx.device.queue.writeBuffer(this.s.recent, 0, fillRecentWindow(this.recentWords, this.history, next, lastN));
  }

  private saveRecurrent(): void {
    if (!this.hasRecurrent) return;
    const enc = this.ctx.device.createCommandEncoder({ label: 'save-state' });
    for (const l of this.layers) for (const r of l.recurrent ?? []) enc.copyBufferToBuffer(r.live, 0, r.saved, 0, r.live.size);
    this.ctx.device.queue.submit([enc.finish()]);
    this.savedAt = this.history.length;
  }

  private restoreRecurrent(): void {
    const enc = this.ctx.device.createCommandEncoder({ label: 'restore-state' });
    for (const l of this.layers) for (const r of l.recurrent ?? []) enc.copyBufferToBuffer(r.saved, 0, r.live, 0, r.live.size);
    this.ctx.device.queue.submit([enc.finish()]);
  }

  private prepareSampler(k: number): Promise<PreparedSample> {
    k = Math.min(k, this.plan.nVocab);
    let p = this.samplers.get(k);
    if (!p) {
      p = prepareSample(this.env, { label: `sample/k${k}`, logits: this.s.logits, nVocab: this.plan.nVocab, k, recent: this.s.recent, nRecent: RECENT_CAPACITY });
      this.samplers.set(k, p);
    }
    return p;
  }

  /** The dispatch list for a chunk of n tokens, built once per (n, mode). */
  private list(n: number, mode: LogitsMode): Promise<Dispatch[]> {
    const key = `${n}/${mode}`;
    let p = this.lists.get(key);
    if (!p) {
      p = new ForwardBuilder(this.env, this.plan, this.weights, this.layers, this.s, this.logitsAll, n, mode).build();
      this.lists.set(key, p);
      // Chunk lengths other than decode and a full chunk occur once per prompt: keep a few.
      if (this.lists.size > 8) {
        for (const k of this.lists.keys()) {
          if (k !== key && !k.startsWith('1/') && !k.startsWith(`${this.chunkTokens}/`)) { this.lists.delete(k); break; }
        }
      }
    }
    return p;
  }
}

function recurrentState(device: GPUDevice, label: string, floats: readonly number[]): { live: GPUBuffer; saved: GPUBuffer }[] {
  return floats.map((f, i) => ({
    live: storage(device, `${label}.${i === 0 ? 'conv_state' : 'ssm_state'}`, f),
    saved: storage(device, `${label}.${i === 0 ? 'conv_state' : 'ssm_state'}.saved`, f),
  }));
}

/** Builds the dispatches of one forward pass over n tokens: embedding, layers, output. */
class ForwardBuilder {
  private readonly out: Dispatch[] = [];
  private readonly jobs: Promise<void>[] = [];

  constructor(
    private readonly env: OpEnv,
    private readonly plan: ModelPlan,
    private readonly w: ModelWeights,
    private readonly layers: readonly LayerState[],
    private readonly s: Scratch,
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
    this.add(prepareEmbedding(env.ctx, env.pipelines, { weight: this.w.get(plan.tokenEmbedding), ids: s.ids, tokens: n, y: s.x }));
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
  private matmul(weight: string, x: Operand, y: Operand, o: { bias?: string; accumulate?: boolean; tokens?: number; gate?: ExpertGate } = {}): void {
    const tokens = o.tokens ?? this.n;
    const args = {
      weight: this.w.get(weight), tokens,
      x: x.buffer, xOffset: x.offset, xStride: x.stride,
      y: y.buffer, yOffset: y.offset, yStride: y.stride,
      bias: o.bias ? this.w.get(o.bias) : undefined, accumulate: o.accumulate, gate: o.gate,
    };
    this.add(tokens <= GEMV_MAX_TOKENS ? prepareGemv(this.env.ctx, this.env.pipelines, args) : prepareGemm(this.env.ctx, this.env.pipelines, args));
  }

  /** x += scale · (W in): straight into the residual stream when unscaled. */
  private residual(weight: string, input: Operand, scale: number, label: string, bias?: string): void {
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
    this.add(prepareRmsNorm(this.env, { label, x: s.x, y: s.h, weight: this.vec(weight), nTokens: n, rowLen: plan.nEmbd, eps: plan.normEps }));
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
    if (t.qNorm && t.kNorm) {
      this.add(prepareRmsNorm(env, { label: `${label}.q_norm`, y: s.a, weight: this.vec(t.qNorm), nTokens: n, rowLen: m.headDim, rowsPerToken: m.nHead, eps: this.plan.normEps, yOffset: 0, yTokenStride: stride }));
      this.add(prepareRmsNorm(env, { label: `${label}.k_norm`, y: s.a, weight: this.vec(t.kNorm), nTokens: n, rowLen: m.headDim, rowsPerToken: m.nHeadKv, eps: this.plan.normEps, yOffset: qw, yTokenStride: stride }));
    }
    if (m.rope.kind !== 'none') {
      const rope = {
        nRot: m.rope.nRot, freqBase: m.rope.freqBase, freqScale: m.rope.freqScale, neox: m.rope.kind === 'neox',
        freqFactors: m.rope.freqFactors ? this.w.host.get(m.rope.freqFactors) : undefined,
      };
      this.add(prepareRope(env, { label: `${label}.rope_q`, x: s.a, step: s.step, nTokens: n, nHeads: m.nHead, headDim: m.headDim, rope, offset: 0, tokenStride: stride }));
      this.add(prepareRope(env, { label: `${label}.rope_k`, x: s.a, step: s.step, nTokens: n, nHeads: m.nHeadKv, headDim: m.headDim, rope, offset: qw, tokenStride: stride }));
    }
    this.add(prepareKvWrite(env, { label: `${label}.kv_write`, cache: kv, step: s.step, nTokens: n, k: { buffer: s.a, offset: qw, stride }, v: { buffer: s.a, offset: qw + kw, stride } }));
    if (n === 1) {
      this.add(prepareAttentionDecode(env, { label: `${label}.attn`, cache: kv, step: s.step, q: s.a, qOffset: 0, out: s.b, nHead: m.nHead, scale: m.kqScale, partial: s.partial, nSplit: defaultDecodeSplits(kv.nCtx) }));
    } else {
      this.add(prepareAttentionPrefill(env, { label: `${label}.attn`, cache: kv, step: s.step, nTokens: n, nHead: m.nHead, scale: m.kqScale, q: s.a, qOffset: 0, qStride: stride, out: s.b }));
    }
    this.residual(t.output, { buffer: s.b }, scale, label, t.outputBias);
  }

  private mamba1(label: string, m: Mamba1Mixer, state: readonly { live: GPUBuffer }[], scale: number): void {
    const { s, n, env } = this;
    const t = m.tensors;
    const dbcWidth = m.dtRank + 2 * m.dState;
    this.matmul(t.in, { buffer: s.h }, { buffer: s.a, stride: 2 * m.dInner });
    this.add(prepareSsmConv(env, label, { channels: m.dInner, dConv: m.dConv, nTokens: n }, {
      x: rowSlice(s.a, 2 * m.dInner, 0), weight: this.vec(t.conv1d), bias: this.vec(t.conv1dBias), state: state[0].live, y: rowSlice(s.b, m.dInner, 0),
    }));
    this.matmul(t.x, { buffer: s.b, stride: m.dInner }, { buffer: s.c, stride: dbcWidth });
    if (m.dtBcNorm !== 'none') {
      const weighted = m.dtBcNorm === 'weighted';
      const slices: [string, number, number, string | undefined][] = [
        ['dt_norm', 0, m.dtRank, t.dtNorm], ['b_norm', m.dtRank, m.dState, t.bNorm], ['c_norm', m.dtRank + m.dState, m.dState, t.cNorm],
      ];
      for (const [name, offset, width, weight] of slices) {
        this.add(prepareRmsNorm(env, {
          label: `${label}.${name}`, y: s.c, weight: weighted && weight ? this.vec(weight) : undefined,
          nTokens: n, rowLen: width, eps: this.plan.normEps, yOffset: offset, yTokenStride: dbcWidth,
        }));
      }
    }
    this.matmul(t.dt, { buffer: s.c, offset: 0, stride: dbcWidth }, { buffer: s.d, stride: m.dInner });
    this.add(prepareSsmScan(env, label, { dInner: m.dInner, dState: m.dState, nTokens: n }, {
      xy: rowSlice(s.b, m.dInner), dt: rowSlice(s.d, m.dInner),
      B: rowSlice(s.c, dbcWidth, m.dtRank), C: rowSlice(s.c, dbcWidth, m.dtRank + m.dState),
      z: rowSlice(s.a, 2 * m.dInner, m.dInner),
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
    this.add(prepareSsmConv(env, label, { channels: convDim, dConv: m.dConv, nTokens: n }, {
      x: rowSlice(s.a, width, m.dInner), weight: this.vec(t.conv1d), bias: this.vec(t.conv1dBias), state: state[0].live, y: rowSlice(s.b, convDim, 0),
    }));
    this.add(prepareSsdScan(env, label, { nHead: m.nHead, headDim: m.headDim, nGroup: m.nGroup, dState: m.dState, nTokens: n }, {
      x: rowSlice(s.b, convDim, 0), B: rowSlice(s.b, convDim, m.dInner), C: rowSlice(s.b, convDim, m.dInner + m.nGroup * m.dState),
      z: rowSlice(s.a, width, 0), dt: rowSlice(s.a, width, m.dInner + convDim),
      A: this.vec(t.a), D: this.vec(t.d), dtBias: this.vec(t.dtBias), state: state[1].live, y: rowSlice(s.c, m.dInner, 0),
    }));
    const groupLen = m.dInner / m.nGroup;
    this.add(prepareRmsNorm(env, {
      label: `${label}.ssm_norm`, y: s.c, weight: this.vec(t.norm), nGroups: m.nGroup,
      nTokens: n, rowLen: groupLen, rowsPerToken: m.nGroup, eps: this.plan.normEps,
    }));
    this.residual(t.out, { buffer: s.c, stride: m.dInner }, scale, label);
  }

  /** SwiGLU: silu(gate·h) * up·h into b; `finish` applies the down projection to it. */
  private swiglu(label: string, gate: string, up: string, nFf: number, finish: (input: Operand) => void, expert?: ExpertGate): void {
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
    // Router: probabilities over experts, then the top nExpertUsed per token.
    this.matmul(t.gateInp, { buffer: s.h }, { buffer: s.c, stride: f.nExpert });
    this.add(prepareSoftmax(env, { label: `${label}.router`, x: s.c, y: s.d, nRows: n, rowLen: f.nExpert }));
    this.add(prepareMoeTopK(env, { label: `${label}.topk`, probs: s.d, ids: s.moeIds, weights: s.moeWeights, nRows: n, nExperts: f.nExpert, k: f.nExpertUsed }));
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
    this.add(prepareRmsNorm(env, { label: 'output_norm', x: s.x, y: s.h, weight: this.vec(plan.outputNorm), nTokens: rows, rowLen: E, eps: plan.normEps, xOffset: first * E }));
    const logits = this.mode === 'all' ? this.logitsAll! : s.logits;
    this.matmul(plan.output, { buffer: s.h }, { buffer: logits }, { tokens: rows });
    if (plan.logitScale !== 1) {
      this.add(prepareElementwise(env, { label: 'logits.scale', kind: 'scale_inplace', nRows: rows, width: V, y: { buffer: logits }, scale: 1 / plan.logitScale }));
    }
  }
}
