// GPU sampling (shaders/sample.wgsl): optional repetition penalty (in place on the logits), the
// k best logits in two passes, then top-p / min-p and the seeded draw of engine/sampler.ts. The
// result buffer holds k ids, k probabilities (softmax of logit/temperature over those k) and the
// drawn id at word 2k (DRAWN_OFFSET): 4 bytes to read back. k = 1 is argmax, lowest id on ties.
// The drawn id is also written to `next` (the next step's input id) and pushed into the penalty
// window `recent`, so that a following step can be submitted before this one is read back.
import { uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/sample.wgsl';
import { checkLimit, checkWithin, opError, sparseBindGroup, type OpEnv } from './common.ts';

export const MAX_TOP_K = 64;
/** Logits per workgroup of the first pass (CHUNK in the shader). */
const CHUNK = 2048;

export interface SampleArgs {
  readonly label: string;
  /** (nVocab) f32; the penalty is applied to it in place. */
  readonly logits: GPUBuffer;
  readonly nVocab: number;
  /** 1 = argmax. */
  readonly k: number;
  /** (nRecent) u32 recent token ids for the repetition penalty; 0xffffffff marks an empty slot. */
  readonly recent?: GPUBuffer;
  readonly nRecent?: number;
  /** (1) u32: receives the drawn id, as the next decode step's input. */
  readonly next?: GPUBuffer;
}

/** What the draw needs besides penalty and temperature (engine/sampler.ts defines it). */
export interface DrawSettings {
  /** ≥ 1 = off. */
  readonly topP: number;
  /** ≤ 0 = off. */
  readonly minP: number;
  readonly seed: number;
  /** Index of this token in the generation (drawUniform's counter). */
  readonly counter: number;
  /** Tokens of penalty window (penaltyLastN); the drawn id joins `recent` within it. 0: untouched. */
  readonly window: number;
}

const NO_DRAW: DrawSettings = { topP: 1, minP: 0, seed: 0, counter: 0, window: 0 };

/** Byte offset of the drawn id in the result buffer. */
export function drawnOffset(k: number): number {
  return 8 * k;
}

export interface PreparedSample {
  readonly dispatches: Dispatch[];
  /** (2k + 1) u32: k ids best first, k f32 probabilities as bits, the drawn id. */
  readonly result: GPUBuffer;
  readonly k: number;
  /** Sets penalty (1 = none), temperature (> 0) and the draw for the next dispatches; allocates nothing. */
  configure(queue: GPUQueue, penalty: number, temperature: number, draw?: DrawSettings): void;
}

export async function prepareSample(env: OpEnv, a: SampleArgs): Promise<PreparedSample> {
  const { device } = env.ctx;
  if (!(Number.isInteger(a.k) && a.k >= 1 && a.k <= Math.min(MAX_TOP_K, a.nVocab))) {
    throw opError(a.label, `top-k ${a.k} outside 1..${Math.min(MAX_TOP_K, a.nVocab)}`);
  }
  checkWithin(a.label, 'logits', a.logits, a.nVocab);
  const nRecent = a.recent ? (a.nRecent ?? a.recent.size / 4) : 0;
  if (a.recent) checkWithin(a.label, 'recent', a.recent, nRecent);
  if (a.next) checkWithin(a.label, 'next', a.next, 1);
  const nChunks = Math.ceil(a.nVocab / CHUNK);
  checkLimit(a.label, `workgroups (${CHUNK}-logit chunks of a vocabulary of ${a.nVocab})`, nChunks, env.ctx.limits.maxComputeWorkgroupsPerDimension);
  const words = new ArrayBuffer(48); // struct Params of sample.wgsl
  const fields = new DataView(words);
  const setParams = (penalty: number, temperature: number, d: DrawSettings): ArrayBuffer => {
    if (!(temperature > 0)) throw opError(a.label, `temperature ${temperature} must be > 0 (k = 1 for greedy)`);
    if (!(penalty > 0)) throw opError(a.label, `repetition penalty ${penalty} must be > 0`);
    // As engine/sampler.ts reads them: top-p ≥ 1 and min-p ≤ 0 are off, top-p ≤ 0 keeps one.
    if (!Number.isFinite(d.topP) || !Number.isFinite(d.minP)) throw opError(a.label, `top-p ${d.topP} and min-p ${d.minP} must be numbers`);
    fields.setUint32(0, a.nVocab, true);
    fields.setUint32(4, nChunks, true);
    fields.setUint32(8, nRecent, true);
    fields.setUint32(12, a.k, true);
    fields.setFloat32(16, penalty, true);
    fields.setFloat32(20, 1 / temperature, true);
    fields.setFloat32(24, d.topP, true);
    fields.setFloat32(28, d.minP, true);
    fields.setUint32(32, d.seed >>> 0, true);
    fields.setUint32(36, d.counter >>> 0, true);
    fields.setUint32(40, a.recent ? Math.max(0, Math.min(nRecent, Math.floor(d.window))) : 0, true);
    return words;
  };
  const params = uniformBuffer(device, `${a.label}/params`, setParams(1, 1, NO_DRAW));
  const cand = device.createBuffer({ label: `${a.label}/candidates`, size: nChunks * a.k * 8, usage: GPUBufferUsage.STORAGE });
  const result = device.createBuffer({ label: `${a.label}/result`, size: Math.max(16, drawnOffset(a.k) + 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  // Without a window or a next-step input the merge still writes them: into 16 bytes of its own.
  const spare = (what: string) => device.createBuffer({ label: `${a.label}/${what} (unused)`, size: 16, usage: GPUBufferUsage.STORAGE });
  const key = { family: 'sample', source, variant: {} };
  const [chunk, merge] = await Promise.all([
    env.pipelines.get({ ...key, entryPoint: 'sample_topk_chunk' }),
    env.pipelines.get({ ...key, entryPoint: 'sample_topk_merge' }),
  ]);
  const dispatches: Dispatch[] = [];
  if (a.recent && nRecent > 0) {
    const penalty = await env.pipelines.get({ family: 'sample', source, entryPoint: 'sample_penalty', variant: {} });
    dispatches.push({
      label: `${a.label}/penalty`,
      pipeline: penalty,
      bindGroups: [sparseBindGroup(device, penalty, `${a.label}/penalty`, { 0: params, 1: a.logits, 2: a.recent })],
      workgroups: [Math.ceil(nRecent / 64)],
    });
  }
  dispatches.push(
    {
      label: `${a.label}/chunks`,
      pipeline: chunk,
      bindGroups: [sparseBindGroup(device, chunk, `${a.label}/chunks`, { 0: params, 1: a.logits, 3: cand })],
      workgroups: [nChunks],
    },
    {
      label: `${a.label}/merge`,
      pipeline: merge,
      bindGroups: [sparseBindGroup(device, merge, `${a.label}/merge`, { 0: params, 2: a.recent ?? spare('recent'), 3: cand, 4: result, 5: a.next ?? spare('next') })],
      workgroups: [1],
    },
  );
  return {
    dispatches,
    result,
    k: a.k,
    configure: (queue, penalty, temperature, draw = NO_DRAW) => queue.writeBuffer(params, 0, setParams(penalty, temperature, draw)),
  };
}
