// Uploads every tensor a ModelPlan names from a GGUF byte source to labelled GPU buffers,
// streaming in bounded reads so the file is never whole in memory. Stacked expert tensors
// (ne {K, N, n_expert}) are uploaded as one tensor per expert, so the matrix kernels see plain
// 2-D weights: the transform happens here, at load time, never in the graph.
//
// Matrices that read the same input into adjacent outputs are uploaded as one tensor, their rows
// concatenated: an attention layer's Q, K and V (written as q|k|v per token), and the gate and up
// of a dense FFN, of an MoE layer's shared expert and of each of its experts (gate|up per token).
// One matrix product then does the work of three or two, with the same output layout, so a
// decoded token needs fewer dispatches. Only matrices of one type and row length, without
// biases, are joined. Biased Q, K and V (Qwen2) keep their matrices apart, and their three bias
// vectors are uploaded a second time as one q|k|v vector (a few KB a layer), so that the decode
// GEMV that computes Q, K and V in one dispatch adds all three biases.
import type { ModelPlan } from '../model/arch/plan.ts';
import { EdgewiseError } from '../model/errors.ts';
import type { ByteSource, GgufFile, GgufTensorInfo } from '../model/gguf/types.ts';
import { WeightUpload, type WeightTensor } from './weights.ts';

/** Bytes read from the source at a time. */
const READ_BYTES = 8 << 20;

export interface ModelWeights {
  /** By GGUF tensor name; an expert of a stacked tensor is `${name}#${e}`; a joined one, fusedName(...). */
  get(name: string): WeightTensor;
  /** The joined tensor whose first member is `first` (see the header), if it was joined. */
  joined(first: string): WeightTensor | undefined;
  /** Every uploaded tensor, as the kernels see it (experts split, matrices joined). */
  list(): WeightTensor[];
  /** The raw f32 values of a small F32 tensor, read back from the file (e.g. rope factors). */
  readonly host: ReadonlyMap<string, Float32Array>;
  readonly bytes: number;
  destroy(): void;
}

export function expertName(name: string, e: number): string {
  return `${name}#${e}`;
}

/** The name of the tensor holding `members`' rows, in order. */
export function fusedName(members: readonly string[]): string {
  return members.join('+');
}

/** The groups of matrices the upload joins (see the header), by member names in row order. */
export function fusionGroups(plan: ModelPlan, file: GgufFile): string[][] {
  const infos = new Map(file.tensors.map((t) => [t.name, t]));
  const joinable = (names: readonly string[], nDims = 2) => {
    const ts = names.map((n) => infos.get(n));
    return ts.every((t) => t && t.dims.length === nDims && t.type === ts[0]!.type && t.dims[0] === ts[0]!.dims[0] && t.dims[2] === ts[0]!.dims[2]);
  };
  const groups: string[][] = [];
  for (const l of plan.layers) {
    const m = l.mixer;
    if (m.kind === 'attention' && !m.tensors.qBias && !m.tensors.kBias && !m.tensors.vBias) {
      const qkv = [m.tensors.q, m.tensors.k, m.tensors.v];
      if (joinable(qkv)) groups.push(qkv);
    }
    const dense = l.ffn.kind === 'dense' ? l.ffn.tensors : l.ffn.kind === 'moe' ? l.ffn.shared : undefined;
    if (dense) {
      const gateUp = [dense.gate, dense.up];
      if (joinable(gateUp)) groups.push(gateUp);
    }
  }
  return groups;
}

/** Attention layers' [q, k, v] biases, uploaded once more as one vector (see the header). */
export function biasGroups(plan: ModelPlan, file: GgufFile): string[][] {
  const infos = new Map(file.tensors.map((t) => [t.name, t]));
  return plan.layers.flatMap(({ mixer: m }) => {
    if (m.kind !== 'attention') return [];
    const names = [m.tensors.qBias, m.tensors.kBias, m.tensors.vBias];
    return names.every((n) => n && infos.get(n)?.type === 0 && infos.get(n)!.dims.length === 1) ? [names as string[]] : [];
  });
}

/** Stacked expert tensors whose per-expert slices the upload joins: [gate_exps, up_exps] pairs. */
export function expertFusionGroups(plan: ModelPlan, file: GgufFile): string[][] {
  const infos = new Map(file.tensors.map((t) => [t.name, t]));
  const groups: string[][] = [];
  for (const l of plan.layers) {
    if (l.ffn.kind !== 'moe') continue;
    const [g, u] = [infos.get(l.ffn.tensors.gateExps), infos.get(l.ffn.tensors.upExps)];
    if (g && u && g.dims.length === 3 && g.type === u.type && g.dims[0] === u.dims[0] && g.dims[2] === u.dims[2]) groups.push([g.name, u.name]);
  }
  return groups;
}

