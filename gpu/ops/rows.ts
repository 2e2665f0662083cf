// The one strided-row view every op in gpu/ops/ takes for an activation it addresses by offset
// and stride: a slice of a fused projection output (q of [q|k|v], z of ssm_in's [x|z]) or a
// buffer of its own. Offsets and strides are counted in elements, as in the shaders.
import { opError } from './common.ts';

/**
 * (nRows, width) elements inside a buffer: element (r, i) at offset + r·stride + i. Offset
 * defaults to 0, stride to the row width the op implies (rows back to back).
 */
export interface RowView {
  readonly buffer: GPUBuffer;
  readonly offset?: number;
  readonly stride?: number;
}

/** A view's offset and stride with the defaults filled in: the words an op's uniform carries. */
export interface PlacedRows {
  readonly offset: number;
  readonly stride: number;
}

/**
 * Fills in a view's defaults and checks that nRows rows of `width` elements lie inside its
 * buffer without overlapping one another; `name` is the operand's name in the op's messages.
 */
export function placeRows(label: string, name: string, view: RowView, nRows: number, width: number, bytesPerElement = 4): PlacedRows {
  const offset = view.offset ?? 0, stride = view.stride ?? width;
  if (!Number.isInteger(offset) || offset < 0) throw opError(label, `${name} offset ${offset} is not a non-negative integer`);
  if (!Number.isInteger(stride) || (nRows > 1 && stride < width)) throw opError(label, `${name} stride ${stride} cannot hold rows of ${width} elements`);
  const end = offset + (nRows - 1) * stride + width;
  if (end * bytesPerElement > view.buffer.size) {
    throw opError(label, `${name}: ${nRows}×${width} elements at offset ${offset}, stride ${stride} need ${end * bytesPerElement} bytes; buffer "${view.buffer.label}" has ${view.buffer.size}`);
  }
  return { offset, stride };
}
