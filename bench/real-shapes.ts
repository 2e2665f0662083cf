// Benchmark (not a test) on models with real shapes: random-weight GGUF files with the exact
// tensor shapes and the Q4_K_M type mix of Jamba Reasoning 3B, Granite-4.0-H-350M and Qwen3-0.6B,
// generated on the fly into os.tmpdir() (never committed) and deleted afterwards. Each is loaded
// by the engine and run through the same measurement as `edgewise bench` (prefill, decode, time to
// first token, planned memory, bandwidth floor); llama.cpp (bench/llama-peer.mjs: node-llama-cpp's
// prebuilt binaries, one run per --peers backend) runs the same file and prompt beside it. Results,
// with the adapter, go to
// bench/results/real-shapes-<adapter>.json (entries of models not run this time are kept).
//
// Run: npm run bench:real-shapes -- [--models granite-350m,qwen3-0.6b,jamba-3b] [--prompt-tokens N]
//      [--gen-tokens N] [--peers cpu,vulkan] [--no-llama-cpp] [--keep]
// The weights only need valid shapes and block layouts: each distinct (type, shape) gets a few
// rows quantized from random floats by model/quant, tiled over the tensor and shared between the
// layers that have that shape.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchPrompt, runBench, type BenchResult } from '../cli/commands/bench.ts';
import { nodeFileSource } from '../cli/file-source.ts';
import { acquireNodeDevice } from '../gpu/node-gpu.ts';
import { GpuSession } from '../gpu/session.ts';
import { readGguf } from '../model/gguf/reader.ts';
import { memorySource } from '../model/gguf/sources.ts';
import { GgufValueType, type GgufValue } from '../model/gguf/types.ts';
import { writeGguf, type GgufWriteTensor } from '../model/gguf/writer.ts';
import { quantize } from '../model/quant/index.ts';
import { ggmlType, ggmlTypeByName, tensorBytes } from '../model/quant/types.ts';

// Run from the repository root (npm run), like the other benchmarks.
const FIXTURES = join(process.cwd(), '../shared/fixtures');
const F32 = GgufValueType.FLOAT32;
const typeId = (name: string) => ggmlTypeByName(name)!.id;

/**
 * llama-quantize's use_more_bits(i, n): the layers whose attn_v / ffn_down get Q6_K in Q4_K_M.
 */
const useMoreBits = (i: number, n: number) => i < n / 8 || i >= (7 * n) / 8 || (i - Math.floor(n / 8)) % 3 === 2;

/** A matrix's type in a Q4_K_M file: Q4_K, or its fallback where 256 does not divide the rows. */
function q4km(rowLength: number, wantQ6 = false): string {
  if (rowLength % 256 === 0) return wantQ6 ? 'Q6_K' : 'Q4_K';
  // llama-quantize falls back from Q4_K to Q5_0 (and from Q6_K to Q8_0), then to F16.
  if (rowLength % 32 === 0) return wantQ6 ? 'Q8_0' : 'Q5_0';
  return 'F16';
}

class RealBuilder {
  readonly metadata = new Map<string, GgufValue>();
  readonly types = new Map<string, GgufValueType>();
  arrayTypes = new Map<string, GgufValueType>();
  readonly tensors: GgufWriteTensor[] = [];
  private readonly payloads = new Map<string, Uint8Array>();
  private seed = 1;
  /** The tokenizer of a fixture vocabulary, padded with unused tokens to `nVocab` entries. */
  vocabulary(fixture: string, nVocab: number): void {
    const path = join(FIXTURES, fixture, 'vocab.gguf');
    if (!existsSync(path)) {
      this.syntheticVocabulary(nVocab);
      return;
    }
    const bytes = new Uint8Array(readFileSync(path));
    this.pendingVocab = readGguf(memorySource(bytes)).then((file) => {
      for (const [key, value] of file.metadata) {
        if (!key.startsWith('tokenizer.')) continue;
        this.metadata.set(key, value);
        this.types.set(key, file.metadataTypes.get(key)!);
      }
      this.arrayTypes = new Map(file.arrayTypes);
      const tokens = [...(file.metadata.get('tokenizer.ggml.tokens') as string[])];
      const have = tokens.length;
      if (have > nVocab) throw new Error(`${fixture} has ${have} tokens, more than ${nVocab}`);
      for (let i = have; i < nVocab; i++) tokens.push(`<edgewise_pad_${i}>`);
      this.metadata.set('tokenizer.ggml.tokens', tokens);
      // Padding tokens are UNUSED (token type 5), with the lowest score.
      const tt = file.metadata.get('tokenizer.ggml.token_type') as ArrayLike<number> | undefined;
      if (tt) this.metadata.set('tokenizer.ggml.token_type', Int32Array.from({ length: nVocab }, (_, i) => (i < have ? Number(tt[i]) : 5)));
      const scores = file.metadata.get('tokenizer.ggml.scores') as ArrayLike<number> | undefined;
      if (scores) this.metadata.set('tokenizer.ggml.scores', Float32Array.from({ length: nVocab }, (_, i) => (i < have ? Number(scores[i]) : -1e9)));
    });
  }

