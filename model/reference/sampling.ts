// CPU reference for shaders/sample.wgsl: argmax, repetition penalty and top-k with temperature.

/** Index of the largest logit; ties go to the lowest id. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * llama.cpp's repetition penalty: every distinct id in `recent` (once, however often it occurs)
 * has its logit divided by `penalty` when positive, multiplied when not. Returns a copy.
 */
export function applyRepetitionPenalty(logits: Float32Array, recent: ArrayLike<number>, penalty: number): Float32Array {
  const out = Float32Array.from(logits);
  for (const id of new Set(Array.from(recent))) {
    if (id < 0 || id >= out.length) continue;
    out[id] = out[id] > 0 ? out[id] / penalty : out[id] * penalty;
  }
  return out;
}

/** k candidates, best first: ids and probabilities (softmax over those k of logit/temperature). */
export interface TopK {
  readonly ids: Uint32Array;
  readonly probs: Float32Array;
}

/**
 * Penalty, then the k largest logits (descending; ties to the lower id), then
 * softmax(logit/temperature) over those k. temperature > 0.
 */
export function topK(logits: Float32Array, k: number, temperature: number, recent: ArrayLike<number> = [], penalty = 1): TopK {
  if (k < 1 || k > logits.length) throw new RangeError(`topK: k ${k} outside 1..${logits.length}`);
  if (!(temperature > 0)) throw new RangeError(`topK: temperature ${temperature} must be > 0 (use argmax for greedy)`);
  const l = penalty === 1 ? logits : applyRepetitionPenalty(logits, recent, penalty);
  const order = Array.from({ length: l.length }, (_, i) => i);
  order.sort((a, b) => l[b] - l[a] || a - b);
  const ids = Uint32Array.from(order.slice(0, k));
  const max = l[ids[0]];
  const w = Array.from(ids, (id) => Math.exp((l[id] - max) / temperature));
  const sum = w.reduce((a, b) => a + b, 0);
  return { ids, probs: Float32Array.from(w, (x) => x / sum) };
}
