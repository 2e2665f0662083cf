// edgewise pull <url> --out model.gguf [--sha256 HEX]
// The app's resumable, verified download (engine/storage/download.ts) over a file store: bytes
// go to FILE.part beside a JSON sidecar (cli/file-store.ts), a run that stops — a cut connection,
// Ctrl-C, a killed process — resumes when the same command runs again, and FILE appears, by an
// atomic rename, only once the bytes hash to --sha256 (or their hash is recorded when none is
// given) and the GGUF header checks out. Progress goes to stderr; stdout gets `<sha256>  FILE`,
// sha256sum's format. A mismatch leaves neither FILE nor the partial copy.
// A link to any part of a split GGUF (`NAME-00001-of-00003.gguf`) pulls every part, each the same
// way, to FILE's name with the parts' suffix (model-00001-of-00003.gguf …), which the other
// commands open as one model; stdout gets one line per part.
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { EdgewiseError } from '../../model/errors.ts';
import type { TransferProgress } from '../../engine/api.ts';
import { DEFAULT_RETRY, downloadModel, type RetryPolicy } from '../../engine/storage/download.ts';
import { formatBytes, percent } from '../../engine/storage/format.ts';
import { normalizeSha256 } from '../../engine/storage/hash.ts';
import type { Fetch } from '../../engine/storage/http.ts';
import { fileNameFromUrl, modelIdForUrl } from '../../engine/model-ids.ts';
import type { ModelManifest, PartOf } from '../../engine/storage/manifest.ts';
import { splitParts, type SplitInfo } from '../../engine/hub-links.ts';
import { UsageError, parse, type CliCommand } from '../args.ts';
import { diskStorage, FileStore } from '../file-store.ts';

/** What a broken connection can cost (the bytes after the last stored chunk) and what one chunk
 *  holds in memory; each chunk is flushed to disk before the sidecar counts it. */
export const PULL_CHUNK_SIZE = 1024 * 1024;

export interface PullOptions {
  readonly sha256?: string;
  readonly fetch?: Fetch;
  readonly retry?: RetryPolicy;
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: TransferProgress) => void;
}

/** Where each part of a split model goes: `out` with the parts' suffix (kept if it has one). */
export function splitOutPaths(out: string, count: number): string[] {
  const stem = out.replace(/(-\d{5}-of-\d{5})?\.gguf$/i, '');
  return Array.from({ length: count }, (_, i) => `${stem}-${String(i + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`);
}

/**
 * Downloads every part of a split model, one after another, to splitOutPaths(out); resolves once
 * each holds its verified bytes (each part checked to be that part), with one manifest per part.
 */
export async function pullSplit(split: SplitInfo, out: string, options: Omit<PullOptions, 'sha256'> = {}): Promise<ModelManifest[]> {
  const paths = splitOutPaths(out, split.count);
  const model = modelIdForUrl(split.urls[0]);
  const done: ModelManifest[] = [];
  for (const [k, url] of split.urls.entries()) done.push(await pullModel(url, paths[k], { ...options, part: { model, index: k, count: split.count } }));
  return done;
}

/** Downloads `url` to `out`; resolves once `out` holds the verified bytes. */
export async function pullModel(url: string, out: string, options: PullOptions & { readonly part?: PartOf } = {}): Promise<ModelManifest> {
  const store = new FileStore(out);
  const ctx = {
    store,
    fetch: options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init)),
    chunkSize: options.chunkSize ?? PULL_CHUNK_SIZE,
    storage: diskStorage(out),
    retry: options.retry ?? DEFAULT_RETRY,
    now: () => performance.now(),
  };
  const target = { id: modelIdForUrl(url), name: fileNameFromUrl(url), url, sha256: options.sha256, part: options.part };
  return downloadModel(ctx, target, options.signal ?? new AbortController().signal, options.onProgress ?? (() => undefined));
}

const VERB: Record<TransferProgress['phase'], string> = {
  header: 'checking the header of', download: 'downloading', verify: 'verifying', import: 'importing',
};

