// How a document is best summarized with a loaded model on this device, from its memory plan:
// in one pass when it fits the loaded context; in one pass at a longer context when the model
// keeps a KV cache in few of its layers (Jamba, Granite-H: recurrent layers hold a fixed state
// whatever the length) and that context fits the trained length, the buffer limits and the
// memory budget; otherwise by map-reduce, with as many parts at once as one batched decode pass
// serves and the memory left for their sequences' KV caches allows.
import type { DocumentPlan } from '../engine/api.ts';
import type { ModelPlan } from '../model/arch/plan.ts';
import { kvFloatsPerPosition } from '../model/arch/mixer-facts.ts';
import { formatBytes, type MemoryPlan } from './memory-plan.ts';

/** GPU memory map-reduce's extra sequences may take where the device tells no memory size. */
export const UNKNOWN_BUDGET_BATCH_BYTES = 1 << 30;
/** One-pass contexts are rounded up to this many tokens (the KV caches double up to it anyway). */
const CONTEXT_STEP = 1024;

export interface DocumentPlanInput {
  readonly plan: ModelPlan;
  /** The plan at the loaded context (weights, one sequence's KV and state, activations). */
  readonly memory: MemoryPlan;
  readonly loadedContext: number;
  readonly kvBytesPerElement: 2 | 4;
  readonly limits: Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'>;
  readonly memoryBudgetBytes?: number;
  /** Decode steps one batched pass serves. */
  readonly maxBatch: number;
  /** Tokens one pass over the whole document needs: the document, the prompt around it and the answer. */
  readonly tokens: number;
}

export function planDocument(input: DocumentPlanInput): DocumentPlan {
  const { plan, memory, loadedContext, tokens } = input;
  const en = (n: number) => n.toLocaleString('en');
  if (tokens <= loadedContext) {
    return { mode: 'one-pass', contextLength: loadedContext, parallel: 1, reason: `the document fits the loaded ${en(loadedContext)}-token context` };
  }
  const attention = plan.layers.filter((l) => l.mixer.kind === 'attention');
  const kvPerPosition = attention.reduce((a, l) => a + 2 * kvFloatsPerPosition(l.mixer) * input.kvBytesPerElement, 0);
  const cachePerPosition = Math.max(0, ...attention.map((l) => kvFloatsPerPosition(l.mixer) * input.kvBytesPerElement));
  const fixed = memory.weightBytes + memory.activationBytes;
  const perSequence = (ctx: number) => ctx * kvPerPosition + 2 * memory.recurrentStateBytes;
  const bufferLimit = Math.min(input.limits.maxBufferSize, input.limits.maxStorageBufferBindingSize);

  let why: string;
  if (attention.length === plan.layers.length) {
    why = `${plan.arch} keeps a KV cache in every layer, so a document over the loaded ${en(loadedContext)}-token context goes in parts`;
  } else {
    const ctx = Math.ceil(tokens / CONTEXT_STEP) * CONTEXT_STEP;
    const trained = plan.nCtxTrain > 0 ? plan.nCtxTrain : Infinity;
    const context = Math.min(ctx, trained);
    const total = fixed + perSequence(context);
    if (tokens > trained) {
      why = `${plan.arch} was trained on ${en(trained)} tokens, fewer than the ${en(tokens)} that one pass needs (the document, the instructions and the answer)`;
    } else if (context * cachePerPosition > bufferLimit) {
      why = `one pass needs ${formatBytes(context * cachePerPosition)} per KV cache buffer at ${en(context)} tokens; this GPU allows ${formatBytes(bufferLimit)}`;
    } else if (input.memoryBudgetBytes !== undefined && total > input.memoryBudgetBytes) {
      why = `one pass at ${en(context)} tokens needs about ${formatBytes(total)} of GPU memory; this device has about ${formatBytes(input.memoryBudgetBytes)}`;
    } else {
      return {
        mode: 'one-pass', contextLength: context, parallel: 1,
        reason: `${plan.arch} keeps a KV cache in only ${attention.length} of its ${plan.layers.length} layers, so the whole ` +
          `document (${en(tokens)} tokens with the instructions and the answer) fits in one pass at a ${en(context)}-token context ` +
          `(about ${formatBytes(total)} of GPU memory)`,
      };
    }
  }
  // The loaded sequence is in the memory plan already; each further part at once holds one more.
  const spare = input.memoryBudgetBytes !== undefined ? input.memoryBudgetBytes - memory.totalBytes : UNKNOWN_BUDGET_BATCH_BYTES;
  const parallel = Math.max(1, Math.min(input.maxBatch, 1 + Math.floor(Math.max(0, spare) / Math.max(1, perSequence(loadedContext)))));
  return { mode: 'map-reduce', contextLength: loadedContext, parallel, reason: `${why}: summarized in parts, up to ${parallel} at a time` };
}
