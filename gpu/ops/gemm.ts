// Matrix-matrix product (prefill): Y (tokens, N) = X (tokens, K) · Wᵀ (+ bias) (+ Y), W read
// from its GGUF blocks, tiled through double-buffered workgroup memory (shaders/gemm.wgsl). One
// dispatch per weight part; prepared once. The tile is chosen from the device's limits.
import source from '../../shaders/gemm.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import { weightConstants, weightGeometry } from '../weights.ts';
import { checkLimit, opError, packUniform, type OpEnv } from './common.ts';
import { checkBias, dummyStorage, gateWords, type MatmulArgs } from './matrix-common.ts';
import { placeRows } from './rows.ts';

export interface GemmTile {
  /** Tokens (a multiple of 8) × rows (a multiple of 4) per workgroup tile, and 8-element units per K step. */
  readonly tokens: number;
  readonly rows: number;
  readonly units: number;
}

/** Outputs per thread, tokens × rows (RM, RN in shaders/gemm.wgsl). */
const THREAD_TOKENS = 8, THREAD_ROWS = 4;

/**
 * Tiles in order of preference. 8 × 4 outputs per thread keep 12 workgroup reads per 32 dot
 * products; K steps of 32 elements (4 units) as llama.cpp's WebGPU and Vulkan matrix kernels use.
 * The first fits a 32 KiB device in f16 (most desktop and Apple GPUs); the second WebGPU's
 * default 16 KiB in f16 and 32 KiB in f32; the third 16 KiB in f32; the last anything.
 */
const TILES: readonly GemmTile[] = [
  { tokens: 128, rows: 64, units: 4 },
  { tokens: 64, rows: 64, units: 4 },
  { tokens: 64, rows: 64, units: 2 },
  { tokens: 32, rows: 32, units: 2 },
  { tokens: 8, rows: 8, units: 1 },
];

/** Threads and workgroup bytes a tile needs (two K steps of W and X, 2 or 4 bytes per element). */
export function gemmTileCost(tile: GemmTile, f16Math: boolean): { threads: number; bytes: number } {
  return {
    threads: (tile.tokens / THREAD_TOKENS) * (tile.rows / THREAD_ROWS),
    bytes: 2 * (tile.tokens + tile.rows) * tile.units * 8 * (f16Math ? 2 : 4),
  };
}

/** The largest preferred tile this device's limits allow. */
export function gemmTile(limits: GPUSupportedLimits, f16Math: boolean): GemmTile {
  const fits = (t: GemmTile) => {
    const { threads, bytes } = gemmTileCost(t, f16Math);
    return threads <= limits.maxComputeInvocationsPerWorkgroup && threads <= limits.maxComputeWorkgroupSizeX &&
      bytes <= limits.maxComputeWorkgroupStorageSize;
  };
  return TILES.find(fits) ?? TILES[TILES.length - 1];
}

export interface GemmArgs extends MatmulArgs {
  readonly tokens: number;
  /** Default: gemmTile(device limits). */
  readonly tile?: GemmTile;
}

export async function prepareGemm(env: OpEnv, o: GemmArgs): Promise<Dispatch[]> {
  const { device, limits } = env.ctx;
  const { label } = o;
  const { k, rows: n, rowBytes } = weightGeometry(o.weight);
  const variant = o.variant ?? {};
  const f16Math = variant.f16Math ?? false;
  if ((variant.f16 || f16Math) && !env.ctx.features.f16) {
    throw opError(label, 'the f16 gemm needs shader-f16, which this device lacks; use the f32 variant');
  }
  const tile = o.tile ?? gemmTile(limits, f16Math);
  const { threads, bytes: sharedBytes } = gemmTileCost(tile, f16Math);
  if (tile.tokens % THREAD_TOKENS || tile.rows % THREAD_ROWS || !(tile.units >= 1) || threads > limits.maxComputeInvocationsPerWorkgroup || sharedBytes > limits.maxComputeWorkgroupStorageSize) {
    throw opError(label, `gemm tile ${JSON.stringify(tile)} needs ${threads} threads and ${sharedBytes} bytes of workgroup memory; this device allows ${limits.maxComputeInvocationsPerWorkgroup} and ${limits.maxComputeWorkgroupStorageSize}`);
  }
  const actBytes = variant.f16 ? 2 : 4;
  const x = placeRows(label, 'x', o.x, o.tokens, k, actBytes);
  const y = placeRows(label, 'y', o.y, o.tokens, n, actBytes);
  if (o.bias) checkBias(label, o.bias, n);
  const gate = gateWords(label, device, o.gate, o.tokens);
  const tokenGroups = Math.ceil(o.tokens / tile.tokens);
  checkLimit(label, `workgroups along y (${o.tokens} tokens)`, tokenGroups, limits.maxComputeWorkgroupsPerDimension);

  const pipeline = await env.pipelines.get({
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
    const partLabel = o.weight.parts.length > 1 ? `${label}[${i}]` : label;
    const rowGroups = Math.ceil(part.rows / tile.rows);
    checkLimit(partLabel, `workgroups along x (${part.rows} rows)`, rowGroups, limits.maxComputeWorkgroupsPerDimension);
    const params = uniformBuffer(device, `${partLabel}/params`, packUniform(partLabel, [
      ['u32', k], ['u32', part.rows], ['u32', rowBytes], ['u32', Math.ceil(k / 8)], ['u32', o.tokens],
      ['u32', x.offset], ['u32', x.stride], ['u32', y.offset + part.rowStart], ['u32', y.stride], ['u32', part.rowStart],
      ['u32', gate.words[0]], ['u32', gate.words[1]],
    ]));
    return {
      label: partLabel,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, partLabel, [params, part.buffer, o.x.buffer, o.y.buffer, biasBuffer, gate.buffer])],
      workgroups: [rowGroups, tokenGroups],
    };
  });
}
