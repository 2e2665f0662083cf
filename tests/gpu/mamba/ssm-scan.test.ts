// Mamba-1 ssm-scan on a real WebGPU device vs model/reference/mamba.ts: y AND the updated SSM
// state, awkward sizes, B/C/z/dt as strided slices of fused projection outputs, every override
// swept (D_STATE, CPW, TB); a sequence equals the same tokens fed one step at a time, and two
// chunks equal one (on the GPU and on the CPU reference).
import { beforeAll, describe, expect, it } from 'vitest';
import { BC_NORM_MAX, prepareSsmScan } from '../../../gpu/ops/ssm-scan.ts';
import type { Dispatch } from '../../../gpu/dispatch.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { createSsmState, rowView, selectiveScan, selectiveScanStep, type SelectiveScanInputs } from '../../../model/reference/mamba.ts';
import { opEnv } from '../transformer/env.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { rmsNorm } from '../../../model/reference/norm.ts';
import { rng, uniform } from './random.ts';

let device: GPUDevice;
let env: OpEnv;
beforeAll(async () => {
  env = await opEnv();
  device = env.ctx.device;
});

/** bcNorm: B and C RMS-normed and weighted inside the scan (Jamba's decode step). */
interface Case { dInner: number; dState: number; n: number; cpw?: number; tb?: number; bcNorm?: boolean }
const EPS = 1e-6;

/**
 * Inputs laid out as the Mamba-1 layer produces them: xz = ssm_in output (n, 2·d_inner) = [x | z]
 * (x is copied to its own conv-output buffer, which y overwrites), dbc = ssm_x output
 * (n, dt_rank + 2·d_state) = [dt_in | B | C], dt = projected dt (n, d_inner).
 */
function makeInputs(c: Case, seed: number) {
  const r = rng(seed), dtRank = 5, bcStride = dtRank + 2 * c.dState;
  const xz = uniform(r, c.n * 2 * c.dInner, -2, 2);
  const dbc = uniform(r, c.n * bcStride, -1, 1);
  const dt = uniform(r, c.n * c.dInner, -5, 3);
  for (let i = 0; i < dt.length; i += 97) dt[i] = 25; // past softplus's threshold
  const A = uniform(r, c.dInner * c.dState, 0, 2.8).map((v) => -Math.exp(v)); // -exp(A_log), A_log in [0, 2.8)
  return {
    xz, dbc, dt, bcStride, dtRank, A,
    D: uniform(r, c.dInner), dtBias: uniform(r, c.dInner, -1, 1),
    state0: uniform(r, c.dInner * c.dState, -1, 1),
    bW: uniform(r, c.dState, 0.5, 1.5), cW: uniform(r, c.dState, -1.5, 1.5),
  };
}
type Inputs = ReturnType<typeof makeInputs>;

/** The reference's view of tokens [from, from + count). */
function refInputs(c: Case, inp: Inputs, from: number): SelectiveScanInputs {
  const w = 2 * c.dInner;
  // B or C of every token from `from` on, RMS-normed where the case asks the scan to.
  const bc = (at: number, weight: Float32Array) => {
    if (!c.bcNorm) return rowView(inp.dbc, inp.bcStride, from * inp.bcStride + at);
    const rows = new Float32Array((c.n - from) * c.dState);
    for (let t = from; t < c.n; t++) rows.set(inp.dbc.subarray(t * inp.bcStride + at, t * inp.bcStride + at + c.dState), (t - from) * c.dState);
    return rmsNorm(rows, c.dState, EPS, weight);
  };
  return {
    x: rowView(inp.xz, w, from * w), z: rowView(inp.xz, w, from * w + c.dInner),
    dt: rowView(inp.dt, c.dInner, from * c.dInner),
    B: bc(inp.dtRank, inp.bW), C: bc(inp.dtRank + c.dState, inp.cW),
    A: inp.A, D: inp.D, dtBias: inp.dtBias,
  };
}

function gpuBuffers(c: Case, inp: Inputs, label: string) {
  const x = new Float32Array(c.n * c.dInner);
  for (let t = 0; t < c.n; t++) x.set(inp.xz.subarray(t * 2 * c.dInner, t * 2 * c.dInner + c.dInner), t * c.dInner);
  return {
    xy: storageBuffer(device, `${label}.xy`, x),
    xz: storageBuffer(device, `${label}.ssm_in.out`, inp.xz),
    dbc: storageBuffer(device, `${label}.ssm_x.out`, inp.dbc),
    dt: storageBuffer(device, `${label}.dt`, inp.dt),
    A: storageBuffer(device, `${label}.ssm_a`, inp.A),
    D: storageBuffer(device, `${label}.ssm_d`, inp.D),
    dtBias: storageBuffer(device, `${label}.ssm_dt.bias`, inp.dtBias),
    state: storageBuffer(device, `${label}.ssm_state`, inp.state0),
  };
}
type Gpu = ReturnType<typeof gpuBuffers>;

function prepare(c: Case, inp: Inputs, g: Gpu, from: number, count: number): Promise<Dispatch> {
  const w = 2 * c.dInner;
  return prepareSsmScan(env, {
    label: `scan${c.dInner}@${from}`, dInner: c.dInner, dState: c.dState, nTokens: count,
    xy: { buffer: g.xy, offset: from * c.dInner, stride: c.dInner },
    dt: { buffer: g.dt, offset: from * c.dInner, stride: c.dInner },
    B: { buffer: g.dbc, offset: from * inp.bcStride + inp.dtRank, stride: inp.bcStride },
    C: { buffer: g.dbc, offset: from * inp.bcStride + inp.dtRank + c.dState, stride: inp.bcStride },
    z: { buffer: g.xz, offset: from * w + c.dInner, stride: w },
    A: g.A, D: g.D, dtBias: g.dtBias, state: g.state,
    layout: { channelsPerWorkgroup: c.cpw, tokensPerRound: c.tb },
    bcNorm: c.bcNorm ? { b: inp.bW, c: inp.cW, eps: EPS } : undefined,
  });
}