export interface UploadProgress {
  readonly done: number;
  readonly total: number;
}

export async function uploadModelWeights(
  device: GPUDevice, plan: ModelPlan, file: GgufFile, source: ByteSource,
  options: {
    onProgress?: (p: UploadProgress) => void; hostTensors?: readonly string[]; maxPartBytes?: number;
    /** Join matrices as the header says (default true; false uploads every tensor on its own). */
    fuse?: boolean;
  } = {},
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
  const biases = options.fuse === false ? [] : biasGroups(plan, file).map((g) => ({ name: fusedName(g), first: g[0], members: g.map((n) => infos.get(n)!) }));
  const total = specs.reduce((a, t) => a + t.byteSize, 0) + biases.reduce((a, b) => a + b.members.reduce((n, t) => n + t.byteSize, 0), 0);
  const tensors = new Map<string, WeightTensor>();
  const joined = new Map<string, WeightTensor>();
  const host = new Map<string, Float32Array>();
  let done = 0;
  const copy = async (up: WeightUpload, start: number, length: number) => {
    for (let at = 0; at < length; at += READ_BYTES) {
      const n = Math.min(READ_BYTES, length - at);
      up.write(await source.read(start + at, n));
      done += n;
      options.onProgress?.({ done, total });
    }
  };
  const stream = async (info: GgufTensorInfo, name: string, dims: readonly number[], start: number, length: number) => {
    const up = new WeightUpload(device, { name, type: info.type, dims }, options.maxPartBytes);
    await copy(up, start, length);
    tensors.set(name, up.finish());
  };
  const groups = options.fuse === false ? [] : fusionGroups(plan, file);
  const groupOf = new Map(groups.flatMap((g) => g.map((n) => [n, g] as const)));
  const expertGroups = options.fuse === false ? [] : expertFusionGroups(plan, file);
  const expertGroupOf = new Map(expertGroups.flatMap((g) => g.map((n) => [n, g] as const)));
  try {
    for (const info of specs) {
      const group = groupOf.get(info.name);
      if (group) {
        if (group[0] !== info.name) continue;  // uploaded with its first member
        const members = group.map((n) => infos.get(n)!);
        const rows = members.reduce((a, t) => a + t.dims[1], 0);
        const up = new WeightUpload(device, { name: fusedName(group), type: info.type, dims: [info.dims[0], rows] }, options.maxPartBytes);
        for (const t of members) await copy(up, t.offset, t.byteSize);
        const t = up.finish();
        tensors.set(t.name, t);
        joined.set(info.name, t);
      } else if (expertGroupOf.has(info.name)) {
        const [gate, up] = expertGroupOf.get(info.name)!.map((n) => infos.get(n)!);
        if (gate !== info) continue;  // uploaded with the gate tensor
        const [k, n, nExpert] = gate.dims;
        const per = [gate.byteSize / nExpert, up.byteSize / nExpert];
        for (let e = 0; e < nExpert; e++) {
          const members = [expertName(gate.name, e), expertName(up.name, e)];
          const joinedUp = new WeightUpload(device, { name: fusedName(members), type: gate.type, dims: [k, n + up.dims[1]] }, options.maxPartBytes);
          await copy(joinedUp, gate.offset + e * per[0], per[0]);
          await copy(joinedUp, up.offset + e * per[1], per[1]);
          const t = joinedUp.finish();
          tensors.set(t.name, t);
          joined.set(members[0], t);
        }
      } else if (experts.has(info.name)) {
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
    for (const b of biases) {
      const up = new WeightUpload(device, { name: b.name, type: 0, dims: [b.members.reduce((a, t) => a + t.dims[0], 0)] }, options.maxPartBytes);
      for (const t of b.members) await copy(up, t.offset, t.byteSize);
      const t = up.finish();
      tensors.set(t.name, t);
      joined.set(b.first, t);
    }
  } catch (e) {
    for (const t of tensors.values()) for (const p of t.parts) p.buffer.destroy();
    throw e;
  }
  return {
    get(name) {
      const t = tensors.get(name);
      if (!t) throw new EdgewiseError('tensor-missing', `no uploaded tensor ${name}${groupOf.has(name) ? ` (it is part of ${fusedName(groupOf.get(name)!)})` : ''}`);
      return t;
    },
    joined: (first) => joined.get(first),
    list: () => [...tensors.values()],
    host,
    bytes: total,
    destroy() {
      for (const t of tensors.values()) for (const p of t.parts) p.buffer.destroy();
      tensors.clear();
    },
  };
}
