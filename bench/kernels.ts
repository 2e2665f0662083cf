// Benchmark (not a test) of the matrix kernels on the current adapter: GB/s and GFLOP/s per
// kernel, weight type and size, beside the adapter's measured buffer-copy bandwidth (the ceiling
// a memory-bound GEMV can approach). Written with the adapter info to
// bench/results/kernels-<adapter>.json. On SwiftShader (CPU) the sizes are small and the figures
// are for checking the pipeline only, never performance.
// Run: npm run bench:kernels   (bundled by bench/bundle.mjs because it imports .wgsl)
import { mkdirSync, writeFileSync } from 'node:fs';
import { encodeDispatches, type Dispatch } from '../gpu/dispatch.ts';
import { acquireNodeDevice } from '../gpu/node-gpu.ts';
import { prepareEmbedding } from '../gpu/ops/embedding.ts';
import { prepareGemm } from '../gpu/ops/gemm.ts';
import { prepareGemv } from '../gpu/ops/gemv.ts';
import { PipelineCache } from '../gpu/pipelines.ts';
import { uploadWeight, weightGeometry, type WeightTensor } from '../gpu/weights.ts';
import { quantize } from '../model/quant/index.ts';
import { ggmlTypeByName } from '../model/quant/types.ts';

const ctx = await acquireNodeDevice();
const { device } = ctx;
const cpuAdapter = ctx.adapterInfo.architecture === 'swiftshader' || ctx.adapterInfo.vendor === 'google';
const env = { ctx, pipelines: new PipelineCache(device) };

/** Seconds per repetition of `dispatches`, from `reps` repetitions in one submit (after a warm-up). */
async function timeDispatches(dispatches: readonly Dispatch[], reps: number): Promise<number> {
  const run = async (n: number) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let i = 0; i < n; i++) encodeDispatches(pass, dispatches);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await run(1);
  const t0 = performance.now();
  await run(reps);
  return (performance.now() - t0) / 1000 / reps;
}

async function copyBandwidth(bytes: number, reps: number): Promise<number> {
  const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | GPUBufferUsage.STORAGE;
  const a = device.createBuffer({ label: 'bench copy src', size: bytes, usage });
  const b = device.createBuffer({ label: 'bench copy dst', size: bytes, usage });
  const run = async (n: number) => {
    const enc = device.createCommandEncoder();
    for (let i = 0; i < n; i++) enc.copyBufferToBuffer(a, 0, b, 0, bytes);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await run(1);
  const t0 = performance.now();
  await run(reps);
  const s = (performance.now() - t0) / 1000 / reps;
  a.destroy();
  b.destroy();
  return (2 * bytes) / s / 1e9;  // read + write
}

function randomWeight(type: string, k: number, n: number): WeightTensor {
  const id = ggmlTypeByName(type)!.id;
  const data = new Float32Array(k * n);
  let s = 12345;
  for (let i = 0; i < data.length; i++) data[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 31) - 1;
  return uploadWeight(device, { name: `bench.${type}.${k}x${n}`, type: id, dims: [k, n] }, quantize(id, data));
}

function activations(label: string, count: number): GPUBuffer {
  const buf = device.createBuffer({ label, size: count * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, 0, new Float32Array(count).fill(0.5));
  return buf;
}

interface Row {
  kernel: string;
  type: string;
  k: number;
  n: number;
  tokens: number;
  us: number;
  gbPerS: number;
  gflopPerS: number;
  fractionOfCopy?: number;
}

const TYPES = ['F16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_XS', 'BF16', 'F32'];
const SIZES: [number, number][] = cpuAdapter ? [[1024, 1024]] : [[4096, 4096], [4096, 14336], [14336, 4096]];
const GEMM_TOKENS = cpuAdapter ? 32 : 512;
const REPS = cpuAdapter ? 3 : 50;

const copyGBps = await copyBandwidth(cpuAdapter ? 32 << 20 : 512 << 20, cpuAdapter ? 3 : 20);
console.log(`${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture} ${ctx.adapterInfo.description}: buffer copy ${copyGBps.toFixed(1)} GB/s`);
const rows: Row[] = [];
for (const [k, n] of SIZES) {
  for (const type of TYPES) {
    const w = randomWeight(type, k, n);
    const wBytes = weightGeometry(w).rowBytes * n;
    const x = activations('x', GEMM_TOKENS * k), y = activations('y', Math.max(GEMM_TOKENS, 64) * Math.max(n, k));
    const gemv = await timeDispatches(await prepareGemv(env, { label: `gemv ${w.name}`, weight: w, x: { buffer: x }, y: { buffer: y } }), REPS);
    const gemvBytes = wBytes + 4 * (k + n);
    rows.push({ kernel: 'gemv', type, k, n, tokens: 1, us: gemv * 1e6, gbPerS: gemvBytes / gemv / 1e9, gflopPerS: (2 * k * n) / gemv / 1e9, fractionOfCopy: gemvBytes / gemv / 1e9 / copyGBps });
    const gemm = await timeDispatches(await prepareGemm(env, { label: `gemm ${w.name}`, weight: w, x: { buffer: x }, y: { buffer: y }, tokens: GEMM_TOKENS }), Math.max(1, REPS / 10));
    rows.push({ kernel: 'gemm', type, k, n, tokens: GEMM_TOKENS, us: gemm * 1e6, gbPerS: (wBytes + 4 * GEMM_TOKENS * (k + n)) / gemm / 1e9, gflopPerS: (2 * k * n * GEMM_TOKENS) / gemm / 1e9 });
    const ids = device.createBuffer({ label: 'ids', size: 4 * 64, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(ids, 0, Uint32Array.from({ length: 64 }, (_, i) => (i * 7919) % n));
    const emb = await timeDispatches(await prepareEmbedding(env, { label: `embedding ${w.name}`, weight: w, ids: { buffer: ids }, tokens: 64, y: { buffer: y } }), REPS);
    rows.push({ kernel: 'embedding', type, k, n, tokens: 64, us: emb * 1e6, gbPerS: (64 * (wBytes / n + 4 * k)) / emb / 1e9, gflopPerS: 0 });
    const last = rows.slice(-3);
    console.log(`${type.padEnd(6)} ${k}x${n}: ` + last.map((r) => `${r.kernel} ${r.us.toFixed(0)} us ${r.gbPerS.toFixed(2)} GB/s ${r.gflopPerS.toFixed(1)} GFLOP/s`).join(' | '));
    for (const p of w.parts) p.buffer.destroy();
    x.destroy();
    y.destroy();
    ids.destroy();
  }
}

const name = `${ctx.adapterInfo.vendor}-${ctx.adapterInfo.architecture || ctx.adapterInfo.device || 'adapter'}`.replace(/[^a-zA-Z0-9._-]+/g, '_').toLowerCase();
const out = `bench/results/kernels-${name}.json`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(out, JSON.stringify({
  adapter: ctx.adapterInfo,
  features: ctx.features,
  date: new Date().toISOString(),
  note: cpuAdapter
    ? 'SwiftShader (CPU Vulkan): these figures only show that the benchmark runs; they are not GPU performance figures.'
    : 'Wall-clock time of repeated dispatches in one submit (after a warm-up). GB/s counts weights + activations once.',
  timing: `wall clock, ${REPS} repetitions per gemv/embedding figure`,
  bufferCopyGBps: copyGBps,
  results: rows,
}, null, 2) + '\n');
console.log(`wrote ${out}`);
process.exit(0);
