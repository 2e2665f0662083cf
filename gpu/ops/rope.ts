// RoPE in place (shaders/rope.wgsl): normal or NEOX pairs, freq_base, linear scaling and the
// optional rope_freqs factors, folded on the host into one inverse-frequency table in f64.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/rope.wgsl';
import { ropeTheta, type RopeParams } from '../../model/reference/rope.ts';
import { grid, opError, packUniform, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export interface RopeArgs {
  readonly label: string;
  /** (nTokens, nHeads·headDim), rotated in place; token stride defaults to nHeads·headDim. */
  readonly x: RowView;
  /** The step uniform (gpu/ops/step.ts): token t is at position n_past + t. */
  readonly step: GPUBuffer;
  readonly nTokens: number;
  readonly nHeads: number;
  readonly headDim: number;
  readonly rope: RopeParams;
  readonly workgroupSize?: number;
}

/** inv_freq[i] = freq_scale · base^(-2i/n_rot) / factor_i, i < n_rot/2. */
export function ropeInvFreq(p: RopeParams, label = 'rope'): Float32Array {
  if (p.freqFactors && p.freqFactors.length < p.nRot / 2) throw opError(label, `rope_freqs has ${p.freqFactors.length} factors, need n_rot/2 = ${p.nRot / 2}`);
  return Float32Array.from({ length: p.nRot / 2 }, (_, i) => ropeTheta(1, i, p));
}

export async function prepareRope(env: OpEnv, a: RopeArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const { nRot } = a.rope;
  if (nRot % 2 !== 0 || nRot < 2 || nRot > a.headDim) throw opError(a.label, `n_rot ${nRot} must be even and within 2..head_dim ${a.headDim}`);
  const x = placeRows(a.label, 'x', a.x, a.nTokens, a.nHeads * a.headDim);
  const table = ropeInvFreq(a.rope, a.label);
  const invFreq = device.createBuffer({ label: `${a.label}/inv_freq`, size: Math.max(16, table.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(invFreq, 0, table.buffer, table.byteOffset, table.byteLength);
  const wg = a.workgroupSize ?? 256;
  const pipeline = await env.pipelines.get({ family: 'rope', source, variant: {}, constants: { WG: wg, NEOX: a.rope.neox ? 1 : 0 } });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [
    ['u32', a.nTokens], ['u32', a.nHeads], ['u32', a.headDim], ['u32', nRot], ['u32', x.offset], ['u32', x.stride], ['u32', 0], ['u32', 0],
  ]));
  return {
    label: a.label,
    pipeline,
    bindGroups: [bindGroup(device, pipeline, a.label, [params, a.step, invFreq, a.x.buffer])],
    workgroups: grid(env, Math.ceil((a.nTokens * a.nHeads * (nRot / 2)) / wg)),
  };
}
