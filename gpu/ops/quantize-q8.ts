// Activations to 8-bit blocks (shaders/quantize-q8.wgsl) for the decode GEMV's packed integer
// dot product (prepareGemv with variant.int8Dot), optionally RMS-normed on the way.
import source from '../../shaders/quantize-q8.wgsl';
import { uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { ShaderVariant } from '../wgsl-variant.ts';
import { checkLimit, checkWithin, opError, packUniform, placeholderBuffer, reductionWorkgroupSize, sparseBindGroup, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

/** Elements per 8-bit block and the words a block takes (8 of bytes, d, two run sums, one spare). */
export const Q8_BLOCK_ELEMENTS = 32;
export const Q8_BLOCK_WORDS = 12;
/** 1.5: what one activation takes as 8-bit blocks, its share of its block's words. */
export const Q8_BYTES_PER_ELEMENT = (Q8_BLOCK_WORDS * 4) / Q8_BLOCK_ELEMENTS;

/** Bytes of `elements` activations as 8-bit blocks (elements a multiple of 32). */
export function q8Bytes(elements: number): number {
  return elements * Q8_BYTES_PER_ELEMENT;
}

export interface QuantizeQ8Args {
  readonly label: string;
  /** (tokens, k) activations, f32 or (variant.f16) f16. */
  readonly x: RowView;
  /** (tokens, k / 32) blocks, back to back from byte 0. */
  readonly y: GPUBuffer;
  readonly tokens: number;
  /** Row length, a multiple of 32. */
  readonly k: number;
  /** RMSNorm of each row before it is quantized. */
  readonly norm?: { readonly weight: GPUBuffer; readonly eps: number };
  readonly variant?: ShaderVariant;
  readonly workgroupSize?: number;
}

export async function prepareQuantizeQ8(env: OpEnv, a: QuantizeQ8Args): Promise<Dispatch> {
  const { device, limits } = env.ctx;
  if (!(a.k > 0 && a.k % Q8_BLOCK_ELEMENTS === 0)) throw opError(a.label, `rows of ${a.k} elements are not whole 8-bit blocks of ${Q8_BLOCK_ELEMENTS}`);
  checkLimit(a.label, 'tokens (one workgroup each)', a.tokens, limits.maxComputeWorkgroupsPerDimension);
  const variant = a.variant ?? {};
  const x = placeRows(a.label, 'x', a.x, a.tokens, a.k, variant.f16 ? 2 : 4);
  checkWithin(a.label, 'y', a.y, a.tokens * q8Bytes(a.k), 1);
  if (a.norm) checkWithin(a.label, 'norm weight', a.norm.weight, a.k);
  const wg = reductionWorkgroupSize(a.label, a.workgroupSize ?? 64);
  const pipeline = await env.pipelines.get({
    family: 'quantize_q8', source, variant, constants: { WG: wg, NORM: a.norm ? 1 : 0 },
  });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.k], ['u32', x.offset], ['u32', x.stride], ['f32', a.norm?.eps ?? 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [sparseBindGroup(device, pipeline, a.label, {
      0: params, 1: a.x.buffer, 2: a.y, 3: a.norm?.weight ?? placeholderBuffer(device, a.label),
    })],
    workgroups: [a.tokens, 1],
  };
}
