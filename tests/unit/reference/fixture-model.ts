// Loads a llama.cpp fixture case (../shared/fixtures/<case>) for the reference forward pass: its
// plan, dequantized weights, manifest and stored logits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planModel } from '../../../model/arch/index.ts';
import type { ModelPlan } from '../../../model/arch/plan.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { loadReferenceWeights, type ReferenceWeights } from '../../../model/reference/weights.ts';
import { FIXTURES, fixtureCases } from '../gguf/fixtures.ts';

export interface LoadedCase {
  readonly name: string;
  readonly manifest: any;
  readonly plan: ModelPlan;
  readonly weights: ReferenceWeights;
}

export function modelCaseNames(): string[] {
  return fixtureCases().filter((c) => c.kind === 'model').map((c) => c.name);
}

export async function loadCase(name: string): Promise<LoadedCase> {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
  const source = memorySource(new Uint8Array(readFileSync(join(FIXTURES, name, 'model.gguf'))));
  const file = await readGguf(source);
  const plan = planModel(file);
  return { name, manifest, plan, weights: await loadReferenceWeights(plan, file, source) };
}

export function readF32(name: string, file: string): Float32Array {
  const b = readFileSync(join(FIXTURES, name, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export interface Distance {
  readonly maxAbs: number;
  readonly rms: number;
  /** Where maxAbs occurs: stored row j, vocab index v, and the two values. */
  readonly worst: { row: number; v: number; got: number; want: number };
}

/** Distance between rows `rows` of got (n, nVocab) and consecutive rows of want. */
export function distance(got: Float32Array, want: Float32Array, nVocab: number, rows: readonly number[]): Distance {
  let maxAbs = -1, sq = 0;
  let worst = { row: 0, v: 0, got: 0, want: 0 };
  rows.forEach((p, j) => {
    for (let v = 0; v < nVocab; v++) {
      const g = got[p * nVocab + v], w = want[j * nVocab + v];
      const d = Math.abs(g - w);
      sq += d * d;
      if (!(d <= maxAbs)) { maxAbs = d; worst = { row: p, v, got: g, want: w }; }
    }
  });
  return { maxAbs, rms: Math.sqrt(sq / (rows.length * nVocab)), worst };
}

export const describeDistance = (d: Distance): string =>
  `max abs ${d.maxAbs.toExponential(3)} at position ${d.worst.row}, token ${d.worst.v} (got ${d.worst.got}, want ${d.worst.want}); rms ${d.rms.toExponential(3)}`;