  pendingVocab: Promise<void> = Promise.resolve();

  /** Where the fixtures did not travel (a bare GPU machine): an SPM-typed list of placeholder pieces. */
  private syntheticVocabulary(nVocab: number): void {
    const tokens = Array.from({ length: nVocab }, (_, i) => (i === 0 ? '<unk>' : i === 1 ? '<s>' : i === 2 ? '</s>' : `▁p${i}`));
    this.meta('tokenizer.ggml.model', 'llama');
    this.meta('tokenizer.ggml.tokens', tokens);
    this.meta('tokenizer.ggml.scores', Float32Array.from({ length: nVocab }, (_, i) => -i));
    this.meta('tokenizer.ggml.token_type', Int32Array.from({ length: nVocab }, (_, i) => (i === 0 ? 2 : i < 3 ? 3 : 1)));
    this.meta('tokenizer.ggml.bos_token_id', 1, GgufValueType.UINT32);
    this.meta('tokenizer.ggml.eos_token_id', 2, GgufValueType.UINT32);
  }

  meta(key: string, value: GgufValue, type?: GgufValueType): void {
    this.metadata.set(key, value);
    if (type !== undefined) this.types.set(key, type);
  }

  /** A tensor of ggml type `type` and dims (innermost first) with valid blocks. */
  tensor(name: string, dims: number[], type: string, range: [number, number] = [-0.05, 0.05]): void {
    const key = `${type}:${dims.join('x')}:${range.join(',')}`;
    let bytes = this.payloads.get(key);
    if (!bytes) {
      const info = ggmlTypeByName(type)!;
      const total = dims.reduce((a, b) => a * b, 1);
      const rowLen = dims[0];
      const rows = Math.min(total / rowLen, 8);
      let s = this.seed++ * 2654435761;
      const data = Float32Array.from({ length: rows * rowLen }, () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return range[0] + (range[1] - range[0]) * (s / 2 ** 32);
      });
      const pattern = quantize(info.id, data, name);
      bytes = new Uint8Array(tensorBytes(info, total));
      for (let at = 0; at < bytes.length; at += pattern.length) bytes.set(pattern.subarray(0, Math.min(pattern.length, bytes.length - at)), at);
      this.payloads.set(key, bytes);
    }
    this.tensors.push({ name, dims, type: typeId(type), bytes });
  }

  norm(name: string, dims: number[]): void {
    this.tensor(name, dims, 'F32', [0.9, 1.1]);
  }

  async write(path: string): Promise<number> {
    await this.pendingVocab;
    const bytes = writeGguf({ metadata: this.metadata, metadataTypes: this.types, arrayTypes: this.arrayTypes, tensors: this.tensors });
    writeFileSync(path, bytes);
    return bytes.length;
  }
}

/** nHeadKv: one count for every layer, or per layer (0 at a hybrid model's Mamba layers). */
function common(b: RealBuilder, arch: string, c: { nLayer: number; nEmbd: number; nCtx: number; eps: number; nFf: number; nHead: number; nHeadKv: number | Uint32Array }): void {
  b.meta('general.architecture', arch);
  b.meta('general.name', `edgewise real-shape ${arch} (random weights)`);
  b.meta('general.file_type', 15);  // MOSTLY_Q4_K_M
  b.meta(`${arch}.block_count`, c.nLayer);
  b.meta(`${arch}.context_length`, c.nCtx);
  b.meta(`${arch}.embedding_length`, c.nEmbd);
  b.meta(`${arch}.attention.layer_norm_rms_epsilon`, c.eps, F32);
  b.meta(`${arch}.feed_forward_length`, c.nFf);
  b.meta(`${arch}.attention.head_count`, c.nHead);
  b.meta(`${arch}.attention.head_count_kv`, c.nHeadKv);
}

