// Uploads every tensor a ModelPlan names from a GGUF byte source to labelled GPU buffers,
// streaming in bounded reads so the file is never whole in memory. Stacked expert tensors
// (ne {K, N, n_expert}) are uploaded as one tensor per expert, so the matrix kernels see plain
// 2-D weights: the transform happens here, at load time, never in the graph.
import type { ModelPlan } from '../model/arch/plan.ts';
import { EdgewiseError } from '../model/errors.ts';
import type { ByteSource, GgufFile, GgufTensorInfo } from '../model/gguf/types.ts';
import { WeightUpload, type WeightTensor } from './weights.ts';

/** Bytes read from the source at a time. */
const READ_BYTES = 8 << 20;

export interface ModelWeights {
  /** By GGUF tensor name; an expert of a stacked tensor is `${name}#${e}`. */
  get(name: string): WeightTensor;
  /** The raw f32 values of a small F32 tensor, read back from the file (e.g. rope factors). */
  readonly host: ReadonlyMap<string, Float32Array>;
  readonly bytes: number;
  destroy(): void;
}

export function expertName(name: string, e: number): string {
  return `${name}#${e}`;
}

export interface UploadProgress {
  readonly done: number;
  readonly total: number;
}

export async function uploadModelWeights(
  device: GPUDevice, plan: ModelPlan, file: GgufFile, source: ByteSource,
  options: { onProgress?: (p: UploadProgress) => void; hostTensors?: readonly string[]; maxPartBytes?: number } = {},
): Promise<ModelWeights> {
  const infos = new Map(file.tensors.map((t) => [t.name, t]));
  const experts = new Set<string>();
  for (const l of plan.layers) {
    if (l.ffn.kind === 'moe') for (const n of [l.ffn.tensors.gateExps, l.ffn.tensors.upExps, l.ffn.tensors.downExps]) experts.add(n);
  }
  const specs = plan.tensors.map((s) => {
    const info = infos.get(s.name);
    if (!info) throw new EdgewiseError('tensor-missing', `the model file has no tensor ${s.name}`);
    return info;
  });
  const total = specs.reduce((a, t) => a + t.byteSize, 0);
  const tensors = new Map<string, WeightTensor>();
  const host = new Map<string, Float32Array>();
  let done = 0;
  const stream = async (info: GgufTensorInfo, name: string, dims: readonly number[], start: number, length: number) => {
    const up = new WeightUpload(device, { name, type: info.type, dims }, options.maxPartBytes);
    for (let at = 0; at < length; at += READ_BYTES) {
      const n = Math.min(READ_BYTES, length - at);
      up.write(await source.read(start + at, n));
      done += n;
      options.onProgress?.({ done, total });
    }
    tensors.set(name, up.finish());
  };
  try {
    for (const info of specs) {
      if (experts.has(info.name)) {
        const [k, n, nExpert] = info.dims;
        const per = info.byteSize / nExpert;
        for (let e = 0; e < nExpert; e++) await stream(info, expertName(info.name, e), [k, n], info.offset + e * per, per);
      } else {
        await stream(info, info.name, info.dims, info.offset, info.byteSize);
      }
      if (options.hostTensors?.includes(info.name)) {
        const bytes = await source.read(info.offset, info.byteSize);
        host.set(info.name, new Float32Array(bytes.slice().buffer));
      }
    }
  } catch (e) {
    for (const t of tensors.values()) for (const p of t.parts) p.buffer.destroy();
    throw e;
  }
  return {
    get(name) {
      const t = tensors.get(name);
      if (!t) throw new EdgewiseError('tensor-missing', `no uploaded tensor ${name}`);
      return t;
    },
    host,
    bytes: total,
    destroy() {
      for (const t of tensors.values()) for (const p of t.parts) p.buffer.destroy();
      tensors.clear();
    },
  };
}
