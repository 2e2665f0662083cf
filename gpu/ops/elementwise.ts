// Element-wise ops (shaders/elementwise.wgsl) over (nRows, width) slices with element offsets and
// row strides: residual add with a scale on the added branch, in-place scale, SwiGLU.
import { uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/elementwise.wgsl';
import { grid, opError, packUniform, sparseBindGroup, type OpEnv } from './common.ts';
import { placeRows, type RowView } from './rows.ts';

export type ElementwiseKind =
  | 'add'            // y = a + scale·b
  | 'add_inplace'    // y += scale·b
  | 'scale_inplace'  // y *= scale
  | 'swiglu';        // y = silu(a)·b (a = gate, b = up)

export interface ElementwiseArgs {
  readonly label: string;
  readonly kind: ElementwiseKind;
  readonly nRows: number;
  readonly width: number;
  /** (nRows, width) each; strides default to width. */
  readonly y: RowView;
  readonly a?: RowView;
  readonly b?: RowView;
  /** add: the branch scale (Granite residual_scale), default 1; scale_inplace: the factor. */
  readonly scale?: number;
  readonly workgroupSize?: number;
}

const USES: Record<ElementwiseKind, { a: boolean; b: boolean }> = {
  add: { a: true, b: true },
  add_inplace: { a: false, b: true },
  scale_inplace: { a: false, b: false },
  swiglu: { a: true, b: true },
};

export async function prepareElementwise(env: OpEnv, args: ElementwiseArgs): Promise<Dispatch> {
  const { device } = env.ctx;
  const use = USES[args.kind];
  const place = (name: string, o: RowView | undefined, needed: boolean): [number, number] => {
    if (!needed) return [0, 0];
    if (!o) throw opError(args.label, `${args.kind} needs operand ${name}`);
    const { offset, stride } = placeRows(args.label, name, o, args.nRows, args.width);
    return [offset, stride];
  };
  const [yo, ys] = place('y', args.y, true);
  const [ao, as] = place('a', args.a, use.a);
  const [bo, bs] = place('b', args.b, use.b);
  const wg = args.workgroupSize ?? 256;
  const pipeline = await env.pipelines.get({ family: 'elementwise', source, entryPoint: args.kind, variant: {}, constants: { WG: wg } });
  const params = uniformBuffer(device, `${args.label}/params`, packUniform(args.label, [
    ['u32', args.nRows], ['u32', args.width], ['u32', yo], ['u32', ys], ['u32', ao], ['u32', as],
    ['u32', bo], ['u32', bs], ['f32', args.scale ?? 1],
  ]));
  const entries: Record<number, GPUBuffer> = { 0: params, 3: args.y.buffer };
  if (use.a) entries[1] = args.a!.buffer;
  if (use.b) entries[2] = args.b!.buffer;
  return {
    label: args.label,
    pipeline,
    bindGroups: [sparseBindGroup(device, pipeline, args.label, entries)],
    workgroups: grid(env, Math.ceil((args.nRows * args.width) / wg)),
  };
}