/** The sizes of an attention block: embedding, query heads, KV heads, head dim. */
interface AttentionShape { readonly E: number; readonly H: number; readonly KV: number; readonly D: number }

/** attn_q/k/v/output of layer i; attn_v gets Q6_K where `moreBitsV` (use_more_bits picked it). */
function attention(b: RealBuilder, i: number, { E, H, KV, D }: AttentionShape, moreBitsV: boolean): void {
  b.tensor(`blk.${i}.attn_q.weight`, [E, H * D], q4km(E));
  b.tensor(`blk.${i}.attn_k.weight`, [E, KV * D], q4km(E));
  b.tensor(`blk.${i}.attn_v.weight`, [E, KV * D], q4km(E, moreBitsV));
  b.tensor(`blk.${i}.attn_output.weight`, [H * D, E], q4km(H * D));
}

/** ffn_norm and the gated FFN (E → F → E) of layer i of L; ffn_down gets Q6_K where use_more_bits picks it. */
function ffn(b: RealBuilder, i: number, L: number, E: number, F: number): void {
  b.norm(`blk.${i}.ffn_norm.weight`, [E]);
  b.tensor(`blk.${i}.ffn_gate.weight`, [E, F], q4km(E));
  b.tensor(`blk.${i}.ffn_up.weight`, [E, F], q4km(E));
  b.tensor(`blk.${i}.ffn_down.weight`, [F, E], q4km(F, useMoreBits(i, L)));
}

/** A hybrid model's per-layer head_count_kv: KV at the attention layers, 0 at the Mamba ones. */
const hybridKvHeads = (L: number, attn: ReadonlySet<number>, KV: number) => Uint32Array.from({ length: L }, (_, i) => (attn.has(i) ? KV : 0));

/**
 * The L layers of a hybrid model, each attn_norm, then attention at the layers in `attn` or
 * `mamba(i)` elsewhere, then the FFN; and output_norm. use_more_bits counts the attention layers
 * alone for attn_v.
 */
function hybridLayers(b: RealBuilder, L: number, F: number, attn: ReadonlySet<number>, shape: AttentionShape, mamba: (i: number) => void): void {
  let vIndex = 0;
  for (let i = 0; i < L; i++) {
    b.norm(`blk.${i}.attn_norm.weight`, [shape.E]);
    if (attn.has(i)) attention(b, i, shape, useMoreBits(vIndex++, attn.size));
    else mamba(i);
    ffn(b, i, L, shape.E, F);
  }
  b.norm('output_norm.weight', [shape.E]);
}

interface RealModel {
  readonly id: string;
  /** Where the shapes come from, and what is assumed. */
  readonly source: string;
  build(b: RealBuilder): void;
}

/**
 * Qwen3-0.6B (Hugging Face Qwen/Qwen3-0.6B config.json): hidden 1024, 28 layers, 16 query heads
 * and 8 KV heads of head_dim 128, intermediate 3072, vocab 151936, tied embeddings, rope theta 1e6,
 * RMSNorm eps 1e-6, 40960 positions. Vocabulary: the tok-bpe-qwen3 fixture (the real one).
 */
const QWEN3_06B: RealModel = {
  id: 'qwen3-0.6b',
  source: 'Qwen/Qwen3-0.6B config.json (hidden 1024, 28 layers, 16/8 heads × 128, ffn 3072, vocab 151936, tied)',
  build(b) {
    const [E, L, H, KV, D, F, V] = [1024, 28, 16, 8, 128, 3072, 151936];
    b.vocabulary('tok-bpe-qwen3', V);
    common(b, 'qwen3', { nLayer: L, nEmbd: E, nCtx: 40960, eps: 1e-6, nFf: F, nHead: H, nHeadKv: KV });
    b.meta('qwen3.attention.key_length', D);
    b.meta('qwen3.attention.value_length', D);
    b.meta('qwen3.rope.freq_base', 1e6, F32);
    b.tensor('token_embd.weight', [E, V], q4km(E, true));  // tied: Q6_K
    for (let i = 0; i < L; i++) {
      b.norm(`blk.${i}.attn_norm.weight`, [E]);
      attention(b, i, { E, H, KV, D }, useMoreBits(i, L));
      b.norm(`blk.${i}.attn_q_norm.weight`, [D]);
      b.norm(`blk.${i}.attn_k_norm.weight`, [D]);
      ffn(b, i, L, E, F);
    }
    b.norm('output_norm.weight', [E]);
  },
};

