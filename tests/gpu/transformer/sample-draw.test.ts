// The draw on the GPU (sample_topk_merge) against the CPU sampler of engine/sampler.ts: the same
// seed and token index must give the same token over many seeds and settings (temperature,
// top-k, top-p, min-p, repetition penalty, masked logits), and the drawn id must land in the
// next step's input and the penalty window as fillRecentWindow would put it there.
// Exact agreement is required except where the CPU's own numbers put a cut (top-p, min-p) or the
// draw within 1e-5 of a boundary: there exp() and division on the GPU (a few ulp, WGSL allows
// 2.5 ulp for division) may legitimately fall on the other side. Such cases are counted and must
// stay rare; with random settings none is expected.
import { describe, expect, it } from 'vitest';
import { prepareSample } from '../../../gpu/ops/sample.ts';
import { drawIndex, drawUniform, fillRecentWindow, keptCount, seededRandom } from '../../../engine/sampler.ts';
import { topK } from '../../../model/reference/sampling.ts';
import { readU32, storageBuffer } from '../harness.ts';
import { encodeDispatches } from '../../../gpu/dispatch.ts';
import { opEnv, randomF32 } from './env.ts';

const NONE = 0xffffffff;
const SLOTS = 64;
const EDGE = 1e-5;

interface Trial {
  logits: Float32Array<ArrayBuffer>;
  ring: Uint32Array<ArrayBuffer>;
  history: number[];
  last: number;
  temperature: number;
  penalty: number;
  topP: number;
  minP: number;
  seed: number;
  counter: number;
  window: number;
}

/** The CPU sampler's token, and how close its numbers came to a cut or a draw boundary. */
function cpuDraw(t: Trial, k: number): { id: number; margin: number } {
  const f = Math.fround;
  const recent = Array.from(t.ring).filter((id) => id !== NONE);
  const c = topK(t.logits, k, t.temperature, recent, t.penalty);
  const keep = Array.from(c.probs).filter((p) => p > 0).length;
  const probs = c.probs.slice(0, keep);
  const n = keptCount(probs, t.topP, t.minP);
  const u = drawUniform(t.seed, t.counter);
  let margin = Infinity;
  let total = 0;
  for (const p of probs) total = f(total + p);
  if (f(t.topP) < 1) {
    let cum = 0;
    for (const p of probs) { cum = f(cum + f(p / total)); margin = Math.min(margin, Math.abs(cum - f(t.topP))); }
  }
  if (t.minP > 0) for (const p of probs) margin = Math.min(margin, Math.abs(p - f(f(t.minP) * probs[0])));
  let kept = 0;
  for (let i = 0; i < n; i++) kept = f(kept + probs[i]);
  const r = f(f(u) * kept);
  let cum = 0;
  for (let i = 0; i < n; i++) { cum = f(cum + probs[i]); margin = Math.min(margin, Math.abs(r - cum)); }
  return { id: c.ids[drawIndex(probs, n, u)], margin };
}

