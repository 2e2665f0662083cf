// The tensor list of an architecture: each expected tensor is checked against the file as it is
// named (present, with the ggml shape the hyper-parameters imply) and recorded for the plan.
import { EdgewiseError } from '../errors.ts';
import type { GgufFile, GgufTensorInfo } from '../gguf/types.ts';
import type { TensorSpec } from './plan.ts';

/** ggml pads shapes to 4 dims with 1s, so {128, 1} and {128} are the same tensor shape. */
function trimmed(ne: readonly number[]): number[] {
  const out = [...ne];
  while (out.length > 1 && out[out.length - 1] === 1) out.pop();
  return out;
}

const shapeText = (ne: readonly number[]): string => `{${ne.join(', ')}}`;

export class TensorTable {
  private readonly byName: ReadonlyMap<string, GgufTensorInfo>;
  private readonly specs = new Map<string, TensorSpec>();

  constructor(file: GgufFile, private readonly arch: string) {
    this.byName = new Map(file.tensors.map((t) => [t.name, t]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The file's shape of a present tensor (for sizes that only the tensor carries). */
  dims(name: string): readonly number[] | undefined {
    return this.byName.get(name)?.dims;
  }

  /** A tensor the model cannot run without; returns its name. */
  require(name: string, ne: readonly number[]): string {
    const info = this.byName.get(name);
    if (!info) {
      throw new EdgewiseError('tensor-missing', `${this.arch} model is missing tensor ${name} (expected shape ${shapeText(ne)})`);
    }
    this.check(info, ne);
    return name;
  }

  /** A tensor used only when the file has it; checked when present. */
  optional(name: string, ne: readonly number[]): string | undefined {
    const info = this.byName.get(name);
    if (!info) return undefined;
    this.check(info, ne);
    return name;
  }

  private check(info: GgufTensorInfo, ne: readonly number[]): void {
    const want = trimmed(ne);
    const got = trimmed(info.dims);
    if (want.length !== got.length || want.some((n, i) => n !== got[i])) {
      throw new EdgewiseError('tensor-shape',
        `${this.arch} tensor ${info.name} has shape ${shapeText(info.dims)}, expected ${shapeText(ne)}`);
    }
    if (!this.specs.has(info.name)) this.specs.set(info.name, { name: info.name, ne: [...ne] });
  }

  /** Every tensor checked so far, in the order first named. */
  list(): TensorSpec[] {
    return [...this.specs.values()];
  }
}

/** GGUF tensor name of layer i: blk.{i}.{suffix}. */
export const blk = (i: number, suffix: string): string => `blk.${i}.${suffix}`;
