// edgewise inspect <model.gguf>
// Prints one JSON object summarizing a GGUF file's header: architecture and its hyper-parameters,
// tokenizer, tensor types and sizes. Only the header is read, however large the file.
import { readGguf } from '../../model/gguf/reader.ts';
import { GgufValueType, type GgufFile, type GgufValue } from '../../model/gguf/types.ts';
import { ggmlType } from '../../model/quant/types.ts';
import { UsageError, parse, type CliCommand } from '../args.ts';
import { nodeFileSource } from '../file-source.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface InspectSummary {
  architecture: string | null;
  name: string | null;
  ggufVersion: number;
  fileSize: number;
  alignment: number;
  dataOffset: number;
  contextLength: number | null;
  /** Every `<architecture>.*` key, with its full name. */
  hyperparameters: Record<string, Json>;
  vocabSize: number | null;
  tokenizerModel: string | null;
  tokenizerPre: string | null;
  chatTemplate: boolean;
  tensorCount: number;
  /** Per ggml type name: how many tensors and how many data bytes. */
  tensorTypes: Record<string, { count: number; bytes: number }>;
  /** Types present that Edgewise cannot run (the file is still described). */
  unsupportedTensorTypes: string[];
}

/** The shortest decimal that reads back as the same f32, so 1e-6 prints as 1e-6, not 9.99999997e-7. */
function shortestF32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p <= 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

function toJson(v: GgufValue, type: GgufValueType | undefined): Json {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return type === GgufValueType.FLOAT32 ? shortestF32(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Float32Array) return Array.from(v, shortestF32);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Array.from(v, (x) => toJson(x, undefined));
  if (ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number>);
  return (v as GgufValue[]).map((x) => toJson(x, undefined));
}

const str = (v: GgufValue | undefined): string | null => (typeof v === 'string' ? v : null);
const num = (v: GgufValue | undefined): number | null => (typeof v === 'number' ? v : null);

export function inspectGguf(file: GgufFile): InspectSummary {
  const meta = file.metadata;
  const arch = str(meta.get('general.architecture'));
  const hyperparameters: Record<string, Json> = {};
  if (arch !== null) {
    for (const [key, value] of meta) {
      if (key.startsWith(`${arch}.`)) hyperparameters[key] = toJson(value, file.metadataTypes.get(key));
    }
  }
  const tokens = meta.get('tokenizer.ggml.tokens');
  const vocabSize = Array.isArray(tokens) ? tokens.length : arch === null ? null : num(meta.get(`${arch}.vocab_size`));
  const tensorTypes: Record<string, { count: number; bytes: number }> = {};
  const unsupported = new Set<string>();
  for (const t of file.tensors) {
    const info = ggmlType(t.type);
    const name = info?.name ?? `#${t.type}`;
    const row = (tensorTypes[name] ??= { count: 0, bytes: 0 });
    row.count++;
    row.bytes += t.byteSize;
    if (!info?.supported) unsupported.add(name);
  }
  return {
    architecture: arch,
    name: str(meta.get('general.name')),
    ggufVersion: file.version,
    fileSize: file.fileSize,
    alignment: file.alignment,
    dataOffset: file.dataOffset,
    contextLength: arch === null ? null : num(meta.get(`${arch}.context_length`)),
    hyperparameters,
    vocabSize,
    tokenizerModel: str(meta.get('tokenizer.ggml.model')),
    tokenizerPre: str(meta.get('tokenizer.ggml.pre')),
    chatTemplate: typeof meta.get('tokenizer.chat_template') === 'string',
    tensorCount: file.tensors.length,
    tensorTypes,
    unsupportedTensorTypes: [...unsupported],
  };
}

export const inspect: CliCommand = {
  summary: 'JSON summary of a GGUF file (architecture, hyper-parameters, tokenizer, tensor types)',
  usage: 'usage: edgewise inspect <model.gguf>',
  async run(argv) {
    const { positionals } = parse(argv, {}, 1);
    const path = positionals[0];
    const src = await nodeFileSource(path).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot open ${path}: ${e.code ?? e.message}`);
    });
    try {
      console.log(JSON.stringify(inspectGguf(await readGguf(src)), null, 2));
      return 0;
    } finally {
      await src.close();
    }
  },
};
