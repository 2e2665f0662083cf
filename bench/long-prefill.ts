// Benchmark (not a test) of the prefill mixers over a long prompt at the Granite-4.0-H-350M layer
// shapes (bench/real-shapes.ts): one attention layer (12/4 heads × 64, flash attention over the
// KV cache) and one Mamba-2 layer (48 heads × 32, d_state 128, chunked SSD; the sequential scan
// beside it), over N tokens fed in prefill chunks as the session feeds them. Each chunk's time is
// wall time to onSubmittedWorkDone; the output is checked against the CPU reference (attention:
// the last chunk's final rows; SSD: every row and the final state) so a figure never comes from a
// wrong kernel. Written with the adapter to bench/results/long-prefill-<adapter>.json. On
// SwiftShader or lavapipe these are emulator figures: they show that 4K tokens run, nothing about
// GPU speed.
// Run: node bench/bundle.mjs bench/long-prefill.ts && node dist/bench/long-prefill.mjs [--tokens N] [--chunk C]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeDispatches, type Dispatch } from '../gpu/dispatch.ts';
import { acquireNodeDevice } from '../gpu/node-gpu.ts';
import { prepareAttentionPrefill } from '../gpu/ops/attention-prefill.ts';
import { createKvCache, prepareKvWrite } from '../gpu/ops/kv-cache.ts';
import { prepareSsdChunk } from '../gpu/ops/ssd-chunk.ts';
import { prepareSsdScan, type SsdScanArgs } from '../gpu/ops/ssd-scan.ts';
import { createStepBuffer, writeStep } from '../gpu/ops/step.ts';
import { PipelineCache } from '../gpu/pipelines.ts';
import { seededRandom } from '../engine/sampler.ts';
import { attention } from '../model/reference/attention.ts';
import { createSsdState, ssdScan } from '../model/reference/mamba2.ts';

const { values } = parseArgs({ options: { tokens: { type: 'string', default: '4096' }, chunk: { type: 'string', default: '512' } } });
const N = Number(values.tokens), CHUNK = Number(values.chunk);
const ctx = await acquireNodeDevice();
const { device } = ctx;
const env = { ctx, pipelines: PipelineCache.for(device) };

function random(n: number, seed: number, lo = -1, hi = 1): Float32Array<ArrayBuffer> {
  const next = seededRandom(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
  return a;
}

function buffer(label: string, data: Float32Array<ArrayBuffer> | number): GPUBuffer {
  const size = Math.max(16, typeof data === 'number' ? data * 4 : data.byteLength);
  const b = device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (typeof data !== 'number') device.queue.writeBuffer(b, 0, data);
  return b;
}

async function read(b: GPUBuffer, count: number, offset = 0): Promise<Float32Array> {
  const staging = device.createBuffer({ size: count * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(b, offset * 4, staging, 0, count * 4);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  return out;
}

async function timed(dispatches: readonly Dispatch[]): Promise<number> {
  const t0 = performance.now();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  encodeDispatches(pass, dispatches);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return (performance.now() - t0) / 1000;
}

function maxErr(got: Float32Array, want: Float32Array): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]) / (1e-3 + Math.abs(want[i])));
  return m;
}

const chunks: number[] = [];
for (let t = 0; t < N; t += CHUNK) chunks.push(Math.min(CHUNK, N - t));

// Attention: Granite-4.0-H-350M, 12 query heads over 4 KV heads of 64, KQ scale 1/64.
const nHead = 12, nHeadKv = 4, headDim = 64, scale = 0.015625;
const qw = nHead * headDim, kw = nHeadKv * headDim;
const q = random(N * qw, 1, -2, 2), k = random(N * kw, 2, -2, 2), v = random(N * kw, 3, -2, 2);
const qb = buffer('q', q), kb = buffer('k', k), vb = buffer('v', v), ob = buffer('out', N * qw);
const step = createStepBuffer(device);
const f16 = ctx.features.f16;
const cache = createKvCache(env, 'kv', N, nHeadKv, headDim, f16);
const attnSeconds: number[] = [];
let from = 0;
for (const size of chunks) {
  writeStep(device.queue, step, from);
  const write = await prepareKvWrite(env, { label: 'kv_write', cache, step, nTokens: size, k: { buffer: kb, offset: from * kw }, v: { buffer: vb, offset: from * kw } });
  const attn = await prepareAttentionPrefill(env, { label: 'attn', cache, step, nTokens: size, nHead, scale, q: { buffer: qb, offset: from * qw }, out: { buffer: ob, offset: from * qw } });
  attnSeconds.push(await timed([write, attn]));
  console.log(`attention chunk at ${from} (+${size}): ${attnSeconds.at(-1)!.toFixed(2)} s`);
  from += size;
}
const check = 4;
const attnErr = maxErr(await read(ob, check * qw, (N - check) * qw),
  attention(q.subarray((N - check) * qw), k, v, check, N - check, { nHead, nHeadKv, headDim, scale }));

