// The memory plan, made before anything is uploaded: weights + KV cache for the requested
// context + conv/SSM state + activations for one prefill chunk, checked against the adapter's
// limits. A model that will not fit says how much it needs and what the device allows.
import type { ModelPlan } from '../model/arch/plan.ts';
import type { GgufFile } from '../model/gguf/types.ts';
import { EdgewiseError } from '../model/errors.ts';

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
  for (const spec of plan.tensors) weightBytes += byName.get(spec.name)?.byteSize ?? 0;

  let kvCacheBytes = 0, recurrentStateBytes = 0, largestUnsplittableBytes = 0;
  // Widest row any layer produces for one token: sizes the scratch activations.
  let widest = plan.nEmbd * 4;
  for (const layer of plan.layers) {
    const m = layer.mixer;
    if (m.kind === 'attention') {
      const perCache = nCtx * m.nHeadKv * m.headDim * input.kvBytesPerElement;
      kvCacheBytes += 2 * perCache;
      largestUnsplittableBytes = Math.max(largestUnsplittableBytes, perCache);
      widest = Math.max(widest, (m.nHead + 2 * m.nHeadKv) * m.headDim);
    } else if (m.kind === 'mamba1') {
      recurrentStateBytes += 4 * ((m.dConv - 1) * m.dInner + m.dInner * m.dState);
      widest = Math.max(widest, 2 * m.dInner, m.dtRank + 2 * m.dState);
    } else {
      const convChannels = m.dInner + 2 * m.nGroup * m.dState;
      recurrentStateBytes += 4 * ((m.dConv - 1) * convChannels + m.nHead * m.headDim * m.dState);
      widest = Math.max(widest, 2 * m.dInner + 2 * m.nGroup * m.dState + m.nHead);
    }
    if (layer.ffn.kind === 'dense') widest = Math.max(widest, 2 * layer.ffn.nFf);
    if (layer.ffn.kind === 'moe') widest = Math.max(widest, 2 * layer.ffn.nFf * layer.ffn.nExpertUsed, layer.ffn.nExpert);
  }
  // A handful of (n, widest) f32 scratch buffers plus the logits of the last row.
  const activationBytes = 6 * n * widest * 4 + plan.nVocab * 4 * 2;
  return {
    weightBytes, kvCacheBytes, recurrentStateBytes, activationBytes,
    totalBytes: weightBytes + kvCacheBytes + recurrentStateBytes + activationBytes,
    largestUnsplittableBytes,
  };
}

/** Throws 'device-too-small' with the numbers when the plan cannot fit. */
export function checkMemoryPlan(mem: MemoryPlan, input: MemoryPlanInput): void {
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
