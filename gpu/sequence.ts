// One sequence of a loaded model: its token history, its state on the GPU (gpu/sequence-state.ts)
// and the dispatch lists bound to that state. It implements the decode loop's backend: prefill
// in chunks with the matrix-matrix kernels, decode one token per command buffer with a 4-byte
// read back, nothing allocated per token. Sequences of one model take turns (GpuModel.exclusive).
//
// Unconstrained decoding runs ahead: the GPU draws each token and writes it into the next
// step's input, so after step t is submitted, steps t+1 … t+D (GpuModel.submitAhead) are
// submitted too, before t is read back: the chain. When the decode loop asks for the token the
// chain's first step was run with (it always does, until it stops), that step is taken and one
// more is submitted; anything else (a stop, an abort, a mask, other settings, a rewind) discards
// the chain. `history` holds only taken tokens. A discarded step wrote KV at positions past the
// history, which nothing reads before they are written again; it changed recurrent state, so a
// step submitted ahead first copies that state to a snapshot slot, and discarding restores the
// first discarded step's copy.
import type { MaskableBackend } from '../engine/constrained.ts';
import type { SamplingSettings } from '../engine/generate.ts';
import { fillRecentWindow, Sampler } from '../engine/sampler.ts';
import { EdgewiseError } from '../model/errors.ts';
import { DecodeSteps, type EncodedStep, type StepVariant } from './decode-step.ts';
import { encodeDispatches, type Dispatch } from './dispatch.ts';
import { ForwardBuilder, type LogitsMode } from './graph.ts';
import { RECENT_CAPACITY, type GpuModel } from './model.ts';
import type { DrawSettings } from './ops/sample.ts';
import { writeStep } from './ops/step.ts';
import type { SequenceState } from './sequence-state.ts';

/** Where a submitted command buffer leaves its small result for the CPU. */
interface ReadTarget {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
}

/** A decode step submitted ahead: its input is the drawn id of the step before it. */
interface AheadStep {
  readonly step: EncodedStep;
  readonly token: Promise<number>;
  /** Snapshot slot holding the recurrent state from before it. */
  readonly snapshot: number;
}

/** The settings that a chain's steps were configured with. */
function chainKey(s: SamplingSettings): string {
  return `${s.temperature}/${s.topK}/${s.topP}/${s.minP}/${s.repetitionPenalty}/${s.penaltyLastN}/${s.seed}`;
}

export class GpuSequence implements MaskableBackend {
  readonly history: number[] = [];
  private readonly lists = new Map<string, Promise<Dispatch[]>>();
  private readonly steps: DecodeSteps;
  private sampler = new Sampler(0);
  /** History length at which the recurrent state was saved, or -1. */
  private savedAt = -1;
  /** Staging words for the per-token queue writes, so that a decode step allocates nothing. */
  private readonly oneId = new Uint32Array(1);
  private readonly recentWords = new Uint32Array(RECENT_CAPACITY);
  private destroyed = false;
  /** Steps submitted ahead, oldest first; none of their inputs is in `history` yet. */
  private chain: AheadStep[] = [];
  /** What the chain was made for: the token its first step runs, the settings, the forward list. */
  private chainFor?: { token: number; key: string; variant: StepVariant; sampling: SamplingSettings };
  /** Position and draw counter of the next step to submit ahead. */
  private aheadPosition = 0;
  private aheadCounter = 0;
  private snapshotCursor = 0;

  constructor(readonly model: GpuModel, readonly state: SequenceState) {
    this.steps = new DecodeSteps(model.ctx.device, state.label, model.submitAhead + 1, model.scratch);
  }

  get contextLength(): number {
    return this.model.contextLength;
  }

  get label(): string {
    return this.state.label;
  }

  /** Compiles what decoding and a full prefill chunk need. */
  async warm(onCompile?: (done: number, total: number) => void): Promise<void> {
    const m = this.model;
    const warm: Promise<unknown>[] = [this.list(1, 'last'), m.sampler(1), m.sampler(40)];
    if (m.chunkTokens > 1) warm.push(this.list(m.chunkTokens, 'none'));
    let done = 0;
    for (const w of warm) w.then(() => onCompile?.(++done, warm.length), () => undefined);
    await Promise.all(warm);
  }

  beginGeneration(sampling: SamplingSettings): void {
    // The chain drew with the last generation's seed and counters.
    this.dropChain(true);
    this.sampler = new Sampler(sampling.seed);
  }

  evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number> {
    return this.model.exclusive(() => this.sampleNext(tokens, sampling));
  }

  /** As evalAndSample, drawing only tokens whose bit is set in `mask` (constrained decoding). */
  evalAndSampleMasked(tokens: readonly number[], sampling: SamplingSettings, mask: Uint32Array): Promise<number> {
    return this.model.exclusive(() => this.sampleNext(tokens, sampling, mask));
  }

  /** Logits (tokens.length, nVocab) for each input position, advancing the state. */
  evalLogits(tokens: readonly number[]): Promise<Float32Array> {
    return this.model.exclusive(async () => {
      this.dropChain(true);
      await this.checkRoom(tokens.length);
      const { device } = this.model.ctx;
      const V = this.model.plan.nVocab, C = this.model.chunkTokens;
      const out = new Float32Array(tokens.length * V);
      const logitsAll = this.model.logitsAll();
      const read = device.createBuffer({ label: `${this.label}/readback/logits`, size: C * V * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      try {
        for (let at = 0; at < tokens.length; at += C) {
          const chunk = tokens.slice(at, at + C);
          const words = await this.run(chunk, 'all', (enc) => {
            enc.copyBufferToBuffer(logitsAll, 0, read, 0, chunk.length * V * 4);
            return { buffer: read, bytes: chunk.length * V * 4 };
          });
          out.set(new Float32Array(words!.buffer, words!.byteOffset, chunk.length * V), at * V);
        }
      } finally {
        read.destroy();
      }
      return out;
    });
  }

  rewind(n: number): boolean {
    this.dropChain(true);
    if (n > this.history.length) return false;
    if (this.state.hasRecurrent && n !== this.history.length) {
      if (n !== this.savedAt) return false;
      this.state.restore();
    }
    this.history.length = n;
    return true;
  }

  reset(): void {
    this.dropChain(false);
    this.state.clear();
    this.history.length = 0;
    this.savedAt = -1;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.chain = [];
    this.steps.destroy();
    this.state.destroy();
    this.lists.clear();
    this.model.forget(this);
  }

  /** evalAndSample's work, for a caller that already holds the model's turn (gpu/batch-step.ts). */
  async sampleNext(tokens: readonly number[], sampling: SamplingSettings, mask?: Uint32Array): Promise<number> {
    if (tokens.length === 0) throw new RangeError('evalAndSample: no tokens');
    const f = this.chainFor;
    if (this.chain.length > 0 && f && !mask && tokens.length === 1 && tokens[0] === f.token && chainKey(sampling) === f.key) {
      return this.takeAhead();
    }
    this.dropChain(true);
    await this.checkRoom(tokens.length);
    // Run all but the last token, save the recurrent state there (so "regenerate" needs no
    // prefill), then the last token with its logits.
    if (tokens.length > 1) {
      await this.run(tokens.slice(0, -1), 'none');
      this.saveRecurrent();
    }
    const m = this.model;
    const last = tokens[tokens.length - 1];
    const greedy = !(sampling.temperature > 0);
    const k = m.topKFor(sampling.temperature, sampling.topK);
    const variant: StepVariant = {
      k,
      sample: await m.sampler(k),
      mask: mask ? await m.logitMask() : undefined,
      forward: await this.list(1, 'last'),
    };
    // A discarded chain's read backs may still be pending: the chain made next uses their slots.
    await this.steps.slotsFree();

    const { queue } = m.ctx.device;
    const s = m.scratch;
    const t0 = performance.now();
    if (variant.mask) variant.mask.write(queue, mask!);
    queue.writeBuffer(s.recent, 0, fillRecentWindow(this.recentWords, this.history, last, sampling.penaltyLastN));
    this.configure(variant, sampling, this.sampler.drawn);
    this.oneId[0] = last;
    queue.writeBuffer(s.ids, 0, this.oneId);
    writeStep(queue, s.step, this.history.length);
    let step = this.steps.takeAhead(variant);
    if (step) {
      m.encodeStats.aheadSteps++;
      queue.submit(step.commands);
    } else {
      step = this.steps.encodeNow(variant, (c) => queue.submit([c]));
    }
    m.encodeStats.passes++;
    m.encodeStats.dispatches += step.dispatches;
    m.encodeStats.ms += performance.now() - t0;
    this.history.push(last);
    const result = this.steps.read(step);
    if (!mask && m.submitAhead > 0) {
      // Unconstrained: the steps after this one need nothing from the CPU.
      this.chainFor = { token: -1, key: chainKey(sampling), variant, sampling };
      this.aheadPosition = this.history.length;
      this.aheadCounter = this.sampler.drawn + 1;
      const t1 = performance.now();
      while (this.chain.length < m.submitAhead && this.submitAhead()) { /* fill the chain */ }
      m.encodeStats.aheadMs += performance.now() - t1;
    } else if (m.encodeAhead && this.history.length < this.state.capacity) {
      // The GPU is busy with this step: encode the next one now, assuming it samples the same
      // way, unless the next token would need a larger KV cache (its lists will be rebuilt).
      const t1 = performance.now();
      this.steps.prepareAhead(variant);
      m.encodeStats.aheadMs += performance.now() - t1;
    }
    const token = await result.catch(async (e) => { throw await m.explain(e); });
    m.checkUsable();
    this.sampler.skip();
    if (mask && ((mask[token >>> 5] >>> (token & 31)) & 1) === 0) {
      // Only when every candidate was refused: the draw had nothing allowed to pick.
      throw new EdgewiseError('usage', 'constrained decoding: the mask left no token to sample');
    }
    if (this.chainFor) this.chainFor = { ...this.chainFor, token };
    return token;
  }

  /**
   * Readies this sequence for a step a batched pass runs (gpu/batch-step.ts): steps it submitted
   * ahead are discarded (its state restored to the history) and its KV cache given room for one more.
   */
  async beforeBatchedStep(): Promise<void> {
    this.dropChain(true);
    await this.checkRoom(1);
  }

  /** The draw a step sampling this sequence's next token makes: its seed and its counter. */
  drawFor(sampling: SamplingSettings): DrawSettings {
    return { topP: sampling.topP, minP: sampling.minP, seed: this.sampler.seed, counter: this.sampler.drawn, window: sampling.penaltyLastN };
  }

  /** A batched step drew `token` for this sequence: its draw counter moves on, as after a step of its own. */
  afterBatchedStep(token: number): number {
    this.sampler.skip();
    return token;
  }

  /** Takes the chain's first step (its input is the token just returned) and tops the chain up. */
  private async takeAhead(): Promise<number> {
    const m = this.model;
    m.checkUsable();
    if (this.destroyed) throw new EdgewiseError('usage', 'this sequence was closed');
    const taken = this.chain.shift()!;
    const f = this.chainFor!;
    this.history.push(f.token);
    this.sampler.skip();
    const t1 = performance.now();
    if (this.chain.length < m.submitAhead) this.submitAhead();
    m.encodeStats.aheadMs += performance.now() - t1;
    const token = await taken.token.catch(async (e) => { throw await m.explain(e); });
    m.checkUsable();
    this.chainFor = { ...f, token };
    return token;
  }

  /**
   * Submits one step whose input is the id drawn by the step submitted before it; false when the
   * KV cache has no room for it (its lists would have to be rebuilt first).
   */
  private submitAhead(): boolean {
    const f = this.chainFor;
    if (!f || this.aheadPosition >= this.state.capacity) return false;
    const m = this.model;
    const { queue } = m.ctx.device;
    const slots = m.submitAhead;
    const snapshot = this.snapshotCursor;
    this.snapshotCursor = (snapshot + 1) % slots;
    this.configure(f.variant, f.sampling, this.aheadCounter);
    writeStep(queue, m.scratch.step, this.aheadPosition);
    const step = this.steps.encodeNow(f.variant, (c) => queue.submit([c]), {
      snapshot: this.state.hasRecurrent ? (enc) => this.state.encodeAheadSnapshot(enc, snapshot, slots) : undefined,
    });
    const token = this.steps.read(step);
    // Awaited when taken; one discarded, or left when the device is lost, must not go unhandled.
    token.catch(() => undefined);
    this.chain.push({ step, token, snapshot });
    this.aheadPosition++;
    this.aheadCounter++;
    m.encodeStats.passes++;
    m.encodeStats.dispatches += step.dispatches;
    m.encodeStats.submittedAhead++;
    return true;
  }

  /** Writes the sampler's settings for a step that draws with counter `counter`. */
  private configure(v: StepVariant, sampling: SamplingSettings, counter: number): void {
    const greedy = !(sampling.temperature > 0);
    v.sample.configure(this.model.ctx.device.queue, sampling.repetitionPenalty > 0 ? sampling.repetitionPenalty : 1, greedy ? 1 : sampling.temperature, {
      topP: sampling.topP, minP: sampling.minP, seed: this.sampler.seed, counter, window: sampling.penaltyLastN,
    });
  }

  /**
   * Discards the steps submitted ahead: with `restore`, the recurrent state goes back to before
   * the first of them (their KV writes lie past the history and need nothing).
   */
  private dropChain(restore: boolean): void {
    const first = this.chain[0];
    if (first) {
      if (restore && this.state.hasRecurrent) this.state.restoreAheadSnapshot(first.snapshot);
      this.model.encodeStats.discardedAhead += this.chain.length;
    }
    this.chain = [];
    this.chainFor = undefined;
  }

  /** Fails when n more tokens do not fit; grows the KV caches when they must (rebuilding this sequence's lists). */
  async checkRoom(n: number): Promise<void> {
    if (this.destroyed) throw new EdgewiseError('usage', 'this sequence was closed');
    this.model.checkUsable();
    if (this.history.length + n > this.contextLength) {
      throw new EdgewiseError('context-full', `the context is full: ${this.history.length} + ${n} tokens exceed ${this.contextLength}`);
    }
    if (await this.state.reserve(this.history.length + n, this.history.length)) {
      // The KV caches were replaced: every list bound the old ones.
      this.lists.clear();
      this.steps.discard();
    }
  }

  /**
   * Runs tokens through the model in chunks; each chunk computes logits as `mode` says and may
   * append commands (copies) whose mapped result is returned (the last chunk's).
   */
  private async run(tokens: readonly number[], mode: LogitsMode, finish?: (enc: GPUCommandEncoder) => ReadTarget): Promise<Uint32Array | undefined> {
    const m = this.model;
    const { device } = m.ctx;
    let result: Uint32Array | undefined;
    for (let at = 0; at < tokens.length; at += m.chunkTokens) {
      const chunk = tokens.slice(at, at + m.chunkTokens);
      const lastChunk = at + chunk.length >= tokens.length;
      const dispatches = await this.list(chunk.length, lastChunk ? mode : mode === 'all' ? 'all' : 'none');
      const t0 = performance.now();
      device.queue.writeBuffer(m.scratch.ids, 0, Uint32Array.from(chunk));
      writeStep(device.queue, m.scratch.step, this.history.length);
      const enc = device.createCommandEncoder({ label: `${this.label}/forward(${chunk.length})` });
      const pass = enc.beginComputePass({ label: `forward(${chunk.length})` });
      encodeDispatches(pass, dispatches);
      pass.end();
      const target = finish?.(enc);
      device.queue.submit([enc.finish()]);
      m.encodeStats.passes++;
      m.encodeStats.dispatches += dispatches.length;
      m.encodeStats.ms += performance.now() - t0;
      this.history.push(...chunk);
      if (target) {
        await target.buffer.mapAsync(GPUMapMode.READ, 0, target.bytes).catch(async (e) => { throw await m.explain(e); });
        result = new Uint32Array(target.buffer.getMappedRange(0, target.bytes).slice(0));
        target.buffer.unmap();
      }
    }
    m.checkUsable();
    return result;
  }

  private saveRecurrent(): void {
    if (!this.state.hasRecurrent) return;
    this.state.save();
    this.savedAt = this.history.length;
  }

  /** The dispatch list for a chunk of n tokens, built once per (n, mode) for this sequence's state. */
  private list(n: number, mode: LogitsMode): Promise<Dispatch[]> {
    const key = `${n}/${mode}`;
    let p = this.lists.get(key);
    if (!p) {
      const m = this.model;
      p = new ForwardBuilder(m.env, m.plan, m.weights, this.state.layers, m.scratch, mode === 'all' ? m.logitsAll() : undefined, n, mode).build();
      this.lists.set(key, p);
      // Chunk lengths other than decode and a full chunk occur once per prompt: keep a few.
      if (this.lists.size > 8) {
        for (const k of this.lists.keys()) {
          if (k !== key && !k.startsWith('1/') && !k.startsWith(`${m.chunkTokens}/`)) { this.lists.delete(k); break; }
        }
      }
    }
    return p;
  }
}
