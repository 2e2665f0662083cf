// Tiny GGUF files for the storage tests, written with model/gguf/writer.ts: a valid header for an
// architecture the engine runs (or not), a tensor type it runs (or not), and a few MB of seeded
// random tensor bytes so that downloads span many chunks.
import { createHash } from 'node:crypto';
import { writeGguf } from '../../../model/gguf/writer.ts';
import { GgmlTypeId, ggmlType } from '../../../model/quant/types.ts';

export interface TinyModel {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** SHA-256 of every tensor's bytes in table order, as the stub runtime computes it on load. */
  readonly tensorsSha256: string;
}

export interface TinyModelOptions {
  architecture?: string;
  seed?: number;
  /** Roughly how many bytes of tensor data (rounded to whole rows). */
  dataBytes?: number;
  tensorType?: number;
  chatTemplate?: boolean;
}

function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i += 4) {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    out[i] = a; out[i + 1] = a >>> 8; out[i + 2] = a >>> 16; out[i + 3] = a >>> 24;
  }
  return out;
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function tinyModel(options: TinyModelOptions = {}): TinyModel {
  const arch = options.architecture ?? 'llama';
  const seed = options.seed ?? 1;
  const type = options.tensorType ?? GgmlTypeId.Q8_0;
  const rowElems = 256;
  const info = ggmlType(type)!;
  const rowBytes = (rowElems / info.blockSize) * info.typeSize;
  const rowsTotal = Math.max(4, Math.round((options.dataBytes ?? 1_000_000) / rowBytes));
  const names = ['token_embd.weight', 'blk.0.attn_q.weight', 'blk.0.ffn_up.weight', 'output.weight'];
  const rows = Math.ceil(rowsTotal / names.length);
  const tensors = names.map((name, i) => ({
    name, dims: [rowElems, rows], type, bytes: seededBytes(rowBytes * rows, seed * 31 + i),
  }));
  const metadata: Record<string, string | number> = {
    'general.architecture': arch,
    'general.name': `tiny-${arch}-${seed}`,
    [`${arch}.context_length`]: 4096,
    [`${arch}.block_count`]: 1,
  };
  if (options.chatTemplate ?? true) metadata['tokenizer.chat_template'] = '{% for m in messages %}{{ m.content }}{% endfor %}';
  const bytes = writeGguf({ metadata, tensors });
  const h = createHash('sha256');
  for (const t of tensors) h.update(t.bytes);
  return { bytes, sha256: sha256(bytes), tensorsSha256: h.digest('hex') };
}

/** Bytes that are not a GGUF file at all. */
export function notGguf(n: number, seed = 7): Uint8Array {
  const b = seededBytes(n, seed);
  b.set(new TextEncoder().encode('PK\u0003\u0004'), 0);
  return b;
}

/**
 * A valid GGUF header whose one tensor claims `totalBytes` of data: serve it with
 * RangeServer.put(path, header, totalBytes) (the body reads as zeros). The writer needs real data,
 * so a small tensor is written and its row count patched in the header.
 */
export function hugeModelHeader(totalBytes: number): Uint8Array {
  const rowBytes = (256 / 32) * 34;                       // Q8_0 rows of 256 values
  const bytes = writeGguf({
    metadata: { 'general.architecture': 'llama', 'llama.context_length': 4096 },
    tensors: [{ name: 'token_embd.weight', dims: [256, 3], type: GgmlTypeId.Q8_0, bytes: new Uint8Array(3 * rowBytes) }],
  });
  const name = new TextEncoder().encode('token_embd.weight');
  let at = 0;
  while (!name.every((b, i) => bytes[at + i] === b)) at++;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const rowsAt = at + name.length + 4 + 8;                 // n_dims u32, ne[0] u64, then ne[1]
  if (view.getBigUint64(rowsAt, true) !== 3n) throw new Error('unexpected GGUF layout');
  const dataOffset = bytes.length - Math.ceil((3 * rowBytes) / 32) * 32;   // the writer pads data to the alignment
  view.setBigUint64(rowsAt, BigInt(Math.floor((totalBytes - dataOffset) / rowBytes)), true);
  return bytes.slice(0, dataOffset);
}
