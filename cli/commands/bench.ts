// edgewise bench <model.gguf> [--prompt-tokens N] [--gen-tokens N] [--ctx N] [--chunk N] [--submit-ahead N] [--json] [--out file.json]
// Prefill and decode speed of a model on this adapter, time to first token, planned GPU memory,
// prefill GFLOP/s as a fraction of the adapter's arithmetic rate (an FMA probe kernel, f16 where
// the adapter has shader-f16 and f32, measured in the same run), and the decode bandwidth floor: the bytes one decoded token must read (every weight once, the
// token embedding's one row, the KV cache up to the current position, the recurrent state read
// and written) divided by the adapter's buffer-copy bandwidth, measured in the same run. Decode
// speed is reported as a fraction of that floor (DESIGN.md, "Performance model").
import { writeFile } from 'node:fs/promises';
import type { AdapterSummary, GpuContext } from '../../gpu/device.ts';
import { acquireNodeDevice } from '../../gpu/node-gpu.ts';
import type { GemvTuningReport } from '../../gpu/gemv-tuning.ts';
import { formatBytes, type MemoryPlan } from '../../gpu/memory-plan.ts';
import { measureFmaRate, type FmaRate } from '../../gpu/ops/fma-probe.ts';
import { GpuSession } from '../../gpu/session.ts';
import type { ModelPlan } from '../../model/arch/plan.ts';
import { DEFAULT_SAMPLING } from '../../engine/generate.ts';
import type { GgufFile } from '../../model/gguf/types.ts';
import { parse, type CliCommand } from '../args.ts';
import { cliGemvTuning } from '../gemv-tuning.ts';
import { intOption, openGguf } from '../open-model.ts';

const GREEDY = { ...DEFAULT_SAMPLING, temperature: 0, repetitionPenalty: 1 };

export interface BenchOptions {
  readonly promptTokens: number;
  readonly genTokens: number;
  /** Run the prompt and one decode step once before timing (compiles the odd chunk's pipelines). */
  readonly warmup: boolean;
}

export interface BenchResult {
  readonly model: { readonly arch: string; readonly nLayer: number; readonly nEmbd: number; readonly nVocab: number; readonly fileBytes: number };
  readonly adapter: AdapterSummary;
  readonly features: GpuContext['features'];
  readonly contextLength: number;
  readonly chunkTokens: number;
  readonly promptTokens: number;
  readonly genTokens: number;
  readonly timeToFirstTokenMs: number;
  readonly prefillTokensPerSecond: number;
  /**
   * Prefill arithmetic: the matrix products' FLOPs (2 per weight per token; the output matrix
   * for the last token only, MoE experts at their routed share) plus causal attention's QKᵀ and
   * PV, divided by the time to first token; and that rate as a fraction of the FMA probe's rate
   * (f16 where the adapter has shader-f16, as issue #13 sets its target, else f32).
   */
  readonly prefill: {
    readonly flops: number;
    readonly gflopPerS: number;
    readonly probeF32: FmaRate;
    readonly probeF16?: FmaRate;
    readonly fractionOfMatrixRate: number;
    readonly fractionOfF32Rate: number;
  };
  readonly decodeTokensPerSecond: number;
  readonly weightBytes: number;
  /** The session's memory plan: what it asked the GPU for. */
  readonly gpuMemoryPlanned: MemoryPlan;
  readonly bandwidthFloor: {
    /** Mean over the decoded tokens of the bytes each must read. */
    readonly bytesPerToken: number;
    /** Buffer-to-buffer copy: (bytes read + bytes written) per second, in GB/s (1e9). */
    readonly copyGBps: number;
    readonly copyBufferBytes: number;
    /** copyGBps·1e9 ÷ bytesPerToken: the decode speed a pure bandwidth-bound engine would reach. */
    readonly floorTokensPerSecond: number;
    readonly fractionOfFloor: number;
  };
  /**
   * CPU cost of one decode step: the forward pass's compute dispatches; the ms spent writing its
   * inputs and submitting (encoding too, where it was not done ahead) while the GPU waited, not
   * the wait for the result; and the ms spent encoding the next step ahead while the GPU ran this
   * one (session option encodeAhead). Where the first nears the time per token, the CPU, not
   * memory bandwidth, bounds decoding. Times are medians over the decoded tokens: a single slow
   * call (a GC pause, a driver stall) would otherwise stand for the typical step.
   * With steps submitted ahead (session option submitAhead: the depth), a token's step was on
   * the GPU before the token before it was read back: none of its CPU time is spent while the
   * GPU waits (encodeMsPerToken 0); encodeAheadMsPerToken holds it all.
   */
  readonly decodeCpu: {
    readonly dispatchesPerToken: number; readonly encodeMsPerToken: number; readonly encodeAheadMsPerToken: number;
    readonly submitAhead: number;
  };
  /** The decode GEMV's workgroup shapes in use, and whether they came from the cache, a tuning at load (its ms) or the defaults. */
  readonly gemv: GemvTuningReport;
}

