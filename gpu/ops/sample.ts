// GPU sampling (shaders/sample.wgsl): optional repetition penalty (in place on the logits), then
// the k best logits in two passes; the result buffer holds k ids then k probabilities
// (softmax of logit/temperature over those k), 8·k bytes to read back. k = 1 is argmax, lowest id
// on ties: result word 0 is the token id.
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
}

export interface PreparedSample {
  readonly dispatches: Dispatch[];
  /** (2k) u32: k ids best first, then k f32 probabilities as bits. */
  readonly result: GPUBuffer;
  readonly k: number;
  /** Sets penalty (1 = none) and temperature (> 0) for the next dispatches; allocates nothing. */
  configure(queue: GPUQueue, penalty: number, temperature: number): void;
}

export async function prepareSample(env: OpEnv, a: SampleArgs): Promise<PreparedSample> {
  const { device } = env.ctx;
  if (!(Number.isInteger(a.k) && a.k >= 1 && a.k <= Math.min(MAX_TOP_K, a.nVocab))) {
    throw opError(a.label, `top-k ${a.k} outside 1..${Math.min(MAX_TOP_K, a.nVocab)}`);
  }
  checkWithin(a.label, 'logits', a.logits, a.nVocab);
  const nRecent = a.recent ? (a.nRecent ?? a.recent.size / 4) : 0;
  if (a.recent) checkWithin(a.label, 'recent', a.recent, nRecent);
  const nChunks = Math.ceil(a.nVocab / CHUNK);
  checkLimit(a.label, `workgroups (${CHUNK}-logit chunks of a vocabulary of ${a.nVocab})`, nChunks, env.ctx.limits.maxComputeWorkgroupsPerDimension);
  const words = new ArrayBuffer(32); // struct Params of sample.wgsl
  const fields = new DataView(words);
  const setParams = (penalty: number, temperature: number): ArrayBuffer => {
    if (!(temperature > 0)) throw opError(a.label, `temperature ${temperature} must be > 0 (k = 1 for greedy)`);
    if (!(penalty > 0)) throw opError(a.label, `repetition penalty ${penalty} must be > 0`);
    fields.setUint32(0, a.nVocab, true);
    fields.setUint32(4, nChunks, true);
    fields.setUint32(8, nRecent, true);
    fields.setUint32(12, a.k, true);
    fields.setFloat32(16, penalty, true);
    fields.setFloat32(20, 1 / temperature, true);
    return words;
  };
  const params = uniformBuffer(device, `${a.label}/params`, setParams(1, 1));
  const cand = device.createBuffer({ label: `${a.label}/candidates`, size: nChunks * a.k * 8, usage: GPUBufferUsage.STORAGE });
  const result = device.createBuffer({ label: `${a.label}/result`, size: Math.max(16, a.k * 8), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
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
      bindGroups: [sparseBindGroup(device, merge, `${a.label}/merge`, { 0: params, 3: cand, 4: result })],
      workgroups: [1],
    },
  );
  return {
    dispatches,
    result,
    k: a.k,
    configure: (queue, penalty, temperature) => queue.writeBuffer(params, 0, setParams(penalty, temperature)),
  };
}
