// A batched decode step: the next token of up to 8 sequences in one forward pass. Every matmul
// runs once over all rows (the GEMV takes up to GEMV_MAX_TOKENS tokens per weight read); RoPE, KV
// write, attention and the conv/scan run once per sequence against its own state and position
// (gpu/graph.ts lanes). Each row's logits are copied to that slot's own buffer and sampled there
// with the sequence's settings (penalty window, temperature, top-k/top-p/min-p) and its own draw
// (its seed and the counter of its next token, engine/sampler.ts), so a batched step gives what
// the same step run alone gives.
import type { BatchOutcome } from '../engine/backend.ts';
import type { SamplingSettings } from '../engine/generate.ts';
import { fillRecentWindow } from '../engine/sampler.ts';
import { encodeDispatches, type Dispatch } from './dispatch.ts';
import { ForwardBuilder, type Lane } from './graph.ts';
import { RECENT_CAPACITY, type GpuModel } from './model.ts';
import { GEMV_MAX_TOKENS } from './ops/gemv.ts';
import { drawnOffset, prepareSample, type PreparedSample } from './ops/sample.ts';
import { createStepBuffer, writeStep } from './ops/step.ts';
import type { GpuSequence } from './sequence.ts';

export interface GpuBatchStep {
  readonly sequence: GpuSequence;
  readonly token: number;
  readonly sampling: SamplingSettings;
}

/** Per batch row: its step uniform, its logits and penalty window, its samplers by k. */
interface Slot {
  readonly step: GPUBuffer;
  readonly logits: GPUBuffer;
  readonly recent: GPUBuffer;
  readonly recentWords: Uint32Array<ArrayBuffer>;
  readonly samplers: Map<number, Promise<PreparedSample>>;
}

/** Batched forward lists kept (one per set of sequences and KV sizes); a new set builds its own. */
const KEPT_LISTS = 8;

export class BatchDecoder {
  /** Steps one pass serves at most: the GEMV's token limit, and rows of the shared activations. */
  readonly maxBatch: number;
  private readonly slots: Slot[] = [];
  private readonly logits: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly ids: Uint32Array<ArrayBuffer>;
  private readonly lists = new Map<string, Promise<Dispatch[]>>();
  private readonly seqIds = new WeakMap<GpuSequence, number>();
  private nextSeqId = 0;

