// Random-weight GGUF models for tests that ask llama.cpp for the answer at test time: a seeded
// builder (the llama-F32 fixture's 512-token SPM vocabulary, metadata, tensors quantized to any
// ggml type through model/gguf/writer.ts), one random model per architecture with shapes drawn
// from the seed, and llama.cpp's prompt logits through node-llama-cpp (CPU).
import { readGguf } from '../../model/gguf/reader.ts';
import { memorySource } from '../../model/gguf/sources.ts';
import { GgufValueType, type GgufValue } from '../../model/gguf/types.ts';
import { writeGguf, type GgufWriteTensor } from '../../model/gguf/writer.ts';
import { ggmlTypeByName } from '../../model/quant/types.ts';
import { fixtureBytes } from '../unit/gguf/fixtures.ts';

export class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s / 2 ** 32;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  array(n: number, lo: number, hi: number): Float32Array {
    return Float32Array.from({ length: n }, () => lo + (hi - lo) * this.next());
  }
}

export interface Built { bytes: Uint8Array; tokens: number[] }

export const F32 = GgufValueType.FLOAT32;

/**
 * The type a tensor gets in a model of weight type `weightType`, the way convert/llama-quantize
 * assign them: 1-D tensors, norms, conv kernels, ssm_a/ssm_d and the router stay F32; a matrix
 * whose rows the type's block does not divide falls back to F16 (llama-quantize's fallback).
 */
export function tensorTypeFor(name: string, dims: readonly number[], weightType: string): number {
  const keepF32 = dims.length < 2 || !name.endsWith('.weight') || name.includes('norm') || name.includes('ssm_conv1d') || name.includes('ffn_gate_inp');
  if (keepF32 || weightType === 'F32') return 0;
  const t = ggmlTypeByName(weightType);
  if (!t) throw new Error(`unknown weight type ${weightType}`);
  return dims[0] % t.blockSize === 0 ? t.id : ggmlTypeByName('F16')!.id;
}

export class ModelBuilder {
  readonly rng: Rng;
  readonly metadata = new Map<string, GgufValue>();
  readonly types = new Map<string, GgufValueType>();
  readonly tensors: GgufWriteTensor[] = [];
  private arrayTypes?: ReadonlyMap<string, GgufValueType>;
  nVocab = 0;

  /** `weightType`: the ggml type of the model's matrices (see tensorTypeFor); F32 by default. */
  constructor(seed: number, readonly weightType = 'F32') {
    this.rng = new Rng(seed);
  }

  async vocabulary(): Promise<void> {
    const vocab = await readGguf(memorySource(fixtureBytes('llama-F32')));
    for (const [key, value] of vocab.metadata) {
      if (!key.startsWith('tokenizer.')) continue;
      this.metadata.set(key, value);
      this.types.set(key, vocab.metadataTypes.get(key)!);
    }
    this.arrayTypes = vocab.arrayTypes;
    this.nVocab = (vocab.metadata.get('tokenizer.ggml.tokens') as string[]).length;
  }

  meta(key: string, value: GgufValue, type?: GgufValueType): void {
    this.metadata.set(key, value);
    if (type !== undefined) this.types.set(key, type);
  }

  tensor(name: string, dims: number[], lo: number, hi: number): void {
    const data = this.rng.array(dims.reduce((a, b) => a * b, 1), lo, hi);
    this.tensors.push({ name, dims, type: tensorTypeFor(name, dims, this.weightType), data });
  }

  mat(name: string, nIn: number, nOut: number, extra: number[] = []): void {
    const s = 1 / Math.sqrt(nIn);
    this.tensor(name, [nIn, nOut, ...extra], -s * 1.7, s * 1.7);
  }

  norm(name: string, dims: number[]): void {
    this.tensor(name, dims, 0.8, 1.2);
  }

  build(nTokens: number): Built {
    const tokens = [1, ...Array.from({ length: nTokens - 1 }, () => 3 + Math.floor(this.rng.next() * (this.nVocab - 3)))];
    const bytes = writeGguf({ metadata: this.metadata, metadataTypes: this.types, arrayTypes: this.arrayTypes, tensors: this.tensors });
    return { bytes, tokens };
  }
}

