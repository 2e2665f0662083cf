// Matrix-vector product (decode): y (tokens, N) = x (tokens, K) · Wᵀ (+ bias) (+ y), for up to 8
// tokens, W read from its GGUF blocks. One dispatch per weight part (a split tensor's parts cover
// consecutive output rows). Prepared once: pipelines, uniforms and bind groups.
import source from '../../shaders/gemv.wgsl';
import type { GpuContext } from '../device.ts';
import { bindGroup, uniformBuffer, workgroupGrid, type Dispatch } from '../dispatch.ts';
import { weightConstants, weightGeometry } from '../weights.ts';
import { opError, packUniform, type OpEnv } from './common.ts';
import { checkBias, dummyStorage, gateWords, type MatmulArgs } from './matrix-common.ts';
import { placeRows } from './rows.ts';

export const GEMV_MAX_TOKENS = 8;
export const GEMV_MAX_ROWS = 4;

export interface GemvArgs extends MatmulArgs {
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

export async function prepareGemv(env: OpEnv, o: GemvArgs): Promise<Dispatch[]> {
  const { device, limits } = env.ctx;
  const { label } = o;
  const { k, rows: n, rowBytes } = weightGeometry(o.weight);
  const tokens = o.tokens ?? 1;
  const shape = defaultGemvShape(env.ctx);
  const rowsPerGroup = o.rowsPerWorkgroup ?? shape.rowsPerWorkgroup;
  if (!(tokens >= 1 && tokens <= GEMV_MAX_TOKENS)) throw opError(label, `gemv of ${tokens} tokens; use 1..${GEMV_MAX_TOKENS} (gemm for more)`);
  if (!(rowsPerGroup >= 1 && rowsPerGroup <= GEMV_MAX_ROWS)) throw opError(label, `gemv rowsPerWorkgroup ${rowsPerGroup} not in 1..${GEMV_MAX_ROWS}`);
  let wg = o.workgroupSize ?? shape.workgroupSize;
  if (!(wg >= 1 && (wg & (wg - 1)) === 0)) throw opError(label, `gemv workgroupSize ${wg} is not a power of two`);
  wg = Math.min(wg, limits.maxComputeInvocationsPerWorkgroup);
  while (wg > 1 && wg * rowsPerGroup * tokens * 4 > limits.maxComputeWorkgroupStorageSize) wg /= 2;

  const variant = o.variant ?? {};
  const actBytes = variant.f16 ? 2 : 4;
  const x = placeRows(label, 'x', o.x, tokens, k, actBytes);
  const y = placeRows(label, 'y', o.y, tokens, n, actBytes);
  if (o.bias) checkBias(label, o.bias, n);
  const gate = gateWords(label, device, o.gate, tokens);

  const pipeline = await env.pipelines.get({
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
    const partLabel = o.weight.parts.length > 1 ? `${label}[${i}]` : label;
    const [gx, gy] = workgroupGrid(Math.ceil(part.rows / rowsPerGroup), limits.maxComputeWorkgroupsPerDimension);
    const params = uniformBuffer(device, `${partLabel}/params`, packUniform(partLabel, [
      ['u32', k], ['u32', part.rows], ['u32', rowBytes], ['u32', Math.ceil(k / 8)],
      ['u32', x.offset], ['u32', x.stride], ['u32', y.offset + part.rowStart], ['u32', y.stride],
      ['u32', part.rowStart], ['u32', gx], ['u32', gate.words[0]], ['u32', gate.words[1]],
    ]));
    return {
      label: partLabel,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, partLabel, [params, part.buffer, o.x.buffer, o.y.buffer, biasBuffer, gate.buffer])],
      workgroups: [gx, gy],
    };
  });
}
