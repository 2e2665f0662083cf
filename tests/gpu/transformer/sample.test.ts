import { describe, expect, it } from 'vitest';
import { prepareSample } from '../../../gpu/ops/sample.ts';
import { parseCandidates } from '../../../engine/sampler.ts';
import { argmax, topK } from '../../../model/reference/sampling.ts';
import { expectClose, readU32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { opEnv, randomF32 } from './env.ts';

const VOCABS = [1, 3, 45, 1000, 2048 + 16, 9000];

describe('GPU sampling', () => {
  it('argmax picks the largest logit and the lowest id on ties', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const n of VOCABS) {
      for (const ties of [false, true]) {
        const logits = randomF32(n, n + (ties ? 1 : 0), -5, 5);
        if (ties) {
          // The maximum appears several times, across chunks too, the lowest copy not first in its chunk.
          const max = 6;
          for (const i of [n - 1, Math.floor(n / 2), Math.floor(n / 3) + 1, 2049, 4100]) if (i < n) logits[i] = max;
        }
        const s = await prepareSample(env, { label: `argmax ${n}`, logits: storageBuffer(device, 'logits', logits), nVocab: n, k: 1 });
        await runDispatches(device, s.dispatches);
        const got = (await readU32(device, s.result, 1))[0];
        expect(got, `argmax of ${n}${ties ? ' with ties' : ''}`).toBe(argmax(logits));
      }
    }
  });

  it('top-k with temperature and repetition penalty returns the right ids in order and their probabilities', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const n of VOCABS) {
      for (const k of [1, 5, 40, 64]) {
        if (k > n) continue;
        const logits = randomF32(n, n * 3 + k, -5, 5);
        // Ties among the candidates: equal values must come out in id order.
        if (n > 10) { logits[n - 2] = logits[3] = logits[n >> 1] = 5.5; }
        // Penalized ids: duplicates and empty slots in the recent buffer; positive and negative logits.
        const recentIds = [0, Math.min(7, n - 1), 0, n - 1, 0xffffffff, Math.min(2, n - 1)];
        const recent = storageBuffer(device, 'recent', Uint32Array.from(recentIds));
        for (const [temperature, penalty] of [[1, 1], [0.5, 1.3], [2, 1.1]]) {
          const lb = storageBuffer(device, 'logits', logits);
          const s = await prepareSample(env, { label: `top-${k} of ${n}`, logits: lb, nVocab: n, k, recent, nRecent: recentIds.length });
          s.configure(device.queue, penalty, temperature);
          await runDispatches(device, s.dispatches);
          const got = parseCandidates(await readU32(device, s.result, 2 * k), k);
          const want = topK(logits, k, temperature, recentIds.filter((id) => id !== 0xffffffff), penalty);
          const what = `top-${k} of ${n} T${temperature} penalty${penalty}`;
          expect(Array.from(got.ids), `${what}: ids`).toEqual(Array.from(want.ids));
          expectClose(got.probs, want.probs, TOLERANCE.f32Transcendental, `${what}: probabilities`);
        }
      }
    }
  });
});
