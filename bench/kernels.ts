// Benchmark (not a test) of the matrix kernels on the current adapter: GB/s and GFLOP/s per
// kernel, weight type and size, beside the adapter's measured buffer-copy bandwidth (the ceiling
// a memory-bound GEMV can approach). Written with the adapter info to
// bench/results/kernels-<adapter>.json. On SwiftShader (CPU) the sizes are small and the figures
// are for checking the pipeline only, never performance.
//
// Decode GEMV is measured the way a token meets it: at the real shapes of the target models, and
// over enough distinct copies of each weight (≥ 256 MB in all) that no cache holds them, timed by
// GPU timestamps where the adapter has them (gpu/profile.ts). Beside it: the cost of one empty
// dispatch (the floor under every fused or unfused kernel), each chunked type's 8-bit activation
// path (quantize-q8 + dot4I8Packed, llama.cpp's WebGPU mat-vec path on AMD/Intel/NVIDIA) beside
// its f32 path where WGSL has packed_4x8_integer_dot_product, and, per shape, the workgroup shape the
// load-time tuner (gpu/gemv-tuning.ts) picks there, beside the default's time.
// Prefill GEMM is measured at its real shapes (512 tokens; K and N of Qwen3-0.6B, Jamba-3B-like and
// 4096-wide layers) with f32 and, where the adapter has shader-f16, f16 tiles, each beside the FMA
// probe's rate of the same precision (gpu/ops/fma-probe.ts) measured in the same run. `--big` adds
// the 151 936-row output matrix (GPU runs only: SwiftShader would take hours).
// Run: npm run bench:kernels [-- --all-types] [-- --big]   (bundled by bench/bundle.mjs: it imports .wgsl)
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeDispatches, type Dispatch } from '../gpu/dispatch.ts';
import { acquireNodeDevice } from '../gpu/node-gpu.ts';
import { prepareEmbedding } from '../gpu/ops/embedding.ts';
import { measureFmaRate } from '../gpu/ops/fma-probe.ts';
import { gemmTile, prepareGemm } from '../gpu/ops/gemm.ts';
import { chooseGemvShape, gemvShapeFits, gpuCandidateTimer } from '../gpu/gemv-tuning.ts';
import { defaultGemvShape, gemvReadsChunks, prepareGemv } from '../gpu/ops/gemv.ts';
import { prepareQuantizeQ8, q8Bytes } from '../gpu/ops/quantize-q8.ts';
import { PipelineCache } from '../gpu/pipelines.ts';
import { timeList } from '../gpu/profile.ts';
import { prepareElementwise } from '../gpu/ops/elementwise.ts';
import { uploadWeight, weightGeometry, type WeightTensor } from '../gpu/weights.ts';
import { quantize } from '../model/quant/index.ts';
import { ggmlTypeByName } from '../model/quant/types.ts';

const ctx = await acquireNodeDevice();
const { device } = ctx;
const cpuAdapter = ctx.adapterInfo.architecture === 'swiftshader' || ctx.adapterInfo.vendor === 'google';
const env = { ctx, pipelines: PipelineCache.for(device) };

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

const { values: args } = parseArgs({ options: { 'all-types': { type: 'boolean', default: false }, big: { type: 'boolean', default: false } } });
const TYPES = ['F16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_XS', 'BF16', 'F32'];
/** The types of a Q4_K_M file (bench/real-shapes.ts q4km): what decode reads almost all the time. */
const Q4KM_TYPES = ['Q4_K', 'Q6_K', 'Q8_0', 'Q5_0', 'F16'];
const SIZES: [number, number][] = cpuAdapter ? [[1024, 1024]] : [[4096, 4096], [4096, 14336], [14336, 4096]];
const GEMM_TOKENS = cpuAdapter ? 64 : 512;
/** Prefill (K, N): Qwen3-0.6B q / ffn_up / ffn_down, Jamba-3B-like FFN in and out, a 4096-wide layer. */
const GEMM_SHAPES: [number, number][] = cpuAdapter
  ? [[1024, 256]]
  : [[1024, 2048], [1024, 3072], [3072, 1024], [2560, 8192], [8192, 2560], [4096, 4096], ...(args.big ? [[1024, 151936] as [number, number]] : [])];
const REPS = cpuAdapter ? 3 : 50;

/**
 * Decode GEMV shapes (k = row length, n = rows): Qwen3-0.6B (1024 wide, 3072 FFN, 151 936 vocabulary),
 * Granite-4.0-H-350M (768 wide), Jamba Reasoning 3B (2560 wide, 5120 Mamba inner, 160 dt/B/C, 8192
 * FFN), and an 8B-class 4096 × 14336. SwiftShader gets one small shape.
 */