export function swigluFfn(b: ModelBuilder, i: number, nEmbd: number, nFf: number, suffix = '', extra: number[] = []): void {
  b.mat(`blk.${i}.ffn_gate${suffix}.weight`, nEmbd, nFf, extra);
  b.mat(`blk.${i}.ffn_up${suffix}.weight`, nEmbd, nFf, extra);
  b.mat(`blk.${i}.ffn_down${suffix}.weight`, nFf, nEmbd, extra);
}

function common(b: ModelBuilder, arch: string, nLayer: number, nEmbd: number, eps: number): void {
  b.meta('general.architecture', arch);
  b.meta(`${arch}.block_count`, nLayer);
  b.meta(`${arch}.context_length`, 256);
  b.meta(`${arch}.embedding_length`, nEmbd);
  b.meta(`${arch}.attention.layer_norm_rms_epsilon`, eps, F32);
  b.tensor('token_embd.weight', [nEmbd, b.nVocab], -0.5, 0.5);
}

function attention(b: ModelBuilder, i: number, nEmbd: number, nHead: number, nHeadKv: number, headDim: number, o: { bias?: boolean; qkNorm?: boolean } = {}): void {
  b.mat(`blk.${i}.attn_q.weight`, nEmbd, nHead * headDim);
  b.mat(`blk.${i}.attn_k.weight`, nEmbd, nHeadKv * headDim);
  b.mat(`blk.${i}.attn_v.weight`, nEmbd, nHeadKv * headDim);
  b.mat(`blk.${i}.attn_output.weight`, nHead * headDim, nEmbd);
  if (o.bias) {
    b.tensor(`blk.${i}.attn_q.bias`, [nHead * headDim], -0.2, 0.2);
    b.tensor(`blk.${i}.attn_k.bias`, [nHeadKv * headDim], -0.2, 0.2);
    b.tensor(`blk.${i}.attn_v.bias`, [nHeadKv * headDim], -0.2, 0.2);
  }
  if (o.qkNorm) {
    b.norm(`blk.${i}.attn_q_norm.weight`, [headDim]);
    b.norm(`blk.${i}.attn_k_norm.weight`, [headDim]);
  }
}

function mamba1Layer(b: ModelBuilder, i: number, nEmbd: number, dInner: number, dState: number, dConv: number, dtRank: number, bcNorm: boolean): void {
  b.mat(`blk.${i}.ssm_in.weight`, nEmbd, 2 * dInner);
  b.tensor(`blk.${i}.ssm_conv1d.weight`, [dConv, dInner], -0.5, 0.5);
  b.tensor(`blk.${i}.ssm_conv1d.bias`, [dInner], -0.1, 0.1);
  b.mat(`blk.${i}.ssm_x.weight`, dInner, dtRank + 2 * dState);
  if (bcNorm) {
    b.norm(`blk.${i}.ssm_dt_norm.weight`, [dtRank]);
    b.norm(`blk.${i}.ssm_b_norm.weight`, [dState]);
    b.norm(`blk.${i}.ssm_c_norm.weight`, [dState]);
  }
  b.mat(`blk.${i}.ssm_dt.weight`, dtRank, dInner);
  b.tensor(`blk.${i}.ssm_dt.bias`, [dInner], -2, 0);
  b.tensor(`blk.${i}.ssm_a`, [dState, dInner], -1.5, -0.05);
  b.tensor(`blk.${i}.ssm_d`, [dInner], 0.5, 1.5);
  b.mat(`blk.${i}.ssm_out.weight`, dInner, nEmbd);
}

