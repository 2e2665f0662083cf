// One decode step of one sequence: the forward pass over one token, the sampler (masked or not,
// drawing on the GPU) and the copy of the drawn id to a read-back slot. Nothing in a step depends
// on the token or its position (queue writes before the submit, or the previous step's sampler
// writing the next input on the GPU), so a step can be encoded while the GPU runs the one
// before, and submitted before the one before is read back (GpuSequence's chain).
// Each step also copies the input id and penalty window the sampler left in the shared scratch
// to the sequence's own `carry` buffer; a step submitted ahead copies them back first, so that
// another sequence's pass between the two cannot change what it reads.
import { encodeDispatches, type Dispatch } from './dispatch.ts';
import type { PreparedLogitMask } from './ops/logit-mask.ts';
import { drawnOffset, type PreparedSample } from './ops/sample.ts';

export interface StepVariant {
  readonly k: number;
  readonly forward: readonly Dispatch[];
  readonly sample: PreparedSample;
  readonly mask?: PreparedLogitMask;
}

/** What a step submitted ahead does before its forward pass. */
export interface AheadPrologue {
  /** Copies the recurrent state to the snapshot slot that the step would be rewound to. */
  readonly snapshot?: (enc: GPUCommandEncoder) => void;
}

export interface EncodedStep {
  /** The variant and slot it was encoded for. */
  readonly key: string;
  readonly commands: GPUCommandBuffer[];
  readonly slot: number;
  readonly dispatches: number;
  /** The forward list it encodes: a step encoded ahead is stale once the list was rebuilt. */
  readonly forward: readonly Dispatch[];
}

/** Where the sampler leaves the next input (ids word 0) and the penalty window (recent). */
export interface CarryBuffers {
  readonly ids: GPUBuffer;
  readonly recent: GPUBuffer;
}

export class DecodeSteps {
  /** One 4-byte read-back buffer per step that can be in flight at once. */
  private readonly slots: { buffer: GPUBuffer; busy: Promise<unknown> }[];
  private cursor = 0;
  /** The next sequential step, encoded while the GPU ran the last one. */
  private ahead?: EncodedStep;
  /** (1 + recent words) u32: this sequence's next input id and penalty window between steps. */
  private readonly carry: GPUBuffer;

  constructor(private readonly device: GPUDevice, label: string, inFlight: number, private readonly scratch: CarryBuffers) {
    this.slots = Array.from({ length: Math.max(2, inFlight) }, (_, i) => ({
      buffer: device.createBuffer({ label: `${label}/readback/token${i}`, size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
      busy: Promise.resolve(),
    }));
    this.carry = device.createBuffer({ label: `${label}/carry`, size: 16 + scratch.recent.size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  }

  /** Waits until every slot's last read finished (only discarded steps' may still run). */
  async slotsFree(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.busy));
  }

  /** The sequential step for `v` on the next slot: the one encoded ahead when it matches, else none. */
  takeAhead(v: StepVariant): EncodedStep | undefined {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead && ahead.key === keyOf(v, 'step', this.cursor) && ahead.forward === v.forward) {
      this.cursor = (this.cursor + 1) % this.slots.length;
      return ahead;
    }
    return undefined;
  }

  /**
   * Encodes a step on the next slot, handing each command buffer to `submit` as soon as it is
   * finished: a step encoded while the GPU waits is cut in two (the first layers, then the rest)
   * so that the GPU starts on the first part while the CPU records the second.
   */
  encodeNow(v: StepVariant, submit: (commands: GPUCommandBuffer) => void, prologue?: AheadPrologue): EncodedStep {
    const slot = this.cursor;
    this.cursor = (this.cursor + 1) % this.slots.length;
    return this.encode(v, slot, prologue, submit);
  }

  /** Encodes the next sequential step now, while the GPU is busy, assuming it samples as `v` does. */
  prepareAhead(v: StepVariant): void {
    this.ahead = this.encode(v, this.cursor);
  }

  /** Drops the step encoded ahead (its dispatch lists are stale). */
  discard(): void {
    this.ahead = undefined;
  }

  /** Maps a submitted step's slot and returns its drawn id; the slot is busy until then. */
  read(step: EncodedStep): Promise<number> {
    const { buffer } = this.slots[step.slot];
    const result = buffer.mapAsync(GPUMapMode.READ, 0, 4).then(() => {
      const id = new Uint32Array(buffer.getMappedRange(0, 4))[0];
      buffer.unmap();
      return id;
    });
    this.slots[step.slot].busy = result.catch(() => undefined);
    return result;
  }

  destroy(): void {
    this.ahead = undefined;
    for (const s of this.slots) s.buffer.destroy();
    this.carry.destroy();
  }

  private encode(v: StepVariant, slot: number, prologue?: AheadPrologue, submit?: (commands: GPUCommandBuffer) => void): EncodedStep {
    const kind = prologue ? 'ahead' : 'step';
    const key = keyOf(v, kind, slot);
    const { ids, recent } = this.scratch;
    const commands: GPUCommandBuffer[] = [];
    const finish = (enc: GPUCommandEncoder) => {
      const c = enc.finish();
      commands.push(c);
      submit?.(c);
    };
    let enc = this.device.createCommandEncoder({ label: `step/${key}` });
    if (prologue) {
      enc.copyBufferToBuffer(this.carry, 0, ids, 0, 4);
      enc.copyBufferToBuffer(this.carry, 16, recent, 0, recent.size);
      prologue.snapshot?.(enc);
    }
    // Cut only where the CPU records while the GPU waits: about the first quarter goes first.
    const cut = submit && !prologue ? Math.ceil(v.forward.length / 4) : 0;
    if (cut > 0) {
      const first = enc.beginComputePass({ label: 'forward(1) first part' });
      encodeDispatches(first, v.forward.slice(0, cut));
      first.end();
      finish(enc);
      enc = this.device.createCommandEncoder({ label: `step/${key}/rest` });
    }
    const pass = enc.beginComputePass({ label: 'forward(1)' });
    encodeDispatches(pass, cut > 0 ? v.forward.slice(cut) : v.forward);
    pass.end();
    const sampled = enc.beginComputePass({ label: 'sample' });
    encodeDispatches(sampled, v.mask ? [v.mask.dispatch, ...v.sample.dispatches] : v.sample.dispatches);
    sampled.end();
    enc.copyBufferToBuffer(ids, 0, this.carry, 0, 4);
    enc.copyBufferToBuffer(recent, 0, this.carry, 16, recent.size);
    enc.copyBufferToBuffer(v.sample.result, drawnOffset(v.k), this.slots[slot].buffer, 0, 4);
    finish(enc);
    return { key, commands, slot, dispatches: v.forward.length, forward: v.forward };
  }
}

function keyOf(v: StepVariant, kind: string, slot: number): string {
  return `${v.k}/${v.mask ? 'masked' : 'free'}/${kind}/${slot}`;
}
