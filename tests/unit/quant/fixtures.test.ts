// Cross-check against the shared fixtures, whose GGUF files were written by an independent numpy
// writer and checked against llama.cpp. The n_embd-64 cases of one architecture share their float
// weights before quantization, so each quantized tensor can be compared with the F32 case's:
//  - F16, BF16, Q8_0 and Q4_0: that writer rounds exactly as ggml's reference quantizers do, and
//    so do ours, so quantize(F32 weights) must reproduce the stored bytes, block for block;
//  - every 32-block type: the stored tensor, decoded here, must be about as close to the F32
//    weights as our own round-to-nearest encoding is (within 25%; another quantizer may search
//    scales, but a decoding mistake makes the error as large as the weights themselves).
// The K-quant cases (n_embd 256) have no F32 twin; the reference forward pass checks them against
// ref_logits.f32, computed on weights decoded by the fixtures' own decoder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import type { GgufTensorInfo } from '../../../model/gguf/types.ts';
import { dequantize, quantize } from '../../../model/quant/index.ts';
import { ggmlTypeByName } from '../../../model/quant/types.ts';
import { FIXTURES } from '../gguf/fixtures.ts';

interface Model { bytes: Uint8Array; tensors: Map<string, GgufTensorInfo> }

async function load(name: string): Promise<Model> {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf')));
  const file = await readGguf(memorySource(bytes));
  return { bytes, tensors: new Map(file.tensors.map((t) => [t.name, t])) };
}

const raw = (m: Model, t: GgufTensorInfo): Uint8Array => m.bytes.subarray(t.offset, t.offset + t.byteSize);
const decoded = (m: Model, t: GgufTensorInfo): Float32Array => dequantize(t.type, raw(m, t), t.elements, t.name);

function rmsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

const BYTE_EXACT = new Set(['F16', 'BF16', 'Q8_0', 'Q4_0']);
const TYPES = ['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL'];

describe.each(['llama', 'mamba'])('fixture tensors of %s vs its F32 weights', (arch) => {
  for (const type of TYPES) {
    it(type, async () => {
      const id = ggmlTypeByName(type)!.id;
      const [f32, q] = await Promise.all([load(`${arch}-F32`), load(`${arch}-${type}`)]);
      const tensors = [...q.tensors.values()].filter((t) => t.type === id);
      expect(tensors.length, `${arch}-${type} holds no ${type} tensor`).toBeGreaterThan(0);
      for (const t of tensors) {
        const weights = decoded(f32, f32.tensors.get(t.name)!);
        const ours = quantize(id, weights, t.name);
        if (BYTE_EXACT.has(type)) {
          const theirs = raw(q, t);
          const firstDiff = ours.findIndex((v, i) => v !== theirs[i]);
          expect(firstDiff, `${t.name}: first differing byte ${firstDiff}`).toBe(-1);
        }
        const fixtureErr = rmsDiff(decoded(q, t), weights);
        const ourErr = rmsDiff(dequantize(id, ours, weights.length), weights);
        expect(fixtureErr, `${t.name}: rms error ${fixtureErr} vs our round-to-nearest ${ourErr}`).toBeLessThanOrEqual(1.25 * ourErr);
      }
    });
  }
});
