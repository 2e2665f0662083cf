// Embedding row lookup: y (tokens, K) = rows ids[t] of token_embd (ne {K, n_vocab}), dequantized
// from its GGUF blocks. One dispatch per weight part; prepared once.
import source from '../../shaders/embedding.wgsl';
import type { GpuContext } from '../device.ts';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineCache } from '../pipelines.ts';
import type { ShaderVariant } from '../wgsl-variant.ts';
import { weightConstants, weightGeometry, type WeightTensor } from '../weights.ts';
import { checkActivation } from './matrix-common.ts';

export interface EmbeddingOptions {
  readonly weight: WeightTensor;
  /** (tokens) u32 token ids at idsOffset. Ids outside the table leave their output row unwritten. */
  readonly ids: GPUBuffer;
  readonly idsOffset?: number;
  readonly tokens: number;
  /** (tokens, K) at yOffset, yStride elements apart (default K). */
  readonly y: GPUBuffer;
  readonly yOffset?: number;
  readonly yStride?: number;
  readonly variant?: ShaderVariant;
  readonly workgroupSize?: number;
}

export async function prepareEmbedding(ctx: GpuContext, cache: PipelineCache, o: EmbeddingOptions): Promise<Dispatch[]> {
  const { device, limits } = ctx;
  const { k, rowBytes } = weightGeometry(o.weight);
  const wg = Math.min(o.workgroupSize ?? 64, limits.maxComputeInvocationsPerWorkgroup);
  const variant = o.variant ?? {};
  const idsOffset = o.idsOffset ?? 0, yOffset = o.yOffset ?? 0, yStride = o.yStride ?? k;
  checkActivation('embedding ids', o.ids, idsOffset, 1, o.tokens, 1, 4);
  checkActivation('embedding y', o.y, yOffset, yStride, o.tokens, k, variant.f16 ? 2 : 4);
  if (o.tokens > limits.maxComputeWorkgroupsPerDimension) {
    throw new RangeError(`embedding: ${o.tokens} tokens in one dispatch; at most ${limits.maxComputeWorkgroupsPerDimension}`);
  }
  const pipeline = await cache.get({ family: 'embedding', source, variant, constants: { ...weightConstants(o.weight), WG: wg } });
  const units = Math.ceil(k / 8);
  return o.weight.parts.filter((part) => part.rows > 0).map((part, i) => {
    const label = `embedding ${o.weight.name}${o.weight.parts.length > 1 ? `[${i}]` : ''}`;
    const params = uniformBuffer(device, `${label} params`, new Uint32Array([
      k, units, rowBytes, part.rowStart, part.rows, o.tokens, idsOffset, yOffset, yStride,
    ]));
    return {
      label,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, label, [params, part.buffer, o.ids, o.y])],
      workgroups: [Math.ceil(units / wg), o.tokens],
    };
  });
}
