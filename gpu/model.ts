// A model loaded on the GPU, shared by all of its sequences: the weights, the compiled pipelines,
// the activation buffers (sized once for a full prefill chunk) and the samplers. Each sequence
// (gpu/sequence.ts) brings its own KV and recurrent state; their forward passes take turns
// through one lock, so the shared activations serve one pass at a time.
import { planModel } from '../model/arch/index.ts';
import { activationWidths, maxAttentionHeads, maxExpertsUsed, type ActivationWidths } from '../model/arch/mixer-facts.ts';
import type { DocumentPlan } from '../engine/api.ts';
import type { BatchOutcome } from '../engine/backend.ts';
import { planDocument } from './document-plan.ts';
import type { ModelPlan } from '../model/arch/plan.ts';
import { EdgewiseError } from '../model/errors.ts';
import { assertSupportedTensorTypes } from '../model/gguf/reader.ts';
import type { ByteSource, GgufFile } from '../model/gguf/types.ts';
import { storageBuffer } from './buffers.ts';
import type { GpuContext } from './device.ts';
import { withErrorScopes } from './error-scopes.ts';
import { checkMemoryPlan, formatBytes, planMemory, type MemoryPlan } from './memory-plan.ts';
import { BatchDecoder, type GpuBatchStep } from './batch-step.ts';
import { chooseChunkTokens } from './chunk-size.ts';
import { effectiveContext } from './fit.ts';
import { tuneGemvShapes, type GemvTuning, type GemvTuningOptions, type GemvTuningReport } from './gemv-tuning.ts';
import { GEMV_MAX_TOKENS } from './ops/gemv.ts';
import { uploadModelWeights, type ModelWeights } from './model-weights.ts';
import { decodePartialSize, defaultDecodeSplits } from './ops/attention-decode.ts';
import type { OpEnv } from './ops/common.ts';
import { prepareLogitMask, type PreparedLogitMask } from './ops/logit-mask.ts';
import { MAX_TOP_K, prepareSample, type PreparedSample } from './ops/sample.ts';
import { createStepBuffer } from './ops/step.ts';
import type { Scratch } from './graph.ts';
import type { WeightTensor } from './weights.ts';
import { PipelineCache } from './pipelines.ts';
import { GpuSequence } from './sequence.ts';
import { INITIAL_KV_POSITIONS, SequenceState } from './sequence-state.ts';

export interface ModelOptions {
  /** Tokens a sequence can hold; default min(model's training context, 4096). */
  readonly contextLength?: number;
  /** contextLength as it is, past the training context too (gpu/fit.ts effectiveContext). */
  readonly exactContext?: boolean;
  /** Tokens per prefill chunk (activations are sized for it). Default: chooseChunkTokens (gpu/chunk-size.ts), up to 2048. */
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
  /**
   * Decode steps submitted before the previous one is read back, when sampling is unconstrained
   * (the GPU writes each drawn id into the next step's input). 0: every step waits for the read
   * back. Default DEFAULT_SUBMIT_AHEAD, or 0 for a model whose recurrent state is too large for
   * its per-step snapshot to pay (submitAheadDepth).
   */
  readonly submitAhead?: number;
  readonly memoryBudgetBytes?: number;
  /** Positions a new sequence's KV cache holds before it first grows (default INITIAL_KV_POSITIONS). */
  readonly kvInitialPositions?: number;
  /** The decode GEMV's workgroup shapes: tuned on this adapter at load, or cached (gpu/gemv-tuning.ts). */
  readonly gemvTuning?: GemvTuningOptions;
  readonly onProgress?: (p: { phase: 'upload' | 'compile'; done: number; total: number }) => void;
}

/** Tokens the repetition penalty looks back over, at most (the recent-token ring). */
export const RECENT_CAPACITY = 64;

/**
 * CPU side of the forward passes so far: passes submitted and their dispatches; `ms` spent
 * encoding and submitting them while the GPU waited for them, `aheadMs` spent encoding decode
 * steps ahead, while the GPU was still busy with the step before (`aheadSteps` of them used);
 * batched decode passes (gpu/batch-step.ts), the steps they served, and the dispatches (forward
 * and sampling) of the last one.
 */
