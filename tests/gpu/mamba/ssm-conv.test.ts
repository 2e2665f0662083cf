// ssm-conv on a real WebGPU device vs model/reference/mamba.ts: output AND updated conv state,
// awkward channel counts, strided/offset input slices, every override swept (D_CONV, WG); a
// sequence equals the same tokens fed one step at a time, and two chunks equal one.
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareSsmConv } from '../../../gpu/ops/ssm-conv.ts';
import type { Dispatch } from '../../../gpu/dispatch.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { causalConv1d, causalConv1dStep, createConvState, rowView } from '../../../model/reference/mamba.ts';
import { opEnv } from '../transformer/env.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { columnsOf, rng, uniform } from './random.ts';

let device: GPUDevice;
let env: OpEnv;
beforeAll(async () => {
  env = await opEnv();
  device = env.ctx.device;
});

interface Case { channels: number; dConv: number; n: number; wg: number }

/** Random inputs; x lives at column `pad` of rows of width channels + 2·pad, as a slice of a fused projection. */
function makeInputs(c: Case, seed: number) {
  const r = rng(seed), pad = 3, stride = c.channels + 2 * pad;
  const wide = uniform(r, c.n * stride, -2, 2);
  return {
    wide, stride, pad,
    x: columnsOf(wide, c.n, stride, pad, c.channels),
    w: uniform(r, c.channels * c.dConv),
    b: uniform(r, c.channels),
    state0: uniform(r, (c.dConv - 1) * c.channels, -2, 2),
  };
}

function gpuBuffers(c: Case, inp: ReturnType<typeof makeInputs>, label: string) {
  return {
    x: storageBuffer(device, `${label}.x`, inp.wide),
    w: storageBuffer(device, `${label}.ssm_conv1d.weight`, inp.w),
    b: storageBuffer(device, `${label}.ssm_conv1d.bias`, inp.b),
    state: storageBuffer(device, `${label}.conv_state`, inp.state0),
    y: storageBuffer(device, `${label}.y`, c.n * c.channels * 4),
  };
}

/** Dispatches for tokens [from, from + count) of the case, continuing the state in place. */
function prepare(c: Case, inp: ReturnType<typeof makeInputs>, g: ReturnType<typeof gpuBuffers>, from: number, count: number, fused?: boolean): Promise<readonly Dispatch[]> {
  return prepareSsmConv(env, {
    label: `conv${c.channels}@${from}`, channels: c.channels, dConv: c.dConv, nTokens: count,
    x: { buffer: g.x, offset: inp.pad + from * inp.stride, stride: inp.stride },
    weight: g.w, bias: g.b, state: g.state,
    y: { buffer: g.y, offset: from * c.channels, stride: c.channels },
    workgroupSize: c.wg, fused,
  });
}

const CASES: Case[] = [
  { channels: 1, dConv: 4, n: 1, wg: 64 },
  { channels: 3, dConv: 4, n: 3, wg: 64 },
  { channels: 45, dConv: 3, n: 45, wg: 256 },
  { channels: 1000, dConv: 4, n: 300, wg: 256 },
  { channels: 2048 + 16, dConv: 4, n: 45, wg: 64 },
  { channels: 2048 + 16 + 2 * 128, dConv: 4, n: 1, wg: 256 }, // Mamba-2 xBC step
  { channels: 45, dConv: 2, n: 3, wg: 64 },
];

describe('ssm-conv vs CPU reference', () => {
  // Both forms on every case: the fused one dispatch (decode default) and the (channel, token)
  // grid plus state pass (prefill default).
  for (const c of CASES) for (const fused of [true, false]) {
    it(`channels ${c.channels}, d_conv ${c.dConv}, n ${c.n}, WG ${c.wg}, ${fused ? 'one dispatch' : 'two dispatches'}: output and state`, async () => {
      const inp = makeInputs(c, c.channels * 31 + c.n);
      const g = gpuBuffers(c, inp, 'seq');
      const dispatches = await prepare(c, inp, g, 0, c.n, fused);
      expect(dispatches.length).toBe(fused ? 1 : 2);
      await runDispatches(device, dispatches);
      const ref = createConvState(c.channels, c.dConv);
      ref.data.set(inp.state0);
      const want = causalConv1d(ref, rowView(inp.wide, inp.stride, inp.pad), c.n, inp.w, inp.b);
      expectClose(await readF32(device, g.y, c.n * c.channels), want, TOLERANCE.f32Transcendental, 'y');
      expectClose(await readF32(device, g.state, ref.data.length), ref.data, TOLERANCE.f32, 'conv state');
    });
  }
});

describe('ssm-conv: sequence = steps = two chunks', () => {
  const c: Case = { channels: 45, dConv: 4, n: 45, wg: 64 };
  it('on the GPU and on the CPU reference', async () => {
    const inp = makeInputs(c, 7);
    const seq = gpuBuffers(c, inp, 'seq');
    await runDispatches(device, await prepare(c, inp, seq, 0, c.n));
    const steps = gpuBuffers(c, inp, 'steps');
    const stepDispatches: Dispatch[] = [];
    for (let t = 0; t < c.n; t++) stepDispatches.push(...await prepare(c, inp, steps, t, 1));
    await runDispatches(device, stepDispatches);
    const chunks = gpuBuffers(c, inp, 'chunks');
    await runDispatches(device, [...await prepare(c, inp, chunks, 0, 3), ...await prepare(c, inp, chunks, 3, c.n - 3)]);

    const ySeq = await readF32(device, seq.y, c.n * c.channels), sSeq = await readF32(device, seq.state, 3 * c.channels);
    expectClose(await readF32(device, steps.y, c.n * c.channels), ySeq, TOLERANCE.f32, 'gpu steps y');
    expectClose(await readF32(device, steps.state, 3 * c.channels), sSeq, TOLERANCE.f32, 'gpu steps state');
    expectClose(await readF32(device, chunks.y, c.n * c.channels), ySeq, TOLERANCE.f32, 'gpu chunks y');
    expectClose(await readF32(device, chunks.state, 3 * c.channels), sSeq, TOLERANCE.f32, 'gpu chunks state');

    const ref = createConvState(c.channels, c.dConv);
    ref.data.set(inp.state0);
    const yRef = new Float32Array(c.n * c.channels);
    for (let t = 0; t < c.n; t++) yRef.set(causalConv1dStep(ref, inp.x.subarray(t * c.channels, (t + 1) * c.channels), inp.w, inp.b), t * c.channels);
    expectClose(ySeq, yRef, TOLERANCE.f32Transcendental, 'gpu sequence vs cpu steps y');
    expectClose(sSeq, ref.data, TOLERANCE.f32, 'gpu sequence vs cpu steps state');
  });
});
