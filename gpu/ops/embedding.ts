// Embedding row lookup: y (tokens, K) = rows ids[t] of token_embd (ne {K, n_vocab}), dequantized
// from its GGUF blocks. One dispatch per weight part; prepared once.
import source from '../../shaders/embedding.wgsl';
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import type { ShaderVariant } from '../wgsl-variant.ts';
import { weightConstants, weightGeometry, type WeightTensor } from '../weights.ts';
import { checkLimit, packUniform, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export interface EmbeddingArgs {
  /** Names the dispatches (one per weight part: label[i] when split); e.g. the GGUF tensor name. */
  readonly label: string;
  readonly weight: WeightTensor;
  /** (tokens) u32 token ids, one row. Ids outside the table leave their output row unwritten. */
  readonly ids: RowView;
  readonly tokens: number;
  /** (tokens, K); stride defaults to K. */
  readonly y: RowView;
  /** Every value times this (an embedding multiplier). Default 1. */
  readonly scale?: number;
  readonly variant?: ShaderVariant;
  readonly workgroupSize?: number;
}

export async function prepareEmbedding(env: OpEnv, o: EmbeddingArgs): Promise<Dispatch[]> {
  const { device, limits } = env.ctx;
  const { label } = o;
  const { k, rowBytes } = weightGeometry(o.weight);
  const wg = Math.min(o.workgroupSize ?? 64, limits.maxComputeInvocationsPerWorkgroup);
  const variant = o.variant ?? {};
  const ids = placeRows(label, 'ids', o.ids, 1, o.tokens);
  const y = placeRows(label, 'y', o.y, o.tokens, k, variant.f16 ? 2 : 4);
  checkLimit(label, 'tokens in one dispatch (workgroups along y)', o.tokens, limits.maxComputeWorkgroupsPerDimension);
  const pipeline = await env.pipelines.get({ family: 'embedding', source, variant, constants: { ...weightConstants(o.weight), WG: wg } });
  const units = Math.ceil(k / 8);
  return o.weight.parts.filter((part) => part.rows > 0).map((part, i) => {
    const partLabel = o.weight.parts.length > 1 ? `${label}[${i}]` : label;
    const params = uniformBuffer(device, `${partLabel}/params`, packUniform(partLabel, [
      ['u32', k], ['u32', units], ['u32', rowBytes], ['u32', part.rowStart], ['u32', part.rows], ['u32', o.tokens],
      ['u32', ids.offset], ['u32', y.offset], ['u32', y.stride], ['f32', o.scale ?? 1],
    ]));
    return {
      label: partLabel,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, partLabel, [params, part.buffer, o.ids.buffer, o.y.buffer])],
      workgroups: [Math.ceil(units / wg), o.tokens],
    };
  });
}
