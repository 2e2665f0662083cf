// One decode step of one sequence: the forward pass over one token, the sampler (masked or not)
// and the copy of its small result to a read-back buffer, in one command buffer. The step is
// encoded once and kept: nothing in it depends on the token or its position (those are queue
// writes before the submit), so a step encoded while the GPU runs the one before serves
// whichever token comes next, provided it samples the same way.
import { encodeDispatches, type Dispatch } from './dispatch.ts';
import type { PreparedLogitMask } from './ops/logit-mask.ts';
import { MAX_TOP_K, type PreparedSample } from './ops/sample.ts';

/** Where a submitted command buffer leaves its small result for the CPU. */
export interface ReadTarget {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
}

export interface EncodedStep {
  /** The sampling variant it was encoded for (k, greedy or not, masked or not). */
  readonly key: string;
  readonly commands: GPUCommandBuffer;
  readonly target: ReadTarget;
  readonly dispatches: number;
  /** The forward list it encodes: a step encoded ahead is stale once the list was rebuilt. */
  readonly forward: readonly Dispatch[];
}

export interface StepVariant {
  readonly k: number;
  readonly greedy: boolean;
  readonly forward: readonly Dispatch[];
  readonly sample: PreparedSample;
  readonly mask?: PreparedLogitMask;
}

export class DecodeSteps {
  private readonly readToken: GPUBuffer;
  private readonly readCandidates: GPUBuffer;
  /** The next step, encoded while the GPU ran the last one. */
  private ahead?: EncodedStep;

  constructor(private readonly device: GPUDevice, label: string) {
    this.readToken = device.createBuffer({ label: `${label}/readback/token`, size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.readCandidates = device.createBuffer({ label: `${label}/readback/candidates`, size: MAX_TOP_K * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** The step for `v`: the one encoded ahead when it matches, else encoded now. */
  take(v: StepVariant): { step: EncodedStep; wasAhead: boolean } {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead?.key === keyOf(v) && ahead.forward === v.forward) return { step: ahead, wasAhead: true };
    return { step: this.encode(v), wasAhead: false };
  }

  /** Encodes the next step now, while the GPU is busy, assuming it samples as `v` does. */
  prepareAhead(v: StepVariant): void {
    this.ahead = this.encode(v);
  }

  /** Drops the step encoded ahead (its dispatch lists are stale). */
  discard(): void {
    this.ahead = undefined;
  }

  /** Waits for a submitted step's result and copies it out of the mapped buffer. */
  async read(step: EncodedStep): Promise<Uint32Array> {
    const { buffer, bytes } = step.target;
    await buffer.mapAsync(GPUMapMode.READ, 0, bytes);
    const words = new Uint32Array(buffer.getMappedRange(0, bytes).slice(0));
    buffer.unmap();
    return words;
  }

  destroy(): void {
    this.ahead = undefined;
    this.readToken.destroy();
    this.readCandidates.destroy();
  }

  private encode(v: StepVariant): EncodedStep {
    const key = keyOf(v);
    const enc = this.device.createCommandEncoder({ label: `step/${key}` });
    const pass = enc.beginComputePass({ label: 'forward(1)' });
    encodeDispatches(pass, v.forward);
    pass.end();
    const sampled = enc.beginComputePass({ label: 'sample' });
    encodeDispatches(sampled, v.mask ? [v.mask.dispatch, ...v.sample.dispatches] : v.sample.dispatches);
    sampled.end();
    const target = v.greedy ? { buffer: this.readToken, bytes: 4 } : { buffer: this.readCandidates, bytes: v.k * 8 };
    enc.copyBufferToBuffer(v.sample.result, 0, target.buffer, 0, target.bytes);
    return { key, commands: enc.finish(), target, dispatches: v.forward.length, forward: v.forward };
  }
}

function keyOf(v: StepVariant): string {
  return `${v.k}/${v.greedy ? 'argmax' : 'top-k'}/${v.mask ? 'masked' : 'free'}`;
}