export interface EncodeStats {
  passes: number;
  dispatches: number;
  ms: number;
  aheadMs: number;
  aheadSteps: number;
  /** Decode steps submitted before the step before them was read back, and those of them discarded (past a stop). */
  submittedAhead: number;
  discardedAhead: number;
  batches: number;
  batchedSteps: number;
  lastBatchDispatches: number;
}

export const DEFAULT_SUBMIT_AHEAD = 2;

/**
 * How many steps to submit ahead. A step submitted ahead of a model with recurrent state first
 * copies that state (read + write: 2·S bytes) so that it can be undone past a stop; the copy
 * pays only while it is small beside the bytes a step reads anyway (weights W): beyond
 * 2·S > W / 16 (6 %, about what a read back's idle gap costs a step of a small model on a fast
 * GPU) the model keeps the synchronous loop unless `requested` says otherwise. Attention KV
 * needs no copy: positions past the history are never read and are overwritten.
 */
export function submitAheadDepth(requested: number | undefined, memory: MemoryPlan): number {
  if (requested !== undefined) return Math.max(0, Math.floor(requested));
  return 2 * memory.recurrentStateBytes > memory.weightBytes / 16 ? 0 : DEFAULT_SUBMIT_AHEAD;
}

export class GpuModel {
  readonly env: OpEnv;
  /** Where the decode GEMV's workgroup shapes came from, and which they are. */
  readonly gemvTuning: GemvTuningReport;
  readonly encodeStats: EncodeStats = {
    passes: 0, dispatches: 0, ms: 0, aheadMs: 0, aheadSteps: 0, submittedAhead: 0, discardedAhead: 0, batches: 0, batchedSteps: 0, lastBatchDispatches: 0,
  };
  private readonly samplers = new Map<number, Promise<PreparedSample>>();
  private logitMaskPrep?: Promise<PreparedLogitMask>;
  private logitsAllBuffer?: GPUBuffer;
  private batchDecoder?: BatchDecoder;
  private readonly sequences = new Set<GpuSequence>();
  private turn: Promise<unknown> = Promise.resolve();
  private lostReason?: string;
  private destroyed = false;

  private constructor(
    readonly ctx: GpuContext,
    readonly plan: ModelPlan,
    readonly memory: MemoryPlan,
    readonly weights: ModelWeights,
    readonly scratch: Scratch,
    readonly contextLength: number,
    readonly chunkTokens: number,
    readonly kvF16: boolean,
    readonly encodeAhead: boolean,
    readonly submitAhead: number,
    private readonly kvInitialPositions: number,
    pipelines: PipelineCache,
    gemv: GemvTuning,
    private readonly memoryBudgetBytes?: number,
  ) {
    this.env = { ctx, pipelines, gemvShapes: gemv.table };
    this.gemvTuning = gemv.report;
    ctx.device.lost.then((info) => { this.lostReason = info.message || info.reason || 'unknown'; });
  }

  /** Plans memory, uploads the weights from `source`, allocates activations and compiles pipelines. */
  static async load(ctx: GpuContext, file: GgufFile, source: ByteSource, options: ModelOptions = {}, pipelines = PipelineCache.for(ctx.device)): Promise<GpuModel> {
    assertSupportedTensorTypes(file);
    const plan = planModel(file);
    const contextLength = effectiveContext(plan.nCtxTrain, options.contextLength, options.exactContext);
    const kvF16 = (options.kvF16 ?? true) && ctx.features.f16;
    const chunkTokens = Math.max(1, Math.min(options.chunkTokens ?? chooseChunkTokens({
      plan, file, contextLength, kvBytesPerElement: kvF16 ? 2 : 4, limits: ctx.limits, memoryBudgetBytes: options.memoryBudgetBytes,
    }), contextLength));
    const memInput = {
      plan, file, contextLength, chunkTokens, kvBytesPerElement: kvF16 ? 2 as const : 4 as const,
      limits: ctx.limits, memoryBudgetBytes: options.memoryBudgetBytes,
    };
    const memory = planMemory(memInput);
    checkMemoryPlan(memory, memInput);

    // Small vectors that graph.ts packs into uniforms: RoPE frequency factors, and Jamba's B/C
    // norm weights (the decode scan norms B and C itself).
    const hostTensors = plan.layers.flatMap(({ mixer: m }) => {
      if (m.kind === 'attention') return m.rope.freqFactors ? [m.rope.freqFactors] : [];
      if (m.kind === 'mamba1' && m.tensors.bNorm && m.tensors.cNorm) return [m.tensors.bNorm, m.tensors.cNorm];
      return [];
    });
    let weights: ModelWeights | undefined;
    let scratch: Scratch | undefined;
    let gemv: GemvTuning | undefined;
    // Every buffer made here is freed when anything fails, the GPU's out-of-memory included.
    const failure = { what: `loading this ${plan.arch} model`, needs: formatBytes(memory.totalBytes) };
    await withErrorScopes(ctx.device, failure, async () => {
      weights = await uploadModelWeights(ctx.device, plan, file, source, {
        hostTensors, fuse: options.fuseMatrices,
        onProgress: (p) => options.onProgress?.({ phase: 'upload', done: p.done, total: p.total }),
      });
      scratch = createScratch(ctx.device, plan, chunkTokens, contextLength);
      gemv = await tuneGemvShapes({ ctx, pipelines }, decodeMatrices(plan, weights), options.gemvTuning);
    }, () => {
      weights?.destroy();
      if (scratch) for (const b of Object.values(scratch)) b.destroy();
    });
    return new GpuModel(ctx, plan, memory, weights!, scratch!, contextLength, chunkTokens, kvF16, options.encodeAhead ?? true,
      submitAheadDepth(options.submitAhead, memory), options.kvInitialPositions ?? INITIAL_KV_POSITIONS, pipelines, gemv!, options.memoryBudgetBytes);
  }