const DECODE_SHAPES: [number, number][] = cpuAdapter ? [[1024, 256]] : [
  [1024, 2048], [1024, 1024], [2048, 1024], [1024, 6144], [3072, 1024], [1024, 151936],
  [768, 2048], [2048, 768],
  [2560, 10240], [5120, 2560], [2560, 160], [2560, 16384], [8192, 2560], [2560, 65536],
  [4096, 14336], [14336, 4096],
];
const ROTATE_BYTES = cpuAdapter ? 8 << 20 : 256 << 20;
const MAX_COPIES = cpuAdapter ? 4 : 1024;

const copyGBps = await copyBandwidth(cpuAdapter ? 32 << 20 : 512 << 20, cpuAdapter ? 3 : 20);
console.log(`${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture} ${ctx.adapterInfo.description}: buffer copy ${copyGBps.toFixed(1)} GB/s`);

/** Seconds of one empty-ish dispatch: 2000 tiny dispatches in one pass, GPU time / 2000. */
async function dispatchOverhead(): Promise<{ clock: string; microseconds: number }> {
  const y = activations('overhead', 64);
  const one = await prepareElementwise(env, { label: 'overhead', kind: 'scale_inplace', nRows: 1, width: 64, y: { buffer: y }, scale: 1 });
  const n = cpuAdapter ? 200 : 2000;
  const t = await timeList(device, Array.from({ length: n }, () => one).flat(), cpuAdapter ? 2 : 10);
  y.destroy();
  return { clock: t.clock, microseconds: (t.seconds / n) * 1e6 };
}
const overhead = await dispatchOverhead();
console.log(`one dispatch: ${overhead.microseconds.toFixed(2)} us (${overhead.clock})`);

/** A k × n weight of `type` from 64 quantized random rows tiled over n (valid blocks; values do not matter for time). */
function tiledBytes(type: string, k: number, n: number): Uint8Array {
  const id = ggmlTypeByName(type)!.id;
  const rows = Math.min(n, 64);
  const data = new Float32Array(k * rows);
  let s = 12345 + k + n;
  for (let i = 0; i < data.length; i++) data[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 31) - 1;
  const block = quantize(id, data);
  const out = new Uint8Array((block.length / rows) * n);
  for (let off = 0; off < out.length; off += block.length) out.set(block.subarray(0, Math.min(block.length, out.length - off)), off);
  return out;
}

interface DecodeRow {
  type: string; k: number; n: number; copies: number;
  /** Whether the subgroupAdd reduction ran (false: the workgroup-memory tree). */
  subgroups: boolean;
  /** f32 activations, or 8-bit blocks read with dot4I8Packed (quantizeUs: making them, once per x). */
  activations: 'f32' | 'int8';
  quantizeUs?: number;
  clock: string; us: number; gbPerS: number; fractionOfCopy: number;
}

/** Enough copies of a k × n weight (≥ ROTATE_BYTES in all) that no cache holds them across a pass. */
function uploadCopies(type: string, k: number, n: number): WeightTensor[] {
  const id = ggmlTypeByName(type)!.id;
  const bytes = tiledBytes(type, k, n);
  const copies = Math.max(1, Math.min(MAX_COPIES, Math.ceil(ROTATE_BYTES / bytes.length)));
  return Array.from({ length: copies }, (_, c) => uploadWeight(device, { name: `gemv.${type}.${k}x${n}.${c}`, type: id, dims: [k, n] }, bytes));
}

function destroyAll(weights: readonly WeightTensor[]): void {
  for (const w of weights) for (const p of w.parts) p.buffer.destroy();
}

