// A resumable, verified model download, the same for the IndexedDB store and the file store of
// `edgewise pull`. Order of work:
//   1. nothing stored (or a partial copy that cannot be resumed): open the remote file with a
//      Range request (size, ETag/Last-Modified), parse and check the GGUF header over Range reads,
//      check free space, ask for persistent storage, write the manifest — all before a byte of the
//      body is stored;
//   2. one Range request for the rest of the file, cut into chunks; every chunk is stored with the
//      manifest that counts it, then added to a running SHA-256;
//   3. a partial model resumes at its first missing chunk: the stored chunks are hashed again
//      (the hash state is not persisted), then `Range` + `If-Range` asks for the rest. Only a 206
//      that confirms the stored ETag/Last-Modified extends the stored prefix; a 200 is taken whole
//      from byte 0; a partial copy without validators, or a server that now has another file,
//      starts again from byte 0 with a fresh header check. Two files are never joined;
//   4. every chunk stored: the digest must equal the expected SHA-256 when one is known (else it is
//      recorded), the stored header is re-read, and only then is the model marked complete. A tab
//      closed between the last chunk and this step resumes here without fetching a byte.
// Bounds, over the whole download: a broken connection retries after a back-off until `attempts`
// failures in a row bring no chunk beyond the furthest one stored; starting again from byte 0
// happens at most `restarts` times. A server that changes its ETag on every answer therefore costs
// a handful of requests, then a clear error.
import { EdgewiseError } from '../../model/errors.ts';
import type { TransferProgress } from '../api.ts';
import type { ChunkStore } from './chunk-store.ts';
import { chunkCount, chunkRange, storedBytes } from './chunks.ts';
import { percent } from './format.ts';
import { ChunkHash, hashStored } from './hash.ts';
import { abortedError, contentLength, fileNameOf, HttpStatusError, isAbort, rangeGet, validatorsOf, type Fetch } from './http.ts';
import { openHttpFile, type HttpFile } from './http-source.ts';
import type { ModelManifest, PartOf } from './manifest.ts';
import { ProgressMeter, throttled } from './progress.ts';
import { checkSpace, isQuotaError, quotaError, requestPersistence, type StorageAccess } from './quota.ts';
import { ifRangeValue, planBody } from './resume.ts';
import { validateGguf } from './validate.ts';
import { IntegrityError, verifyStored } from './verify.ts';

export interface RetryPolicy {
  /** Consecutive failed attempts without a chunk stored beyond the furthest one, before giving up. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Times one download may drop what it stored and start again from byte 0 (default 3). */
  readonly restarts?: number;
}

export const DEFAULT_RESTARTS = 3;
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 15_000, restarts: DEFAULT_RESTARTS };

export interface DownloadContext {
  readonly store: ChunkStore;
  readonly fetch: Fetch;
  readonly chunkSize: number;
  readonly storage: StorageAccess | undefined;
  readonly retry: RetryPolicy;
  readonly now: () => number;
}

export interface DownloadTarget {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** The SHA-256 the file must have (lowercase hex), from the catalog or the caller. */
  readonly sha256?: string;
  /** The file is this part of a split GGUF (engine/storage/split.ts). */
  readonly part?: PartOf;
}