/**
 * Granite-4.0-H-350M (ibm-granite/granite-4.0-h-350m config.json as recalled, NOT re-verified in
 * this session): hidden 768, 32 layers of which 4 attention (indices 10, 13, 17, 27), 12 query / 4
 * KV heads of 64, shared MLP 2048, Mamba-2 with 48 heads of 32 (d_inner 1536), d_state 128, 1
 * group, d_conv 4, vocab 100352, tied, NoPE, multipliers (embedding 12, residual 0.246, logits 3,
 * attention 0.015625). Vocabulary: the tok-bpe-gpt2 fixture padded to 100352 (shapes only).
 */
const GRANITE_350M: RealModel = {
  id: 'granite-4.0-h-350m',
  source: 'ibm-granite/granite-4.0-h-350m config.json as recalled (not re-verified here): hidden 768, 32 layers, attention at 10/13/17/27 (12/4 heads × 64), ffn 2048, mamba2 48 heads × 32, d_state 128, vocab 100352, tied',
  build(b) {
    const [E, L, H, KV, F, V] = [768, 32, 12, 4, 2048, 100352];
    const [dInner, dState, nGroup, ssmHeads, dConv] = [1536, 128, 1, 48, 4];
    const attn = new Set([10, 13, 17, 27]);
    const D = E / H;
    b.vocabulary('tok-bpe-gpt2', V);
    common(b, 'granitehybrid', { nLayer: L, nEmbd: E, nCtx: 32768, eps: 1e-5, nFf: F, nHead: H, nHeadKv: hybridKvHeads(L, attn, KV) });
    b.meta('granitehybrid.rope.freq_base', 10000, F32);
    b.meta('granitehybrid.rope.scaling.finetuned', false);
    b.meta('granitehybrid.attention.scale', 0.015625, F32);
    b.meta('granitehybrid.embedding_scale', 12, F32);
    b.meta('granitehybrid.residual_scale', 0.246, F32);
    b.meta('granitehybrid.logit_scale', 3, F32);
    b.meta('granitehybrid.ssm.conv_kernel', dConv);
    b.meta('granitehybrid.ssm.state_size', dState);
    b.meta('granitehybrid.ssm.group_count', nGroup);
    b.meta('granitehybrid.ssm.inner_size', dInner);
    b.meta('granitehybrid.ssm.time_step_rank', ssmHeads);
    b.tensor('token_embd.weight', [E, V], q4km(E, true));
    const convDim = dInner + 2 * nGroup * dState;
    hybridLayers(b, L, F, attn, { E, H, KV, D }, (i) => {
      b.tensor(`blk.${i}.ssm_in.weight`, [E, dInner + convDim + ssmHeads], q4km(E));
      b.tensor(`blk.${i}.ssm_conv1d.weight`, [dConv, convDim], 'F32', [-0.5, 0.5]);
      b.tensor(`blk.${i}.ssm_conv1d.bias`, [convDim], 'F32');
      b.tensor(`blk.${i}.ssm_dt.bias`, [ssmHeads], 'F32', [-2, 0]);
      b.tensor(`blk.${i}.ssm_a`, [1, ssmHeads], 'F32', [-1.5, -0.5]);
      b.tensor(`blk.${i}.ssm_d`, [1, ssmHeads], 'F32', [0.5, 1.5]);
      b.norm(`blk.${i}.ssm_norm.weight`, [dInner / nGroup, nGroup]);
      b.tensor(`blk.${i}.ssm_out.weight`, [dInner, E], q4km(dInner));
    });
  },
};

/**
 * Jamba Reasoning 3B (ai21labs/AI21-Jamba-Reasoning-3B). From the issue: hidden 2560, 28 layers,
 * 26 Mamba-1 + 2 attention layers with one KV head (MQA), 64K vocabulary. ASSUMED (its config.json
 * could not be fetched in this session): 20 query heads of 128, attention at layers 13 and 27,
 * d_state 16, d_conv 4, expand 2 (d_inner 5120), dt_rank 160 = ceil(2560/16), intermediate 8192
 * (≈3.2B parameters, ≈1.9 GB at Q4_K_M), untied output. Vocabulary: tok-spm-llama2 padded to 65536.
 */
