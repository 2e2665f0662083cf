// Opening a GGUF file for the commands that run the model (logits, generate, bench): a missing
// file is bad usage (exit 2); a file that is not a GGUF we can run fails in readGguf/planModel
// with a gguf-/tensor- EdgewiseError (exit 3, one line); the device comes from Dawn.
import { basename } from 'node:path';
import { EdgewiseError } from '../model/errors.ts';
import { readGguf } from '../model/gguf/reader.ts';
import { joinSplitParts, splitCount } from '../model/gguf/split.ts';
import type { GgufFile } from '../model/gguf/types.ts';
import { UsageError, numberOption } from './args.ts';
import { nodeFileSource, type NodeFileSource } from './file-source.ts';

export interface OpenedFile {
  readonly source: NodeFileSource;
  readonly file: GgufFile;
}

async function openOne(path: string): Promise<OpenedFile> {
  const source = await nodeFileSource(path).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot open ${path}: ${e.code ?? e.message}`);
  });
  try {
    return { source, file: await readGguf(source) };
  } catch (e) {
    await source.close();
    throw e;
  }
}

/**
 * The model in `path`. A part of a split GGUF (as llama.cpp's gguf-split names them,
 * `NAME-00001-of-00003.gguf`, beside each other) opens with its sibling parts, joined
 * (model/gguf/split.ts), as llama.cpp loads a split model from any one of its parts' names.
 */
export async function openGguf(path: string): Promise<OpenedFile> {
  const first = await openOne(path);
  const count = splitCount(first.file);
  if (count === 1) return first;
  const opened: OpenedFile[] = [first];
  try {
    const paths = splitPartPaths(path, count);
    if (!paths) {
      throw new EdgewiseError('gguf-malformed', `${basename(path)} is one part of a model split into ${count} parts; name the parts as gguf-split does (NAME-00001-of-${String(count).padStart(5, '0')}.gguf …) and keep them together`);
    }
    const parts = await Promise.all(paths.map((p) => (p === path ? first : openOne(p).then((o) => { opened.push(o); return o; }))));
    const joined = joinSplitParts(parts, basename(paths[0]));
    const source: NodeFileSource = { size: joined.source.size, read: joined.source.read, close: async () => { await Promise.all(parts.map((p) => p.source.close())); } };
    return { source, file: joined.file };
  } catch (e) {
    await Promise.all(opened.map((o) => o.source.close()));
    throw e;
  }
}

/** The paths of the `count` parts of the split model `path` is one part of, or undefined when its name does not say. */
export function splitPartPaths(path: string, count: number): string[] | undefined {
  const m = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i.exec(path);
  if (!m || Number(m[3]) !== count) return undefined;
  return Array.from({ length: count }, (_, i) => `${m[1]}-${String(i + 1).padStart(5, '0')}-of-${m[3]}.gguf`);
}

/** A whole-number option of at least `min`, or `fallback` when absent. */
export function intOption(value: string | undefined, what: string, fallback: number, min = 1): number {
  const n = numberOption(value, what, fallback);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}
