// GPU time of prepared dispatches, for benchmarks and `edgewise bench`: never on the token path.
//
// WebGPU timestamps are written only at the start and end of a compute pass, so a per-kernel
// breakdown puts each dispatch in a pass of its own (which adds a little per-pass overhead on some
// drivers: the sum of the parts may exceed the time of the whole list, which is timed separately
// in one pass). Where the adapter lacks `timestamp-query`, or it is turned off, every figure
// falls back to wall-clock time around `onSubmittedWorkDone`, and says so in `clock`.
import { encodeDispatches, type Dispatch } from './dispatch.ts';

export type Clock = 'gpu-timestamps' | 'wall-clock';

export interface ListTiming {
  readonly clock: Clock;
  /** Seconds for one run of the whole list (median of the repetitions). */
  readonly seconds: number;
}

export interface KernelTiming {
  /** A dispatch label with layer numbers and part indices removed: `blk.N.attn_q` → `attn_q`. */
  readonly kernel: string;
  readonly dispatches: number;
  /** Seconds per run of the list spent in this kernel's dispatches. */
  readonly seconds: number;
}

/** `blk.12.ffn_down[1]` → `ffn_down`; `blk.3.expert7.combine` → `expert.combine`; `embd` stays. */
export function kernelFamily(label: string): string {
  return label.replace(/^blk\.\d+\./, '').replace(/\[\d+\]$/, '').replace(/expert\d+/, 'expert').replace(/\.\d+\./g, '.');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Timestamp pairs for up to `passes` passes, resolved into a mappable buffer. */
class TimestampSet {
  readonly query: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly read: GPUBuffer;

  constructor(private readonly device: GPUDevice, readonly passes: number) {
    this.query = device.createQuerySet({ label: 'profile/timestamps', type: 'timestamp', count: 2 * passes });
    this.resolve = device.createBuffer({ label: 'profile/resolve', size: 16 * passes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.read = device.createBuffer({ label: 'profile/read', size: 16 * passes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  writes(pass: number): GPUComputePassTimestampWrites {
    return { querySet: this.query, beginningOfPassWriteIndex: 2 * pass, endOfPassWriteIndex: 2 * pass + 1 };
  }

  finish(enc: GPUCommandEncoder, used: number): void {
    enc.resolveQuerySet(this.query, 0, 2 * used, this.resolve, 0);
    enc.copyBufferToBuffer(this.resolve, 0, this.read, 0, 16 * used);
  }

  /** Seconds of each pass. */
  async seconds(used: number): Promise<number[]> {
    await this.read.mapAsync(GPUMapMode.READ, 0, 16 * used);
    const t = new BigInt64Array(this.read.getMappedRange(0, 16 * used).slice(0));
    this.read.unmap();
    return Array.from({ length: used }, (_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1e9);
  }

  destroy(): void {
    this.query.destroy();
    this.resolve.destroy();
    this.read.destroy();
  }
}

/**
 * Time of one run of `dispatches` (all in one pass, as the engine encodes them): the median of
 * `reps` submits after one warm-up. `useTimestamps` false forces the wall clock.
 */
export async function timeList(device: GPUDevice, dispatches: readonly Dispatch[], reps: number, useTimestamps = device.features.has('timestamp-query')): Promise<ListTiming> {
  const ts = useTimestamps ? new TimestampSet(device, 1) : undefined;
  const samples: number[] = [];
  try {
    for (let r = 0; r <= reps; r++) {
      const enc = device.createCommandEncoder({ label: 'profile/list' });
      const pass = enc.beginComputePass({ label: 'profile/list', timestampWrites: ts?.writes(0) });
      encodeDispatches(pass, dispatches);
      pass.end();
      ts?.finish(enc, 1);
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const wall = (performance.now() - t0) / 1000;
      const s = ts ? (await ts.seconds(1))[0] : wall;
      if (r > 0) samples.push(s);
    }
  } finally {
    ts?.destroy();
  }
  return { clock: ts ? 'gpu-timestamps' : 'wall-clock', seconds: median(samples) };
}

/**
 * GPU time per kernel family of one run of `dispatches`, each dispatch in its own timed pass
 * (median over `reps` runs). Needs `timestamp-query`: without it a per-kernel split cannot be
 * measured truthfully (wall clock per dispatch is mostly submit overhead), so it returns undefined.
 */
export async function timeKernels(device: GPUDevice, dispatches: readonly Dispatch[], reps: number): Promise<KernelTiming[] | undefined> {
  if (!device.features.has('timestamp-query') || dispatches.length === 0) return undefined;
  // Query sets hold at most 4096 queries: time the list in slices of 2048 passes.
  const SLICE = 2048;
  const perDispatch: number[][] = dispatches.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let start = 0; start < dispatches.length; start += SLICE) {
      const slice = dispatches.slice(start, start + SLICE);
      const ts = new TimestampSet(device, slice.length);
      try {
        const enc = device.createCommandEncoder({ label: 'profile/kernels' });
        slice.forEach((d, i) => {
          const pass = enc.beginComputePass({ label: d.label, timestampWrites: ts.writes(i) });
          encodeDispatches(pass, [d]);
          pass.end();
        });
        ts.finish(enc, slice.length);
        device.queue.submit([enc.finish()]);
        const s = await ts.seconds(slice.length);
        s.forEach((v, i) => perDispatch[start + i].push(v));
      } finally {
        ts.destroy();
      }
    }
  }
  const byKernel = new Map<string, { dispatches: number; seconds: number }>();
  dispatches.forEach((d, i) => {
    const k = kernelFamily(d.label);
    const e = byKernel.get(k) ?? { dispatches: 0, seconds: 0 };
    e.dispatches++;
    e.seconds += median(perDispatch[i]);
    byKernel.set(k, e);
  });
  return [...byKernel].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.seconds - a.seconds);
}