describe('GPU draw', () => {
  it('gives the CPU sampler\'s token for the same seed and token index, over many seeds and settings', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    let cases = 0, edges = 0;
    for (const n of [100, 5000]) {
      for (const k of [1, 7, 40, 64]) {
        const random = seededRandom(n * 131 + k);
        const logitsBuf = storageBuffer(device, 'logits', n * 4);
        const recentBuf = storageBuffer(device, 'recent', SLOTS * 4);
        const nextBuf = storageBuffer(device, 'next', 4);
        const s = await prepareSample(env, { label: `draw top-${k} of ${n}`, logits: logitsBuf, nVocab: n, k, recent: recentBuf, nRecent: SLOTS, next: nextBuf });
        const trials: Trial[] = [];
        const count = 40;
        const drawn = device.createBuffer({ label: 'drawn', size: count * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
        const nexts = device.createBuffer({ label: 'nexts', size: count * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
        const rings = device.createBuffer({ label: 'rings', size: count * SLOTS * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
        for (let i = 0; i < count; i++) {
          const logits = new Float32Array(randomF32(n, 1000 * n + 10 * k + i, -4, 4));
          // Ties around the top and masked logits (as the grammar's mask leaves them), some of
          // them among the best; one token always stays.
          if (i % 3 === 0) for (let j = 0; j < 5; j++) logits[Math.floor(random() * n)] = 4.5;
          if (i % 4 === 1) for (let j = 0; j < n; j++) if (j !== 1 && random() < 0.4) logits[j] = -Infinity;
          const window = i % 5 === 0 ? 0 : 1 + Math.floor(random() * 80);
          const history = Array.from({ length: Math.floor(random() * 90) }, () => Math.floor(random() * n));
          const last = Math.floor(random() * n);
          const greedy = k === 1;
          const t: Trial = {
            logits, history, last, window,
            ring: fillRecentWindow(new Uint32Array(SLOTS), history, last, window),
            temperature: greedy ? 1 : 0.3 + random() * 1.7,
            penalty: [1, 1.1, 1.5][i % 3],
            topP: i % 2 === 0 ? 1 : 0.3 + random() * 0.69,
            minP: i % 3 === 2 ? 0 : random() * 0.3,
            seed: (random() * 2 ** 32) >>> 0,
            counter: (random() * 5000) >>> 0,
          };
          trials.push(t);
          device.queue.writeBuffer(logitsBuf, 0, logits);
          device.queue.writeBuffer(recentBuf, 0, t.ring);
          s.configure(device.queue, t.penalty, t.temperature, t);
          const enc = device.createCommandEncoder();
          const pass = enc.beginComputePass();
          encodeDispatches(pass, s.dispatches);
          pass.end();
          enc.copyBufferToBuffer(s.result, 8 * k, drawn, i * 4, 4);
          enc.copyBufferToBuffer(nextBuf, 0, nexts, i * 4, 4);
          enc.copyBufferToBuffer(recentBuf, 0, rings, i * SLOTS * 4, SLOTS * 4);
          device.queue.submit([enc.finish()]);
        }
        const [got, gotNext, gotRings] = await Promise.all([readU32(device, drawn), readU32(device, nexts), readU32(device, rings)]);
        trials.forEach((t, i) => {
          const want = cpuDraw(t, k);
          const what = `top-${k} of ${n}, trial ${i} (T ${t.temperature.toFixed(3)}, top-p ${t.topP.toFixed(3)}, min-p ${t.minP.toFixed(3)}, penalty ${t.penalty}, seed ${t.seed}, counter ${t.counter})`;
          cases++;
          if (want.margin < EDGE) {
            edges++;
          } else {
            expect(got[i], what).toBe(want.id);
          }
          expect(gotNext[i], `${what}: next input`).toBe(got[i]);
          const ring = fillRecentWindow(new Uint32Array(SLOTS), [...t.history, t.last], got[i], t.window);
          expect(Array.from(gotRings.subarray(i * SLOTS, (i + 1) * SLOTS)), `${what}: penalty window`).toEqual(Array.from(ring));
        });
        for (const b of [logitsBuf, recentBuf, nextBuf, drawn, nexts, rings]) b.destroy();
      }
    }
    expect(cases).toBe(2 * 4 * 40);
    expect(edges, `${edges} of ${cases} draws within ${EDGE} of a boundary`).toBeLessThanOrEqual(cases / 100);
  });

  it('the counter-based draw is uniform and differs between token indices and seeds', () => {
    const bins = new Array(16).fill(0);
    const N = 32768;
    for (let i = 0; i < N; i++) {
      const u = drawUniform(12345, i);
      expect(u >= 0 && u < 1).toBe(true);
      bins[Math.floor(u * 16)]++;
    }
    for (const b of bins) expect(Math.abs(b - N / 16)).toBeLessThan(5 * Math.sqrt(N / 16));
    const a = Array.from({ length: 64 }, (_, i) => drawUniform(1, i));
    const b = Array.from({ length: 64 }, (_, i) => drawUniform(2, i));
    expect(new Set(a).size).toBe(64);
    expect(a.filter((x, i) => x === b[i]).length).toBe(0);
  });
});
