// A split GGUF (llama.cpp's gguf-split: `name-00001-of-0000N.gguf`, each part a GGUF of its own
// with `split.no`/`split.count`, the first holding the model's metadata) read as one file: the
// parts' bytes end to end, and every part's tensors with their offsets moved by the bytes of the
// parts before it. The loader then reads tensors from the joined source as from a single file.
import { EdgewiseError } from '../errors.ts';
import type { ByteSource, GgufFile } from './types.ts';

export interface SplitPart {
  readonly source: ByteSource;
  readonly file: GgufFile;
}

/** The parts this file says the model has (1 where it is not split). */
export function splitCount(file: GgufFile): number {
  const n = file.metadata.get('split.count');
  return typeof n === 'number' && n > 1 ? n : 1;
}

/** Joins the parts, in order; checks that they are the parts of one model, each once. */
export function joinSplitParts(parts: readonly SplitPart[], name: string): SplitPart {
  if (parts.length === 1 && splitCount(parts[0].file) === 1) return parts[0];
  const count = splitCount(parts[0].file);
  if (count !== parts.length) {
    throw new EdgewiseError('gguf-malformed', `${name} is split into ${count} parts; ${parts.length} were given`);
  }
  parts.forEach((p, i) => {
    const no = p.file.metadata.get('split.no');
    if (no !== i || splitCount(p.file) !== count) {
      throw new EdgewiseError('gguf-malformed', `${name}: part ${i + 1} of ${count} says it is part ${typeof no === 'number' ? no + 1 : '?'} of ${splitCount(p.file)}`);
    }
  });
  const starts: number[] = [];
  let total = 0;
  for (const p of parts) { starts.push(total); total += p.source.size; }
  const names = new Set<string>();
  const tensors = parts.flatMap((p, i) => p.file.tensors.map((t) => {
    if (names.has(t.name)) throw new EdgewiseError('gguf-malformed', `${name}: tensor ${t.name} is in more than one part`);
    names.add(t.name);
    return { ...t, offset: t.offset + starts[i] };
  }));
  const source: ByteSource = {
    size: total,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > total) throw new RangeError(`read of ${length} bytes at ${offset} is outside a source of ${total} bytes`);
      let i = starts.findLastIndex((s) => s <= offset);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const at = offset + done - starts[i];
        const take = Math.min(length - done, parts[i].source.size - at);
        if (take > 0) out.set(await parts[i].source.read(at, take), done);
        done += Math.max(0, take);
        i++;
      }
      return out;
    },
  };
  return { source, file: { ...parts[0].file, tensors, fileSize: total } };
}