function mamba2Layer(b: ModelBuilder, i: number, nEmbd: number, dInner: number, dState: number, dConv: number, nGroup: number, nHead: number): void {
  const convDim = dInner + 2 * nGroup * dState;
  b.mat(`blk.${i}.ssm_in.weight`, nEmbd, dInner + convDim + nHead);
  b.tensor(`blk.${i}.ssm_conv1d.weight`, [dConv, convDim], -0.5, 0.5);
  b.tensor(`blk.${i}.ssm_conv1d.bias`, [convDim], -0.1, 0.1);
  b.tensor(`blk.${i}.ssm_dt.bias`, [nHead], -2, 0);
  b.tensor(`blk.${i}.ssm_a`, [1, nHead], -1.5, -0.5);
  b.tensor(`blk.${i}.ssm_d`, [1, nHead], 0.5, 1.5);
  b.norm(`blk.${i}.ssm_norm.weight`, [dInner / nGroup, nGroup]);
  b.mat(`blk.${i}.ssm_out.weight`, dInner, nEmbd);
}

export const RANDOM_ARCHS = ['llama', 'qwen2', 'qwen3', 'mamba', 'mamba2', 'jamba', 'granitehybrid'] as const;
export type RandomArch = (typeof RANDOM_ARCHS)[number];

/**
 * A random model of `arch` whose shapes come from `seed`: every matrix row length is a multiple of
 * `unit` (the weight type's block: 256 for K-quants, 32 for the 32-blocks, 16 otherwise so that
 * head sizes stay even), so that the type applies to all of them but ssm_dt.
 */