/** The share of each stacked MoE expert tensor a token uses: the k of n experts the router chooses. */
function expertShares(plan: ModelPlan): Map<string, number> {
  const share = new Map<string, number>();
  for (const l of plan.layers) {
    if (l.ffn.kind !== 'moe') continue;
    const t = l.ffn.tensors;
    for (const name of [t.gateExps, t.upExps, t.downExps]) share.set(name, l.ffn.nExpertUsed / l.ffn.nExpert);
  }
  return share;
}

/**
 * Bytes one decode step at `position` reads: every weight the plan uploads, except the token
 * embedding of an untied model (one row is looked up) and MoE expert tensors (the chosen k of n
 * experts are read), plus the K and V of `position` tokens and the conv/SSM state (read and
 * written back).
 */
export function bytesPerDecodedToken(plan: ModelPlan, file: GgufFile, memory: MemoryPlan, contextLength: number, position: number): number {
  const byName = new Map(file.tensors.map((t) => [t.name, t.byteSize]));
  // A decoded token reads the chosen experts' slices of a stacked expert tensor, no more.
  const expertShare = expertShares(plan);
  let weights = 0;
  for (const spec of plan.tensors) {
    const bytes = byName.get(spec.name) ?? 0;
    weights += spec.name === plan.tokenEmbedding && !plan.tied ? bytes / plan.nVocab : bytes * (expertShare.get(spec.name) ?? 1);
  }
  const kvPerPosition = memory.kvCacheBytes / contextLength;
  return weights + kvPerPosition * position + 2 * memory.recurrentStateBytes;
}

/**
 * FLOPs of prefilling `tokens` tokens: every matrix product (weights of two or more dimensions,
 * both at least 32: not conv kernels or per-channel vectors) at 2 FLOPs per weight per token,
 * except the token embedding (a lookup) and the output matrix (the last token's logits only);
 * MoE expert tensors at the routed share; plus causal attention, 2 · 2 · headDim · nHead FLOPs
 * per (query, key) pair with key ≤ query. Recurrent scans and elementwise work are left out.
 */
export function prefillFlops(plan: ModelPlan, tokens: number): number {
  const expertShare = expertShares(plan);
  let flops = 0;
  for (const spec of plan.tensors) {
    const [k, ...rest] = spec.ne;
    const n = rest.reduce((a, b) => a * b, 1);
    if (rest.length === 0 || k < 32 || rest[0] < 32) continue;
    if (spec.name === plan.output) flops += 2 * k * n;
    else if (spec.name !== plan.tokenEmbedding) flops += 2 * k * n * tokens * (expertShare.get(spec.name) ?? 1);
  }
  const pairs = (tokens * (tokens + 1)) / 2;
  for (const l of plan.layers) if (l.mixer.kind === 'attention') flops += 4 * l.mixer.headDim * l.mixer.nHead * pairs;
  return flops;
}

