// The runtime's decode batcher (engine/batch.ts) over a fake backend: when batches go, what they
// take, and how failures and departures are handled. The GPU side (that a batched pass gives the
// tokens of separate ones) is tests/gpu/engine/batched-decode.test.ts.
import { describe, expect, it } from 'vitest';
import type { BackendModel, BackendSequence, BatchOutcome, BatchStep } from '../../../engine/backend.ts';
import { DecodeBatcher } from '../../../engine/batch.ts';
import { DEFAULT_SAMPLING } from '../../../engine/generate.ts';

/** A backend whose batched pass takes its steps when its turn comes and answers token + 1 (token 99 fails). */
function fakeModel(maxBatch: number) {
  const batches: number[][] = [];
  let turn: Promise<unknown> = Promise.resolve();
  const model = {
    maxBatch,
    decodeBatch(take: () => readonly BatchStep[]): Promise<readonly BatchOutcome[]> {
      const run = turn.then(async () => {
        const steps = take();
        batches.push(steps.map((s) => s.token));
        await new Promise((r) => setTimeout(r, 2));
        return steps.map((s): BatchOutcome => (s.token === 99 ? { error: new Error('context full') } : { token: s.token + 1 }));
      });
      turn = run.catch(() => undefined);
      return run;
    },
    /** Holds the model's turn (a prompt of another sequence) until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      const held = new Promise<void>((r) => { release = r; });
      turn = turn.then(() => held);
      return release;
    },
  };
  return { model: model as unknown as BackendModel & Required<Pick<BackendModel, 'decodeBatch' | 'maxBatch'>> & typeof model, batches };
}

const seq = (name: string) => ({ label: name }) as unknown as BackendSequence;

/** A generation's decode loop on a lane: `steps` single-token steps, each fed the last answer. */
async function loop(batcher: DecodeBatcher, start: number, steps: number): Promise<number[]> {
  const lane = batcher.join(seq(`s${start}`));
  const out: number[] = [];
  try {
    let t = start;
    for (let i = 0; i < steps; i++) out.push((t = await lane.step(t, DEFAULT_SAMPLING)));
  } finally {
    lane.leave();
  }
  return out;
}

describe('DecodeBatcher', () => {
  it('lanes decoding together share every batch, and one that leaves is not waited for', async () => {
    const { model, batches } = fakeModel(8);
    const b = new DecodeBatcher(model);
    const [x, y, z] = await Promise.all([loop(b, 0, 4), loop(b, 100, 2), loop(b, 200, 3)]);
    expect(x).toEqual([1, 2, 3, 4]);
    expect(y).toEqual([101, 102]);
    expect(z).toEqual([201, 202, 203]);
    expect(batches).toEqual([[0, 100, 200], [1, 101, 201], [2, 202], [3]]);
    expect(b.stats).toEqual({ batches: 4, steps: 9, largest: 3 });
  });

  it('lanes whose prompts ran at different times fall into step: a batch takes its steps when its turn comes', async () => {
    const { model, batches } = fakeModel(8);
    const b = new DecodeBatcher(model);
    // Another sequence's prompt holds the model while the three arrive one by one.
    const release = model.hold();
    const runs = [loop(b, 0, 3)];
    await new Promise((r) => setTimeout(r, 5));
    runs.push(loop(b, 100, 3));
    await new Promise((r) => setTimeout(r, 5));
    runs.push(loop(b, 200, 3));
    release();
    await Promise.all(runs);
    expect(batches).toEqual([[0, 100, 200], [1, 101, 201], [2, 102, 202]]);
  });

  it('no more steps than the backend serves go in one batch; the rest go next', async () => {
    const { model, batches } = fakeModel(2);
    const b = new DecodeBatcher(model);
    await Promise.all([loop(b, 0, 2), loop(b, 100, 2), loop(b, 200, 2)]);
    expect(Math.max(...batches.map((x) => x.length))).toBe(2);
    expect(batches.flat().sort((p, q) => p - q)).toEqual([0, 1, 100, 101, 200, 201]);
  });

  it('a failed step fails only its own lane', async () => {
    const { model } = fakeModel(8);
    const b = new DecodeBatcher(model);
    const [ok, bad] = await Promise.allSettled([loop(b, 0, 3), loop(b, 98, 3)]);
    expect(ok).toEqual({ status: 'fulfilled', value: [1, 2, 3] });
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason.message).toBe('context full');
  });

  it('a lane busy between two steps is waited for no longer than a macrotask', async () => {
    const { model, batches } = fakeModel(8);
    const b = new DecodeBatcher(model);
    const slow = b.join(seq('slow'));
    const fast = b.join(seq('fast'));
    // Both in one batch; then `slow` does other work (a timer) before its next step.
    await Promise.all([slow.step(0, DEFAULT_SAMPLING), fast.step(100, DEFAULT_SAMPLING)]);
    const f = fast.step(101, DEFAULT_SAMPLING);
    expect(await f).toBe(102);
    await new Promise((r) => setTimeout(r, 5));
    expect(await slow.step(1, DEFAULT_SAMPLING)).toBe(2);
    slow.leave();
    fast.leave();
    expect(batches).toEqual([[0, 100], [101], [1]]);
  });
});