function progressLine(name: string, p: TransferProgress): string {
  const speed = p.phase === 'download' && p.bytesPerSecond > 0 ? `, ${formatBytes(p.bytesPerSecond)}/s` : '';
  const left = p.phase === 'download' && Number.isFinite(p.secondsLeft) && p.secondsLeft > 0 ? `, ${Math.ceil(p.secondsLeft)} s left` : '';
  return `${VERB[p.phase]} ${name}: ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)} (${percent(p.bytes, p.totalBytes)})${speed}${left}`;
}

/** On a terminal one line rewritten in place; in a log a line per phase and at most one a second. */
function stderrProgress(name: string): { report: (p: TransferProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let phase = '';
  let lastAt = -Infinity;
  let open = false;
  return {
    report(p) {
      const now = performance.now();
      const done = p.bytes >= p.totalBytes;
      if (!tty && p.phase === phase && !done && now - lastAt < 1000) return;
      if (!tty && p.phase === phase && done && lastAt === Infinity) return;
      phase = p.phase;
      lastAt = done ? Infinity : now;
      const line = progressLine(name, p);
      if (tty) {
        process.stderr.write(`\r${line}\x1b[K`);
        open = true;
      } else {
        process.stderr.write(`${line}\n`);
      }
    },
    end() {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}

/** fs errors (a folder that cannot be written, say) as one line, not a stack. */
function fileError(e: unknown, out: string): EdgewiseError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof EdgewiseError || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return undefined;
  return new EdgewiseError('usage', `cannot write ${out}.part beside ${out} (${code}: ${(e as Error).message})`);
}

export const pull: CliCommand = {
  summary: "download a .gguf with the app's resumable, verified download",
  usage: 'usage: edgewise pull <url> --out model.gguf [--sha256 HEX]\n'
    + '  partial data is kept in model.gguf.part (+ .part.json) and resumed by running the same command again;\n'
    + '  model.gguf appears only when its bytes are verified (exit 0)\n'
    + '  a link to one part of a split model (NAME-00001-of-00003.gguf) pulls every part, to model-00001-of-00003.gguf …',
  async run(argv) {
    const { values, positionals } = parse(argv, { out: { type: 'string' }, sha256: { type: 'string' } }, 1);
    const url = positionals[0];
    if (!/^https?:\/\/[^/]/i.test(url) || !URL.canParse(url)) throw new UsageError(`'${url}' is not an http(s) address of a .gguf file`);
    if (!values.out) throw new UsageError('--out FILE is required');
    let sha256: string | undefined;
    try {
      sha256 = values.sha256 === undefined ? undefined : normalizeSha256(values.sha256, '--sha256');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const out = resolve(values.out);
    const folder = await stat(dirname(out)).catch(() => undefined);
    if (!folder?.isDirectory()) throw new UsageError(`--out ${values.out}: the folder ${dirname(out)} does not exist`);
    if ((await stat(out).catch(() => undefined))?.isDirectory()) throw new UsageError(`--out ${values.out} is a folder; give a file name`);

    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    const split = splitParts(url);
    if (split && sha256 !== undefined) {
      throw new UsageError(`${fileNameFromUrl(url)} is one part of a model split into ${split.count} parts, each with its own SHA-256; --sha256 checks one file, so pull each part by its own link to pin it`);
    }
    const shown = split ? splitOutPaths(values.out, split.count) : [values.out];
    const progress = stderrProgress(split ? `${basename(shown[0])} (${split.count} parts)` : basename(out));
    try {
      const opts = { signal: controller.signal, onProgress: progress.report };
      const files = split ? await pullSplit(split, out, opts) : [await pullModel(url, out, { ...opts, sha256 })];
      progress.end();
      const how = sha256 ? 'its SHA-256 matches --sha256' : 'no --sha256 given, so its SHA-256 is printed for the record';
      files.forEach((m, k) => {
        process.stderr.write(`${shown[k]}: ${formatBytes(m.sizeBytes)}, verified (${how})\n`);
        process.stdout.write(`${m.sha256}  ${shown[k]}\n`);
      });
      return 0;
    } catch (e) {
      progress.end();
      throw fileError(e, values.out) ?? e;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
