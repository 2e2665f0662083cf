// Pure decisions of a resumable download: whether the server still has the file that was partly
// stored, and what to do with each HTTP response. Kept free of I/O so that every branch is
// unit-tested (tests/unit/storage/resume.test.ts).
import type { Validators } from './manifest.ts';

export interface RemoteFile extends Validators {
  readonly size: number;
}

const isWeak = (etag: string) => /^W\//.test(etag);

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

/**
 * The validator to send as If-Range when resuming, or undefined when the stored prefix cannot be
 * resumed safely. RFC 9110 forbids a weak ETag in If-Range (it promises equivalence, not equal
 * bytes), so a weak ETag falls back to Last-Modified.
 */
export function ifRangeValue(v: Validators): string | undefined {
  if (v.etag && !isWeak(v.etag)) return v.etag;
  return v.lastModified || undefined;
}

/**
 * True when a response positively says it is the same file: the validator we resumed with comes
 * back unchanged. Without that, bytes appended to a stored prefix could come from another file.
 */
export function confirmsSameFile(stored: Validators, res: Validators): boolean {
  if (stored.etag && !isWeak(stored.etag)) return res.etag === stored.etag;
  return !!stored.lastModified && res.lastModified === stored.lastModified;
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
  | { readonly kind: 'append' }                      // 206 at the requested offset, same file: store from there
  | { readonly kind: 'from-zero' }                   // 200: the server ignored Range; the body is the whole file
  | { readonly kind: 'changed'; readonly reason: string }  // another file now, or one that cannot be told apart
  | { readonly kind: 'bad'; readonly reason: string };     // an answer that cannot be used

export interface BodyResponse extends Validators {
  readonly status: number;
  readonly contentRange: string | null;
  readonly contentLength: number | undefined;
}

/**
 * What to do with the response to `Range: bytes=<from>-` (sent with If-Range when `from` > 0) for
 * a file we know as `expected`. A 200 is always taken whole from byte 0, so its bytes are never
 * joined to a stored prefix; a 206 past byte 0 is appended only when it confirms the validator.
 */
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
    if (from > 0 && !confirmsSameFile(expected, res)) {
      return { kind: 'changed', reason: 'the server no longer confirms it is the same file (no matching ETag or Last-Modified)' };
    }
    return { kind: 'append' };
  }
  if (res.status === 416) return { kind: 'changed', reason: 'the server says the requested range is past its end' };
  return { kind: 'bad', reason: `HTTP ${res.status}` };
}
