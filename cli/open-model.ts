// Opening a GGUF file for the commands that run the model (logits, generate, bench): a missing
// file is bad usage (exit 2); a file that is not a GGUF we can run fails in readGguf/planModel
// with a gguf-/tensor- EdgewiseError (exit 3, one line); the device comes from Dawn.
import { readGguf } from '../model/gguf/reader.ts';
import type { GgufFile } from '../model/gguf/types.ts';
import { UsageError, numberOption } from './args.ts';
import { nodeFileSource, type NodeFileSource } from './file-source.ts';

export interface OpenedFile {
  readonly source: NodeFileSource;
  readonly file: GgufFile;
}

export async function openGguf(path: string): Promise<OpenedFile> {
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

/** A whole-number option of at least `min`, or `fallback` when absent. */
export function intOption(value: string | undefined, what: string, fallback: number, min = 1): number {
  const n = numberOption(value, what, fallback);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}