  get vocabSize(): number {
    return this.plan.nVocab;
  }

  /**
   * A new sequence with its own state, its pipelines compiled before it returns (the decode
   * step, the samplers and a full prefill chunk), so that the first token waits for no compile.
   */
  async createSequence(label = `seq${this.sequences.size}`, onCompile?: (done: number, total: number) => void): Promise<GpuSequence> {
    this.checkUsable();
    let seq: GpuSequence | undefined;
    await withErrorScopes(this.ctx.device, { what: 'starting a conversation' }, async () => {
      seq = new GpuSequence(this, new SequenceState(this.env, this.plan, label, this.contextLength, this.kvF16, this.kvInitialPositions));
      this.sequences.add(seq);
      await seq.warm(onCompile);
    }, () => seq?.destroy());
    return seq!;
  }

  /** Called by a sequence as it is destroyed. */
  forget(seq: GpuSequence): void {
    this.sequences.delete(seq);
  }

  /** Runs `work` when no other sequence's pass is in flight: the activations are shared. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Decode steps one batched pass serves at most (gpu/batch-step.ts). */
  get maxBatch(): number {
    return Math.min(GEMV_MAX_TOKENS, this.chunkTokens);
  }

  /** Once it is this model's turn, runs the decode steps `take()` gives then as one batched pass. */
  decodeBatch(take: () => readonly GpuBatchStep[]): Promise<BatchOutcome[]> {
    return this.exclusive(async () => {
      const steps = take();
      if (steps.length === 0) return [];
      this.checkUsable();
      for (const s of steps) {
        if (s.sequence.model !== this) throw new EdgewiseError('usage', 'a batched step names a sequence of another model');
      }
      this.batchDecoder ??= new BatchDecoder(this);
      return this.batchDecoder.run(steps);
    });
  }

  /** How a document needing `tokens` tokens in one pass is best summarized here (gpu/document-plan.ts). */
  planDocument(tokens: number): DocumentPlan {
    return planDocument({
      plan: this.plan, memory: this.memory, loadedContext: this.contextLength, kvBytesPerElement: this.kvF16 ? 2 : 4,
      limits: this.ctx.limits, memoryBudgetBytes: this.memoryBudgetBytes, maxBatch: this.maxBatch, tokens,
    });
  }

  sampler(k: number): Promise<PreparedSample> {
    k = Math.min(k, this.plan.nVocab);
    let p = this.samplers.get(k);
    if (!p) {
      p = prepareSample(this.env, { label: `sample/k${k}`, logits: this.scratch.logits, nVocab: this.plan.nVocab, k, recent: this.scratch.recent, nRecent: RECENT_CAPACITY, next: this.scratch.ids });
      this.samplers.set(k, p);
    }
    return p;
  }

  logitMask(): Promise<PreparedLogitMask> {
    return this.logitMaskPrep ??= prepareLogitMask(this.env, { label: 'logit_mask', logits: this.scratch.logits, nVocab: this.plan.nVocab });
  }

