// Matrix-vector product (decode): y (tokens, N) = x (tokens, K) · Wᵀ (+ bias) (+ y), for up to 8
// tokens, W read from its GGUF blocks. One dispatch per weight part (a split tensor's parts cover
// consecutive output rows). Prepared once: pipelines, uniforms and bind groups.
import source from '../../shaders/gemv.wgsl';
import type { GpuContext } from '../device.ts';
import { bindGroup, uniformBuffer, workgroupGrid, type Dispatch } from '../dispatch.ts';
import type { PipelineCache } from '../pipelines.ts';
import type { ShaderVariant } from '../wgsl-variant.ts';
import { weightConstants, weightGeometry, type WeightTensor } from '../weights.ts';
import { checkActivation, checkBias, dummyStorage, gateWords, type MatmulOptions } from './matrix-common.ts';

export const GEMV_MAX_TOKENS = 8;
export const GEMV_MAX_ROWS = 4;

export interface GemvOptions extends MatmulOptions {
  /** 1..GEMV_MAX_TOKENS (default 1). */
  readonly tokens?: number;
  /** Threads per workgroup (power of two) and output rows per workgroup (1..4); see defaultGemvShape. */
  readonly workgroupSize?: number;
  readonly rowsPerWorkgroup?: number;
}

/**
 * Default workgroup shape. On a CPU adapter (SwiftShader) every invocation and barrier is costly,
 * so few threads per workgroup: 16 threads × 4 rows ran 1024×1024 Q4_0 in ~45-65 ms against
 * ~350 ms for 128 × 2 (this machine, noisy). GPUs: 64 threads × 4 rows, not yet tuned on one.
 */
export function defaultGemvShape(ctx: GpuContext): { workgroupSize: number; rowsPerWorkgroup: number } {
  return ctx.adapterInfo.architecture === 'swiftshader' ? { workgroupSize: 16, rowsPerWorkgroup: 4 } : { workgroupSize: 64, rowsPerWorkgroup: 4 };
}

export async function prepareGemv(ctx: GpuContext, cache: PipelineCache, o: GemvOptions): Promise<Dispatch[]> {
  const { device, limits } = ctx;
  const { k, rows: n, rowBytes } = weightGeometry(o.weight);
  const tokens = o.tokens ?? 1;
  const shape = defaultGemvShape(ctx);
  const rowsPerGroup = o.rowsPerWorkgroup ?? shape.rowsPerWorkgroup;
  if (!(tokens >= 1 && tokens <= GEMV_MAX_TOKENS)) throw new RangeError(`gemv: ${tokens} tokens; use 1..${GEMV_MAX_TOKENS} (gemm for more)`);
  if (!(rowsPerGroup >= 1 && rowsPerGroup <= GEMV_MAX_ROWS)) throw new RangeError(`gemv: rowsPerWorkgroup ${rowsPerGroup} not in 1..${GEMV_MAX_ROWS}`);
  let wg = o.workgroupSize ?? shape.workgroupSize;
  if (!(wg >= 1 && (wg & (wg - 1)) === 0)) throw new RangeError(`gemv: workgroupSize ${wg} is not a power of two`);
  wg = Math.min(wg, limits.maxComputeInvocationsPerWorkgroup);
  while (wg > 1 && wg * rowsPerGroup * tokens * 4 > limits.maxComputeWorkgroupStorageSize) wg /= 2;

  const variant = o.variant ?? {};
  const actBytes = variant.f16 ? 2 : 4;
  const xOffset = o.xOffset ?? 0, xStride = o.xStride ?? k;
  const yOffset = o.yOffset ?? 0, yStride = o.yStride ?? n;
  checkActivation('gemv x', o.x, xOffset, xStride, tokens, k, actBytes);
  checkActivation('gemv y', o.y, yOffset, yStride, tokens, n, actBytes);
  if (o.bias) checkBias(o.bias, n);
  const gate = gateWords(device, o.gate, tokens);

  const pipeline = await cache.get({
    family: 'gemv',
    source,
    variant,
    constants: {
      ...weightConstants(o.weight),
      WG: wg,
      ROWS: rowsPerGroup,
      TOKENS: tokens,
      HAS_BIAS: o.bias ? 1 : 0,
      ACCUMULATE: o.accumulate ? 1 : 0,
      GATED: gate.constant,
    },
  });
  const biasBuffer = o.bias ? o.bias.parts[0].buffer : dummyStorage(device);
  return o.weight.parts.filter((part) => part.rows > 0).map((part, i) => {
    const label = `gemv ${o.weight.name}${o.weight.parts.length > 1 ? `[${i}]` : ''}`;
    const [gx, gy] = workgroupGrid(Math.ceil(part.rows / rowsPerGroup), limits.maxComputeWorkgroupsPerDimension);
    const params = uniformBuffer(device, `${label} params`, new Uint32Array([
      k, part.rows, rowBytes, Math.ceil(k / 8),
      xOffset, xStride, yOffset + part.rowStart, yStride,
      part.rowStart, gx, ...gate.words,
    ]));
    return {
      label,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, label, [params, part.buffer, o.x, o.y, biasBuffer, gate.buffer])],
      workgroups: [gx, gy],
    };
  });
}
