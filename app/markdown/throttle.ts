// How often streamed Markdown is re-rendered: each render parses the whole text again, so a
// render waits at least MIN_INTERVAL_MS after the previous one, and at least COST_FACTOR times
// what the previous one cost (a long answer on a slow phone is then rendered less often, and
// rendering never takes more than about a quarter of the main thread).
export const MIN_INTERVAL_MS = 100;
export const COST_FACTOR = 3;

/** Milliseconds to wait before the next render (0: render now). */
export function nextRenderDelay(now: number, lastRenderEnd: number | undefined, lastRenderCost: number): number {
  if (lastRenderEnd === undefined) return 0;
  const wait = Math.max(MIN_INTERVAL_MS, COST_FACTOR * lastRenderCost);
  return Math.max(0, lastRenderEnd + wait - now);
}