const JAMBA_3B: RealModel = {
  id: 'jamba-reasoning-3b',
  source: 'issue 5 (hidden 2560, 28 layers, 26 Mamba + 2 MQA attention, 64K vocab); ASSUMED, not verified: 20 heads × 128, attention at 13/27, d_state 16, d_conv 4, d_inner 5120, dt_rank 160, ffn 8192, untied',
  build(b) {
    const [E, L, H, KV, F, V] = [2560, 28, 20, 1, 8192, 65536];
    const [dInner, dState, dConv, dtRank] = [5120, 16, 4, 160];
    const attn = new Set([13, 27]);
    const D = E / H;
    b.vocabulary('tok-spm-llama2', V);
    common(b, 'jamba', { nLayer: L, nEmbd: E, nCtx: 262144, eps: 1e-6, nFf: F, nHead: H, nHeadKv: hybridKvHeads(L, attn, KV) });
    b.meta('jamba.ssm.conv_kernel', dConv);
    b.meta('jamba.ssm.inner_size', dInner);
    b.meta('jamba.ssm.state_size', dState);
    b.meta('jamba.ssm.time_step_rank', dtRank);
    b.meta('jamba.expert_count', 1);
    b.meta('jamba.expert_used_count', 1);
    b.tensor('token_embd.weight', [E, V], q4km(E));
    hybridLayers(b, L, F, attn, { E, H, KV, D }, (i) => {
      b.tensor(`blk.${i}.ssm_in.weight`, [E, 2 * dInner], q4km(E));
      b.tensor(`blk.${i}.ssm_conv1d.weight`, [dConv, dInner], 'F32', [-0.5, 0.5]);
      b.tensor(`blk.${i}.ssm_conv1d.bias`, [dInner], 'F32');
      b.tensor(`blk.${i}.ssm_x.weight`, [dInner, dtRank + 2 * dState], q4km(dInner));
      b.norm(`blk.${i}.ssm_dt_norm.weight`, [dtRank]);
      b.norm(`blk.${i}.ssm_b_norm.weight`, [dState]);
      b.norm(`blk.${i}.ssm_c_norm.weight`, [dState]);
      b.tensor(`blk.${i}.ssm_dt.weight`, [dtRank, dInner], q4km(dtRank));
      b.tensor(`blk.${i}.ssm_dt.bias`, [dInner], 'F32', [-2, 0]);
      b.tensor(`blk.${i}.ssm_a`, [dState, dInner], 'F32', [-1.5, -0.05]);
      b.tensor(`blk.${i}.ssm_d`, [dInner], 'F32', [0.5, 1.5]);
      b.tensor(`blk.${i}.ssm_out.weight`, [dInner, E], q4km(dInner));
    });
    b.tensor('output.weight', [E, V], q4km(E, true));
  },
};

const MODELS = [GRANITE_350M, QWEN3_06B, JAMBA_3B];

interface PeerFigures {
  readonly backend: string;
  readonly threads: number;
  readonly timeToFirstTokenMs: number;
  readonly prefillTokensPerSecond: number;
  readonly decodeTokensPerSecond: number;
}

/**
 * llama.cpp on the same file and prompt, through bench/llama-peer.mjs in a process of its own (so
 * the two never share a GPU queue, and so that on a GPU machine the peer runs from what
 * bench/pack-peer.sh carried: EDGEWISE_PEER names that copy).
 */
function peerBench(path: string, prompt: number[], gen: number, backend: string): PeerFigures | { backend: string; error: string } {
  const script = process.env.EDGEWISE_PEER ?? join(process.cwd(), 'bench/llama-peer.mjs');
  const r = spawnSync(process.execPath, [script, '--model', path, '--prompt-ids', prompt.join(','), '--gen-tokens', String(gen), '--backend', backend], { encoding: 'utf8', timeout: 30 * 60_000 });
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line) return { backend, error: `the peer exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}` };
  return JSON.parse(line) as PeerFigures | { backend: string; error: string };
}

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'granite-4.0-h-350m,qwen3-0.6b' },
    'prompt-tokens': { type: 'string', default: '16' },
    'gen-tokens': { type: 'string', default: '4' },
    'no-llama-cpp': { type: 'boolean', default: false },
    // llama.cpp backends to run beside the engine: cpu here; vulkan on a GPU machine (gpu-run.sh).
    peers: { type: 'string', default: 'cpu' },
    keep: { type: 'boolean', default: false },
  },
});
const wanted = values.models!.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = wanted.filter((id) => !MODELS.some((m) => m.id === id));
if (unknown.length > 0) {
  console.error(`unknown model(s) ${unknown.join(', ')}; choose from ${MODELS.map((m) => m.id).join(', ')}`);
  process.exit(2);
}
const promptTokens = Number(values['prompt-tokens']);
const genTokens = Number(values['gen-tokens']);

