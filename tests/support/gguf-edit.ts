// GGUF files rewritten for tests with the project's writer: metadata changed (a chat template
// written in, a key dropped), or a model split into parts as llama.cpp's gguf-split does.
import { readGguf } from '../../model/gguf/reader.ts';
import { memorySource } from '../../model/gguf/sources.ts';
import { GgufValueType, type GgufFile, type GgufValue } from '../../model/gguf/types.ts';
import { writeGguf, type GgufWriteTensor } from '../../model/gguf/writer.ts';

function tensorsOf(file: GgufFile, bytes: Uint8Array): GgufWriteTensor[] {
  return file.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, bytes: bytes.subarray(t.offset, t.offset + t.byteSize) }));
}

/**
 * `bytes` with `changes` applied to its metadata: a value sets a key (keeping the key's GGUF type
 * when the value is of the same kind, else the writer's choice), undefined removes it. Tensors
 * are kept as they are.
 */
export async function withMetadata(bytes: Uint8Array, changes: Record<string, GgufValue | undefined>): Promise<Uint8Array> {
  const file = await readGguf(memorySource(bytes));
  const metadata = new Map(file.metadata);
  const metadataTypes = new Map(file.metadataTypes);
  const arrayTypes = new Map(file.arrayTypes ?? []);
  for (const [key, value] of Object.entries(changes)) {
    const old = file.metadata.get(key);
    if (value === undefined || typeof old !== typeof value || Array.isArray(old) !== Array.isArray(value) || ArrayBuffer.isView(old) !== ArrayBuffer.isView(value)) {
      metadataTypes.delete(key);
      arrayTypes.delete(key);
    }
    if (value === undefined) metadata.delete(key);
    else metadata.set(key, value);
  }
  // The writer writes the alignment it is given.
  metadata.delete('general.alignment');
  return writeGguf({ metadata, metadataTypes, arrayTypes, alignment: file.alignment, tensors: tensorsOf(file, bytes) });
}

/**
 * `bytes` split into `n` GGUF files as llama.cpp's gguf-split writes them: the first holds the
 * model's metadata, every part `split.no` / `split.count` (u16) and its share of the tensors.
 */
export async function splitGguf(bytes: Uint8Array, n: number): Promise<Uint8Array[]> {
  const file = await readGguf(memorySource(bytes));
  const tensors = tensorsOf(file, bytes);
  const per = Math.ceil(tensors.length / n);
  return Array.from({ length: n }, (_, i) => {
    const metadata = new Map<string, GgufValue>(i === 0 ? file.metadata : []);
    const metadataTypes = new Map(i === 0 ? file.metadataTypes : []);
    metadata.set('split.no', i); metadataTypes.set('split.no', GgufValueType.UINT16);
    metadata.set('split.count', n); metadataTypes.set('split.count', GgufValueType.UINT16);
    metadata.delete('general.alignment');
    return writeGguf({
      metadata, metadataTypes, arrayTypes: i === 0 ? file.arrayTypes : undefined, alignment: file.alignment,
      tensors: tensors.slice(i * per, (i + 1) * per),
    });
  });
}
