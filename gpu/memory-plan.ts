// The memory plan, made before anything is uploaded: weights + KV cache for the requested
// context + conv/SSM state + activations for one prefill chunk, checked against the adapter's
// limits. A model that will not fit says how much it needs and what the device allows.
import type { ModelPlan } from '../model/arch/plan.ts';
import type { GgufFile } from '../model/gguf/types.ts';
import { EdgewiseError } from '../model/errors.ts';
import { activationWidths, kvFloatsPerPosition, maxExpertsUsed, recurrentStateFloats } from '../model/arch/mixer-facts.ts';
import { MAX_HEAD_DIM } from './ops/attention-decode.ts';
import { MAX_EXPERTS_USED } from './ops/moe-topk.ts';
import { storedBytes } from './weights.ts';
import { biasGroups } from './model-weights.ts';

export interface MemoryPlanInput {
  readonly plan: ModelPlan;
  readonly file: GgufFile;
  readonly contextLength: number;
  /** Tokens per prefill chunk: activations are sized for this many rows. */
  readonly chunkTokens: number;
  readonly kvBytesPerElement: 2 | 4;
  readonly limits: Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'>;
  /** Total memory the device may give us, if known (navigator.deviceMemory, a user setting). */
  readonly memoryBudgetBytes?: number;
}

export interface MemoryPlan {
  readonly weightBytes: number;
  readonly kvCacheBytes: number;
  /** Live conv + SSM state of one sequence (its snapshot doubles it in totalBytes). */
  readonly recurrentStateBytes: number;
  readonly activationBytes: number;
  readonly totalBytes: number;
  /** The largest single buffer the plan needs that cannot be split (one layer's K or V cache). */
  readonly largestUnsplittableBytes: number;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const { plan, file, contextLength: nCtx, chunkTokens: n } = input;
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  let weightBytes = 0;
  for (const spec of plan.tensors) {
    const t = byName.get(spec.name);
    weightBytes += t ? storedBytes(t.type, t.byteSize) : 0;
  }
  // Q|K|V biases are uploaded a second time as one vector (gpu/model-weights.ts).
  for (const g of biasGroups(plan, file)) for (const name of g) weightBytes += byName.get(name)!.byteSize;

  let kvCacheBytes = 0, recurrentStateBytes = 0, largestUnsplittableBytes = 0;
  for (const layer of plan.layers) {
    const m = layer.mixer;
    if (m.kind === 'attention') {
      const perCache = nCtx * kvFloatsPerPosition(m) * input.kvBytesPerElement;
      kvCacheBytes += 2 * perCache;
      largestUnsplittableBytes = Math.max(largestUnsplittableBytes, perCache);
    } else {
      recurrentStateBytes += 4 * recurrentStateFloats(m).reduce((a, b) => a + b, 0);
    }
  }
  // The shared activations of gpu/model.ts: x, h, tmp and the four work buffers for n rows, the
  // router's top-k ids and weights, and the last row's logits.
  const w = activationWidths(plan);
  const activationBytes = 4 * (n * (3 * plan.nEmbd + w.a + w.b + w.c + w.d + 2 * maxExpertsUsed(plan)) + plan.nVocab);
  return {
    weightBytes, kvCacheBytes, recurrentStateBytes, activationBytes,
    // The recurrent state is held twice: live and its snapshot (gpu/sequence-state.ts).
    totalBytes: weightBytes + kvCacheBytes + 2 * recurrentStateBytes + activationBytes,
    largestUnsplittableBytes,
  };
}

/** Throws 'gguf-unsupported' when a layer is wider than the kernels handle, before anything is uploaded. */
export function checkKernelLimits(plan: ModelPlan): void {
  for (const { index, mixer, ffn } of plan.layers) {
    if (mixer.kind === 'attention' && mixer.headDim > MAX_HEAD_DIM) {
      throw new EdgewiseError('gguf-unsupported', `${plan.arch} layer ${index}: head size ${mixer.headDim} is over the ${MAX_HEAD_DIM} Edgewise's attention kernels handle`);
    }
    if (ffn.kind === 'moe' && ffn.nExpertUsed > MAX_EXPERTS_USED) {
      throw new EdgewiseError('gguf-unsupported', `${plan.arch} layer ${index}: ${ffn.nExpertUsed} experts per token is over the ${MAX_EXPERTS_USED} Edgewise's router handles`);
    }
  }
}

/** Throws 'device-too-small' with the numbers when the plan cannot fit ('gguf-unsupported' past the kernels' limits). */
export function checkMemoryPlan(mem: MemoryPlan, input: MemoryPlanInput): void {
  checkKernelLimits(input.plan);
  const { limits } = input;
  if (mem.largestUnsplittableBytes > Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize)) {
    throw new EdgewiseError('device-too-small',
      `a ${input.contextLength}-token context needs ${formatBytes(mem.largestUnsplittableBytes)} per attention cache buffer; ` +
      `this GPU allows ${formatBytes(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize))}: choose a shorter context`);
  }
  if (input.memoryBudgetBytes !== undefined && mem.totalBytes > input.memoryBudgetBytes) {
    throw new EdgewiseError('device-too-small',
      `this model needs ${formatBytes(mem.totalBytes)} of GPU memory (weights ${formatBytes(mem.weightBytes)}, ` +
      `context ${formatBytes(mem.kvCacheBytes + mem.recurrentStateBytes)}); this device has about ${formatBytes(input.memoryBudgetBytes)}`);
  }
}
