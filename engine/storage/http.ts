// fetch() as the downloader uses it: typed errors for a failed request, and the few response
// headers a resumable download needs.
import { EdgewiseError } from '../../model/errors.ts';
import type { Validators } from './manifest.ts';

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

export function abortedError(what: string): EdgewiseError {
  return new EdgewiseError('aborted', `the download of ${what} was cancelled; start it again to resume`);
}

/**
 * GET with `Range: bytes=<from>-[<to>]` (to inclusive), plus `If-Range` when resuming: a server
 * that no longer has that version then answers 200 with the whole new file instead of a 206 that
 * would join two files. Connection failures become 'network' errors.
 */
export async function rangeGet(
  fetchFn: Fetch, url: string, from: number, to: number | undefined, signal?: AbortSignal, ifRange?: string,
): Promise<Response> {
  const headers: Record<string, string> = { Range: `bytes=${from}-${to ?? ''}` };
  if (ifRange !== undefined) headers['If-Range'] = ifRange;
  try {
    return await fetchFn(url, {
      headers,
      signal,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new EdgewiseError('network', `could not reach ${hostOf(url)} (${e instanceof Error ? e.message : String(e)}); check the connection and retry`, { cause: e });
  }
}

export function validatorsOf(res: Response): Validators {
  return {
    etag: res.headers.get('ETag') ?? undefined,
    lastModified: res.headers.get('Last-Modified') ?? undefined,
  };
}

export function contentLength(res: Response): number | undefined {
  const v = res.headers.get('Content-Length');
  return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** A refusal by the server; 4xx answers are final, 5xx worth retrying. */
export class HttpStatusError extends EdgewiseError {
  constructor(message: string, readonly status: number) {
    super('network', message);
  }
}

export function httpStatusError(url: string, status: number): HttpStatusError {
  const why = status === 404 ? 'not found' : status === 401 || status === 403 ? 'access denied (the model may need a login or a licence acceptance)' : 'the server refused';
  return new HttpStatusError(`${fileNameOf(url)}: ${why} (HTTP ${status}) at ${hostOf(url)}`, status);
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function fileNameOf(url: string): string {
  try {
    const path = new URL(url).pathname;
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || url;
  } catch {
    return url;
  }
}

/** Reads the first `n` bytes of a body (fewer if it ends first) and cancels the rest. */
export async function readPrefix(res: Response, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  const reader = res.body!.getReader();
  try {
    while (got < n) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, n - got);
      out.set(value.subarray(0, take), got);
      got += take;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return got === n ? out : out.slice(0, got);
}
