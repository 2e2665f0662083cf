// Mamba-2 ssd-scan, and the grouped RMSNorm after it (rmsnorm.ts with one weight row per group),
// on a real WebGPU device vs model/reference/mamba2.ts: y AND the
// updated state, awkward sizes and group counts, x/B/C/z/dt as slices of the conv output and of
// ssm_in's [z | xBC | dt], every override swept (D_STATE, CPW, TB); a sequence
// equals the same tokens fed one step at a time, and two chunks equal one; scan + norm equals
// llama.cpp's order (ungated scan, then RMSNorm of y·silu(z)).
import { beforeAll, describe, it } from 'vitest';
import { prepareSsdScan } from '../../../gpu/ops/ssd-scan.ts';
import { prepareRmsNorm } from '../../../gpu/ops/rmsnorm.ts';
import type { RowView } from '../../../gpu/ops/rows.ts';
import type { Dispatch } from '../../../gpu/dispatch.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { rowView } from '../../../model/reference/mamba.ts';
import { createSsdState, gatedGroupRmsNorm, groupRmsNorm, ssdScan, ssdScanStep } from '../../../model/reference/mamba2.ts';
import { opEnv } from '../transformer/env.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { rng, uniform } from './random.ts';
import { gpuBuffers as ssdBuffers, makeInputs as makeSsdInputs, refInputs, ssdArgs, type SsdCase, type SsdGpu, type SsdTestInputs } from './ssd-case.ts';

let device: GPUDevice;
let env: OpEnv;
beforeAll(async () => {
  env = await opEnv();
  device = env.ctx.device;
});

interface Case extends SsdCase { cpw?: number; tb?: number }

const makeInputs = (c: Case, seed: number) => makeSsdInputs(c, seed);
const gpuBuffers = (c: Case, inp: SsdTestInputs, label: string) => ssdBuffers(device, c, inp, label);

function prepare(c: Case, inp: SsdTestInputs, g: SsdGpu, from: number, count: number): Promise<Dispatch> {
  return prepareSsdScan(env, { ...ssdArgs(c, inp, g, from, count), layout: { channelsPerWorkgroup: c.cpw, tokensPerRound: c.tb } });
}

// Overrides swept: D_STATE 16, 128, 5; CPW 1, 2, 3, 4 (default for 16); TB 1, 2, 4 (default for 128), 5, 8 (default for 16).
const CASES: Case[] = [
  { nHead: 1, headDim: 1, nGroup: 1, dState: 16, n: 1 },
  { nHead: 3, headDim: 1, nGroup: 3, dState: 16, n: 3, cpw: 1, tb: 1 },
  { nHead: 6, headDim: 5, nGroup: 2, dState: 5, n: 45, cpw: 3, tb: 5 },
  { nHead: 8, headDim: 64, nGroup: 1, dState: 128, n: 45 },
  { nHead: 4, headDim: 16, nGroup: 2, dState: 16, n: 300 },
  { nHead: 48, headDim: 64, nGroup: 1, dState: 128, n: 1, cpw: 2, tb: 2 }, // Granite-4.0-H-Tiny decode step
  { nHead: 129, headDim: 16, nGroup: 3, dState: 16, n: 3, cpw: 2, tb: 2 }, // d_inner 2064
];

describe('ssd-scan vs CPU reference', () => {
  for (const c of CASES) {
    it(`n_head ${c.nHead}, head_dim ${c.headDim}, n_group ${c.nGroup}, d_state ${c.dState}, n ${c.n}, CPW ${c.cpw ?? 'default'}, TB ${c.tb ?? 'default'}: y and state`, async () => {
      const inp = makeInputs(c, c.nHead * 13 + c.headDim * 3 + c.dState + c.n);
      const g = gpuBuffers(c, inp, 'seq');
      await runDispatches(device, [await prepare(c, inp, g, 0, c.n)]);
      const st = createSsdState(c);
      st.data.set(inp.state0);
      const want = ssdScan(st, refInputs(c, inp, 0), c.n);
      expectClose(await readF32(device, g.y, c.n * inp.dInner), want, TOLERANCE.f32Transcendental, 'y');
      expectClose(await readF32(device, g.state, st.data.length), st.data, TOLERANCE.f32Transcendental, 'ssd state');
    });
  }
});