/** Back-off before attempt `failures` + 1: doubling from baseDelayMs, capped. */
export function retryDelay(policy: RetryPolicy, failures: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(new DOMException('aborted', 'AbortError')); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const isRetriable = (e: unknown) => e instanceof EdgewiseError && e.code === 'network'
  && !(e instanceof HttpStatusError && e.status < 500) && !(e instanceof IntegrityError);

/** Thrown inside an attempt when the stored prefix must be dropped; the loop counts it. */
class Restart extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** What one download carries from attempt to attempt. */
interface Run {
  failures: number;
  restarts: number;
  /** Most chunks stored at once since the last restart: only going past it counts as progress. */
  furthest: number;
  /** Hash of the stored chunks [0, hash.chunks), kept across attempts so a retry does not re-read them. */
  hash: ChunkHash | undefined;
  /** Why the next attempt must start again from byte 0. */
  discard: string | undefined;
}

type Report = (phase: TransferProgress['phase'], bytes: number, total: number, force?: boolean) => void;

export async function downloadModel(
  ctx: DownloadContext, target: DownloadTarget, signal: AbortSignal, onProgress: (p: TransferProgress) => void,
): Promise<ModelManifest> {
  const what = target.name;
  const emit = throttled(onProgress, ctx.now);
  let meter: ProgressMeter | undefined;
  const report: Report = (phase, bytes, total, force = false) => {
    if (meter?.phase !== phase || meter.totalBytes !== total) meter = new ProgressMeter(phase, total);
    emit(meter.update(bytes, ctx.now()), force);
  };
  const maxRestarts = ctx.retry.restarts ?? DEFAULT_RESTARTS;
  const run: Run = { failures: 0, restarts: 0, furthest: (await ctx.store.getManifest(target.id))?.chunksStored ?? 0, hash: undefined, discard: undefined };
  let lastError: unknown;

  for (;;) {
    try {
      return await attempt(ctx, target, run, signal, report);
    } catch (e) {
      if (signal.aborted || isAbort(e)) throw abortedError(what);
      const m = await ctx.store.getManifest(target.id);
      if (isQuotaError(e)) {
        throw quotaError(what, m ? storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize) : 0, m?.sizeBytes ?? 0, m ? 'kept' : 'none');
      }
      if (e instanceof Restart) {
        if (++run.restarts > maxRestarts) {
          throw new EdgewiseError('network',
            `the download of ${what} had to start over ${run.restarts} times (the last time because ${e.reason}); try again later`, { cause: e });
        }
        Object.assign(run, { discard: e.reason, failures: 0, furthest: 0, hash: undefined });
        continue;
      }
      if (!isRetriable(e)) throw e;
      lastError = e;
      const stored = m?.chunksStored ?? 0;
      if (stored > run.furthest) {
        run.furthest = stored;
        run.failures = 0;
      }
      if (++run.failures > ctx.retry.attempts) {
        const at = m ? ` at ${percent(storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize), m.sizeBytes)}` : '';
        throw new EdgewiseError('network',
          `the download of ${what} stopped${at} after ${run.failures} failed attempts (${(lastError as Error).message}); start it again to resume`, { cause: e });
      }
      await sleep(retryDelay(ctx.retry, run.failures), signal).catch(() => { throw abortedError(what); });
    }
  }
}

async function attempt(ctx: DownloadContext, target: DownloadTarget, run: Run, signal: AbortSignal, report: Report): Promise<ModelManifest> {
  let m = await ctx.store.getManifest(target.id);
  if (m?.complete) return alreadyComplete(m, target);
  if (m && !run.discard) {
    if (target.sha256 !== undefined && m.expectedSha256 !== target.sha256) {
      m = { ...m, expectedSha256: target.sha256 };
      await ctx.store.putManifest(m);
    }
    const blocked = resumeBlocker(m, target);
    if (blocked) throw new Restart(blocked);
    const hash = await hashOf(ctx, m, run, report);
    if (!hash) throw new Restart('a stored chunk of the partial copy is missing or damaged');
    if (m.chunksStored === m.chunkCount) return finish(ctx, m, hash, report);
    await checkSpace(ctx.storage, m.sizeBytes - storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize), target.name);
    return finish(ctx, ...await storeBody(ctx, target, m, run, signal, report), report);
  }
  const remote = await openHttpFile(ctx.fetch, target.url, { signal });
  m = await start(ctx, target, remote, report);
  run.discard = undefined;
  run.hash = new ChunkHash();
  return finish(ctx, ...await storeBody(ctx, target, m, run, signal, report), report);
}

/** Why a partial copy cannot be extended, or undefined when it can. */
function resumeBlocker(m: ModelManifest, target: DownloadTarget): string | undefined {
  if (m.source.kind !== 'url' || m.source.url !== target.url) return 'its address changed';
  if (m.chunksStored > 0 && m.chunksStored < m.chunkCount && ifRangeValue(m.validators) === undefined) {
    return 'the server gives no ETag or Last-Modified, so a broken download cannot resume without risking a mix of two files';
  }
  return undefined;
}

function alreadyComplete(m: ModelManifest, target: DownloadTarget): ModelManifest {
  if (target.sha256 !== undefined && m.sha256 !== undefined && m.sha256 !== target.sha256) {
    throw new EdgewiseError('usage', `${m.name} is already stored with SHA-256 ${m.sha256}, not the expected ${target.sha256}; remove it to download it again`);
  }
  return m;
}

/** The hash of the stored chunks: the one this download kept, or read back from the store. */
async function hashOf(ctx: DownloadContext, m: ModelManifest, run: Run, report: Report): Promise<ChunkHash | undefined> {
  if (run.hash?.chunks === m.chunksStored) return run.hash;
  const held = storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize);
  if (held > 0) report('verify', 0, held, true);
  run.hash = await hashStored(ctx.store, m, (done) => report('verify', done, held));
  return run.hash;
}

async function finish(ctx: DownloadContext, m: ModelManifest, hash: ChunkHash, report: Report): Promise<ModelManifest> {
  if (hash.chunks !== m.chunkCount) throw new Error(`internal: ${hash.chunks} of ${m.chunkCount} chunks hashed at the end of a download`);
  report('verify', m.sizeBytes, m.sizeBytes, true);
  return verifyStored(ctx.store, m, hash.hex());
}

