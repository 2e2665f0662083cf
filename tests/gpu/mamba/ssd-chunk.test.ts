// Mamba-2 at prefill in the chunked SSD form (shaders/ssd-chunk.wgsl) on a real WebGPU device vs
// model/reference/mamba2.ts ssdScan (llama.cpp's sequential semantics): y AND the state passed on,
// odd lengths (1, 7, 257) that cut chunks, head dims whose channel blocks are 1, 5, 7 and 8 wide,
// d_state 5, 16, 128, several groups, the Granite-4.0-H-350M shape; chunk lengths and channel
// blocks swept; two prefill chunks equal one; the chunked form equals the sequential kernel.
import { beforeAll, describe, it } from 'vitest';
import { prepareSsdChunk, ssdChunkLayout, type SsdChunkLayout } from '../../../gpu/ops/ssd-chunk.ts';
import { prepareSsdScan } from '../../../gpu/ops/ssd-scan.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { createSsdState, ssdScan } from '../../../model/reference/mamba2.ts';
import { opEnv } from '../transformer/env.ts';
import { expectClose, readF32, runDispatches } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { gpuBuffers, makeInputs, refInputs, ssdArgs, type SsdCase } from './ssd-case.ts';

let device: GPUDevice;
let env: OpEnv;
beforeAll(async () => {
  env = await opEnv();
  device = env.ctx.device;
});

function reference(c: SsdCase, inp: ReturnType<typeof makeInputs>) {
  const st = createSsdState(c);
  st.data.set(inp.state0);
  const y = ssdScan(st, refInputs(c, inp, 0), c.n);
  return { y, state: st.data };
}

/** Runs the chunked kernel over [0, n) in prefill chunks of the given sizes; returns y and the state. */
async function run(c: SsdCase, inp: ReturnType<typeof makeInputs>, label: string, chunks: readonly number[], layout?: Partial<SsdChunkLayout>) {
  const g = gpuBuffers(device, c, inp, label);
  let from = 0;
  const dispatches = [];
  for (const size of chunks) {
    dispatches.push(await prepareSsdChunk(env, { ...ssdArgs(c, inp, g, from, size), chunk: layout }));
    from += size;
  }
  if (from !== c.n) throw new Error(`chunks sum to ${from}, not ${c.n}`);
  await runDispatches(device, dispatches);
  return { y: await readF32(device, g.y, c.n * inp.dInner), state: await readF32(device, g.state, inp.dInner * c.dState) };
}

const CASES: SsdCase[] = [
  { nHead: 1, headDim: 1, nGroup: 1, dState: 16, n: 1 },
  { nHead: 3, headDim: 5, nGroup: 3, dState: 5, n: 7 },
  { nHead: 6, headDim: 7, nGroup: 2, dState: 16, n: 257 },
  { nHead: 4, headDim: 16, nGroup: 2, dState: 128, n: 45 },
  { nHead: 48, headDim: 32, nGroup: 1, dState: 128, n: 257 }, // Granite-4.0-H-350M
];

describe('ssd-chunk vs CPU reference', () => {
  for (const c of CASES) {
    const blocks = ssdChunkLayout(c.headDim).channels;
    it(`n_head ${c.nHead}, head_dim ${c.headDim} (blocks of ${blocks}), n_group ${c.nGroup}, d_state ${c.dState}, n ${c.n}: y and state`, async () => {
      const inp = makeInputs(c, c.nHead * 13 + c.headDim * 3 + c.dState + c.n);
      const want = reference(c, inp);
      const got = await run(c, inp, 'one', [c.n]);
      expectClose(got.y, want.y, TOLERANCE.f32Transcendental, 'y');
      expectClose(got.state, want.state, TOLERANCE.f32Transcendental, 'state');
      if (c.n > 1) {
        const split = Math.floor(c.n / 2) - 1 || 1;
        const two = await run(c, inp, 'two', [split, c.n - split]);
        expectClose(two.y, got.y, TOLERANCE.f32Transcendental, `y in prefill chunks ${split}+${c.n - split}`);
        expectClose(two.state, got.state, TOLERANCE.f32Transcendental, `state in prefill chunks ${split}+${c.n - split}`);
      }
    });
  }
});

describe('ssd-chunk: chunk lengths and channel blocks swept; equal to the sequential kernel', () => {
  it('L 1, 3, 16, 32 and PB 1, 2, 4, 8 give the reference', async () => {
    const c: SsdCase = { nHead: 4, headDim: 8, nGroup: 2, dState: 16, n: 70 };
    const inp = makeInputs(c, 11);
    const want = reference(c, inp);
    for (const layout of [{ tokens: 1, channels: 8 }, { tokens: 3, channels: 2 }, { tokens: 16, channels: 1 }, { tokens: 32, channels: 4 }]) {
      const got = await run(c, inp, `L${layout.tokens}`, [c.n], layout);
      expectClose(got.y, want.y, TOLERANCE.f32Transcendental, `y L ${layout.tokens} PB ${layout.channels}`);
      expectClose(got.state, want.state, TOLERANCE.f32Transcendental, `state L ${layout.tokens} PB ${layout.channels}`);
    }
  });

  it('the chunked form equals ssd-scan (the decode kernel) over the same tokens', async () => {
    const c: SsdCase = { nHead: 8, headDim: 16, nGroup: 1, dState: 128, n: 100 };
    const inp = makeInputs(c, 3);
    const chunked = await run(c, inp, 'chunked', [c.n]);
    const g = gpuBuffers(device, c, inp, 'seq');
    await runDispatches(device, [await prepareSsdScan(env, ssdArgs(c, inp, g, 0, c.n))]);
    expectClose(chunked.y, await readF32(device, g.y, c.n * inp.dInner), TOLERANCE.f32Transcendental, 'y');
    expectClose(chunked.state, await readF32(device, g.state, inp.dInner * c.dState), TOLERANCE.f32Transcendental, 'state');
  });
});