export async function randomModel(arch: RandomArch, seed: number, weightType: string, nTokens: number): Promise<Built & { shape: string }> {
  const b = new ModelBuilder(seed, weightType);
  await b.vocabulary();
  const r = b.rng;
  const unit = Math.max(16, ggmlTypeByName(weightType)!.blockSize);
  const nEmbd = unit * (unit >= 256 ? 1 : r.int(unit === 32 ? 2 : 3, unit === 32 ? 4 : 6));
  const nFf = unit * r.int(1, 3) * (unit >= 256 ? 1 : 2);
  const nHead = r.pick(nEmbd % 3 === 0 ? [2, 3, 4, 6] : [2, 4, 8]);
  const nHeadKv = r.pick([1, nHead / 2 >= 1 && nHead % 2 === 0 ? nHead / 2 : 1, nHead]);
  const headDim = nEmbd / nHead;
  const dState = r.pick([8, 16]);
  const dConv = r.pick([3, 4]);
  // llama.cpp supports only an expansion factor of 2 (mamba, jamba; granitehybrid asserts it).
  const dInner = (arch === 'mamba2' ? r.pick([1, 2]) : 2) * nEmbd;
  const nLayer = r.int(2, 3);
  let shape = `n_embd ${nEmbd}, n_layer ${nLayer}`;
  switch (arch) {
    case 'llama':
    case 'qwen2':
    case 'qwen3': {
      common(b, arch, nLayer, nEmbd, arch === 'llama' ? 1e-5 : 1e-6);
      // qwen3's head size is its own key; keep the q width a multiple of the block.
      const hd = arch === 'qwen3' ? r.pick([headDim, 2 * headDim].filter((h) => h <= 128)) : headDim;
      b.meta(`${arch}.feed_forward_length`, nFf);
      b.meta(`${arch}.attention.head_count`, nHead);
      b.meta(`${arch}.attention.head_count_kv`, nHeadKv);
      b.meta(`${arch}.rope.freq_base`, r.pick([10000, 1e6]), F32);
      if (arch === 'llama') b.meta('llama.rope.dimension_count', hd);
      if (arch === 'qwen3') { b.meta('qwen3.attention.key_length', hd); b.meta('qwen3.attention.value_length', hd); }
      for (let i = 0; i < nLayer; i++) {
        b.norm(`blk.${i}.attn_norm.weight`, [nEmbd]);
        attention(b, i, nEmbd, nHead, nHeadKv, hd, { bias: arch === 'qwen2', qkNorm: arch === 'qwen3' });
        b.norm(`blk.${i}.ffn_norm.weight`, [nEmbd]);
        swigluFfn(b, i, nEmbd, nFf);
      }
      b.norm('output_norm.weight', [nEmbd]);
      if (arch !== 'qwen3') b.mat('output.weight', nEmbd, b.nVocab);
      shape += `, heads ${nHead}/${nHeadKv}×${hd}, n_ff ${nFf}`;
      break;
    }
    case 'mamba': {
      const dtRank = Math.ceil(nEmbd / 16);
      common(b, arch, nLayer, nEmbd, 1e-5);
      b.meta('mamba.feed_forward_length', 0);
      b.meta('mamba.attention.head_count', 0);
      b.meta('mamba.ssm.conv_kernel', dConv);
      b.meta('mamba.ssm.inner_size', dInner);
      b.meta('mamba.ssm.state_size', dState);
      b.meta('mamba.ssm.time_step_rank', dtRank);
      for (let i = 0; i < nLayer; i++) {
        b.norm(`blk.${i}.attn_norm.weight`, [nEmbd]);
        mamba1Layer(b, i, nEmbd, dInner, dState, dConv, dtRank, false);
      }
      b.norm('output_norm.weight', [nEmbd]);
      b.mat('output.weight', nEmbd, b.nVocab);
      shape += `, d_inner ${dInner}, d_state ${dState}, d_conv ${dConv}, dt_rank ${dtRank}`;
      break;
    }
    case 'mamba2': {
      const headDimSsm = r.pick([16, 32].filter((h) => dInner % h === 0));
      const ssmHeads = dInner / headDimSsm;
      const nGroup = r.pick([1, 2].filter((g) => ssmHeads % g === 0));
      common(b, arch, nLayer, nEmbd, 1e-5);
      b.meta('mamba2.feed_forward_length', 0);
      b.meta('mamba2.attention.head_count', 0);
      b.meta('mamba2.ssm.conv_kernel', dConv);
      b.meta('mamba2.ssm.inner_size', dInner);
      b.meta('mamba2.ssm.state_size', dState);
      b.meta('mamba2.ssm.time_step_rank', ssmHeads);
      b.meta('mamba2.ssm.group_count', nGroup);
      for (let i = 0; i < nLayer; i++) {
        b.norm(`blk.${i}.attn_norm.weight`, [nEmbd]);
        mamba2Layer(b, i, nEmbd, dInner, dState, dConv, nGroup, ssmHeads);
      }
      b.norm('output_norm.weight', [nEmbd]);
      b.mat('output.weight', nEmbd, b.nVocab);
      shape += `, d_inner ${dInner}, d_state ${dState}, ssm heads ${ssmHeads}, groups ${nGroup}`;
      break;
    }
    case 'jamba':
    case 'granitehybrid': {
      const layers = nLayer + 1;
      const attnAt = r.int(0, layers - 1);
      const headKv = Array.from({ length: layers }, (_, i) => (i === attnAt ? nHeadKv : 0));
      common(b, arch, layers, nEmbd, arch === 'jamba' ? 1e-6 : 1e-5);
      b.meta(`${arch}.feed_forward_length`, nFf);
      b.meta(`${arch}.attention.head_count`, nHead);
      b.meta(`${arch}.attention.head_count_kv`, Uint32Array.from(headKv));
      b.meta(`${arch}.ssm.conv_kernel`, dConv);
      b.meta(`${arch}.ssm.inner_size`, dInner);
      b.meta(`${arch}.ssm.state_size`, dState);
      const dtRank = Math.ceil(nEmbd / 16);
      const ssmHeads = dInner / 16;
      const nGroup = r.pick([1, 2].filter((g) => ssmHeads % g === 0));
      if (arch === 'jamba') {
        b.meta('jamba.ssm.time_step_rank', dtRank);
        b.meta('jamba.expert_count', 1);
        b.meta('jamba.expert_used_count', 1);
      } else {
        b.meta('granitehybrid.ssm.time_step_rank', ssmHeads);
        b.meta('granitehybrid.ssm.group_count', nGroup);
        b.meta('granitehybrid.rope.freq_base', 10000, F32);
        b.meta('granitehybrid.rope.scaling.finetuned', false);
        b.meta('granitehybrid.attention.scale', 1 / headDim, F32);
        b.meta('granitehybrid.embedding_scale', r.pick([1, 3, 12]), F32);
        b.meta('granitehybrid.residual_scale', r.pick([0.25, 0.5, 1]), F32);
        b.meta('granitehybrid.logit_scale', r.pick([0.5, 2, 4]), F32);
      }
      for (let i = 0; i < layers; i++) {
        b.norm(`blk.${i}.attn_norm.weight`, [nEmbd]);
        if (i === attnAt) attention(b, i, nEmbd, nHead, nHeadKv, headDim);
        else if (arch === 'jamba') mamba1Layer(b, i, nEmbd, dInner, dState, dConv, dtRank, true);
        else mamba2Layer(b, i, nEmbd, dInner, dState, dConv, nGroup, ssmHeads);
        b.norm(`blk.${i}.ffn_norm.weight`, [nEmbd]);
        swigluFfn(b, i, nEmbd, nFf);
      }
      b.norm('output_norm.weight', [nEmbd]);
      if (arch === 'jamba') b.mat('output.weight', nEmbd, b.nVocab);
      shape = `n_embd ${nEmbd}, n_layer ${layers} (attention at ${attnAt}, heads ${nHead}/${nHeadKv}), d_inner ${dInner}, d_state ${dState}, n_ff ${nFf}`;
      break;
    }
  }
  return { ...b.build(nTokens), shape };
}

