// Validation shared by download and import: the GGUF header parses, its architecture and tensor
// types are ones the engine runs. Returns the summary the manifest keeps.
import { EdgewiseError } from '../../model/errors.ts';
import { assertSupportedTensorTypes, readGguf } from '../../model/gguf/reader.ts';
import type { ByteSource, GgufFile } from '../../model/gguf/types.ts';
import { ggmlType } from '../../model/quant/types.ts';
import { checkArchitecture } from '../architectures.ts';
import { oneLine } from './format.ts';
import type { GgufSummary, PartOf } from './manifest.ts';

/** Parts after the first of a split GGUF carry only tensors: their summary names no architecture. */
export function summarize(file: GgufFile, what: string, part?: PartOf): GgufSummary {
  const later = part !== undefined && part.index > 0;
  const arch = later ? '' : file.metadata.get('general.architecture');
  if (!later && (typeof arch !== 'string' || arch === '')) {
    throw new EdgewiseError('gguf-unsupported', `${what} has no general.architecture; it is not a model file Edgewise can run`);
  }
  const ctx = file.metadata.get(`${arch}.context_length`);
  const name = file.metadata.get('general.name');
  const types = [...new Set(file.tensors.map((t) => ggmlType(t.type)?.name ?? `#${t.type}`))].sort();
  return {
    architecture: arch as string,
    name: typeof name === 'string' ? name : undefined,
    contextLength: typeof ctx === 'number' ? ctx : typeof ctx === 'bigint' ? Number(ctx) : undefined,
    hasChatTemplate: typeof file.metadata.get('tokenizer.chat_template') === 'string',
    tensorCount: file.tensors.length,
    tensorTypes: types,
    dataOffset: file.dataOffset,
  };
}

/**
 * Parses and checks the header of `src`; throws a typed error naming `what` (file name or URL).
 * A part of a split GGUF must say it is that part; the joined model is checked when it loads.
 */
export async function validateGguf(src: ByteSource, what: string, part?: PartOf): Promise<{ file: GgufFile; summary: GgufSummary }> {
  let file: GgufFile;
  try {
    file = await readGguf(src);
  } catch (e) {
    if (e instanceof EdgewiseError && e.code === 'gguf-malformed') {
      throw new EdgewiseError('gguf-malformed', `${what} is not a valid GGUF model file (${oneLine(e.message)})`, { cause: e });
    }
    // A source rejects reads past its end; a header whose lengths point there is malformed.
    if (e instanceof RangeError) {
      throw new EdgewiseError('gguf-malformed', `${what} is not a valid GGUF model file (its header points outside the file: ${oneLine(e.message)})`, { cause: e });
    }
    throw e;
  }
  const summary = summarize(file, what, part);
  if (part) {
    const no = file.metadata.get('split.no'), count = file.metadata.get('split.count');
    if (no !== part.index || count !== part.count) {
      throw new EdgewiseError('gguf-malformed', `${what} should be part ${part.index + 1} of ${part.count} of a split model, but its header says ${
        typeof no === 'number' && typeof count === 'number' ? `part ${no + 1} of ${count}` : 'it is not split'}`);
    }
  }
  if (!part || part.index === 0) checkArchitecture(summary.architecture, what);
  assertSupportedTensorTypes(file);
  if (file.tensors.length === 0 && !part) throw new EdgewiseError('gguf-unsupported', `${what} holds no tensors; it is not a model`);
  return { file, summary };
}
