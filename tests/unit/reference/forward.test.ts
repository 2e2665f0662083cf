// The CPU reference forward pass against llama.cpp on every model fixture: prompt logits at every
// stored position (ref_logits.f32 for quantized/BF16 weights, llama.cpp's logits.f32 otherwise,
// and llama.cpp's within its stated tolerance in both cases), the argmax rule, chunked prefill and
// token-by-token decode equal to one shot, and a teacher-forced greedy continuation.
import { beforeAll, describe, expect, it } from 'vitest';
import { createReferenceState, referenceForward } from '../../../model/reference/forward.ts';
import {
  argmax, describeDistance, distance, loadCase, modelCaseNames, readF32, type LoadedCase,
} from './fixture-model.ts';

interface Tol { max_abs: number; rms: number; mean_kl?: number }

/** Mean over rows of KL(p_want || p_got) of the softmaxed logits. */
function meanKl(got: Float32Array, want: Float32Array, nVocab: number, rows: readonly number[]): number {
  let total = 0;
  rows.forEach((p, j) => {
    const lse = (a: Float32Array, off: number): number => {
      let m = -Infinity;
      for (let v = 0; v < nVocab; v++) m = Math.max(m, a[off + v]);
      let s = 0;
      for (let v = 0; v < nVocab; v++) s += Math.exp(a[off + v] - m);
      return m + Math.log(s);
    };
    const lg = lse(got, p * nVocab), lw = lse(want, j * nVocab);
    let kl = 0;
    for (let v = 0; v < nVocab; v++) {
      const logPw = want[j * nVocab + v] - lw, logPg = got[p * nVocab + v] - lg;
      kl += Math.exp(logPw) * (logPw - logPg);
    }
    total += kl;
  });
  return total / rows.length;
}

function expectWithin(got: Float32Array, want: Float32Array, nVocab: number, rows: readonly number[], tol: Tol, what: string): void {
  const d = distance(got, want, nVocab, rows);
  expect(d.maxAbs, `${what}: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.max_abs);
  expect(d.rms, `${what}: ${describeDistance(d)}`).toBeLessThanOrEqual(tol.rms);
  if (tol.mean_kl !== undefined) {
    expect(meanKl(got, want, nVocab, rows), `${what}: mean KL`).toBeLessThanOrEqual(tol.mean_kl);
  }
}

function top2Margin(row: Float32Array): number {
  let a = -Infinity, b = -Infinity;
  for (const x of row) {
    if (x > a) { b = a; a = x; } else if (x > b) b = x;
  }
  return a - b;
}

describe.each(modelCaseNames())('reference forward: %s', (name) => {
  let c: LoadedCase;
  let oneShot: Float32Array;
  let nVocab: number;
  let rows: number[];

  beforeAll(async () => {
    c = await loadCase(name);
    nVocab = c.plan.nVocab;
    rows = c.manifest.rows ?? c.manifest.tokens.map((_: number, i: number) => i);
    oneShot = referenceForward(c.plan, c.weights, c.manifest.tokens);
  });

  it('matches the reference logits at every stored position', () => {
    expect(nVocab).toBe(c.manifest.n_vocab);
    const ref = c.manifest.tolerance.vs_ref_logits;
    if (ref) {
      expectWithin(oneShot, readF32(name, 'ref_logits.f32'), nVocab, rows, ref, 'vs ref_logits.f32 (f64 numpy on dequantized weights)');
    }
    expectWithin(oneShot, readF32(name, 'logits.f32'), nVocab, rows, c.manifest.tolerance.vs_llama_cpp_logits, "vs llama.cpp's logits.f32");
  });

  it("agrees with llama.cpp's argmax wherever its margin allows", () => {
    const threshold: number = c.manifest.greedy.margin_threshold;
    const { argmax: want, margin_top1_top2: margins } = c.manifest.prompt;
    let checked = 0;
    for (let p = 0; p < c.manifest.tokens.length; p++) {
      if (margins[p] < threshold) continue;
      checked++;
      expect(argmax(oneShot.subarray(p * nVocab, (p + 1) * nVocab)), `position ${p} (margin ${margins[p]})`).toBe(want[p]);
    }
    expect(checked).toBe(c.manifest.prompt.n_positions_with_margin_above_threshold);
  });

  it('gives the one-shot logits when prefilled in chunks and token by token', () => {
    const tokens: number[] = c.manifest.tokens;
    const feed = (sizes: number[]): Float32Array => {
      const state = createReferenceState(c.plan, tokens.length);
      const out = new Float32Array(tokens.length * nVocab);
      let at = 0;
      for (const size of sizes) {
        out.set(referenceForward(c.plan, c.weights, tokens.slice(at, at + size), state), at * nVocab);
        at += size;
      }
      expect(state.pos).toBe(tokens.length);
      return out;
    };
    const chunks: number[] = c.manifest.chunking.chunks;
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(tokens.length);
    expect(feed(chunks)).toEqual(oneShot);
    // Token by token over the 41-token prompts; the 600-token *_long prompts take 256+256+88
    // above, and single-token steps after their prompt in the greedy test (600 steps cost ~7 s).
    if (tokens.length <= 64) expect(feed(tokens.map(() => 1))).toEqual(oneShot);
  });

  it("follows llama.cpp's greedy continuation, teacher-forced", () => {
    const tokens: number[] = c.manifest.tokens;
    const greedy: number[] = c.manifest.greedy.tokens;
    const gen = readF32(name, 'gen_logits.f32');
    const state = createReferenceState(c.plan, tokens.length + greedy.length);
    const prompt = referenceForward(c.plan, c.weights, tokens, state);
    const threshold: number = c.manifest.greedy.margin_threshold;
    const last = prompt.subarray((tokens.length - 1) * nVocab);
    if (c.manifest.greedy.margin_top1_top2[0] >= threshold) expect(argmax(last)).toBe(greedy[0]);
    const out = new Float32Array(greedy.length * nVocab);
    greedy.forEach((g, k) => {
      const row = referenceForward(c.plan, c.weights, [g], state);
      out.set(row, k * nVocab);
      const want = gen.subarray(k * nVocab, (k + 1) * nVocab);
      if (top2Margin(want) >= threshold) expect(argmax(row), `greedy step ${k}`).toBe(argmax(want));
    });
    expectWithin(out, gen, nVocab, greedy.map((_, k) => k), c.manifest.tolerance.vs_llama_cpp_logits, "vs llama.cpp's gen_logits.f32");
  });
});