/** Step 1: nothing is stored until the header is valid and the space is there. */
async function start(ctx: DownloadContext, target: DownloadTarget, remote: HttpFile, report: Report): Promise<ModelManifest> {
  report('header', 0, remote.size, true);
  const { summary } = await validateGguf(remote.source, target.name, target.part);
  const held = await ctx.store.getManifest(target.id);
  const reclaimed = held ? storedBytes(held.chunksStored, held.sizeBytes, held.chunkSize) : 0;
  await checkSpace(ctx.storage, remote.size - reclaimed, target.name);
  await requestPersistence(ctx.storage);
  const now = Date.now();
  const m: ModelManifest = {
    id: target.id,
    name: target.name,
    source: { kind: 'url', url: target.url },
    sizeBytes: remote.size,
    validators: { etag: remote.etag, lastModified: remote.lastModified },
    chunkSize: ctx.chunkSize,
    chunkCount: chunkCount(remote.size, ctx.chunkSize),
    chunksStored: 0,
    complete: false,
    expectedSha256: target.sha256 ?? held?.expectedSha256,
    summary,
    ...(target.part ? { part: target.part } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await (held ? ctx.store.replace(m) : ctx.store.putManifest(m));
  return m;
}

/** Steps 2 and 3: the rest of the body, chunk by chunk, each stored chunk added to the hash. */
async function storeBody(
  ctx: DownloadContext, target: DownloadTarget, m: ModelManifest, run: Run, signal: AbortSignal, report: Report,
): Promise<[ModelManifest, ChunkHash]> {
  const from = m.chunksStored * m.chunkSize;
  const res = await rangeGet(ctx.fetch, target.url, from, undefined, signal, from > 0 ? ifRangeValue(m.validators) : undefined);
  const plan = planBody(from, { size: m.sizeBytes, ...m.validators }, {
    status: res.status, contentRange: res.headers.get('Content-Range'), contentLength: contentLength(res), ...validatorsOf(res),
  });
  if (plan.kind !== 'append' && plan.kind !== 'from-zero') {
    await res.body?.cancel().catch(() => undefined);
    if (plan.kind === 'changed') throw new Restart(`${target.name} changed on the server: ${plan.reason}`);
    throw res.status >= 400 && res.status !== 416
      ? new HttpStatusError(`${fileNameOf(target.url)}: ${plan.reason} from the server`, res.status)
      : new EdgewiseError('network', `${fileNameOf(target.url)}: ${plan.reason}; the server cannot resume this download`);
  }
  let hash = run.hash!;
  if (plan.kind === 'from-zero' && m.chunksStored > 0) {
    m = { ...m, chunksStored: 0, updatedAt: Date.now() };
    await ctx.store.replace(m);
    hash = run.hash = new ChunkHash();
  }

  let index = m.chunksStored;
  let { start, end } = chunkRange(index, m.sizeBytes, m.chunkSize);
  const buf = new Uint8Array(Math.min(m.chunkSize, m.sizeBytes));
  let fill = 0;
  const reader = res.body!.getReader();
  try {
    while (index < m.chunkCount) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (isAbort(e) || signal.aborted) throw e;
        throw new EdgewiseError('network', `the connection to ${new URL(target.url).host} broke (${(e as Error).message})`, { cause: e });
      }
      if (r.done) throw new EdgewiseError('network', `the connection to ${new URL(target.url).host} ended at byte ${start + fill} of ${m.sizeBytes}`);
      let value = r.value;
      while (value.byteLength > 0 && index < m.chunkCount) {
        const take = Math.min(value.byteLength, end - start - fill);
        buf.set(value.subarray(0, take), fill);
        fill += take;
        value = value.subarray(take);
        if (fill === end - start) {
          const next: ModelManifest = { ...m, chunksStored: index + 1, updatedAt: Date.now() };
          // A copy for a short last chunk: a stored view would drag the whole buffer along.
          const bytes = fill === buf.byteLength ? buf : buf.slice(0, fill);
          await ctx.store.putChunk(next, index, bytes);
          hash.add(index, bytes);
          m = next;
          report('download', end, m.sizeBytes, true);
          index++;
          fill = 0;
          ({ start, end } = chunkRange(index, m.sizeBytes, m.chunkSize));
        }
        report('download', start + fill, m.sizeBytes);
      }
      if (value.byteLength > 0) throw new EdgewiseError('network', `${fileNameOf(target.url)}: the server sent more bytes than the ${m.sizeBytes} it announced`);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return [m, hash];
}
