// One sequence's state on the GPU: a KV cache per attention layer and conv + SSM state per
// recurrent layer, with a snapshot of the recurrent state (what llama.cpp's hybrid memory keeps
// per sequence id). The KV cache starts small and grows by doubling up to the context length, so
// a sequence that holds a short chat does not reserve a whole context's worth of memory.
import type { ModelPlan } from '../model/arch/plan.ts';
import { kvFloatsPerPosition, recurrentStateFloats } from '../model/arch/mixer-facts.ts';
import { withErrorScopes } from './error-scopes.ts';
import { formatBytes } from './memory-plan.ts';
import type { OpEnv } from './ops/common.ts';
import { createKvCache, type KvCache } from './ops/kv-cache.ts';
import { storageBuffer } from './buffers.ts';

export interface RecurrentBuffers {
  readonly live: GPUBuffer;
  readonly saved: GPUBuffer;
}

export interface LayerState {
  readonly kv?: KvCache;
  /** Conv and SSM state buffers of a recurrent layer, with their snapshot copies. */
  readonly recurrent?: readonly RecurrentBuffers[];
}

/** Positions a new sequence's KV cache holds before it first grows. */
export const INITIAL_KV_POSITIONS = 512;

export class SequenceState {
  private layerStates: LayerState[];
  private positions: number;
  readonly hasRecurrent: boolean;
  private destroyed = false;
  /**
   * Per slot, a copy of every recurrent buffer (same order as the layers'): the state before a
   * decode step submitted ahead, so that the step can be undone (GpuSequence). Made on first use.
   */
  private aheadSnapshots: GPUBuffer[][] = [];

