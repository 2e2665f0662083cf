// Benchmark (not a test): Summarize's map phase on one adapter in one run, 8 parts one after
// another against the same 8 parts as a batch of sequences (their decode steps served by one
// batched pass each, gpu/batch-step.ts), and the dispatches of a batched step against a single
// one. The model is llama-shaped with random Q8_0 weights (by default n_embd 256, 4 layers, ffn
// 768: ~3.5 MB, small enough for SwiftShader; on a GPU give it --embd 2048 --layers 16 --ffn 8192
// so that a pass reads enough weights for sharing them to matter) and the llama fixture's
// vocabulary; it is generated in memory, never written. Each schedule runs twice, alternating, so
// that drift in a shared machine's load falls on both. Results, with the adapter, go to
// bench/results/batch-map-<adapter>.json.
//
// Run: npm run bench:batch-map -- [--parts 8] [--prompt-tokens 16] [--gen-tokens 8] [--embd 256] [--layers 4] [--ffn 768]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineRuntime } from '../engine/runtime.ts';
import { GpuBackend } from '../gpu/backend.ts';
import type { GpuModel } from '../gpu/model.ts';
import { acquireNodeDevice } from '../gpu/node-gpu.ts';
import type { GpuSequence } from '../gpu/sequence.ts';
import { readGguf } from '../model/gguf/reader.ts';
import { memorySource } from '../model/gguf/sources.ts';
import { GgufValueType } from '../model/gguf/types.ts';
import { writeGguf, type GgufWriteTensor } from '../model/gguf/writer.ts';
import { quantize } from '../model/quant/index.ts';
import { ggmlTypeByName, tensorBytes } from '../model/quant/types.ts';

const { values: args } = parseArgs({ options: {
  parts: { type: 'string', default: '8' }, 'prompt-tokens': { type: 'string', default: '16' }, 'gen-tokens': { type: 'string', default: '8' },
  embd: { type: 'string', default: '256' }, layers: { type: 'string', default: '4' }, ffn: { type: 'string', default: '768' },
} });
const PARTS = Number(args.parts), PROMPT = Number(args['prompt-tokens']), GEN = Number(args['gen-tokens']);
const SHAPE = { nEmbd: Number(args.embd), nLayer: Number(args.layers), nHead: 8, nHeadKv: 4, nFf: Number(args.ffn), nCtx: 2048 };

/** The llama fixture with its tensors replaced by random Q8_0 ones of SHAPE (its tokenizer kept). */
async function model(): Promise<Uint8Array> {
  const fixture = await readGguf(memorySource(new Uint8Array(readFileSync(join(process.cwd(), '../shared/fixtures/llama-Q8_0/model.gguf')))));
  const metadata = new Map(fixture.metadata);
  const types = new Map(fixture.metadataTypes);
  const set = (k: string, v: number) => { metadata.set(`llama.${k}`, v); types.set(`llama.${k}`, GgufValueType.UINT32); };
  const { nEmbd: E, nLayer: L, nHead: H, nHeadKv: KV, nFf: F, nCtx } = SHAPE;
  const D = E / H, V = Number(fixture.metadata.get('llama.vocab_size') ?? 512);
  set('embedding_length', E); set('block_count', L); set('feed_forward_length', F); set('attention.head_count', H);
  set('attention.head_count_kv', KV); set('rope.dimension_count', D); set('context_length', nCtx);
  metadata.delete('general.alignment');
  const q8 = ggmlTypeByName('Q8_0')!, f32 = ggmlTypeByName('F32')!;
  let seed = 7;
  const random = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return lo + (hi - lo) * (seed / 2 ** 32);
  });
  const tensors: GgufWriteTensor[] = [];
  const matrix = (name: string, k: number, n: number) => {
    const bytes = new Uint8Array(tensorBytes(q8, k * n));
    const rows = quantize(q8.id, random(8 * k, -0.05, 0.05), name);
    for (let at = 0; at < bytes.length; at += rows.length) bytes.set(rows.subarray(0, Math.min(rows.length, bytes.length - at)), at);
    tensors.push({ name, dims: [k, n], type: q8.id, bytes });
  };
  const norm = (name: string, k: number) => tensors.push({ name, dims: [k], type: f32.id, bytes: new Uint8Array(random(k, 0.9, 1.1).buffer) });
  matrix('token_embd.weight', E, V);
  for (let i = 0; i < L; i++) {
    norm(`blk.${i}.attn_norm.weight`, E);
    matrix(`blk.${i}.attn_q.weight`, E, H * D);
    matrix(`blk.${i}.attn_k.weight`, E, KV * D);
    matrix(`blk.${i}.attn_v.weight`, E, KV * D);
    matrix(`blk.${i}.attn_output.weight`, H * D, E);
    norm(`blk.${i}.ffn_norm.weight`, E);
    matrix(`blk.${i}.ffn_gate.weight`, E, F);
    matrix(`blk.${i}.ffn_up.weight`, E, F);
    matrix(`blk.${i}.ffn_down.weight`, F, E);
  }
  norm('output_norm.weight', E);
  matrix('output.weight', E, V);
  return writeGguf({ metadata, metadataTypes: types, arrayTypes: fixture.arrayTypes, alignment: fixture.alignment, tensors });
}

