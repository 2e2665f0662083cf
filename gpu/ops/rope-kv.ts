// q/k RMSNorm + RoPE + KV cache write in one dispatch (shaders/rope-kv.wgsl): what follows the
// q|k|v projection of an attention block, for a chunk of nTokens at positions n_past.. (from
// the step uniform). q, k and v are slices of one buffer (the fused projection's output); q is
// rewritten in place, k and v go to the cache. CPU reference: model/reference/norm.ts rmsNorm,
// then model/reference/rope.ts rope.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/rope-kv.wgsl';
import type { RopeParams } from '../../model/reference/rope.ts';
import { checkWithin, grid, opError, packUniform, placeholderBuffer, type OpEnv } from './common.ts';
import type { KvCache } from './kv-cache.ts';
import { ropeInvFreq } from './rope.ts';
import { placeRows, type RowView } from './rows.ts';

const MAX_HEAD_DIM = 256;

export interface RopeKvArgs {
  readonly label: string;
  readonly cache: KvCache;
  readonly step: GPUBuffer;
  readonly nTokens: number;
  readonly nHead: number;
  /** (nTokens, nHead·headDim), rotated in place. */
  readonly q: RowView;
  /** (nTokens, nHeadKv·headDim) each; same buffer and token stride as q. */
  readonly k: RowView;
  readonly v: RowView;
  /** Per-head norms of q and k (headDim each) with their eps; omitted = no q/k norm. */
  readonly qkNorm?: { readonly q: GPUBuffer; readonly k: GPUBuffer; readonly eps: number };
  /** Omitted = no rotation. */
  readonly rope?: RopeParams;
}

export async function prepareRopeKv(env: OpEnv, a: RopeKvArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const { cache } = a;
  const headDim = cache.headDim;
  if (headDim > MAX_HEAD_DIM) throw opError(a.label, `head_dim ${headDim} is over the kernel's ${MAX_HEAD_DIM}`);
  if (a.q.buffer !== a.k.buffer || a.q.buffer !== a.v.buffer) throw opError(a.label, 'q, k and v must be slices of one buffer (the fused q|k|v output)');
  const kvWidth = cache.nHeadKv * headDim;
  const q = placeRows(a.label, 'q', a.q, a.nTokens, a.nHead * headDim);
  const k = placeRows(a.label, 'k', { ...a.k, stride: a.k.stride ?? q.stride }, a.nTokens, kvWidth);
  const v = placeRows(a.label, 'v', { ...a.v, stride: a.v.stride ?? q.stride }, a.nTokens, kvWidth);
  if (a.nTokens > 1 && (k.stride !== q.stride || v.stride !== q.stride)) throw opError(a.label, `q, k and v token strides ${q.stride}, ${k.stride}, ${v.stride} differ`);
  const nRot = a.rope?.nRot ?? 2;
  if (a.rope && (nRot % 2 !== 0 || nRot < 2 || nRot > headDim)) throw opError(a.label, `n_rot ${nRot} must be even and within 2..head_dim ${headDim}`);
  const table = a.rope ? ropeInvFreq(a.rope, a.label) : new Float32Array(1);
  const invFreq = device.createBuffer({ label: `${a.label}/inv_freq`, size: Math.max(16, table.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(invFreq, 0, table.buffer, table.byteOffset, table.byteLength);
  if (a.qkNorm) {
    checkWithin(a.label, 'q norm', a.qkNorm.q, headDim);
    checkWithin(a.label, 'k norm', a.qkNorm.k, headDim);
  }
  const noNorm = a.qkNorm ? undefined : placeholderBuffer(device, a.label);
  const pipeline = await env.pipelines.get({
    family: 'rope-kv', source, entryPoint: 'rope_kv', variant: { f16: cache.f16 },
    constants: { HEAD_DIM: headDim, NORM: a.qkNorm ? 1 : 0, ROPE: a.rope ? 1 : 0, NEOX: a.rope?.neox ? 1 : 0 },
  });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nTokens], ['u32', a.nHead], ['u32', cache.nHeadKv], ['u32', nRot], ['u32', q.offset], ['u32', k.offset], ['u32', v.offset],
    ['u32', q.stride], ['u32', cache.nCtx], ['f32', a.qkNorm?.eps ?? 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, a.label, [
      params, a.step, invFreq, a.qkNorm?.q ?? noNorm!, a.qkNorm?.k ?? noNorm!, a.q.buffer, cache.k, cache.v,
    ])],
    workgroups: grid(env, a.nTokens * (a.nHead + 2 * cache.nHeadKv)),
  };
}
