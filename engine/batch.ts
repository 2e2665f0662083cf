// Batched decode, the runtime's side: the generations decoding on one model at a time hand their
// next single-token step to a DecodeBatcher, which runs the steps waiting together as one
// batched pass of the backend (BackendModel.decodeBatch: one weight read serves them all).
//
// When to run: a batch goes when every generation taking part is waiting for its step, or has
// left (done, or running a prompt or a constrained step, which go alone); one still busy between
// two steps (streaming its text) is waited for until the next macrotask at most. Only one batch
// is outstanding at a time, and it takes its steps when the backend gives it the model's turn, so
// generations whose prompts ran at different times fall into step after one round.
import type { BackendModel, BackendSequence, BatchOutcome, BatchStep } from './backend.ts';
import type { ForwardBackend, SamplingSettings } from './generate.ts';

interface Waiter {
  readonly lane: BatchLane;
  readonly step: BatchStep;
  resolve(token: number): void;
  reject(error: unknown): void;
}

/** One generation taking part: 'busy' between two of its steps, 'waiting' with a step queued,
 *  'running' while its step is in a batch, 'away' running anything else. */
export class BatchLane {
  state: 'away' | 'busy' | 'waiting' | 'running' = 'away';

  constructor(private readonly batcher: DecodeBatcher, readonly sequence: BackendSequence) {}

  step(token: number, sampling: SamplingSettings): Promise<number> {
    return this.batcher.step(this, token, sampling);
  }

  away(): void {
    this.state = 'away';
    this.batcher.check();
  }

  leave(): void {
    this.batcher.leave(this);
  }
}

export class DecodeBatcher {
  private readonly lanes = new Set<BatchLane>();
  private readonly waiting: Waiter[] = [];
  private outstanding = false;
  private timer?: ReturnType<typeof setTimeout>;
  /** Batched passes run and the steps they served (tests and the benchmark read them). */
  readonly stats = { batches: 0, steps: 0, largest: 0 };

  constructor(private readonly model: BackendModel & Required<Pick<BackendModel, 'decodeBatch' | 'maxBatch'>>) {}

  /** Whether `model` can batch at all. */
  static supports(model: BackendModel): model is BackendModel & Required<Pick<BackendModel, 'decodeBatch' | 'maxBatch'>> {
    return typeof model.decodeBatch === 'function' && (model.maxBatch ?? 1) > 1;
  }

  /** Generations taking part now. */
  get size(): number {
    return this.lanes.size;
  }

  join(sequence: BackendSequence): BatchLane {
    const lane = new BatchLane(this, sequence);
    this.lanes.add(lane);
    return lane;
  }

  leave(lane: BatchLane): void {
    this.lanes.delete(lane);
    this.check();
  }

  step(lane: BatchLane, token: number, sampling: SamplingSettings): Promise<number> {
    return new Promise((resolve, reject) => {
      lane.state = 'waiting';
      this.waiting.push({ lane, step: { sequence: lane.sequence, token, sampling }, resolve, reject });
      this.check();
    });
  }

  /** Starts a batch when no generation it should wait for is still on its way. */
  check(): void {
    if (this.outstanding || this.waiting.length === 0) return;
    let coming = false;
    for (const l of this.lanes) if (l.state === 'busy' || l.state === 'running') coming = true;
    if (!coming || this.waiting.length >= this.model.maxBatch) {
      this.launch();
      return;
    }
    this.timer ??= setTimeout(() => { this.timer = undefined; this.launch(); }, 0);
  }

  private launch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.outstanding || this.waiting.length === 0) return;
    this.outstanding = true;
    let taken: Waiter[] = [];
    const take = () => {
      taken = this.waiting.splice(0, this.model.maxBatch);
      for (const w of taken) w.lane.state = 'running';
      return taken.map((w) => w.step);
    };
    const settle = (outcome: (i: number) => BatchOutcome) => {
      this.outstanding = false;
      if (taken.length > 0) {
        this.stats.batches++;
        this.stats.steps += taken.length;
        this.stats.largest = Math.max(this.stats.largest, taken.length);
      }
      // Every lane of the batch counts as on its way back before any of them hears its result.
      for (const w of taken) if (w.lane.state === 'running') w.lane.state = 'busy';
      taken.forEach((w, i) => {
        const o = outcome(i);
        if ('token' in o) w.resolve(o.token);
        else w.reject(o.error);
      });
      this.check();
    };
    this.model.decodeBatch(take).then(
      (outcomes) => settle((i) => outcomes[i] ?? { error: new Error('the batched pass returned no outcome for a step') }),
      (error) => settle(() => ({ error })),
    );
  }
}

/**
 * A sequence whose single-token steps go through the batcher while other generations decode
 * beside it; alone, or for a prompt, a rewind or anything of several tokens, it runs on the
 * sequence itself (its own path submits steps ahead), the lane marked away meanwhile.
 */
export class BatchedSequence implements ForwardBackend {
  constructor(private readonly sequence: BackendSequence, private readonly lane: BatchLane, private readonly batcher: DecodeBatcher) {}

  get contextLength(): number { return this.sequence.contextLength; }
  get history(): readonly number[] { return this.sequence.history; }

  async evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number> {
    if (tokens.length === 1 && this.batcher.size > 1) return this.lane.step(tokens[0], sampling);
    this.lane.away();
    return this.sequence.evalAndSample(tokens, sampling);
  }

  rewind(n: number): boolean { return this.sequence.rewind(n); }
  reset(): void { this.sequence.reset(); }
  beginGeneration(sampling: SamplingSettings): void { this.sequence.beginGeneration?.(sampling); }
}
