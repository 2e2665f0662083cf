// Whether a model fits this adapter, from its header alone: the memory plan gpu/model.ts makes
// before an upload (weights, KV cache at the context, state, activations), checked against the
// adapter's buffer limits and the device-memory estimate (gpu/memory-budget.ts). Used before a
// download, so that "too large" is said before a byte of the body is fetched.
import type { FitReport } from '../engine/api.ts';
import { EdgewiseError } from '../model/errors.ts';
import { planModel } from '../model/arch/index.ts';
import type { GgufFile } from '../model/gguf/types.ts';
import { chooseChunkTokens } from './chunk-size.ts';
import { checkMemoryPlan, formatBytes, planMemory } from './memory-plan.ts';

/** A sequence's default context (gpu/model.ts). */
export const DEFAULT_CONTEXT = 4096;

export interface FitInput {
  readonly contextLength?: number;
  readonly limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  readonly f16: boolean;
  readonly memoryBudgetBytes?: number;
}

/**
 * The context gpu/model.ts loads with: the request (default 4096), within [2, trained length].
 * `exact` takes the request as it is, past the trained length too (llama.cpp's `-c`: a user who
 * asks for more context than the model was trained on gets it, with a warning from the host).
 */
export function effectiveContext(nCtxTrain: number, requested: number | undefined, exact = false): number {
  if (exact && requested !== undefined) return Math.max(2, requested);
  return Math.max(2, Math.min(requested ?? Math.min(nCtxTrain || DEFAULT_CONTEXT, DEFAULT_CONTEXT), nCtxTrain || Infinity));
}

export function fitOf(file: GgufFile, input: FitInput): FitReport {
  let plan;
  try {
    plan = planModel(file);
  } catch (e) {
    if (e instanceof EdgewiseError) return { verdict: 'unsupported', reason: e.message };
    throw e;
  }
  const contextLength = effectiveContext(plan.nCtxTrain, input.contextLength);
  const sized = {
    plan, file, contextLength, kvBytesPerElement: input.f16 ? 2 as const : 4 as const,
    limits: input.limits, memoryBudgetBytes: input.memoryBudgetBytes,
  };
  // The chunk gpu/model.ts will choose, so that this plan is the one a load makes.
  const memInput = { ...sized, chunkTokens: chooseChunkTokens(sized) };
  const mem = planMemory(memInput);
  try {
    checkMemoryPlan(mem, memInput);
  } catch (e) {
    if (!(e instanceof EdgewiseError)) throw e;
    if (e.code === 'gguf-unsupported') return { verdict: 'unsupported', needsBytes: mem.totalBytes, contextLength, reason: e.message };
    const bufferLimit = Math.min(input.limits.maxBufferSize, input.limits.maxStorageBufferBindingSize);
    const overBuffer = mem.largestUnsplittableBytes > bufferLimit;
    return {
      verdict: 'too-large', contextLength, reason: e.message,
      needsBytes: overBuffer ? mem.largestUnsplittableBytes : mem.totalBytes,
      hasBytes: overBuffer ? bufferLimit : input.memoryBudgetBytes,
    };
  }
  const has = input.memoryBudgetBytes;
  return {
    verdict: 'fits', needsBytes: mem.totalBytes, hasBytes: has, contextLength,
    reason: `needs about ${formatBytes(mem.totalBytes)} of GPU memory at a ${contextLength.toLocaleString('en')}-token context` +
      (has === undefined ? ' (this browser does not say how much memory the device has)' : `; this device has about ${formatBytes(has)}`),
  };
}