describe('ssd-scan: sequence = steps = two chunks', () => {
  const c: Case = { nHead: 4, headDim: 8, nGroup: 2, dState: 16, n: 45 };
  it('on the GPU and on the CPU reference', async () => {
    const inp = makeInputs(c, 5);
    const seq = gpuBuffers(c, inp, 'seq');
    await runDispatches(device, [await prepare(c, inp, seq, 0, c.n)]);
    const steps = gpuBuffers(c, inp, 'steps');
    const stepDispatches: Dispatch[] = [];
    for (let t = 0; t < c.n; t++) stepDispatches.push(await prepare(c, inp, steps, t, 1));
    await runDispatches(device, stepDispatches);
    const chunks = gpuBuffers(c, inp, 'chunks');
    await runDispatches(device, [await prepare(c, inp, chunks, 0, 3), await prepare(c, inp, chunks, 3, c.n - 3)]);

    const size = inp.dInner * c.dState;
    const ySeq = await readF32(device, seq.y, c.n * inp.dInner), sSeq = await readF32(device, seq.state, size);
    expectClose(await readF32(device, steps.y, c.n * inp.dInner), ySeq, TOLERANCE.f32, 'gpu steps y');
    expectClose(await readF32(device, steps.state, size), sSeq, TOLERANCE.f32, 'gpu steps state');
    expectClose(await readF32(device, chunks.y, c.n * inp.dInner), ySeq, TOLERANCE.f32, 'gpu chunks y');
    expectClose(await readF32(device, chunks.state, size), sSeq, TOLERANCE.f32, 'gpu chunks state');

    const st = createSsdState(c);
    st.data.set(inp.state0);
    const yRef = new Float32Array(c.n * inp.dInner);
    for (let t = 0; t < c.n; t++) yRef.set(ssdScanStep(st, refInputs(c, inp, t)), t * inp.dInner);
    expectClose(ySeq, yRef, TOLERANCE.f32Transcendental, 'gpu sequence vs cpu steps y');
    expectClose(sSeq, st.data, TOLERANCE.f32Transcendental, 'gpu sequence vs cpu steps state');
  });
});

/** Mamba-2's grouped norm with the RMSNorm op: n_group rows of d_inner/n_group per token, weight row g for block g. */
function groupNorm(label: string, dInner: number, nGroup: number, nTokens: number, eps: number, y: GPUBuffer, weight: GPUBuffer, x?: RowView) {
  return prepareRmsNorm(env, { label, y: { buffer: y }, x, weight, nGroups: nGroup, rowsPerToken: nGroup, rowLen: dInner / nGroup, nTokens, eps });
}

describe('grouped RMSNorm (rmsnorm.ts) vs the Mamba-2 CPU reference', () => {
  const cases = [
    { dInner: 1, nGroup: 1, n: 1 },
    { dInner: 45, nGroup: 3, n: 3 },
    { dInner: 1000, nGroup: 8, n: 45 },
    { dInner: 2048 + 16, nGroup: 1, n: 3 },
  ];
  for (const c of cases) {
    it(`d_inner ${c.dInner}, n_group ${c.nGroup}, n ${c.n}`, async () => {
      const r = rng(c.dInner + c.n), eps = 1e-5, stride = c.dInner + 7;
      const yWide = uniform(r, c.n * stride, -3, 3), w = uniform(r, c.dInner, 0.5, 1.5);
      const y = new Float32Array(c.n * c.dInner);
      for (let t = 0; t < c.n; t++) y.set(yWide.subarray(t * stride + 2, t * stride + 2 + c.dInner), t * c.dInner);
      const out = storageBuffer(device, 'norm.out', c.n * c.dInner * 4);
      await runDispatches(device, [await groupNorm('norm', c.dInner, c.nGroup, c.n, eps, out, storageBuffer(device, 'ssm_norm.weight', w),
        { buffer: storageBuffer(device, 'norm.y', yWide), offset: 2, stride })]);
      expectClose(await readF32(device, out, c.n * c.dInner), groupRmsNorm(y, c.n, w, c.nGroup, eps), TOLERANCE.f32, 'normed');
    });
  }
});

describe('Mamba-2 output path: fused gate + group-norm = llama.cpp order', () => {
  it('norm in place on y (scan with gate) on the GPU = gatedGroupRmsNorm(ungated scan) on the CPU', async () => {
    const c: Case = { nHead: 8, headDim: 8, nGroup: 4, dState: 16, n: 3 };
    const inp = makeInputs(c, 99);
    const g = gpuBuffers(c, inp, 'path');
    const w = uniform(rng(3), inp.dInner, 0.5, 1.5), eps = 1e-6;
    await runDispatches(device, [
      await prepare(c, inp, g, 0, c.n),
      await groupNorm('path/ssm_norm', inp.dInner, c.nGroup, c.n, eps, g.y, storageBuffer(device, 'path.ssm_norm', w)),
    ]);
    const st = createSsdState(c);
    st.data.set(inp.state0);
    const yUngated = ssdScan(st, refInputs(c, inp, 0, false), c.n);
    const want = gatedGroupRmsNorm(yUngated, rowView(inp.zxd, inp.zxdW, 0), c.n, w, c.nGroup, eps);
    expectClose(await readF32(device, g.y, c.n * inp.dInner), want, TOLERANCE.f32Transcendental, 'normed output');
  });
});