/** Copy bandwidth of the device, (read + write) bytes per second ÷ 1e9, timed with onSubmittedWorkDone. */
export async function copyBandwidth(ctx: GpuContext, requestedBytes = 256 << 20, reps = 8): Promise<{ gbps: number; bytes: number }> {
  const { device } = ctx;
  // A quarter of the largest buffer at most, so that small devices can still run it.
  const bytes = Math.min(requestedBytes, Math.floor(ctx.limits.maxBufferSize / 4 / 256) * 256);
  const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const a = device.createBuffer({ label: 'bench/copy-src', size: bytes, usage });
  const b = device.createBuffer({ label: 'bench/copy-dst', size: bytes, usage });
  const run = async (n: number) => {
    const enc = device.createCommandEncoder({ label: 'bench/copy' });
    for (let i = 0; i < n; i++) enc.copyBufferToBuffer(a, 0, b, 0, bytes);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  try {
    await run(1);
    const t0 = performance.now();
    await run(reps);
    const seconds = (performance.now() - t0) / 1000;
    return { gbps: (2 * bytes * reps) / seconds / 1e9, bytes };
  } finally {
    a.destroy();
    b.destroy();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A prompt of `n` ids spread over the vocabulary, starting with `first` (BOS where the model has one). */
export function benchPrompt(n: number, nVocab: number, first: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === 0 && first >= 0 ? first : (i * 7919 + 13) % nVocab));
}

export async function runBench(session: GpuSession, file: GgufFile, o: BenchOptions, bos = 1): Promise<BenchResult> {
  const { plan, ctx } = session;
  const prompt = benchPrompt(o.promptTokens, plan.nVocab, bos < plan.nVocab ? bos : -1);
  const gen = Math.max(1, Math.min(o.genTokens, session.contextLength - prompt.length));
  session.beginGeneration(GREEDY);
  if (o.warmup) {
    session.reset();
    const t = await session.evalAndSample(prompt, GREEDY);
    await session.evalAndSample([t], GREEDY);
  }
  session.reset();
  const t0 = performance.now();
  let next = await session.evalAndSample(prompt, GREEDY);
  const t1 = performance.now();
  const before = { ...session.encodeStats };
  const cpu = { ms: [] as number[], aheadMs: [] as number[] };
  for (let i = 0; i < gen; i++) {
    const { ms, aheadMs } = session.encodeStats;
    next = await session.evalAndSample([next], GREEDY);
    cpu.ms.push(session.encodeStats.ms - ms);
    cpu.aheadMs.push(session.encodeStats.aheadMs - aheadMs);
  }
  const t2 = performance.now();
  const steps = session.encodeStats.passes - before.passes;

  const copy = await copyBandwidth(ctx);
  const env = session.model.env;
  const probeF32 = await measureFmaRate(env, false);
  const probeF16 = ctx.features.f16 ? await measureFmaRate(env, true) : undefined;
  const flops = prefillFlops(plan, prompt.length);
  const gflopPerS = flops / ((t1 - t0) / 1000) / 1e9;
  // Decode steps run at positions prompt.length .. prompt.length + gen - 1: the mean KV length.
  const bytesPerToken = bytesPerDecodedToken(plan, file, session.memory, session.contextLength, prompt.length + (gen - 1) / 2);
  const decodeTokensPerSecond = gen / ((t2 - t1) / 1000);
  const floorTokensPerSecond = (copy.gbps * 1e9) / bytesPerToken;
  return {
    model: { arch: plan.arch, nLayer: plan.nLayer, nEmbd: plan.nEmbd, nVocab: plan.nVocab, fileBytes: file.fileSize },
    adapter: ctx.adapterInfo,
    features: ctx.features,
    contextLength: session.contextLength,
    chunkTokens: session.chunkTokens,
    promptTokens: prompt.length,
    genTokens: gen,
    timeToFirstTokenMs: t1 - t0,
    prefillTokensPerSecond: prompt.length / ((t1 - t0) / 1000),
    prefill: {
      flops, gflopPerS, probeF32, probeF16,
      fractionOfMatrixRate: gflopPerS / (probeF16 ?? probeF32).gflops,
      fractionOfF32Rate: gflopPerS / probeF32.gflops,
    },
    decodeTokensPerSecond,
    weightBytes: session.memory.weightBytes,
    gpuMemoryPlanned: session.memory,
    bandwidthFloor: {
      bytesPerToken, copyGBps: copy.gbps, copyBufferBytes: copy.bytes, floorTokensPerSecond,
      fractionOfFloor: decodeTokensPerSecond / floorTokensPerSecond,
    },
    decodeCpu: {
      dispatchesPerToken: (session.encodeStats.dispatches - before.dispatches) / steps,
      encodeMsPerToken: median(cpu.ms),
      encodeAheadMsPerToken: median(cpu.aheadMs),
      submitAhead: session.model.submitAhead,
    },
    gemv: session.model.gemvTuning,
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function formatGemv(g: GemvTuningReport): string {
  const from = g.source === 'default' ? `defaults (${g.reason})` : g.source === 'cache' ? 'cached for this adapter' : `tuned at load in ${g.ms.toFixed(0)} ms (${g.clock})`;
  const shapes = g.shapes.map((s) => `${s.type} K=${s.k} ${s.workgroupSize}×${s.rowsPerWorkgroup}`);
  return `${from}: ${[...shapes, `other ${g.otherwise.workgroupSize}×${g.otherwise.rowsPerWorkgroup}`].join(', ')}` +
    (g.cacheError ? `; not cached: ${g.cacheError}` : '');
}

export function formatBench(r: BenchResult): string {
  const a = r.adapter;
  const f = r.bandwidthFloor;
  const m = r.gpuMemoryPlanned;
  const p = r.prefill;
  const probe = p.probeF16 ?? p.probeF32;
  return [
    `adapter   ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')} (f16 ${r.features.f16}, subgroups ${r.features.subgroups})`,
    `model     ${r.model.arch}, ${r.model.nLayer} layers, n_embd ${r.model.nEmbd}, vocab ${r.model.nVocab}, weights ${mb(r.weightBytes)}, GPU memory planned ${mb(r.gpuMemoryPlanned.totalBytes)}`,
    `memory    weights ${formatBytes(m.weightBytes)}, KV cache ${formatBytes(m.kvCacheBytes)} (${r.contextLength}-token context), recurrent state ${formatBytes(m.recurrentStateBytes)} (×2 with its snapshot), activations ${formatBytes(m.activationBytes)} (${r.chunkTokens}-token chunks): ${formatBytes(m.totalBytes)}`,
    `prefill   ${r.promptTokens} tokens: ${r.prefillTokensPerSecond.toFixed(1)} tokens/s, time to first token ${r.timeToFirstTokenMs.toFixed(0)} ms`,
    `matrix    prefill ${p.gflopPerS.toPrecision(3)} GFLOP/s = ${(100 * p.fractionOfMatrixRate).toFixed(1)} % of the ${probe.precision} FMA probe's ${probe.gflops.toPrecision(3)} GFLOP/s` +
      (p.probeF16 ? ` (${(100 * p.fractionOfF32Rate).toFixed(1)} % of f32's ${p.probeF32.gflops.toPrecision(3)})` : ''),
    `decode    ${r.genTokens} tokens: ${r.decodeTokensPerSecond.toFixed(2)} tokens/s`,
    `floor     ${mb(f.bytesPerToken)} per token ÷ copy ${f.copyGBps.toFixed(1)} GB/s = ${f.floorTokensPerSecond.toFixed(1)} tokens/s; decode at ${(100 * f.fractionOfFloor).toFixed(1)} % of it`,
    `gemv      threads×rows per workgroup ${formatGemv(r.gemv)}`,
    `cpu       ${r.decodeCpu.dispatchesPerToken.toFixed(0)} dispatches per decoded token: ${r.decodeCpu.encodeMsPerToken.toFixed(3)} ms to submit them while the GPU waits, ${r.decodeCpu.encodeAheadMsPerToken.toFixed(3)} ms encoding ahead while it runs (${r.decodeCpu.submitAhead} steps submitted ahead)`,
  ].join('\n');
}

export const bench: CliCommand = {
  summary: 'prefill/decode tokens per second, time to first token, memory and the bandwidth floor',
  usage: 'usage: edgewise bench <model.gguf> [--prompt-tokens N] [--gen-tokens N] [--ctx N] [--chunk N] [--submit-ahead N] [--json] [--out file.json]\n' +
    '  --prompt-tokens N  prompt length (default 128)\n' +
    '  --gen-tokens N     tokens decoded after it (default 32)\n' +
    '  --ctx N            context length (default: prompt + generated tokens)\n' +
    '  --chunk N          prefill chunk size (default: the largest the adapter\'s limits and memory allow, up to 2048)\n' +
    '  --submit-ahead N   decode steps submitted before the previous is read back (default: the model\'s)\n' +
    '  --json             one JSON object instead of text; --out also writes it to a file',
  async run(argv) {
    const { values, positionals } = parse(argv, {
      'prompt-tokens': { type: 'string' }, 'gen-tokens': { type: 'string' }, ctx: { type: 'string' },
      chunk: { type: 'string' }, 'submit-ahead': { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' },
    }, 1);
    const promptTokens = intOption(values['prompt-tokens'], '--prompt-tokens', 128);
    const genTokens = intOption(values['gen-tokens'], '--gen-tokens', 32);
    const contextLength = intOption(values.ctx, '--ctx', promptTokens + genTokens + 1, 2);
    const chunkTokens = values.chunk === undefined ? undefined : intOption(values.chunk, '--chunk', 0);
    const submitAhead = values['submit-ahead'] === undefined ? undefined : intOption(values['submit-ahead'], '--submit-ahead', 0, 0);
    const gemvTuning = cliGemvTuning();
    const { source, file } = await openGguf(positionals[0]);
    try {
      const ctx = await acquireNodeDevice();
      const session = await GpuSession.load(ctx, file, source, { contextLength, chunkTokens, submitAhead, gemvTuning });
      try {
        const bos = file.metadata.get('tokenizer.ggml.bos_token_id');
        const result = await runBench(session, file, { promptTokens: Math.min(promptTokens, session.contextLength - 1), genTokens, warmup: true },
          typeof bos === 'number' ? bos : -1);
        const json = JSON.stringify(result, null, 2);
        if (values.out !== undefined) await writeFile(values.out, json + '\n');
        console.log(values.json ? json : formatBench(result));
      } finally {
        session.destroy();
        ctx.device.destroy();
      }
      return 0;
    } finally {
      await source.close();
    }
  },
};