const ctx = await acquireNodeDevice();
const runtime = new EngineRuntime(new GpuBackend(async () => ctx, { chunkTokens: 64 }), { maxSequences: PARTS + 1 });
const bytes = await model();
const source = memorySource(bytes);
await runtime.load(source, await readGguf(source), () => {}, { id: 'batch-map', contextLength: SHAPE.nCtx });
const gpu = runtime.loaded!.model as GpuModel;
const vocab = gpu.plan.nVocab;
// Greedy, with no end-of-generation stop, so every part decodes exactly GEN tokens.
const request = (i: number, tag: string) => ({ maxTokens: GEN, sampling: { temperature: 0, repetitionPenalty: 1 }, sequence: `${tag}${i}` });
const prompts = Array.from({ length: PARTS }, (_, i) => Array.from({ length: PROMPT + i }, (_, j) => 3 + ((i * 131 + j * 17) % (vocab - 3))));
const eogFree = (tokens: readonly number[]) => tokens.length === GEN;

interface Phase { ms: number; generated: number; prefilled: number; mapTokensPerSecond: number }
const phase = (ms: number, results: { tokens: readonly number[]; timings: { prefilledTokens: number } }[]): Phase => {
  const generated = results.reduce((a, r) => a + r.tokens.length, 0);
  const prefilled = results.reduce((a, r) => a + r.timings.prefilledTokens, 0);
  return { ms, generated, prefilled, mapTokensPerSecond: (generated + prefilled) / (ms / 1000) };
};

// Warm-up: compile every pipeline (single and batched paths) before timing either.
await Promise.all(prompts.slice(0, 2).map((p, i) => runtime.generateTokens(p.slice(0, 4), { ...request(i, 'warm'), maxTokens: 2 }, () => {})));

type Result = Awaited<ReturnType<typeof runtime.generateTokens>>;
const batcher = runtime.loaded!.batcher!;
const before = { ...batcher.stats };
const runs: { oneAfterAnother: Phase[]; batched: Phase[] } = { oneAfterAnother: [], batched: [] };
let sequential: Result[] = [], together: Result[] = [];
let t0 = 0;
for (let round = 0; round < 2; round++) {
  // Fresh sequences each round (different names), so that no prompt is reused from the last.
  t0 = performance.now();
  sequential = [];
  for (const [i, p] of prompts.entries()) sequential.push(await runtime.generateTokens(p, request(i, `one${round}-`), () => {}));
  runs.oneAfterAnother.push(phase(performance.now() - t0, sequential));
  t0 = performance.now();
  together = await Promise.all(prompts.map((p, i) => runtime.generateTokens(p, request(i, round === 1 ? 'batch' : `batch${round}-`), () => {})));
  runs.batched.push(phase(performance.now() - t0, together));
}
const differing = together.flatMap((r, i) => (JSON.stringify(r.tokens) === JSON.stringify(sequential[i].tokens) ? [] : [{ part: i, alone: sequential[i].tokens, batched: r.tokens }]));
const mean = (ps: Phase[]) => ps.reduce((a, p) => a + p.ms, 0) / ps.length;