const ctx = await acquireNodeDevice();
const adapterName = `${ctx.adapterInfo.vendor}-${ctx.adapterInfo.architecture || ctx.adapterInfo.device || 'adapter'}`.replace(/[^a-zA-Z0-9._-]+/g, '_').toLowerCase();
const outPath = `bench/results/real-shapes-${adapterName}.json`;
const previous = existsSync(outPath) ? JSON.parse(readFileSync(outPath, 'utf8')) : { models: {} };
const cpuAdapter = ctx.adapterInfo.architecture === 'swiftshader';

const results: Record<string, unknown> = { ...previous.models };
for (const spec of MODELS.filter((m) => wanted.includes(m.id))) {
  const path = join(tmpdir(), `edgewise-real-${spec.id}.gguf`);
  const tGen = performance.now();
  const builder = new RealBuilder();
  spec.build(builder);
  const fileBytes = await builder.write(path);
  console.log(`${spec.id}: wrote ${(fileBytes / 1e9).toFixed(2)} GB to ${path} in ${((performance.now() - tGen) / 1000).toFixed(1)} s`);
  try {
    const source = await nodeFileSource(path);
    let engine: BenchResult;
    const tLoad = performance.now();
    const file = await readGguf(source);
    const session = await GpuSession.load(ctx, file, source, { contextLength: promptTokens + genTokens + 8 });
    const loadSeconds = (performance.now() - tLoad) / 1000;
    try {
      const bos = file.metadata.get('tokenizer.ggml.bos_token_id');
      engine = await runBench(session, file, { promptTokens, genTokens, warmup: !cpuAdapter }, typeof bos === 'number' ? bos : -1);
    } finally {
      session.destroy();
      await source.close();
    }
    const typesUsed: Record<string, number> = {};
    for (const t of file.tensors) { const n = ggmlType(t.type)?.name ?? `#${t.type}`; typesUsed[n] = (typesUsed[n] ?? 0) + t.byteSize; }
    console.log(`${spec.id}: engine prefill ${engine.prefillTokensPerSecond.toFixed(2)} tok/s, decode ${engine.decodeTokensPerSecond.toFixed(3)} tok/s, ` +
      `${(100 * engine.bandwidthFloor.fractionOfFloor).toFixed(1)} % of the bandwidth floor (load ${loadSeconds.toFixed(1)} s)`);
    const bosId = file.metadata.get('tokenizer.ggml.bos_token_id');
    const prompt = benchPrompt(promptTokens, engine.model.nVocab, typeof bosId === 'number' ? bosId : -1);
    const peers = values['no-llama-cpp'] ? [] : values.peers!.split(',').map((b) => b.trim()).filter(Boolean);
    const llamaCpp: Record<string, PeerFigures | { backend: string; error: string }> = {};
    for (const backend of peers) {
      const r = peerBench(path, prompt, genTokens, backend);
      llamaCpp[backend] = r;
      console.log(`${spec.id}: llama.cpp ${backend} ${'error' in r ? r.error : `prefill ${r.prefillTokensPerSecond.toFixed(2)} tok/s, decode ${r.decodeTokensPerSecond.toFixed(2)} tok/s` +
        ` (engine decode = ${(100 * engine.decodeTokensPerSecond / r.decodeTokensPerSecond).toFixed(0)} % of it)`}`);
    }
    results[spec.id] = {
      source: spec.source, fileBytes, bytesByType: typesUsed, loadSeconds, warmup: !cpuAdapter,
      engine, llamaCpp, date: new Date().toISOString(),
    };
  } finally {
    if (!values.keep) rmSync(path, { force: true });
  }
}

mkdirSync('bench/results', { recursive: true });
writeFileSync(outPath, JSON.stringify({
  adapter: ctx.adapterInfo,
  features: ctx.features,
  note: cpuAdapter
    ? 'SwiftShader (CPU Vulkan): these figures show that the real shapes load and decode; they are not GPU performance figures. llama.cpp figures are CPU.'
    : 'Random-weight models with real shapes and the Q4_K_M type mix; engine figures as `edgewise bench`, llama.cpp (node-llama-cpp prebuilt binaries, per backend) on the same file, prompt and machine.',
  promptTokens, genTokens,
  models: results,
}, null, 2) + '\n');
console.log(`wrote ${outPath}`);
process.exit(0);
