// The logit-mask kernel against its CPU reference on random logits and random bitsets (dense,
// sparse, all-zero words, a single allowed token, partial last word), then through the GPU
// sampler: argmax and top-k only ever return allowed tokens. The bitset is rewritten in place
// between runs, as the decode loop does each token.
import { describe, expect, it } from 'vitest';
import { prepareLogitMask } from '../../../gpu/ops/logit-mask.ts';
import { prepareSample } from '../../../gpu/ops/sample.ts';
import { parseCandidates } from '../../../engine/sampler.ts';
import { applyLogitMask } from '../../../model/reference/logit-mask.ts';
import { topK } from '../../../model/reference/sampling.ts';
import { readF32, readU32, runDispatches, storageBuffer } from '../harness.ts';
import { opEnv, randomF32 } from '../transformer/env.ts';

const VOCABS = [1, 3, 45, 1000, 2048 + 16, 151_936];

function randomMask(n: number, seed: number, density: number): Uint32Array {
  const u = randomF32(n, seed, 0, 1);
  const m = new Uint32Array(Math.ceil(n / 32));
  for (let i = 0; i < n; i++) if (u[i] < density) m[i >>> 5] |= 1 << (i & 31);
  // one allowed token at least, as the grammar guarantees
  const keep = Math.floor(u[0] * n);
  m[keep >>> 5] |= 1 << (keep & 31);
  return m;
}

describe('logit mask kernel', () => {
  it('sets exactly the refused logits to -inf and leaves the rest bit-exact', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const n of VOCABS) {
      const logits = randomF32(n, n + 7, -8, 8);
      const buf = storageBuffer(device, 'logits', logits);
      const op = await prepareLogitMask(env, { label: `mask ${n}`, logits: buf, nVocab: n });
      for (const [k, density] of [0.5, 0.02, 0, 1].entries()) {
        const mask = randomMask(n, n * 31 + k, density);
        device.queue.writeBuffer(buf, 0, logits.buffer, logits.byteOffset, logits.byteLength);
        op.write(device.queue, mask);
        await runDispatches(device, [op.dispatch]);
        const got = await readF32(device, buf, n);
        const want = applyLogitMask(logits, mask);
        const bad: string[] = [];
        for (let i = 0; i < n && bad.length < 5; i++) if (!Object.is(got[i], want[i])) bad.push(`[${i}] got ${got[i]} want ${want[i]}`);
        expect(bad, `vocab ${n} density ${density}`).toEqual([]);
      }
    }
  });

  it('argmax and top-k after the mask only return allowed tokens, as the CPU reference does', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const n of [45, 2048 + 16, 151_936]) {
      const logits = randomF32(n, n + 99, -5, 5);
      const buf = storageBuffer(device, 'logits', logits);
      const op = await prepareLogitMask(env, { label: `mask ${n}`, logits: buf, nVocab: n });
      const k = Math.min(40, n);
      const sample = await prepareSample(env, { label: `top-${k}`, logits: buf, nVocab: n, k });
      for (const density of [0.3, 0.001]) {
        const mask = randomMask(n, n + Math.round(density * 1000), density);
        device.queue.writeBuffer(buf, 0, logits.buffer, logits.byteOffset, logits.byteLength);
        op.write(device.queue, mask);
        sample.configure(device.queue, 1, 0.8);
        await runDispatches(device, [op.dispatch, ...sample.dispatches]);
        const got = parseCandidates(await readU32(device, sample.result, 2 * k), k);
        const want = topK(applyLogitMask(logits, mask), k, 0.8);
        const allowed = (id: number) => ((mask[id >>> 5] >>> (id & 31)) & 1) === 1;
        const firstRefused = Array.from(want.ids).findIndex((id) => !allowed(id));
        const nAllowed = firstRefused < 0 ? k : firstRefused;
        expect(Array.from(got.ids).slice(0, nAllowed), `vocab ${n} density ${density}: allowed candidates`).toEqual(Array.from(want.ids).slice(0, nAllowed));
        for (let i = nAllowed; i < got.ids.length; i++) expect(got.probs[i], `candidate ${i} is refused and has probability 0`).toBe(0);
      }
    }
  });

  it('refuses a bitset of the wrong size', async () => {
    const env = await opEnv();
    const buf = storageBuffer(env.ctx.device, 'logits', new Float32Array(100));
    const op = await prepareLogitMask(env, { label: 'mask', logits: buf, nVocab: 100 });
    expect(() => op.write(env.ctx.device.queue, new Uint32Array(3))).toThrow(/needs 4/);
  });
});
