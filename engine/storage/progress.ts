// Transfer progress: bytes so far, speed over a sliding window, time left. Pure (time is passed
// in) so that the arithmetic is unit-tested; the downloader and the importer feed it.
import type { TransferProgress } from '../api.ts';

/** Speed is measured over the last WINDOW_MS so that it follows a changing connection. */
const WINDOW_MS = 5_000;

interface Sample { readonly at: number; readonly bytes: number }

export class ProgressMeter {
  private readonly samples: Sample[] = [];

  constructor(readonly phase: TransferProgress['phase'], readonly totalBytes: number) {}

  /** Records that `bytes` (absolute, of totalBytes) are done at time `now` (ms) and reports. */
  update(bytes: number, now: number): TransferProgress {
    this.samples.push({ at: now, bytes });
    while (this.samples.length > 2 && now - this.samples[1].at >= WINDOW_MS) this.samples.shift();
    return this.report();
  }

  report(): TransferProgress {
    const last = this.samples[this.samples.length - 1] ?? { at: 0, bytes: 0 };
    const first = this.samples[0] ?? last;
    const ms = last.at - first.at;
    // A drop in bytes (a resumed connection re-reading a partial chunk) counts as no progress.
    const gained = Math.max(0, last.bytes - first.bytes);
    const bytesPerSecond = ms > 0 ? (gained * 1000) / ms : 0;
    const left = Math.max(0, this.totalBytes - last.bytes);
    const secondsLeft = left === 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : Infinity;
    return { phase: this.phase, bytes: last.bytes, totalBytes: this.totalBytes, bytesPerSecond, secondsLeft };
  }
}

/** Calls `emit` at most once per `intervalMs`, plus whenever `force` is set (chunk stored, done). */
export function throttled<T>(emit: (p: T) => void, now: () => number, intervalMs = 100): (p: T, force?: boolean) => void {
  let lastAt = -Infinity;
  return (p, force = false) => {
    const t = now();
    if (!force && t - lastAt < intervalMs) return;
    lastAt = t;
    emit(p);
  };
}
