// Matrix-matrix product (prefill): Y (tokens, N) = X (tokens, K) · Wᵀ (+ bias) (+ Y), W read
// from its GGUF blocks, tiled through workgroup memory. One dispatch per weight part; prepared once.
import source from '../../shaders/gemm.wgsl';
import type { GpuContext } from '../device.ts';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { PipelineCache } from '../pipelines.ts';
import type { ShaderVariant } from '../wgsl-variant.ts';
import { weightConstants, weightGeometry, type WeightTensor } from '../weights.ts';
import { checkActivation, checkBias, dummyStorage, gateWords, type MatmulOptions } from './matrix-common.ts';

export interface GemmTile {
  /** Tokens × rows per workgroup tile (multiples of 4) and 8-element units per K step. */
  readonly tokens: number;
  readonly rows: number;
  readonly units: number;
}

export const GEMM_DEFAULT_TILE: GemmTile = { tokens: 32, rows: 32, units: 2 };

export interface GemmOptions extends MatmulOptions {
  readonly tokens: number;
  readonly tile?: GemmTile;
}

export async function prepareGemm(ctx: GpuContext, cache: PipelineCache, o: GemmOptions): Promise<Dispatch[]> {
  const { device, limits } = ctx;
  const { k, rows: n, rowBytes } = weightGeometry(o.weight);
  const tile = o.tile ?? GEMM_DEFAULT_TILE;
  const threads = (tile.tokens / 4) * (tile.rows / 4);
  const sharedBytes = (tile.tokens + tile.rows) * tile.units * 32;
  if (tile.tokens % 4 || tile.rows % 4 || !(tile.units >= 1) || threads > limits.maxComputeInvocationsPerWorkgroup || sharedBytes > limits.maxComputeWorkgroupStorageSize) {
    throw new RangeError(`gemm: tile ${JSON.stringify(tile)} needs ${threads} threads and ${sharedBytes} bytes of workgroup memory; this device allows ${limits.maxComputeInvocationsPerWorkgroup} and ${limits.maxComputeWorkgroupStorageSize}`);
  }
  const variant = o.variant ?? {};
  const actBytes = variant.f16 ? 2 : 4;
  const xOffset = o.xOffset ?? 0, xStride = o.xStride ?? k;
  const yOffset = o.yOffset ?? 0, yStride = o.yStride ?? n;
  checkActivation('gemm x', o.x, xOffset, xStride, o.tokens, k, actBytes);
  checkActivation('gemm y', o.y, yOffset, yStride, o.tokens, n, actBytes);
  if (o.bias) checkBias(o.bias, n);
  const gate = gateWords(device, o.gate, o.tokens);
  const tokenGroups = Math.ceil(o.tokens / tile.tokens);
  if (tokenGroups > limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`gemm: ${o.tokens} tokens is too many for one dispatch`);

  const pipeline = await cache.get({
    family: 'gemm',
    source,
    variant,
    constants: {
      ...weightConstants(o.weight),
      TM: tile.tokens,
      TN: tile.rows,
      UT: tile.units,
      HAS_BIAS: o.bias ? 1 : 0,
      ACCUMULATE: o.accumulate ? 1 : 0,
      GATED: gate.constant,
    },
  });
  const biasBuffer = o.bias ? o.bias.parts[0].buffer : dummyStorage(device);
  return o.weight.parts.filter((part) => part.rows > 0).map((part, i) => {
    const label = `gemm ${o.weight.name}${o.weight.parts.length > 1 ? `[${i}]` : ''}`;
    const rowGroups = Math.ceil(part.rows / tile.rows);
    if (rowGroups > limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`gemm: ${part.rows} rows is too many for one dispatch`);
    const params = uniformBuffer(device, `${label} params`, new Uint32Array([
      k, part.rows, rowBytes, Math.ceil(k / 8), o.tokens,
      xOffset, xStride, yOffset + part.rowStart, yStride, part.rowStart, ...gate.words,
    ]));
    return {
      label,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, label, [params, part.buffer, o.x, o.y, biasBuffer, gate.buffer])],
      workgroups: [rowGroups, tokenGroups],
    };
  });
}
