// A model's prompt logits three ways, for the tests that hold the GPU session to llama.cpp and to
// the CPU reference (differential.test.ts, key-length.test.ts): the GPU session's (prefilled in
// chunks), our CPU reference forward pass's, and node-llama-cpp's, with the distances between them.
import { writeFileSync } from 'node:fs';
import { GpuSession, type SessionOptions } from '../../../gpu/session.ts';
import { planModel } from '../../../model/arch/index.ts';
import type { ModelPlan } from '../../../model/arch/plan.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { referenceForward } from '../../../model/reference/forward.ts';
import { loadReferenceWeights } from '../../../model/reference/weights.ts';
import { llamaCppLogits } from '../../support/random-model.ts';
import { distance, type Distance } from '../../unit/reference/fixture-model.ts';
import { gpuContext } from '../fixture.ts';

export interface ThreeWayLogits {
  readonly plan: ModelPlan;
  /** One row of n_vocab per prompt position, from each. */
  readonly gpu: Float32Array;
  readonly reference: Float32Array;
  readonly llama: Float32Array;
  /** The positions compared: every one of the prompt. */
  readonly rows: number[];
  readonly vsRef: Distance;
  readonly vsLlama: Distance;
}

/** `bytes` is written to `path` for llama.cpp; the GPU and the reference read it from memory. */
export async function threeWayLogits(path: string, bytes: Uint8Array, tokens: readonly number[], options: SessionOptions): Promise<ThreeWayLogits> {
  writeFileSync(path, bytes);
  const source = memorySource(bytes);
  const file = await readGguf(source);
  const plan = planModel(file);
  const V = plan.nVocab;
  const rows = tokens.map((_, i) => i);
  const session = await GpuSession.load(await gpuContext(), file, source, options);
  let gpu: Float32Array;
  try {
    gpu = await session.evalLogits([...tokens]);
  } finally {
    session.destroy();
  }
  const reference = referenceForward(plan, await loadReferenceWeights(plan, file, source), tokens);
  const llama = await llamaCppLogits(path, [...tokens], V);
  return { plan, gpu, reference, llama, rows, vsRef: distance(gpu, reference, V, rows), vsLlama: distance(gpu, llama, V, rows) };
}
