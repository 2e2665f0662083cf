// An in-process file server for download tests, as a fetch function (nothing leaves the process):
// Range and If-Range answered as RFC 9110 says, validators of a chosen kind, and faults scripted
// per request number — cut the body after n bytes, flip one byte of it, answer a Range request
// with 200 — plus the file swapped for another before a given request. Every request is logged
// with the body bytes the client actually read.
import { createHash } from 'node:crypto';
import type { Fetch } from '../../../../engine/storage/http.ts';

export type ValidatorKind = 'etag' | 'last-modified' | 'both' | 'none' | 'weak-etag' | 'changing-etag';

export interface Fault {
  /** Body bytes sent before the connection drops. */
  cutAfter?: number;
  /** Offset into this response's body of a byte that arrives flipped. */
  corruptAt?: number;
  /** Answer a Range request with 200 and the whole file. */
  ignoreRange?: boolean;
}

export interface LoggedRequest {
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
  readonly status: number;
  /** First byte of the file in the body. */
  readonly from: number;
  /** Body bytes the client read. */
  bodyBytes: number;
  /** A flipped byte reached the client. */
  corrupted: boolean;
}

const PIECE = 1500;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export class ScriptedServer {
  readonly url = 'http://127.0.0.1/models/model.gguf';
  readonly log: LoggedRequest[] = [];
  /** Every file this server has served, by SHA-256. */
  readonly served = new Set<string>();
  /** Faults by request number (0-based, every request counts). */
  readonly faults = new Map<number, Fault>();
  /** A new file served from request number k on. */
  readonly swaps = new Map<number, Uint8Array>();
  private file: Uint8Array;
  private version = 0;

  constructor(file: Uint8Array, readonly validators: ValidatorKind, readonly honorsIfRange = true) {
    this.file = file;
    this.served.add(sha(file));
  }

  get current(): Uint8Array {
    return this.file;
  }

  get bodyBytes(): number {
    return this.log.reduce((n, r) => n + r.bodyBytes, 0);
  }

  private put(bytes: Uint8Array): void {
    this.file = bytes;
    this.version++;
    this.served.add(sha(bytes));
  }

  private validatorsFor(request: number): { etag?: string; lastModified?: string } {
    const tag = `"${sha(this.file).slice(0, 16)}"`;
    const date = new Date(Date.UTC(2025, 0, 1) + this.version * 60_000).toUTCString();
    switch (this.validators) {
      case 'etag': return { etag: tag };
      case 'weak-etag': return { etag: `W/${tag}` };
      case 'last-modified': return { lastModified: date };
      case 'both': return { etag: tag, lastModified: date };
      case 'changing-etag': return { etag: `"r${request}"` };
      case 'none': return {};
    }
  }

  readonly fetch: Fetch = async (_url, init) => {
    const n = this.log.length;
    const swap = this.swaps.get(n);
    if (swap) this.put(swap);
    const fault = this.faults.get(n) ?? {};
    const headers = new Headers(init?.headers);
    const range = headers.get('Range') ?? undefined;
    const ifRange = headers.get('If-Range') ?? undefined;
    const v = this.validatorsFor(n);
    const size = this.file.byteLength;
    // A stale If-Range (or a weak ETag in it) turns the Range request into a plain GET.
    const fresh = ifRange === undefined || !this.honorsIfRange
      || (ifRange === v.etag && !ifRange.startsWith('W/')) || ifRange === v.lastModified;
    const out = new Headers({ 'Accept-Ranges': fault.ignoreRange ? 'none' : 'bytes', 'Content-Type': 'application/octet-stream' });
    if (v.etag) out.set('ETag', v.etag);
    if (v.lastModified) out.set('Last-Modified', v.lastModified);
    let from = 0;
    let to = size;
    let status = 200;
    const m = range && fresh && !fault.ignoreRange ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (m) {
      from = Number(m[1]);
      to = m[2] ? Math.min(size, Number(m[2]) + 1) : size;
      if (from >= size || to <= from) {
        this.log.push({ range, ifRange, status: 416, from, bodyBytes: 0, corrupted: false });
        out.set('Content-Range', `bytes */${size}`);
        return new Response(null, { status: 416, headers: out });
      }
      status = 206;
      out.set('Content-Range', `bytes ${from}-${to - 1}/${size}`);
    }
    out.set('Content-Length', String(to - from));
    const body = this.file.slice(from, to);
    const entry: LoggedRequest = { range, ifRange, status, from, bodyBytes: 0, corrupted: false };
    this.log.push(entry);
    const corruptAt = fault.corruptAt !== undefined && fault.corruptAt < body.byteLength ? fault.corruptAt : undefined;
    if (corruptAt !== undefined) body[corruptAt] ^= 0xa5;
    const limit = fault.cutAfter !== undefined ? Math.min(fault.cutAfter, body.byteLength) : body.byteLength;
    const cut = limit < body.byteLength;
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= limit) {
          if (cut) controller.error(new TypeError('terminated'));
          else controller.close();
          return;
        }
        const piece = body.slice(at, Math.min(limit, at + PIECE));
        if (corruptAt !== undefined && corruptAt >= at && corruptAt < at + piece.byteLength) entry.corrupted = true;
        at += piece.byteLength;
        entry.bodyBytes += piece.byteLength;
        controller.enqueue(piece);
      },
    }, { highWaterMark: 0 });
    return new Response(stream, { status, headers: out });
  };
}