/** One GEMV per copy, in one pass: the time per GEMV with the weights out of every cache. */
async function timeDecodeGemv(type: string, k: number, n: number, subgroups = true, int8 = false): Promise<DecodeRow> {
  const weights = uploadCopies(type, k, n);
  const x = activations('x', k), y = activations('y', n);
  const xq = int8 ? device.createBuffer({ label: 'xq', size: q8Bytes(k), usage: GPUBufferUsage.STORAGE }) : undefined;
  const list: Dispatch[] = [];
  try {
    let quantizeUs: number | undefined;
    if (xq) {
      const quantize = await prepareQuantizeQ8(env, { label: `quantize ${k}`, x: { buffer: x }, y: xq, tokens: 1, k });
      quantizeUs = (await timeList(device, Array.from({ length: 100 }, () => quantize), cpuAdapter ? 1 : 10)).seconds / 100 * 1e6;
    }
    const input = xq ? { x: { buffer: xq }, variant: { int8Dot: true } } : { x: { buffer: x } };
    for (const w of weights) list.push(...await prepareGemv(env, { label: w.name, weight: w, y: { buffer: y }, subgroups, ...input }));
    const t = await timeList(device, list, cpuAdapter ? 2 : 10);
    const each = t.seconds / weights.length;
    // The bytes the GPU reads: padded blocks as stored (gpu/weights.ts), x as f32 or 8-bit blocks.
    const moved = weightGeometry(weights[0]).rowBytes * n + (xq ? q8Bytes(k) : 4 * k) + 4 * n;
    return {
      type, k, n, copies: weights.length, subgroups: subgroups && ctx.features.subgroups, activations: xq ? 'int8' : 'f32', quantizeUs,
      clock: t.clock, us: each * 1e6, gbPerS: moved / each / 1e9, fractionOfCopy: moved / each / 1e9 / copyGBps,
    };
  } finally {
    destroyAll(weights);
    x.destroy();
    y.destroy();
    xq?.destroy();
  }
}

const decodeRows: DecodeRow[] = [];
for (const [k, n] of DECODE_SHAPES) {
  for (const type of args['all-types'] ? TYPES : Q4KM_TYPES) {
    if (k % (ggmlTypeByName(type)!.blockSize) !== 0) continue;
    for (const subgroups of ctx.features.subgroups ? [true, false] : [false]) {
      for (const int8 of ctx.features.int8Dot && gemvReadsChunks(ggmlTypeByName(type)!.id) ? [false, true] : [false]) {
        const r = await timeDecodeGemv(type, k, n, subgroups, int8);
        decodeRows.push(r);
        const quantize = r.quantizeUs === undefined ? '' : ` + quantize ${r.quantizeUs.toFixed(1)} us once per x`;
        console.log(`gemv ${type.padEnd(5)} ${k}x${n}${subgroups ? ' subgroups' : ''}${int8 ? ' int8' : ''}: ${r.us.toFixed(1)} us ${r.gbPerS.toFixed(1)} GB/s = ${(100 * r.fractionOfCopy).toFixed(0)} % of copy (${r.copies} copies, ${r.clock})${quantize}`);
      }
    }
  }
}

interface SweepRow {
  type: string; k: number; n: number; copies: number; workgroupSize: number; rowsPerWorkgroup: number;
  clock: string; us: number; gbPerS: number; defaultUs: number;
}

/**
 * The load-time tuner's choice (gpu/gemv-tuning.ts: its candidates, timer and chooser) for Q4_K at
 * each decode shape, over the copies above rather than one model's matrices, beside the time of
 * defaultGemvShape: what tuning gains at that shape.
 */
const sweep: SweepRow[] = [];
const SWEEP_SHAPES = cpuAdapter ? [] : DECODE_SHAPES.filter(([k]) => k % 256 === 0);
for (const [k, n] of SWEEP_SHAPES) {
  const weights = uploadCopies('Q4_K', k, n);
  const rowBytes = weightGeometry(weights[0]).rowBytes;
  const timer = gpuCandidateTimer(env, { type: weights[0].type, k, bytes: rowBytes * n * weights.length, matrices: weights }, 10);
  try {
    const best = await chooseGemvShape(timer, (s) => gemvShapeFits(env, s));
    if (!best) {
      console.log(`sweep Q4_K ${k}x${n}: no candidate ran`);
      continue;
    }
    const fallback = await (await timer.prepare(defaultGemvShape(ctx)))();
    const each = best.seconds / weights.length;
    const r: SweepRow = {
      type: 'Q4_K', k, n, copies: weights.length, ...best.shape, clock: ctx.features.timestamps ? 'gpu-timestamps' : 'wall-clock',
      us: each * 1e6, gbPerS: (rowBytes * n + 4 * (k + n)) / each / 1e9, defaultUs: (fallback / weights.length) * 1e6,
    };
    sweep.push(r);
    console.log(`sweep Q4_K ${k}x${n}: best ${r.workgroupSize} threads x ${r.rowsPerWorkgroup} rows, ${r.us.toFixed(1)} us ${r.gbPerS.toFixed(1)} GB/s (default ${r.defaultUs.toFixed(1)} us)`);
  } finally {
    timer.destroy();
    destroyAll(weights);
  }
}

