import { describe, expect, it } from 'vitest';
import { fillRecentWindow, keptCount, parseCandidates, Sampler, seededRandom, untempered, type Candidates } from '../../engine/sampler.ts';
import { topK } from '../../model/reference/sampling.ts';

const cands: Candidates = { ids: Uint32Array.from([7, 3, 11, 2]), probs: Float32Array.from([0.5, 0.3, 0.15, 0.05]) };

describe('sampler (CPU end)', () => {
  it('same seed gives the same tokens, another seed other tokens', () => {
    const draw = (seed: number) => { const s = new Sampler(seed); return Array.from({ length: 50 }, () => s.draw(cands)); };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('repetition-penalty window: the last N tokens of history + next, capped at the ring, empty slots 0xffffffff', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 500; trial++) {
      const history = Array.from({ length: Math.floor(random() * 100) }, () => Math.floor(random() * 1000));
      const next = Math.floor(random() * 1000);
      const capacity = 1 + Math.floor(random() * 70);
      const lastN = Math.floor(random() * 120) - 5;
      const all = [...history, next];
      const want = all.slice(all.length - Math.min(capacity, Math.max(0, lastN), all.length));
      // A ring reused from an earlier call must not keep stale ids.
      const ring = new Uint32Array(capacity).fill(7);
      const got = fillRecentWindow(ring, history, next, lastN);
      expect(got).toBe(ring);
      expect(Array.from(got.slice(0, want.length)), `history ${history.length}, lastN ${lastN}, capacity ${capacity}`).toEqual(want);
      expect(got.slice(want.length).every((x) => x === 0xffffffff)).toBe(true);
    }
    expect(Array.from(fillRecentWindow(new Uint32Array(3), [], 9, 64))).toEqual([9, 0xffffffff, 0xffffffff]);
    expect(Array.from(fillRecentWindow(new Uint32Array(2), [1, 2, 3], 4, 64))).toEqual([3, 4]);
    expect(Array.from(fillRecentWindow(new Uint32Array(2), [1, 2, 3], 4, 0))).toEqual([0xffffffff, 0xffffffff]);
  });

  it('seededRandom is uniform on [0, 1)', () => {
    const r = seededRandom(1);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) { const x = r(); expect(x >= 0 && x < 1).toBe(true); bins[Math.floor(x * 10)]++; }
    for (const b of bins) expect(Math.abs(b - 2000)).toBeLessThan(200);
  });

  it('draws with the candidates\' probabilities', () => {
    const s = new Sampler(7);
    const counts = new Map<number, number>();
    const n = 20000;
    for (let i = 0; i < n; i++) { const id = s.draw(cands); counts.set(id, (counts.get(id) ?? 0) + 1); }
    cands.ids.forEach((id, i) => expect(Math.abs((counts.get(id) ?? 0) / n - cands.probs[i])).toBeLessThan(0.015));
  });

  it('top-p keeps the shortest prefix reaching p; min-p keeps p ≥ min_p·p_max; one always stays', () => {
    expect(keptCount(cands.probs)).toBe(4);
    expect(keptCount(cands.probs, 0.45)).toBe(1);
    expect(keptCount(cands.probs, 0.79)).toBe(2);
    expect(keptCount(cands.probs, 0.81)).toBe(3);
    expect(keptCount(cands.probs, 1, 0.3)).toBe(3);
    expect(keptCount(cands.probs, 1, 0.61)).toBe(1);
    expect(keptCount(cands.probs, 0.81, 0.5)).toBe(2);
    expect(keptCount(cands.probs, 0.01, 0.99)).toBe(1);
    const s = new Sampler(3);
    for (let i = 0; i < 200; i++) expect([7, 3]).toContain(s.draw(cands, { topP: 0.79 }));
    for (let i = 0; i < 50; i++) expect(s.draw(cands, { minP: 0.9 })).toBe(7);
  });

  it('parses the GPU result words and drops empty slots', () => {
    const words = new Uint32Array(6);
    words.set([5, 9, 0xffffffff]);
    new Float32Array(words.buffer, 12, 3).set([0.75, 0.25, 0]);
    const c = parseCandidates(words, 3);
    expect(Array.from(c.ids)).toEqual([5, 9]);
    expect(Array.from(c.probs)).toEqual([0.75, 0.25]);
  });

  it('with the GPU temperature given, top-p and min-p judge the untempered distribution (llama.cpp order)', () => {
    const logits = Float32Array.from([2, 1.5, 1, -1, 0.5]);
    const hot = topK(logits, 5, 0.25);
    const plain = topK(logits, 5, 1);
    const q = untempered(hot.probs, 0.25);
    q.forEach((x, i) => expect(x).toBeCloseTo(plain.probs[i], 5));
    // At T = 0.25 the best token holds ~0.86 of the tempered mass but ~0.44 untempered: top-p 0.8
    // keeps one candidate when judging p, more when judging q.
    expect(keptCount(hot.probs, 0.8)).toBe(1);
    expect(keptCount(q, 0.8)).toBe(3);
    const s = new Sampler(5);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(s.draw(hot, { topP: 0.8, temperature: 0.25 }));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