  constructor(private readonly model: GpuModel) {
    const { device } = model.ctx;
    const V = model.plan.nVocab;
    this.maxBatch = Math.min(GEMV_MAX_TOKENS, model.chunkTokens);
    this.ids = new Uint32Array(this.maxBatch);
    const made: GPUBuffer[] = [];
    const track = (b: GPUBuffer) => { made.push(b); return b; };
    try {
      this.logits = track(device.createBuffer({ label: 'batch/logits', size: this.maxBatch * V * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC }));
      this.readback = track(device.createBuffer({ label: 'batch/readback', size: Math.max(16, this.maxBatch * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
      for (let b = 0; b < this.maxBatch; b++) {
        this.slots.push({
          step: track(createStepBuffer(device, `batch${b}/step`)),
          logits: track(device.createBuffer({ label: `batch${b}/logits`, size: V * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })),
          recent: track(device.createBuffer({ label: `batch${b}/recent`, size: RECENT_CAPACITY * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })),
          recentWords: new Uint32Array(RECENT_CAPACITY),
          samplers: new Map(),
        });
      }
    } catch (e) {
      for (const b of made) b.destroy();
      throw e;
    }
  }

  /**
   * Runs the steps (the caller holds the model's turn). A step whose sequence is closed or whose
   * context is full fails alone.
   */
  async run(steps: readonly GpuBatchStep[]): Promise<BatchOutcome[]> {
    if (steps.length > this.maxBatch) throw new RangeError(`a batch of ${steps.length} steps; at most ${this.maxBatch}`);
    const outcomes: BatchOutcome[] = new Array(steps.length);
    const live: number[] = [];
    for (const [i, s] of steps.entries()) {
      try {
        await s.sequence.beforeBatchedStep();
        live.push(i);
      } catch (error) {
        outcomes[i] = { error };
      }
    }
    // Even one step left takes the batched path: a sequence's own path would submit steps ahead
    // that the next batch, with the others back, would have to discard.
    if (live.length > 0) {
      try {
        const tokens = await this.pass(live.map((i) => steps[i]));
        live.forEach((i, b) => { outcomes[i] = { token: tokens[b] }; });
      } catch (error) {
        for (const i of live) outcomes[i] = { error };
      }
    }
    return outcomes;
  }

  destroy(): void {
    this.lists.clear();
    this.logits.destroy();
    this.readback.destroy();
    for (const s of this.slots) {
      s.step.destroy();
      s.logits.destroy();
      s.recent.destroy();
      for (const p of s.samplers.values()) void p.then((x) => x.result.destroy(), () => undefined);
    }
  }

  /** One forward pass over the steps' tokens, then each row sampled in its own slot. */
  private async pass(steps: readonly GpuBatchStep[]): Promise<number[]> {
    const m = this.model;
    const { device } = m.ctx;
    const { queue } = device;
    const B = steps.length, V = m.plan.nVocab;
    const forward = await this.list(steps.map((s) => s.sequence));
    const rows = await Promise.all(steps.map(async (s, b) => {
      const k = m.topKFor(s.sampling.temperature, s.sampling.topK);
      return { k, greedy: !(s.sampling.temperature > 0), sample: await this.sampler(b, k) };
    }));

    const t0 = performance.now();
    steps.forEach((s, b) => {
      const slot = this.slots[b], { sampling } = s;
      this.ids[b] = s.token;
      writeStep(queue, slot.step, s.sequence.history.length);
      queue.writeBuffer(slot.recent, 0, fillRecentWindow(slot.recentWords, s.sequence.history, s.token, sampling.penaltyLastN));
      rows[b].sample.configure(queue, sampling.repetitionPenalty > 0 ? sampling.repetitionPenalty : 1, rows[b].greedy ? 1 : sampling.temperature, s.sequence.drawFor(sampling));
    });
    queue.writeBuffer(m.scratch.ids, 0, this.ids, 0, B);
    const enc = device.createCommandEncoder({ label: `batch(${B})` });
    const pass = enc.beginComputePass({ label: `forward(batch ${B})` });
    encodeDispatches(pass, forward);
    pass.end();
    // The penalty works in place on a row's logits: each row gets a buffer of its own.
    for (let b = 0; b < B; b++) enc.copyBufferToBuffer(this.logits, b * V * 4, this.slots[b].logits, 0, V * 4);
    const sampled = enc.beginComputePass({ label: `sample(batch ${B})` });
    let sampleDispatches = 0;
    for (const r of rows) {
      encodeDispatches(sampled, r.sample.dispatches);
      sampleDispatches += r.sample.dispatches.length;
    }
    sampled.end();
    rows.forEach((r, b) => enc.copyBufferToBuffer(r.sample.result, drawnOffset(r.k), this.readback, b * 4, 4));
    queue.submit([enc.finish()]);
    const stats = m.encodeStats;
    stats.passes++;
    stats.dispatches += forward.length;
    stats.batches++;
    stats.batchedSteps += B;
    stats.lastBatchDispatches = forward.length + sampleDispatches;
    stats.ms += performance.now() - t0;
    for (const s of steps) s.sequence.history.push(s.token);

    const bytes = Math.max(16, B * 4);
    await this.readback.mapAsync(GPUMapMode.READ, 0, bytes).catch(async (e) => { throw await m.explain(e); });
    const words = new Uint32Array(this.readback.getMappedRange(0, bytes).slice(0));
    this.readback.unmap();
    m.checkUsable();
    return steps.map((s, b) => s.sequence.afterBatchedStep(words[b]));
  }

  private sampler(slot: number, k: number): Promise<PreparedSample> {
    const { samplers, logits, recent } = this.slots[slot];
    let p = samplers.get(k);
    if (!p) {
      const m = this.model;
      p = prepareSample(m.env, { label: `batch${slot}/sample/k${k}`, logits, nVocab: m.plan.nVocab, k, recent, nRecent: RECENT_CAPACITY });
      samplers.set(k, p);
    }
    return p;
  }

  /** The forward list for these sequences in this order, at their KV caches' present sizes. */
  private list(seqs: readonly GpuSequence[]): Promise<Dispatch[]> {
    const key = seqs.map((q) => `${this.seqId(q)}@${q.state.capacity}`).join(',');
    let p = this.lists.get(key);
    if (p) {
      this.lists.delete(key);
      this.lists.set(key, p);
      return p;
    }
    const m = this.model;
    const lanes: Lane[] = seqs.map((q, b) => ({ layers: q.state.layers, step: this.slots[b].step, row: b, n: 1 }));
    p = new ForwardBuilder(m.env, m.plan, m.weights, lanes[0].layers, m.scratch, this.logits, seqs.length, 'all', lanes).build();
    this.lists.set(key, p);
    p.catch(() => this.lists.delete(key));
    if (this.lists.size > KEPT_LISTS) this.lists.delete(this.lists.keys().next().value!);
    return p;
  }

  private seqId(q: GpuSequence): number {
    let id = this.seqIds.get(q);
    if (id === undefined) this.seqIds.set(q, (id = this.nextSeqId++));
    return id;
  }
}