  /** (chunkTokens, nVocab) logits of every row, allocated the first time a caller asks for them. */
  logitsAll(): GPUBuffer {
    return this.logitsAllBuffer ??= storageBuffer(this.ctx.device, 'logits.all', this.chunkTokens * this.plan.nVocab);
  }

  /** Top-k a sampling setting asks the GPU for: 1 when greedy. */
  topKFor(temperature: number, topK: number): number {
    if (!(temperature > 0)) return 1;
    return Math.max(1, Math.min(topK > 0 ? topK : MAX_TOP_K, MAX_TOP_K, this.plan.nVocab));
  }

  /** Throws 'device-lost' once the device is gone, 'usage' once the model was unloaded. */
  checkUsable(): void {
    if (this.destroyed) throw new EdgewiseError('usage', 'this model was unloaded');
    if (this.lostReason !== undefined) throw new EdgewiseError('device-lost', `the GPU device was lost (${this.lostReason}); the model must be loaded again`);
  }

  get lost(): boolean {
    return this.lostReason !== undefined;
  }

  /**
   * What a failed GPU wait (mapAsync, onSubmittedWorkDone) means: a lost device rejects pending
   * maps before its `lost` promise settles, so give that promise a moment and report the loss
   * as such, as 'device-lost'; anything else is returned as it came.
   */
  async explain(e: unknown): Promise<unknown> {
    if (this.lostReason === undefined) {
      await Promise.race([this.ctx.device.lost, new Promise((r) => setTimeout(r, 1000))]);
    }
    if (this.lostReason === undefined) return e;
    return new EdgewiseError('device-lost', `the GPU device was lost (${this.lostReason}); the model must be loaded again`);
  }

  destroy(): void {
    if (this.destroyed) return;
    for (const seq of [...this.sequences]) seq.destroy();
    this.destroyed = true;
    this.weights.destroy();
    for (const b of Object.values(this.scratch)) b.destroy();
    this.logitsAllBuffer?.destroy();
    this.batchDecoder?.destroy();
    void this.logitMaskPrep?.then((m) => m.bitset.destroy(), () => undefined);
  }
}

/**
 * The weights decode multiplies by (GEMV): matrices with rows of at least 32 and at least 32 of
 * them (not conv kernels or per-channel vectors), except an untied token embedding (a lookup).
 */
function decodeMatrices(plan: ModelPlan, weights: ModelWeights): WeightTensor[] {
  return weights.list().filter((t) => t.dims.length >= 2 && t.dims[0] >= 32 && t.dims.slice(1).reduce((a, b) => a * b, 1) >= 32 &&
    !(t.name === plan.tokenEmbedding && !plan.tied));
}

function createScratch(device: GPUDevice, plan: ModelPlan, chunkTokens: number, contextLength: number): Scratch {
  const C = chunkTokens, E = plan.nEmbd;
  const w: ActivationWidths = activationWidths(plan);
  const used = maxExpertsUsed(plan);
  const heads = maxAttentionHeads(plan);
  const made: GPUBuffer[] = [];
  const track = (b: GPUBuffer) => { made.push(b); return b; };
  try {
    return {
      ids: track(device.createBuffer({ label: 'ids', size: Math.max(16, C * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST })),
      x: track(storageBuffer(device, 'x', C * E)),
      h: track(storageBuffer(device, 'h', C * E)),
      a: track(storageBuffer(device, 'a', C * w.a)),
      b: track(storageBuffer(device, 'b', C * w.b)),
      c: track(storageBuffer(device, 'c', C * w.c)),
      d: track(storageBuffer(device, 'd', C * w.d)),
      tmp: track(storageBuffer(device, 'tmp', C * E)),
      moeIds: track(storageBuffer(device, 'moe.ids', C * used)),
      moeWeights: track(storageBuffer(device, 'moe.weights', C * used)),
      partial: track(device.createBuffer({ label: 'attn.partial', size: Math.max(16, decodePartialSize(heads.nHead, defaultDecodeSplits(contextLength), heads.headDim)), usage: GPUBufferUsage.STORAGE })),
      step: track(createStepBuffer(device)),
      recent: track(device.createBuffer({ label: 'recent', size: RECENT_CAPACITY * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST })),
      logits: track(storageBuffer(device, 'logits', plan.nVocab)),
    };
  } catch (e) {
    for (const b of made) b.destroy();
    throw e;
  }
}
