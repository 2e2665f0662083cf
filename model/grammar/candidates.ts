// The top-k path of constrained sampling: the sampler's k best candidates (gpu/sampler.ts
// Candidates) filtered by the grammar's mask. When none survives, the caller samples from the
// whole masked vocabulary instead (logit-mask kernel, or model/reference/logit-mask.ts on CPU).
import { maskHas } from './matcher.ts';

export interface CandidateList {
  readonly ids: Uint32Array;
  readonly probs: Float32Array;
}

/** The candidates the mask allows, best first as given; null when none is allowed (fall back). */
export function maskCandidates(c: CandidateList, mask: Uint32Array): CandidateList | null {
  const keep: number[] = [];
  for (let i = 0; i < c.ids.length; i++) if (maskHas(mask, c.ids[i]) && c.probs[i] > 0) keep.push(i);
  if (keep.length === 0) return null;
  return { ids: Uint32Array.from(keep, (i) => c.ids[i]), probs: Float32Array.from(keep, (i) => c.probs[i]) };
}