export interface AttentionShapeSpec {
  readonly nEmbd: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  /** Written as `attention.key_length`/`value_length`; need not be nEmbd / nHead. */
  readonly headDim: number;
  readonly nFf: number;
  readonly nLayer: number;
}

/** A random qwen3 model of exactly these widths (F32), e.g. a head size that nEmbd / nHead does not give. */
export async function qwen3Model(seed: number, s: AttentionShapeSpec, nTokens: number): Promise<Built> {
  const b = new ModelBuilder(seed);
  await b.vocabulary();
  common(b, 'qwen3', s.nLayer, s.nEmbd, 1e-6);
  b.meta('qwen3.feed_forward_length', s.nFf);
  b.meta('qwen3.attention.head_count', s.nHead);
  b.meta('qwen3.attention.head_count_kv', s.nHeadKv);
  b.meta('qwen3.attention.key_length', s.headDim);
  b.meta('qwen3.attention.value_length', s.headDim);
  b.meta('qwen3.rope.freq_base', 1e6, F32);
  for (let i = 0; i < s.nLayer; i++) {
    b.norm(`blk.${i}.attn_norm.weight`, [s.nEmbd]);
    attention(b, i, s.nEmbd, s.nHead, s.nHeadKv, s.headDim, { qkNorm: true });
    b.norm(`blk.${i}.ffn_norm.weight`, [s.nEmbd]);
    swigluFfn(b, i, s.nEmbd, s.nFf);
  }
  b.norm('output_norm.weight', [s.nEmbd]);
  return b.build(nTokens);
}

let llamaInstance: Promise<import('node-llama-cpp').Llama> | undefined;

/** One CPU llama.cpp per process (each getLlama adds process listeners). */
function cpuLlama(): Promise<import('node-llama-cpp').Llama> {
  llamaInstance ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));
  return llamaInstance;
}

/** llama.cpp's logits (tokens.length, nVocab) for every prompt position, one decode. */
export async function llamaCppLogits(path: string, tokens: number[], nVocab: number): Promise<Float32Array> {
  const llama = await cpuLlama();
  const model = await llama.loadModel({ modelPath: path });
  try {
    // F32 KV cache and no flash attention, as the fixtures were made: F16 KV alone moves logits by ~1e-3.
    const context = await model.createContext({
      contextSize: Math.max(64, tokens.length), flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
    });
    try {
      const input = tokens.map((t) => [t, { generateNext: { logits: true } }] as const);
      const result = await context.getSequence().controlledEvaluate(input as never);
      const out = new Float32Array(tokens.length * nVocab);
      result.forEach((r, p) => {
        const logits = r?.next?.logits;
        if (!logits) throw new Error(`llama.cpp returned no logits for position ${p}`);
        for (const [id, value] of logits) out[p * nVocab + Number(id)] = value;
      });
      return out;
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}
