// A loopback HTTP file server for the storage tests: Range requests (206 + Content-Range) with
// If-Range (a stale validator gets the whole current file, 200), ETag and Last-Modified, CORS
// (the harness page is another origin, as huggingface.co is for the app).
// Switches: ignore Range (answer 200 with the whole file); cut connections at random byte
// positions (seeded, so a run is reproducible); stall a response at a byte offset (hold the
// connection open, for reload and cancel tests). Every request is logged for assertions.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../../engine/sampler.ts';

export interface ServedFile {
  bytes: Uint8Array;
  /** Total size when larger than `bytes`: the rest reads as zeros (a "huge" file costs nothing). */
  size: number;
  etag: string;
  lastModified: string;
}

export interface LoggedRequest {
  readonly path: string;
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
  readonly status: number;
  /** First byte of the file sent. */
  readonly from: number;
  /** Bytes of body sent before the response ended, was cut or stalled. */
  sent: number;
  outcome: 'complete' | 'cut' | 'stalled' | 'closed-by-client';
}

const prng = seededRandom;  // mulberry32, as the sampler seeds it

export interface CutOptions {
  seed: number;
  /** Chance that a response is cut. */
  probability: number;
  /** A cut response carries 1..maxBytes bytes of body before the connection drops. */
  maxBytes: number;
}

const WRITE = 16 * 1024;

/** `n` bytes at `at` of `bytes` followed by zeros. */
function zeroPadded(bytes: Uint8Array, at: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (at < bytes.byteLength) out.set(bytes.subarray(at, Math.min(bytes.byteLength, at + n)));
  return out;
}

export class RangeServer {
  readonly files = new Map<string, ServedFile>();
  readonly log: LoggedRequest[] = [];
  ignoreRange = false;
  /** Absolute file offset at which body downloads (open-ended ranges or no Range) stop sending
   *  and hold the connection; bounded header reads are not stalled. */
  stallAt: number | undefined;
  cuts = 0;
  private cut: { options: CutOptions; streams: Map<string, () => number> } | undefined;
  private server: Server | undefined;
  private stalled = new Set<ServerResponse>();
  origin = '';

  /** Listens on 127.0.0.1 at `port` (0: any free port). */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    for (const r of this.stalled) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Serves `bytes` at `path`; the ETag is a hash of the content, so new content has a new ETag. */
  put(path: string, bytes: Uint8Array, size = bytes.byteLength): string {
    const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}-${size}"`;
    this.files.set(path, { bytes, size, etag, lastModified: new Date(Date.UTC(2025, 0, 1) + this.files.size * 1000).toUTCString() });
    return `${this.origin}${path}`;
  }

  /** Cuts responses at random points. Each path draws from its own seeded stream, so whether
   *  its k-th request is cut (and where) does not depend on how another file's download went:
   *  how many bytes reach the client before a cut is timing, and with one shared stream that
   *  timing would shift every later file's draws. */
  cutConnections(options: CutOptions | undefined): void {
    this.cut = options && { options, streams: new Map() };
  }

  private cutRandom(path: string): () => number {
    const cut = this.cut!;
    let random = cut.streams.get(path);
    if (!random) {
      const pathHash = createHash('sha256').update(path).digest().readUInt32LE(0);
      random = prng((cut.options.seed ^ pathHash) >>> 0);
      cut.streams.set(path, random);
    }
    return random;
  }

  /** Lets stalled responses go: they are closed (the client sees a dropped connection). */
  releaseStalled(): void {
    this.stallAt = undefined;
    for (const r of this.stalled) r.destroy();
    this.stalled.clear();
  }

  requestsFor(path: string): LoggedRequest[] {
    return this.log.filter((r) => r.path === path);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Range, If-Range');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, ETag, Last-Modified, Accept-Ranges');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = this.files.get(path);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(file ? 405 : 404).end();
      return;
    }
    const size = file.size;
    const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined;
    // RFC 9110 §13.1.5: a Range is honoured only while If-Range still names the current file.
    const current = ifRange === undefined || ifRange === file.etag || ifRange === file.lastModified;
    const range = current ? req.headers.range : undefined;
    let from = 0;
    let to = size;
    let status = 200;
    const m = range && !this.ignoreRange ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (m) {
      from = Number(m[1]);
      to = m[2] ? Math.min(size, Number(m[2]) + 1) : size;
      if (from >= size || to <= from) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      res.setHeader('Content-Range', `bytes ${from}-${to - 1}/${size}`);
    }
    res.setHeader('Accept-Ranges', this.ignoreRange ? 'none' : 'bytes');
    res.setHeader('ETag', file.etag);
    res.setHeader('Last-Modified', file.lastModified);
    res.setHeader('Content-Length', String(to - from));
    res.setHeader('Content-Type', 'application/octet-stream');
    const entry: LoggedRequest = { path, range: req.headers.range, ifRange, status, from, sent: 0, outcome: 'complete' };
    this.log.push(entry);
    res.writeHead(status);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }

    let end = to;
    let outcome: LoggedRequest['outcome'] = 'complete';
    const random = this.cut ? this.cutRandom(path) : undefined;
    if (random && random() < this.cut!.options.probability) {
      const cutAfter = 1 + Math.floor(random() * this.cut!.options.maxBytes);
      if (from + cutAfter < to) {
        end = from + cutAfter;
        outcome = 'cut';
      }
    }
    const openEnded = !m || !m[2];
    if (outcome === 'complete' && openEnded && this.stallAt !== undefined && this.stallAt < to) {
      end = Math.max(from, this.stallAt);
      outcome = 'stalled';
    }
    res.on('close', () => {
      if (entry.outcome === 'complete' && !res.writableFinished) entry.outcome = 'closed-by-client';
    });

    let at = from;
    const pump = () => {
      while (at < end) {
        const n = Math.min(WRITE, end - at);
        const chunk = at + n <= file.bytes.byteLength ? file.bytes.subarray(at, at + n) : zeroPadded(file.bytes, at, n);
        at += n;
        entry.sent += n;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (outcome === 'complete') {
        res.end();
      } else if (outcome === 'cut') {
        entry.outcome = 'cut';
        this.cuts++;
        // Let the bytes written so far reach the client, then drop the connection mid-body.
        res.write(new Uint8Array(0), () => res.destroy());
      } else {
        entry.outcome = 'stalled';
        this.stalled.add(res);
      }
    };
    pump();
  }
}
