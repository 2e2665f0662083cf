// KV cache (shaders/kv-cache.wgsl): per attention layer K and V of shape (n_ctx, n_head_kv,
// head_dim), f16 where the device has shader-f16 and the caller asks for it, else f32; and the
// write of the current chunk's k, v rows at positions n_past.. (from the step uniform).
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/kv-cache.wgsl';
import { EdgewiseError } from '../../model/errors.ts';
import { grid, packUniform, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export interface KvCache {
  readonly k: GPUBuffer;
  readonly v: GPUBuffer;
  readonly nCtx: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  readonly f16: boolean;
}

export function createKvCache(env: OpEnv, label: string, nCtx: number, nHeadKv: number, headDim: number, f16: boolean): KvCache {
  if (f16 && !env.ctx.features.f16) throw new EdgewiseError('device-too-small', `${label}: an f16 KV cache needs the shader-f16 feature, which this GPU lacks`);
  const bytes = nCtx * nHeadKv * headDim * (f16 ? 2 : 4);
  const size = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (size > env.ctx.limits.maxStorageBufferBindingSize) {
    throw new EdgewiseError('device-too-small', `${label}: a KV cache of ${nCtx} positions needs ${size} bytes per binding, over this GPU's ${env.ctx.limits.maxStorageBufferBindingSize}; use a shorter context`);
  }
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  return {
    k: env.ctx.device.createBuffer({ label: `${label}.k`, size, usage }),
    v: env.ctx.device.createBuffer({ label: `${label}.v`, size, usage }),
    nCtx, nHeadKv, headDim, f16,
  };
}

export interface KvWriteArgs {
  readonly label: string;
  readonly cache: KvCache;
  readonly step: GPUBuffer;
  readonly nTokens: number;
  /** (nTokens, nHeadKv·headDim) rows; stride defaults to nHeadKv·headDim. */
  readonly k: RowView;
  readonly v: RowView;
  readonly workgroupSize?: number;
}

export async function prepareKvWrite(env: OpEnv, a: KvWriteArgs): Promise<Dispatch> {
  const { cache } = a;
  const width = cache.nHeadKv * cache.headDim;
  const k = placeRows(a.label, 'k', a.k, a.nTokens, width);
  const v = placeRows(a.label, 'v', a.v, a.nTokens, width);
  const wg = a.workgroupSize ?? 256;
  const pipeline = await env.pipelines.get({ family: 'kv-cache', source, entryPoint: 'kv_write', variant: { f16: cache.f16 }, constants: { WG: wg } });
  const params = uniformBuffer(env.ctx.device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nTokens], ['u32', width], ['u32', cache.nCtx], ['u32', k.offset], ['u32', k.stride], ['u32', v.offset], ['u32', v.stride], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(env.ctx.device, pipeline, a.label, [params, a.step, a.k.buffer, a.v.buffer, cache.k, cache.v])],
    workgroups: grid(env, Math.ceil((a.nTokens * width) / wg)),
  };
}
