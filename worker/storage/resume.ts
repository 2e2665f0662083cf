// Pure decisions of a resumable download: whether the server still has the file that was partly
// stored, and what to do with each HTTP response. Kept free of I/O so that every branch is
// unit-tested (tests/unit/storage/resume.test.ts).
import type { Validators } from './manifest.ts';

export interface RemoteFile extends Validators {
  readonly size: number;
}

/** True when the remote file is provably a different file from the one the manifest describes. */
export function validatorsChanged(stored: Validators & { size: number }, remote: RemoteFile): string | undefined {
  if (stored.size !== remote.size) return `its size changed from ${stored.size} to ${remote.size} bytes`;
  if (stored.etag && remote.etag && stored.etag !== remote.etag) return 'its ETag changed';
  // Last-Modified decides only where there is no ETag to compare (a strong ETag is more precise).
  if (!(stored.etag && remote.etag) && stored.lastModified && remote.lastModified && stored.lastModified !== remote.lastModified) {
    return 'its Last-Modified date changed';
  }
  return undefined;
}

/** `Content-Range: bytes 100-199/1000` → {start: 100, end: 200, total: 1000} (end exclusive). */
export function parseContentRange(header: string | null): { start: number; end: number; total: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header?.trim() ?? '');
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]) + 1;
  const total = Number(m[3]);
  return start < end && end <= total ? { start, end, total } : undefined;
}

export type BodyPlan =
  | { readonly kind: 'append' }                      // 206 at the requested offset: store from there
  | { readonly kind: 'from-zero' }                   // 200: the server ignored Range; the body is the whole file
  | { readonly kind: 'changed'; readonly reason: string }  // validators differ: the file is another file now
  | { readonly kind: 'bad'; readonly reason: string };     // an answer that cannot be used

export interface BodyResponse extends Validators {
  readonly status: number;
  readonly contentRange: string | null;
  readonly contentLength: number | undefined;
}

/** What to do with the response to `Range: bytes=<from>-` for a file we know as `expected`. */
export function planBody(from: number, expected: RemoteFile, res: BodyResponse): BodyPlan {
  if (res.status === 200) {
    const size = res.contentLength ?? expected.size;
    const changed = validatorsChanged({ ...expected, size: expected.size }, { ...res, size });
    return changed ? { kind: 'changed', reason: changed } : { kind: 'from-zero' };
  }
  if (res.status === 206) {
    const range = parseContentRange(res.contentRange);
    if (!range) return { kind: 'bad', reason: `unreadable Content-Range "${res.contentRange ?? ''}"` };
    const changed = validatorsChanged({ ...expected, size: expected.size }, { ...res, size: range.total });
    if (changed) return { kind: 'changed', reason: changed };
    if (range.start !== from) return { kind: 'bad', reason: `asked for bytes from ${from}, got from ${range.start}` };
    return { kind: 'append' };
  }
  if (res.status === 416) return { kind: 'changed', reason: 'the server says the requested range is past its end' };
  return { kind: 'bad', reason: `HTTP ${res.status}` };
}