const rows: Row[] = [];
for (const [k, n] of SIZES) {
  for (const type of TYPES) {
    const w = randomWeight(type, k, n);
    const wBytes = weightGeometry(w).rowBytes * n;
    const y = activations('y', 64 * k);
    const ids = device.createBuffer({ label: 'ids', size: 4 * 64, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(ids, 0, Uint32Array.from({ length: 64 }, (_, i) => (i * 7919) % n));
    const emb = await timeDispatches(await prepareEmbedding(env, { label: `embedding ${w.name}`, weight: w, ids: { buffer: ids }, tokens: 64, y: { buffer: y } }), REPS);
    rows.push({ kernel: 'embedding', type, k, n, tokens: 64, us: emb * 1e6, gbPerS: (64 * (wBytes / n + 4 * k)) / emb / 1e9, gflopPerS: 0 });
    const last = rows.slice(-1);
    console.log(`${type.padEnd(6)} ${k}x${n}: ` + last.map((r) => `${r.kernel} ${r.us.toFixed(0)} us ${r.gbPerS.toFixed(2)} GB/s ${r.gflopPerS.toFixed(1)} GFLOP/s`).join(' | '));
    for (const p of w.parts) p.buffer.destroy();
    y.destroy();
    ids.destroy();
  }
}

interface GemmRow {
  type: string; k: number; n: number; tokens: number; tiles: 'f16' | 'f32'; tile: string;
  clock: string; us: number; gflopPerS: number; fractionOfProbe: number;
}

const probes = { f32: await measureFmaRate(env, false), f16: ctx.features.f16 ? await measureFmaRate(env, true) : undefined };
console.log(`FMA probe: f32 ${probes.f32.gflops.toFixed(1)} GFLOP/s` + (probes.f16 ? `, f16 ${probes.f16.gflops.toFixed(1)} GFLOP/s` : ''));
const gemmRows: GemmRow[] = [];
for (const [k, n] of GEMM_SHAPES) {
  for (const type of args['all-types'] ? TYPES : Q4KM_TYPES) {
    if (k % (ggmlTypeByName(type)!.blockSize) !== 0) continue;
    const w = uploadWeight(device, { name: `gemm.${type}.${k}x${n}`, type: ggmlTypeByName(type)!.id, dims: [k, n] }, tiledBytes(type, k, n));
    const x = activations('x', GEMM_TOKENS * k), y = activations('y', GEMM_TOKENS * n);
    try {
      for (const tiles of ctx.features.f16 ? ['f32', 'f16'] as const : ['f32'] as const) {
        const f16Math = tiles === 'f16';
        const t = gemmTile(ctx.limits, f16Math);
        const list = await prepareGemm(env, { label: `gemm ${w.name}`, weight: w, x: { buffer: x }, y: { buffer: y }, tokens: GEMM_TOKENS, variant: { f16Math } });
        const timing = await timeList(device, list, cpuAdapter ? 1 : 10);
        const gflopPerS = (2 * k * n * GEMM_TOKENS) / timing.seconds / 1e9;
        const r: GemmRow = {
          type, k, n, tokens: GEMM_TOKENS, tiles, tile: `${t.tokens}x${t.rows}x${8 * t.units}`, clock: timing.clock,
          us: timing.seconds * 1e6, gflopPerS, fractionOfProbe: gflopPerS / (probes[tiles] ?? probes.f32).gflops,
        };
        gemmRows.push(r);
        console.log(`gemm ${type.padEnd(5)} M=${GEMM_TOKENS} K=${k} N=${n} ${tiles} tiles ${r.tile}: ${r.us.toFixed(0)} us ${gflopPerS.toFixed(1)} GFLOP/s = ${(100 * r.fractionOfProbe).toFixed(1)} % of the ${tiles} FMA probe (${r.clock})`);
      }
    } finally {
      for (const p of w.parts) p.buffer.destroy();
      x.destroy();
      y.destroy();
    }
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
  timing: `decode GEMV: median of repeated passes over ≥ ${ROTATE_BYTES >> 20} MB of weight copies (clock named per row); prefill GEMM: timed list (clock named per row); embedding: wall clock, ${REPS} repetitions`,
  bufferCopyGBps: copyGBps,
  dispatchOverhead: overhead,
  decodeGemv: decodeRows,
  gemvWorkgroupSweep: sweep,
  fmaProbeGflops: { f32: probes.f32.gflops, f16: probes.f16?.gflops },
  prefillGemm: gemmRows,
  results: rows,
}, null, 2) + '\n');
console.log(`wrote ${out}`);
process.exit(0);
