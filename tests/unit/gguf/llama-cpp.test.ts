// A model written by writeGguf loads in llama.cpp (through node-llama-cpp, CPU) and evaluates to
// finite logits: the writer's layout is the real GGUF, not just what our own reader accepts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { writeGguf, type GgufWriteTensor } from '../../../model/gguf/writer.ts';
import { GgufValueType, type GgufValue } from '../../../model/gguf/types.ts';
import { ggmlTypeByName } from '../../../model/quant/types.ts';
import { fixtureBytes } from './fixtures.ts';

function randomF32(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale;
  }
  return out;
}

/** A 2-layer llama with random weights and the fixture's SPM vocabulary; `matType` for the matrices. */
async function tinyLlama(matType: string): Promise<{ bytes: Uint8Array; nVocab: number }> {
  const vocabSource = await readGguf(memorySource(fixtureBytes('llama-F32')));
  const nVocab = (vocabSource.metadata.get('tokenizer.ggml.tokens') as string[]).length;
  const [nEmbd, nLayer, nHead, nHeadKv, nFf] = [64, 2, 4, 2, 128];
  const headDim = nEmbd / nHead;
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', 'llama'],
    ['general.name', 'edgewise-writer-test'],
    ['llama.context_length', 128],
    ['llama.embedding_length', nEmbd],
    ['llama.block_count', nLayer],
    ['llama.feed_forward_length', nFf],
    ['llama.attention.head_count', nHead],
    ['llama.attention.head_count_kv', nHeadKv],
    ['llama.rope.dimension_count', headDim],
    ['llama.rope.freq_base', 10000],
    ['llama.attention.layer_norm_rms_epsilon', 1e-5],
  ]);
  const types = new Map<string, GgufValueType>([['llama.rope.freq_base', GgufValueType.FLOAT32]]);
  for (const [key, value] of vocabSource.metadata) {
    if (!key.startsWith('tokenizer.')) continue;
    metadata.set(key, value);
    types.set(key, vocabSource.metadataTypes.get(key)!);
  }
  const mat = ggmlTypeByName(matType)!.id;
  const f32 = ggmlTypeByName('F32')!.id;
  let seed = 1;
  const t = (name: string, dims: number[], type = mat, scale = 0.2): GgufWriteTensor =>
    ({ name, dims, type, data: randomF32(dims.reduce((a, b) => a * b, 1), seed++, scale) });
  const ones = (name: string, n: number): GgufWriteTensor => ({ name, dims: [n], type: f32, data: new Float32Array(n).fill(1) });
  const tensors: GgufWriteTensor[] = [t('token_embd.weight', [nEmbd, nVocab], mat, 1)];
  for (let i = 0; i < nLayer; i++) {
    tensors.push(
      ones(`blk.${i}.attn_norm.weight`, nEmbd),
      t(`blk.${i}.attn_q.weight`, [nEmbd, nEmbd]),
      t(`blk.${i}.attn_k.weight`, [nEmbd, nHeadKv * headDim]),
      t(`blk.${i}.attn_v.weight`, [nEmbd, nHeadKv * headDim]),
      t(`blk.${i}.attn_output.weight`, [nEmbd, nEmbd]),
      ones(`blk.${i}.ffn_norm.weight`, nEmbd),
      t(`blk.${i}.ffn_gate.weight`, [nEmbd, nFf]),
      t(`blk.${i}.ffn_up.weight`, [nEmbd, nFf]),
      t(`blk.${i}.ffn_down.weight`, [nFf, nEmbd]),
    );
  }
  tensors.push(ones('output_norm.weight', nEmbd), t('output.weight', [nEmbd, nVocab]));
  return { bytes: writeGguf({ metadata, metadataTypes: types, arrayTypes: vocabSource.arrayTypes, tensors }), nVocab };
}

describe('llama.cpp loads what writeGguf writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-gguf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const matType of ['F32', 'Q8_0']) {
    it(`tiny llama, ${matType} matrices: tokenizes and evaluates to finite logits`, async () => {
      const path = join(dir, `tiny-${matType}.gguf`);
      const { bytes, nVocab } = await tinyLlama(matType);
      writeFileSync(path, bytes);
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
      const model = await llama.loadModel({ modelPath: path });
      try {
        expect(model.fileInfo.metadata.general.architecture).toBe('llama');
        const tokens = model.tokenize('hello world');
        expect(tokens.length).toBeGreaterThan(0);
        expect(model.detokenize(tokens)).toBe('hello world');
        const context = await model.createContext({ contextSize: 64 });
        try {
          const seq = context.getSequence();
          const input = [...tokens.slice(0, -1), [tokens[tokens.length - 1], { generateNext: { logits: true } }] as const];
          const result = await seq.controlledEvaluate(input as never);
          const logits = result[result.length - 1]?.next?.logits;
          expect(logits).toBeDefined();
          const values = [...logits!.values()];
          expect(values.length).toBe(nVocab);
          expect(values.every(Number.isFinite)).toBe(true);
          expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0);
        } finally {
          await context.dispose();
        }
      } finally {
        await model.dispose();
      }
    }, 60_000);
  }
});
