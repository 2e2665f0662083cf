// Checks and helpers shared by the matrix ops (gemv, gemm, embedding): the bias tensor, the
// expert gate, and the placeholder bound where an optional input is absent.
import type { ShaderVariant } from '../wgsl-variant.ts';
import type { WeightTensor } from '../weights.ts';
import { opError } from './common.ts';
import type { RowView } from './rows.ts';

/** What the matrix products (gemv, gemm) share: Y (tokens, N) = X (tokens, K) · Wᵀ (+ bias) (+ Y). */
export interface MatmulArgs {
  /** Names the dispatches (one per weight part: label[i] when split); e.g. the GGUF tensor name. */
  readonly label: string;
  readonly weight: WeightTensor;
  /** (tokens, K) activations; stride defaults to K. */
  readonly x: RowView;
  /** (tokens, N) outputs; stride defaults to N. */
  readonly y: RowView;
  /** An F32 tensor of N values added to every output row. */
  readonly bias?: WeightTensor;
  /** Y = Y + X Wᵀ: the residual add, in place. */
  readonly accumulate?: boolean;
  /** An MoE expert's matrix: work only for tokens whose top-k `ids` ((tokens, k) u32) chose `expert`. */
  readonly gate?: ExpertGate;
  /** Text variant: f16 activations where the device has shader-f16. */
  readonly variant?: ShaderVariant;
}

/** Gating of an MoE expert's matrix product by the router's choice (shaders/expert-gate.wgsl). */
export interface ExpertGate {
  /** (tokens, k) expert ids, as the MoE top-k op writes them. */
  readonly ids: GPUBuffer;
  readonly k: number;
  readonly expert: number;
}

/** Pipeline constant and uniform words for an optional gate. */
export function gateWords(label: string, device: GPUDevice, gate: ExpertGate | undefined, tokens: number): { constant: number; words: [number, number]; buffer: GPUBuffer } {
  if (!gate) return { constant: 0, words: [0, 0], buffer: dummyStorage(device) };
  if (!(gate.k >= 1) || gate.ids.size < tokens * gate.k * 4) {
    throw opError(label, `expert gate: ${tokens} tokens × k=${gate.k} ids overrun buffer "${gate.ids.label}" of ${gate.ids.size} bytes`);
  }
  return { constant: 1, words: [gate.expert, gate.k], buffer: gate.ids };
}

export function checkBias(label: string, bias: WeightTensor, n: number): void {
  if (bias.type !== 0 || bias.parts.length !== 1 || bias.dims.reduce((a, b) => a * b, 1) !== n) {
    throw opError(label, `bias "${bias.name}" must be one F32 vector of ${n} values`);
  }
}

const dummies = new WeakMap<GPUDevice, GPUBuffer>();

/** A 16-byte storage buffer bound where a kernel's optional input (bias) is switched off. */
export function dummyStorage(device: GPUDevice): GPUBuffer {
  let b = dummies.get(device);
  if (!b) {
    b = device.createBuffer({ label: 'unused optional input', size: 16, usage: GPUBufferUsage.STORAGE });
    dummies.set(device, b);
  }
  return b;
}
