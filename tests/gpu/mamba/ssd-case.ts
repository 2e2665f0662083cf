// Shared by the Mamba-2 kernel tests (ssd-scan, ssd-chunk): seeded inputs laid out as in the graph
// (x/B/C slices of the conv output, z/dt slices of ssm_in's [z | xBC | dt]), their CPU-reference
// views, device buffers, and the op arguments for tokens [from, from + count).
import type { SsdScanArgs } from '../../../gpu/ops/ssd-scan.ts';
import { rowView } from '../../../model/reference/mamba.ts';
import type { Mamba2Dims, SsdInputs } from '../../../model/reference/mamba2.ts';
import { storageBuffer } from '../harness.ts';
import { rng, uniform } from './random.ts';

export interface SsdCase extends Mamba2Dims { n: number }

/** ssm_in output zxd (n, d_inner + conv width + n_head) = [z | xBC | dt]; xbc = the conv output (n, d_inner + 2·n_group·d_state). */
export function makeInputs(c: SsdCase, seed: number) {
  const r = rng(seed), dInner = c.nHead * c.headDim, convW = dInner + 2 * c.nGroup * c.dState;
  const zxdW = dInner + convW + c.nHead;
  const zxd = uniform(r, c.n * zxdW, -3, 3);
  for (let t = 0; t < c.n; t += 5) zxd[t * zxdW + dInner + convW] = 25; // a dt past softplus's threshold
  return {
    dInner, convW, zxdW, zxd,
    xbc: uniform(r, c.n * convW, -1.5, 1.5),
    A: uniform(r, c.nHead, 0, 2.8).map((v) => -Math.exp(v)),
    D: uniform(r, c.nHead), dtBias: uniform(r, c.nHead, -2, 1),
    state0: uniform(r, dInner * c.dState, -1, 1),
  };
}
export type SsdTestInputs = ReturnType<typeof makeInputs>;

export function refInputs(c: SsdCase, inp: SsdTestInputs, from: number, gated = true): SsdInputs {
  const gs = c.nGroup * c.dState, xRow = from * inp.convW, zRow = from * inp.zxdW;
  return {
    x: rowView(inp.xbc, inp.convW, xRow), B: rowView(inp.xbc, inp.convW, xRow + inp.dInner), C: rowView(inp.xbc, inp.convW, xRow + inp.dInner + gs),
    z: gated ? rowView(inp.zxd, inp.zxdW, zRow) : null, dt: rowView(inp.zxd, inp.zxdW, zRow + inp.dInner + inp.convW),
    A: inp.A, D: inp.D, dtBias: inp.dtBias,
  };
}

export function gpuBuffers(device: GPUDevice, c: SsdCase, inp: SsdTestInputs, label: string) {
  return {
    xbc: storageBuffer(device, `${label}.conv.out`, inp.xbc),
    zxd: storageBuffer(device, `${label}.ssm_in.out`, inp.zxd),
    A: storageBuffer(device, `${label}.ssm_a`, inp.A),
    D: storageBuffer(device, `${label}.ssm_d`, inp.D),
    dtBias: storageBuffer(device, `${label}.ssm_dt.bias`, inp.dtBias),
    state: storageBuffer(device, `${label}.ssm_state`, inp.state0),
    y: storageBuffer(device, `${label}.y`, c.n * inp.dInner * 4),
  };
}
export type SsdGpu = ReturnType<typeof gpuBuffers>;

/** The op arguments for tokens [from, from + count) of the case. */
export function ssdArgs(c: SsdCase, inp: SsdTestInputs, g: SsdGpu, from: number, count: number): SsdScanArgs {
  const gs = c.nGroup * c.dState, xRow = from * inp.convW, zRow = from * inp.zxdW;
  return {
    label: `ssd${inp.dInner}@${from}`, nHead: c.nHead, headDim: c.headDim, nGroup: c.nGroup, dState: c.dState, nTokens: count,
    x: { buffer: g.xbc, offset: xRow, stride: inp.convW }, B: { buffer: g.xbc, offset: xRow + inp.dInner, stride: inp.convW },
    C: { buffer: g.xbc, offset: xRow + inp.dInner + gs, stride: inp.convW },
    z: { buffer: g.zxd, offset: zRow, stride: inp.zxdW }, dt: { buffer: g.zxd, offset: zRow + inp.dInner + inp.convW, stride: inp.zxdW },
    A: g.A, D: g.D, dtBias: g.dtBias, state: g.state,
    y: { buffer: g.y, offset: from * inp.dInner, stride: inp.dInner },
  };
}