  constructor(
    private readonly env: OpEnv,
    private readonly plan: ModelPlan,
    readonly label: string,
    /** The most positions it may ever hold (the model's context length). */
    readonly maxPositions: number,
    private readonly kvF16: boolean,
    initialPositions = INITIAL_KV_POSITIONS,
  ) {
    this.positions = Math.min(maxPositions, Math.max(1, initialPositions));
    this.layerStates = [];
    try {
      for (const layer of plan.layers) {
        const m = layer.mixer;
        const name = `${label}/blk.${layer.index}`;
        this.layerStates.push(m.kind === 'attention'
          ? { kv: createKvCache(env, `${name}.kv`, this.positions, m.nHeadKv, m.headDim, kvF16) }
          : { recurrent: recurrentStateFloats(m).map((floats, i) => recurrentBuffers(env.ctx.device, `${name}.${i === 0 ? 'conv_state' : 'ssm_state'}`, floats)) });
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
    this.hasRecurrent = this.layerStates.some((l) => l.recurrent);
  }

  get layers(): readonly LayerState[] {
    return this.layerStates;
  }

  /** Positions the KV caches hold now (≤ maxPositions). */
  get capacity(): number {
    return this.positions;
  }

  /**
   * Makes room for `needed` positions, keeping the first `used` positions of every KV cache.
   * Resolves true when buffers were replaced (dispatch lists that bind them must be rebuilt).
   * When the GPU cannot allocate the larger caches, the sequence keeps the ones it has and the
   * call fails with 'gpu-out-of-memory'.
   */
  async reserve(needed: number, used: number): Promise<boolean> {
    if (needed <= this.positions) return false;
    let next = this.positions;
    while (next < needed) next *= 2;
    next = Math.min(next, this.maxPositions);
    const { device } = this.env.ctx;
    const grown: (KvCache | undefined)[] = [];
    const bytesPerPosition = this.kvF16 ? 2 : 4;
    await withErrorScopes(device, { what: `growing the context to ${next} tokens`, needs: formatBytes(this.kvBytesAt(next)) }, async () => {
      this.plan.layers.forEach((layer, i) => {
        const m = layer.mixer;
        grown[i] = m.kind === 'attention' && this.layerStates[i].kv
          ? createKvCache(this.env, `${this.label}/blk.${layer.index}.kv`, next, m.nHeadKv, m.headDim, this.kvF16)
          : undefined;
      });
    }, () => { for (const kv of grown) { kv?.k.destroy(); kv?.v.destroy(); } });
    const enc = device.createCommandEncoder({ label: `${this.label}/kv-grow` });
    const old: KvCache[] = [];
    this.layerStates = this.layerStates.map((state, i) => {
      const kv = grown[i];
      if (!kv || !state.kv) return state;
      const bytes = Math.ceil((used * kv.nHeadKv * kv.headDim * bytesPerPosition) / 4) * 4;
      if (bytes > 0) {
        enc.copyBufferToBuffer(state.kv.k, 0, kv.k, 0, Math.min(bytes, state.kv.k.size));
        enc.copyBufferToBuffer(state.kv.v, 0, kv.v, 0, Math.min(bytes, state.kv.v.size));
      }
      old.push(state.kv);
      return { kv };
    });
    device.queue.submit([enc.finish()]);
    for (const kv of old) { kv.k.destroy(); kv.v.destroy(); }
    this.positions = next;
    return true;
  }

  /** Bytes of KV cache for `positions` positions over all attention layers. */
  private kvBytesAt(positions: number): number {
    return this.plan.layers.reduce((a, l) => a + 2 * positions * kvFloatsPerPosition(l.mixer) * (this.kvF16 ? 2 : 4), 0);
  }

  /** Copies the live recurrent state to its snapshot. */
  save(): void {
    this.copyRecurrent('save-state', (r) => [r.live, r.saved]);
  }

  /** Copies the snapshot back to the live recurrent state. */
  restore(): void {
    this.copyRecurrent('restore-state', (r) => [r.saved, r.live]);
  }

  /**
   * Records, into `enc`, a copy of the live recurrent state to snapshot `slot` of the steps
   * submitted ahead (`slots` of them; allocated the first time).
   */
  encodeAheadSnapshot(enc: GPUCommandEncoder, slot: number, slots: number): void {
    if (!this.hasRecurrent) return;
    const live = this.layerStates.flatMap((l) => (l.recurrent ?? []).map((r) => r.live));
    while (this.aheadSnapshots.length < slots) {
      const i = this.aheadSnapshots.length;
      this.aheadSnapshots.push(live.map((b) => this.env.ctx.device.createBuffer({ label: `${b.label}.ahead${i}`, size: b.size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST })));
    }
    live.forEach((b, j) => enc.copyBufferToBuffer(b, 0, this.aheadSnapshots[slot][j], 0, b.size));
  }

  /** Copies snapshot `slot` of the steps submitted ahead back to the live recurrent state. */
  restoreAheadSnapshot(slot: number): void {
    if (!this.hasRecurrent) return;
    const enc = this.env.ctx.device.createCommandEncoder({ label: `${this.label}/undo-ahead` });
    const live = this.layerStates.flatMap((l) => (l.recurrent ?? []).map((r) => r.live));
    live.forEach((b, j) => enc.copyBufferToBuffer(this.aheadSnapshots[slot][j], 0, b, 0, b.size));
    this.env.ctx.device.queue.submit([enc.finish()]);
  }

  /** Zeroes the live recurrent state (KV needs no clearing: positions past the history are never read). */
  clear(): void {
    if (!this.hasRecurrent) return;
    const enc = this.env.ctx.device.createCommandEncoder({ label: `${this.label}/reset` });
    for (const l of this.layerStates) for (const r of l.recurrent ?? []) enc.clearBuffer(r.live);
    this.env.ctx.device.queue.submit([enc.finish()]);
  }

  /** Bytes of GPU memory this sequence holds now. */
  get bytes(): number {
    let total = 0;
    for (const l of this.layerStates) {
      if (l.kv) total += l.kv.k.size + l.kv.v.size;
      for (const r of l.recurrent ?? []) total += r.live.size + r.saved.size;
    }
    for (const slot of this.aheadSnapshots) for (const b of slot) total += b.size;
    return total;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const l of this.layerStates) {
      l.kv?.k.destroy();
      l.kv?.v.destroy();
      for (const r of l.recurrent ?? []) { r.live.destroy(); r.saved.destroy(); }
    }
    for (const slot of this.aheadSnapshots) for (const b of slot) b.destroy();
  }

  private copyRecurrent(label: string, pair: (r: RecurrentBuffers) => [GPUBuffer, GPUBuffer]): void {
    if (!this.hasRecurrent) return;
    const enc = this.env.ctx.device.createCommandEncoder({ label: `${this.label}/${label}` });
    for (const l of this.layerStates) {
      for (const r of l.recurrent ?? []) {
        const [from, to] = pair(r);
        enc.copyBufferToBuffer(from, 0, to, 0, from.size);
      }
    }
    this.env.ctx.device.queue.submit([enc.finish()]);
  }
}

function recurrentBuffers(device: GPUDevice, label: string, floats: number): RecurrentBuffers {
  return { live: storageBuffer(device, label, floats), saved: storageBuffer(device, `${label}.saved`, floats) };
}
