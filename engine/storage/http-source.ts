// A ByteSource over a remote file, read with HTTP Range requests: lets the GGUF reader validate a
// model's header before a byte of its body is stored. Reads are rounded up to `blockSize` and the
// last few blocks kept, so the reader's small sequential reads cost one request per block. A server
// that ignores Range (200) still works: the body is read from 0 up to the block and cancelled.
import { EdgewiseError } from '../../model/errors.ts';
import type { ByteSource } from '../../model/gguf/types.ts';
import { contentLength, fileNameOf, httpStatusError, isAbort, rangeGet, readPrefix, validatorsOf, type Fetch } from './http.ts';
import type { RemoteFile } from './resume.ts';
import { parseContentRange, validatorsChanged } from './resume.ts';

export interface HttpFile extends RemoteFile {
  readonly url: string;
  readonly source: ByteSource;
  /** The server answered a Range request with the whole file (200). */
  readonly rangeIgnored: boolean;
}

const DEFAULT_BLOCK = 1024 * 1024;
const KEEP_BLOCKS = 4;

interface Block { readonly start: number; readonly bytes: Uint8Array }

async function bodyBytes(url: string, read: () => Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await read();
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new EdgewiseError('network', `${fileNameOf(url)}: the connection broke while reading the header; retry`, { cause: e });
  }
}

/** Fetches `[from, to)` of the file; the response must match `expected` when given. */
async function fetchBlock(fetchFn: Fetch, url: string, from: number, to: number, expected: RemoteFile | undefined, signal?: AbortSignal) {
  const res = await rangeGet(fetchFn, url, from, to - 1, signal);
  const validators = validatorsOf(res);
  if (res.status === 206) {
    const range = parseContentRange(res.headers.get('Content-Range'));
    if (!range || range.start !== from) {
      await res.body?.cancel();
      throw new EdgewiseError('network', `${fileNameOf(url)}: the server answered a Range request with bytes ${res.headers.get('Content-Range') ?? '(none)'}; it cannot be downloaded in parts`);
    }
    const remote: RemoteFile = { size: range.total, ...validators };
    const bytes = await bodyBytes(url, () => res.arrayBuffer().then((b) => new Uint8Array(b)));
    if (bytes.byteLength !== range.end - range.start) {
      throw new EdgewiseError('network', `${fileNameOf(url)}: the connection ended early while reading the header; retry`);
    }
    return { remote, bytes, rangeIgnored: false };
  }
  if (res.status === 200) {
    const size = contentLength(res);
    if (size === undefined) {
      await res.body?.cancel();
      throw new EdgewiseError('network', `${fileNameOf(url)}: the server neither supports Range requests nor says the file's length; it cannot be downloaded`);
    }
    const prefix = await bodyBytes(url, () => readPrefix(res, to));
    return { remote: { size, ...validators }, bytes: prefix.subarray(from), rangeIgnored: true };
  }
  await res.body?.cancel();
  if (expected === undefined && res.status === 416) {
    throw new EdgewiseError('gguf-malformed', `${fileNameOf(url)} is empty; it is not a model file`);
  }
  throw httpStatusError(url, res.status);
}

export async function openHttpFile(fetchFn: Fetch, url: string, options: { signal?: AbortSignal; blockSize?: number } = {}): Promise<HttpFile> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK;
  const first = await fetchBlock(fetchFn, url, 0, blockSize, undefined, options.signal);
  const remote = first.remote;
  const blocks: Block[] = [{ start: 0, bytes: first.bytes }];

  const source: ByteSource = {
    size: remote.size,
    async read(offset, length) {
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > remote.size) {
        throw new RangeError(`read of ${length} bytes at ${offset} is outside a source of ${remote.size} bytes`);
      }
      const hit = blocks.find((b) => offset >= b.start && offset + length <= b.start + b.bytes.byteLength);
      if (hit) return hit.bytes.slice(offset - hit.start, offset - hit.start + length);
      const to = Math.min(remote.size, offset + Math.max(length, blockSize));
      const got = await fetchBlock(fetchFn, url, offset, to, remote, options.signal);
      const changed = validatorsChanged({ ...remote }, got.remote);
      if (changed) throw new EdgewiseError('network', `${fileNameOf(url)} changed on the server while its header was read (${changed}); retry`);
      if (got.bytes.byteLength < to - offset) throw new EdgewiseError('network', `${fileNameOf(url)}: the connection ended early while reading the header; retry`);
      blocks.push({ start: offset, bytes: got.bytes });
      if (blocks.length > KEEP_BLOCKS) blocks.shift();
      return got.bytes.slice(0, length);
    },
  };
  return { url, ...remote, source, rangeIgnored: first.rangeIgnored };
}
