// The prefill chunk: how many prompt tokens one forward pass takes. A GEMM reads and dequantizes
// each weight tile once per tile of tokens, so a longer chunk reads the weights fewer times per
// prompt; past ~2048 tokens a chunk no longer helps the matrix rate and only costs activations.
// The chunk is bounded by what one binding may hold (every activation buffer is (chunk, width),
// and the all-rows logits buffer (chunk, n_vocab)) and by the memory plan's budget when known.
import type { ModelPlan } from '../model/arch/plan.ts';
import { activationWidths, maxExpertsUsed } from '../model/arch/mixer-facts.ts';
import { planMemory, type MemoryPlanInput } from './memory-plan.ts';

export const MAX_CHUNK_TOKENS = 2048;
/** Candidates are multiples of this (the GEMM's token tiles are 64 or 128 tokens). */
const CHUNK_STEP = 64;

/** What the memory plan takes, less the chunk this chooses. */
export type ChunkInput = Omit<MemoryPlanInput, 'chunkTokens'>;

/** Floats per token row of the widest buffer sized by the chunk (gpu/model.ts createScratch, logits.all). */
export function widestChunkRow(plan: ModelPlan): number {
  const w = activationWidths(plan);
  return Math.max(plan.nEmbd, w.a, w.b, w.c, w.d, maxExpertsUsed(plan), plan.nVocab);
}

/**
 * The largest chunk (the context, or a multiple of 64 up to 2048) whose widest buffer fits
 * one binding and whose memory plan fits the budget; at least 1 token.
 */
export function chooseChunkTokens(input: ChunkInput): number {
  const binding = Math.min(input.limits.maxStorageBufferBindingSize, input.limits.maxBufferSize);
  const byBinding = Math.floor(binding / (4 * widestChunkRow(input.plan)));
  let chunk = Math.min(MAX_CHUNK_TOKENS, input.contextLength, Math.max(1, byBinding));
  if (chunk < input.contextLength && chunk > CHUNK_STEP) chunk -= chunk % CHUNK_STEP;
  const budget = input.memoryBudgetBytes;
  if (budget === undefined) return chunk;
  const total = (n: number) => planMemory({ ...input, chunkTokens: n }).totalBytes;
  while (chunk > CHUNK_STEP && total(chunk) > budget) chunk -= CHUNK_STEP;
  return chunk;
}