// Decode alone, to separate it from the prompts: every part holds its prompt and one token; the
// next GEN steps are timed one sequence after another, then as batched steps.
const seqs = (await Promise.all(prompts.map((_, i) => runtime.sequence(`batch${i}`)))) as GpuSequence[];
const greedy = { temperature: 0, topK: 1, topP: 1, minP: 0, repetitionPenalty: 1, penaltyLastN: 0, seed: 0 };
const next = together.map((r) => r.tokens[r.tokens.length - 1]);
const stats = gpu.encodeStats;
let d0 = { ...stats };
t0 = performance.now();
for (const [i, q] of seqs.entries()) {
  let t = next[i];
  for (let s = 0; s < GEN; s++) t = await q.evalAndSample([t], greedy);
}
const singleMs = performance.now() - t0;
const singleDispatches = (stats.dispatches - d0.dispatches) / (stats.passes - d0.passes);
for (const q of seqs) q.rewind(q.history.length - GEN);
d0 = { ...stats };
t0 = performance.now();
let tokens = next;
for (let s = 0; s < GEN; s++) {
  const out = await gpu.decodeBatch(() => seqs.map((sequence, i) => ({ sequence, token: tokens[i], sampling: greedy })));
  tokens = out.map((o) => { if (!('token' in o)) throw o.error; return o.token; });
}
const batchMs = performance.now() - t0;
const batchForwardDispatches = (stats.dispatches - d0.dispatches) / (stats.passes - d0.passes);

const info = ctx.adapterInfo;
const result = {
  adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
  note: info.architecture === 'swiftshader'
    ? 'SwiftShader (CPU Vulkan) emulator figures: they compare the two schedules on one adapter in one run; they are not GPU performance.'
    : 'Same adapter, same run.',
  model: { ...SHAPE, weights: 'Q8_0 random', bytes: bytes.length },
  parts: PARTS, promptTokens: `${PROMPT}..${PROMPT + PARTS - 1}`, genTokensPerPart: GEN,
  mapPhase: {
    oneAfterAnother: runs.oneAfterAnother,
    batched: runs.batched,
    batcher: { batches: batcher.stats.batches - before.batches, stepsBatched: batcher.stats.steps - before.steps, largestBatch: batcher.stats.largest },
    speedup: mean(runs.oneAfterAnother) / mean(runs.batched),
    // Greedy: the batch must give each part the tokens it gives alone.
    sameTokens: differing.length === 0,
    ...(differing.length > 0 ? { differing } : {}),
    // Parts that met an end-of-generation token before gen-tokens (random weights do).
    partsEndedEarly: sequential.filter((r) => !eogFree(r.tokens)).length,
  },
  decodeOnly: {
    oneAfterAnother: { ms: singleMs, tokensPerSecond: (PARTS * GEN) / (singleMs / 1000) },
    batched: { ms: batchMs, tokensPerSecond: (PARTS * GEN) / (batchMs / 1000) },
    speedup: singleMs / batchMs,
  },
  dispatches: {
    singleStepForward: singleDispatches,
    batchedStepForward: batchForwardDispatches,
    batchedStepWithSampling: stats.lastBatchDispatches,
    batchSize: PARTS,
  },
};
const out = join(process.cwd(), 'bench/results', `batch-map-${info.vendor}-${info.architecture}.json`.replace(/[^\w.-]+/g, '-'));
mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
runtime.unload();
ctx.device.destroy();
