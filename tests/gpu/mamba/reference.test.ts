// The CPU references themselves: a sequence equals the same tokens fed one at a time and in two
// chunks (outputs and state), strided views equal dense copies, and small cases computed by hand.
import { describe, expect, it } from 'vitest';
import { causalConv1d, causalConv1dStep, createConvState, createSsmState, rowView, selectiveScan, selectiveScanStep, softplus, silu, type SelectiveScanInputs } from '../../../model/reference/mamba.ts';
import { createSsdState, gatedGroupRmsNorm, groupRmsNorm, ssdScan, ssdScanStep, type SsdInputs } from '../../../model/reference/mamba2.ts';
import { expectClose } from '../harness.ts';
import { columnsOf, rng, rowsOf, uniform } from './random.ts';

const EXACT = { abs: 0, rel: 0 };

describe('mamba reference: causal conv1d', () => {
  it('matches a hand-computed case', () => {
    const st = createConvState(1, 3);
    st.data.set([1, 2]);
    const w = new Float32Array([0.5, -1, 2]);
    const y = causalConv1d(st, new Float32Array([3, 4]), 2, w, new Float32Array([0.25]));
    expect(y[0]).toBeCloseTo(silu(0.5 * 1 - 1 * 2 + 2 * 3 + 0.25), 6);
    expect(y[1]).toBeCloseTo(silu(0.5 * 2 - 1 * 3 + 2 * 4 + 0.25), 6);
    expect([...st.data]).toEqual([3, 4]);
  });

  it('sequence = steps = two chunks, with a strided input view', () => {
    const r = rng(1), ch = 7, k = 4, n = 9;
    const wide = uniform(r, n * (2 * ch)); // (n, 2·ch): the conv reads the first half
    const x = columnsOf(wide, n, 2 * ch, 0, ch);
    const w = uniform(r, ch * k), b = uniform(r, ch), init = uniform(r, (k - 1) * ch);
    const a = createConvState(ch, k); a.data.set(init);
    const ya = causalConv1d(a, rowView(wide, 2 * ch), n, w, b);
    const s = createConvState(ch, k); s.data.set(init);
    const ys = new Float32Array(n * ch);
    for (let t = 0; t < n; t++) ys.set(causalConv1dStep(s, rowsOf(x, ch, t, 1), w, b), t * ch);
    const c = createConvState(ch, k); c.data.set(init);
    const yc = new Float32Array(n * ch);
    yc.set(causalConv1d(c, rowsOf(x, ch, 0, 2), 2, w, b), 0);
    yc.set(causalConv1d(c, rowsOf(x, ch, 2, n - 2), n - 2, w, b), 2 * ch);
    expectClose(ys, ya, EXACT, 'steps y');
    expectClose(yc, ya, EXACT, 'chunks y');
    expectClose(s.data, a.data, EXACT, 'steps state');
    expectClose(c.data, a.data, EXACT, 'chunks state');
    expectClose(a.data, rowsOf(x, ch, n - 3, 3), EXACT, 'state = last 3 inputs');
  });
});