// Mamba-2: Granite-4.0-H-350M, 48 heads × 32, one group, d_state 128.
const sh = 48, sp = 32, ng = 1, ds = 128, dInner = sh * sp, gw = ng * ds;
const x = random(N * dInner, 4, -1.5, 1.5), B = random(N * gw, 5, -1.5, 1.5), C = random(N * gw, 6, -1.5, 1.5);
const z = random(N * dInner, 7, -3, 3), dt = random(N * sh, 8, -3, 3);
const A = random(sh, 9, 0, 2.8).map((a) => -Math.exp(a)), D = random(sh, 10), dtBias = random(sh, 11, -2, 1);
const state0 = random(dInner * ds, 12);
const xbc = new Float32Array(N * (dInner + 2 * gw));
for (let t = 0; t < N; t++) {
  xbc.set(x.subarray(t * dInner, (t + 1) * dInner), t * (dInner + 2 * gw));
  xbc.set(B.subarray(t * gw, (t + 1) * gw), t * (dInner + 2 * gw) + dInner);
  xbc.set(C.subarray(t * gw, (t + 1) * gw), t * (dInner + 2 * gw) + dInner + gw);
}
const st = createSsdState({ nHead: sh, headDim: sp, nGroup: ng, dState: ds });
st.data.set(state0);
const wantY = ssdScan(st, { x, B, C, z, dt, A, D, dtBias }, N);
const cw = dInner + 2 * gw;
const g = { xbc: buffer('xbc', xbc), z: buffer('z', z), dt: buffer('dt', dt), A: buffer('A', A), D: buffer('D', D), dtBias: buffer('dt_bias', dtBias) };
const ssd: Record<string, { seconds: number[]; maxRelErrY: number; maxRelErrState: number }> = {};
for (const [name, prepare] of [['chunked SSD (ssd-chunk)', prepareSsdChunk], ['sequential scan (ssd-scan)', prepareSsdScan]] as const) {
  const state = buffer('state', state0), y = buffer('y', N * dInner);
  const seconds: number[] = [];
  let at = 0;
  for (const size of chunks) {
    const args: SsdScanArgs = {
      label: name, nHead: sh, headDim: sp, nGroup: ng, dState: ds, nTokens: size,
      x: { buffer: g.xbc, offset: at * cw, stride: cw }, B: { buffer: g.xbc, offset: at * cw + dInner, stride: cw }, C: { buffer: g.xbc, offset: at * cw + dInner + gw, stride: cw },
      z: { buffer: g.z, offset: at * dInner }, dt: { buffer: g.dt, offset: at * sh }, A: g.A, D: g.D, dtBias: g.dtBias, state, y: { buffer: y, offset: at * dInner },
    };
    seconds.push(await timed([await prepare(env, args)]));
    console.log(`${name} chunk at ${at} (+${size}): ${seconds.at(-1)!.toFixed(2)} s`);
    at += size;
  }
  ssd[name] = { seconds, maxRelErrY: maxErr(await read(y, N * dInner), wantY), maxRelErrState: maxErr(await read(state, dInner * ds), st.data) };
}

const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const result = {
  adapter: ctx.adapterInfo,
  note: 'Emulator figures where the adapter is SwiftShader or lavapipe (CPU): they show that the long prompt runs and matches the reference, never GPU speed.',
  date: new Date().toISOString(),
  tokens: N, chunkTokens: CHUNK,
  attention: { shape: '12/4 heads × 64, KQ scale 1/64', kvF16: f16, seconds: attnSeconds, totalSeconds: sum(attnSeconds), maxRelErrLastRows: attnErr },
  mamba2: Object.fromEntries(Object.entries(ssd).map(([n, r]) => [n, { ...r, totalSeconds: sum(r.seconds) }])),
};
console.log(JSON.stringify({ ...result, attention: { ...result.attention, seconds: undefined } }, null, 1));
const name = `${ctx.adapterInfo.vendor}-${ctx.adapterInfo.architecture || ctx.adapterInfo.device || 'adapter'}`.replace(/[^a-zA-Z0-9._-]+/g, '_').toLowerCase();
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/long-prefill-${name}.json`, `${JSON.stringify(result, null, 1)}\n`);
