// Matrix-matrix product (prefill): Y (tokens, N) = X (tokens, K) · Wᵀ (+ bias) (+ Y), W read
// from its GGUF blocks, tiled through workgroup memory. One dispatch per weight part; prepared once.
import source from '../../shaders/gemm.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import { weightConstants, weightGeometry } from '../weights.ts';
import { checkLimit, opError, packUniform, type OpEnv } from './common.ts';
import { checkBias, dummyStorage, gateWords, type MatmulArgs } from './matrix-common.ts';
import { placeRows } from './rows.ts';

export interface GemmTile {
  /** Tokens × rows per workgroup tile (multiples of 4) and 8-element units per K step. */
  readonly tokens: number;
  readonly rows: number;
  readonly units: number;
}

export const GEMM_DEFAULT_TILE: GemmTile = { tokens: 32, rows: 32, units: 2 };

export interface GemmArgs extends MatmulArgs {
  readonly tokens: number;
  readonly tile?: GemmTile;
}

export async function prepareGemm(env: OpEnv, o: GemmArgs): Promise<Dispatch[]> {
  const { device, limits } = env.ctx;
  const { label } = o;
  const { k, rows: n, rowBytes } = weightGeometry(o.weight);
  const tile = o.tile ?? GEMM_DEFAULT_TILE;
  const threads = (tile.tokens / 4) * (tile.rows / 4);
  const sharedBytes = (tile.tokens + tile.rows) * tile.units * 32;
  if (tile.tokens % 4 || tile.rows % 4 || !(tile.units >= 1) || threads > limits.maxComputeInvocationsPerWorkgroup || sharedBytes > limits.maxComputeWorkgroupStorageSize) {
    throw opError(label, `gemm tile ${JSON.stringify(tile)} needs ${threads} threads and ${sharedBytes} bytes of workgroup memory; this device allows ${limits.maxComputeInvocationsPerWorkgroup} and ${limits.maxComputeWorkgroupStorageSize}`);
  }
  const variant = o.variant ?? {};
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