describe('mamba reference: selective scan', () => {
  it('matches a hand-computed case', () => {
    const st = createSsmState(1, 1);
    const inp: SelectiveScanInputs = { x: new Float32Array([2]), dt: new Float32Array([0.5]), B: new Float32Array([3]), C: new Float32Array([-1]),
      z: new Float32Array([1.5]), A: new Float32Array([-0.7]), D: new Float32Array([0.3]), dtBias: new Float32Array([0.1]) };
    st.data[0] = 0.4;
    const y = selectiveScanStep(st, inp);
    const d = softplus(0.6), h = 0.4 * Math.exp(-0.7 * d) + d * 2 * 3;
    expect(st.data[0]).toBeCloseTo(h, 5);
    expect(y[0]).toBeCloseTo((-h + 0.3 * 2) * silu(1.5), 5);
  });

  it('sequence = steps = two chunks', () => {
    const r = rng(2), di = 5, ds = 3, n = 7;
    const x = uniform(r, n * di), dt = uniform(r, n * di, -3, 3), bc = uniform(r, n * 2 * ds), z = uniform(r, n * di);
    const A = uniform(r, di * ds, -2, -0.1), D = uniform(r, di), bias = uniform(r, di), init = uniform(r, di * ds);
    const B = columnsOf(bc, n, 2 * ds, 0, ds), C = columnsOf(bc, n, 2 * ds, ds, ds);
    const rows = (from: number, count: number): SelectiveScanInputs => ({ x: rowsOf(x, di, from, count), dt: rowsOf(dt, di, from, count),
      B: rowsOf(B, ds, from, count), C: rowsOf(C, ds, from, count), z: rowsOf(z, di, from, count), A, D, dtBias: bias });
    const a = createSsmState(di, ds); a.data.set(init);
    const ya = selectiveScan(a, { ...rows(0, n), B: rowView(bc, 2 * ds, 0), C: rowView(bc, 2 * ds, ds) }, n);
    const s = createSsmState(di, ds); s.data.set(init);
    const ys = new Float32Array(n * di);
    for (let t = 0; t < n; t++) ys.set(selectiveScanStep(s, rows(t, 1)), t * di);
    const c = createSsmState(di, ds); c.data.set(init);
    const yc = new Float32Array(n * di);
    yc.set(selectiveScan(c, rows(0, 3), 3), 0);
    yc.set(selectiveScan(c, rows(3, n - 3), n - 3), 3 * di);
    expectClose(ys, ya, EXACT, 'steps y');
    expectClose(yc, ya, EXACT, 'chunks y');
    expectClose(s.data, a.data, EXACT, 'steps state');
    expectClose(c.data, a.data, EXACT, 'chunks state');
  });
});

describe('mamba2 reference', () => {
  it('SSD: head h reads group h/(n_head/n_group); sequence = steps', () => {
    const r = rng(3), dims = { nHead: 4, headDim: 3, nGroup: 2, dState: 5 }, n = 6;
    const di = dims.nHead * dims.headDim, gw = dims.nGroup * dims.dState;
    const x = uniform(r, n * di), dt = uniform(r, n * dims.nHead, -3, 3), B = uniform(r, n * gw), C = uniform(r, n * gw), z = uniform(r, n * di);
    const A = uniform(r, dims.nHead, -2, -0.1), D = uniform(r, dims.nHead), dtBias = uniform(r, dims.nHead);
    const rows = (from: number, count: number): SsdInputs => ({ x: rowsOf(x, di, from, count), dt: rowsOf(dt, dims.nHead, from, count),
      B: rowsOf(B, gw, from, count), C: rowsOf(C, gw, from, count), z: rowsOf(z, di, from, count), A, D, dtBias });
    const a = createSsdState(dims);
    const ya = ssdScan(a, rows(0, n), n);
    const s = createSsdState(dims);
    const ys = new Float32Array(n * di);
    for (let t = 0; t < n; t++) ys.set(ssdScanStep(s, rows(t, 1)), t * di);
    expectClose(ys, ya, EXACT, 'steps y');
    expectClose(s.data, a.data, EXACT, 'steps state');
    // Head 3, lane p = 1, first token from a zero state: S = dt·x·B[g=1], y = S·C[g=1] + D·x.
    const h = 3, p = 1, g = 1, c = h * dims.headDim + p;
    const d = softplus(dt[h] + dtBias[h]);
    let want = D[h] * x[c];
    for (let k = 0; k < dims.dState; k++) want += d * x[c] * B[g * dims.dState + k] * C[g * dims.dState + k];
    expect(ya[c]).toBeCloseTo(want * silu(z[c]), 5);
  });

  it('group norm normalizes each block with its own weights', () => {
    const y = new Float32Array([1, 2, 3, 4, 0, 0]), w = new Float32Array([1, 1, 2, 2, 3, 3]);
    const eps = 1e-3;
    const out = groupRmsNorm(y, 1, w, 3, eps);
    const a = 1 / Math.sqrt(2.5 + eps), b = 1 / Math.sqrt(12.5 + eps);
    expectClose(out, [a, 2 * a, 6 * b, 8 * b, 0, 0], { abs: 1e-6, rel: 1e-6 }, 'norm');
    const z = new Float32Array([0.5, -1, 2, 0, 1, 1]);
    const gated = gatedGroupRmsNorm(y, z, 1, w, 3, 1e-5);
    expectClose(gated, groupRmsNorm(y.map((v, i) => v * silu(z[i])), 1, w, 3, 1e-5), { abs: 1e-7, rel: 1e-6 }, 'gated');
  });
});