function refRun(c: Case, inp: Inputs): { y: Float32Array; state: Float32Array } {
  const st = createSsmState(c.dInner, c.dState);
  st.data.set(inp.state0);
  return { y: selectiveScan(st, refInputs(c, inp, 0), c.n), state: st.data };
}

// Overrides swept: D_STATE 16, 128 and an odd 5; CPW 1, 2, 3, 4 (default), 16; TB 1, 2, 4, 5, 7, 8 (default).
const CASES: Case[] = [
  { dInner: 1, dState: 16, n: 1 },
  { dInner: 3, dState: 16, n: 3, cpw: 1, tb: 1 },
  { dInner: 45, dState: 16, n: 45 },
  { dInner: 45, dState: 5, n: 45, cpw: 3, tb: 5 },
  { dInner: 1000, dState: 16, n: 300, cpw: 16, tb: 2 },
  { dInner: 2048 + 16, dState: 16, n: 45, cpw: 2, tb: 7 },
  { dInner: 2048 + 16, dState: 16, n: 1 },
  { dInner: 45, dState: 128, n: 45, cpw: 2, tb: 2 },
  { dInner: 1000, dState: 128, n: 3 },
  // B and C normed in the scan: one token (the decode step), a batch of lanes' worth, odd sizes, d_state at BC_NORM_MAX.
  { dInner: 45, dState: 16, n: 1, bcNorm: true },
  { dInner: 2048 + 16, dState: 16, n: 3, cpw: 2, tb: 2, bcNorm: true },
  { dInner: 45, dState: 5, n: 7, cpw: 3, tb: 5, bcNorm: true },
  { dInner: 70, dState: BC_NORM_MAX, n: 2, bcNorm: true },
];

describe('ssm-scan vs CPU reference', () => {
  for (const c of CASES) {
    it(`d_inner ${c.dInner}, d_state ${c.dState}, n ${c.n}, CPW ${c.cpw ?? 'default'}, TB ${c.tb ?? 'default'}${c.bcNorm ? ', B/C normed' : ''}: y and state`, async () => {
      const inp = makeInputs(c, c.dInner * 7 + c.dState + c.n);
      const g = gpuBuffers(c, inp, 'seq');
      await runDispatches(device, [await prepare(c, inp, g, 0, c.n)]);
      const want = refRun(c, inp);
      expectClose(await readF32(device, g.xy, c.n * c.dInner), want.y, TOLERANCE.f32Transcendental, 'y');
      expectClose(await readF32(device, g.state, c.dInner * c.dState), want.state, TOLERANCE.f32Transcendental, 'ssm state');
    });
  }
});

it('B/C norm refuses a d_state past its uniform and weights of the wrong length', async () => {
  const c: Case = { dInner: 8, dState: BC_NORM_MAX + 1, n: 1, bcNorm: true };
  const inp = makeInputs(c, 3);
  await expect(prepare(c, inp, gpuBuffers(c, inp, 'big'), 0, 1)).rejects.toThrow(/d_state up to 64/);
  const d: Case = { dInner: 8, dState: 16, n: 1, bcNorm: true };
  const short = { ...makeInputs(d, 4), bW: new Float32Array(15) };
  await expect(prepare(d, short, gpuBuffers(d, short, 'short'), 0, 1)).rejects.toThrow(/15 and 16 values/);
});

describe('ssm-scan: sequence = steps = two chunks', () => {
  const c: Case = { dInner: 45, dState: 16, n: 45 };
  it('on the GPU and on the CPU reference', async () => {
    const inp = makeInputs(c, 11);
    const seq = gpuBuffers(c, inp, 'seq');
    await runDispatches(device, [await prepare(c, inp, seq, 0, c.n)]);
    const steps = gpuBuffers(c, inp, 'steps');
    const stepDispatches: Dispatch[] = [];
    for (let t = 0; t < c.n; t++) stepDispatches.push(await prepare(c, inp, steps, t, 1));
    await runDispatches(device, stepDispatches);
    const chunks = gpuBuffers(c, inp, 'chunks');
    await runDispatches(device, [await prepare(c, inp, chunks, 0, 20), await prepare(c, inp, chunks, 20, c.n - 20)]);

    const size = c.dInner * c.dState;
    const ySeq = await readF32(device, seq.xy, c.n * c.dInner), sSeq = await readF32(device, seq.state, size);
    expectClose(await readF32(device, steps.xy, c.n * c.dInner), ySeq, TOLERANCE.f32, 'gpu steps y');
    expectClose(await readF32(device, steps.state, size), sSeq, TOLERANCE.f32, 'gpu steps state');
    expectClose(await readF32(device, chunks.xy, c.n * c.dInner), ySeq, TOLERANCE.f32, 'gpu chunks y');
    expectClose(await readF32(device, chunks.state, size), sSeq, TOLERANCE.f32, 'gpu chunks state');

    const st = createSsmState(c.dInner, c.dState);
    st.data.set(inp.state0);
    const yRef = new Float32Array(c.n * c.dInner);
    for (let t = 0; t < c.n; t++) yRef.set(selectiveScanStep(st, refInputs(c, inp, t)), t * c.dInner);
    expectClose(ySeq, yRef, TOLERANCE.f32Transcendental, 'gpu sequence vs cpu steps y');
    expectClose(sSeq, st.data, TOLERANCE.f32Transcendental, 'gpu sequence vs cpu steps state');
  });
});
