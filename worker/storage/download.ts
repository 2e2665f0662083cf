// A resumable model download. Order of work:
//   1. nothing stored: open the remote file with a Range request (size, ETag/Last-Modified), parse
//      and check the GGUF header over Range reads, check free space, ask for persistent storage,
//      write the manifest — all before a byte of the body is stored;
//   2. one Range request for the rest of the file, cut into chunks; every chunk is stored in one
//      transaction with the manifest that counts it;
//   3. a partial model resumes at its first missing chunk; the body response says whether the
//      server still has the same file (ETag/Last-Modified, size): if not, the stored chunks are
//      dropped and step 1 runs again. A 200 (Range ignored) restarts from byte 0;
//   4. the stored header is re-read, then the model is marked complete (only now loadable).
// A broken connection retries after a back-off; the attempts counter resets whenever a chunk was
// stored, so a flaky connection that still makes progress never gives up.
import { EdgewiseError } from '../../model/errors.ts';
import type { TransferProgress } from '../../engine/api.ts';
import { chunkCount, chunkRange, storedBytes } from './chunks.ts';
import { percent } from './format.ts';
import { abortedError, contentLength, fileNameOf, HttpStatusError, isAbort, rangeGet, validatorsOf, type Fetch } from './http.ts';
import { openHttpFile, type HttpFile } from './http-source.ts';
import type { ModelManifest } from './manifest.ts';
import { ProgressMeter, throttled } from './progress.ts';
import { checkSpace, isQuotaError, quotaError, requestPersistence, type StorageAccess } from './quota.ts';
import { planBody, type RemoteFile } from './resume.ts';
import type { ModelStore } from './store.ts';
import { validateGguf } from './validate.ts';
import { verifyStored } from './verify.ts';

export interface RetryPolicy {
  /** Consecutive failed attempts without a stored chunk before giving up. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 15_000 };

export interface DownloadContext {
  readonly store: ModelStore;
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

const isRetriable = (e: unknown) =>
  e instanceof EdgewiseError && e.code === 'network' && !(e instanceof HttpStatusError && e.status < 500);

/** Thrown inside an attempt when the server now serves another file; the next attempt restarts. */
class FileChanged extends EdgewiseError {
  constructor(what: string, reason: string) {
    super('network', `${what} changed on the server (${reason}); restarting the download`);
  }
}

export async function downloadModel(
  ctx: DownloadContext, target: DownloadTarget, signal: AbortSignal, onProgress: (p: TransferProgress) => void,
): Promise<ModelManifest> {
  const what = target.name;
  let failures = 0;
  let lastError: unknown;
  const emit = throttled(onProgress, ctx.now);
  let meter: ProgressMeter | undefined;
  const report = (phase: TransferProgress['phase'], bytes: number, total: number, force = false) => {
    if (meter?.phase !== phase || meter.totalBytes !== total) meter = new ProgressMeter(phase, total);
    emit(meter.update(bytes, ctx.now()), force);
  };

  for (;;) {
    let progressed = false;
    try {
      return await attempt(ctx, target, signal, report, () => { progressed = true; });
    } catch (e) {
      if (signal.aborted || isAbort(e)) throw abortedError(what);
      if (isQuotaError(e)) {
        const m = await ctx.store.getManifest(target.id);
        throw quotaError(what, m ? storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize) : 0, m?.sizeBytes ?? 0, m ? 'kept' : 'none');
      }
      if (!isRetriable(e)) throw e;
      lastError = e;
      if (progressed || e instanceof FileChanged) failures = 0;
      failures++;
      if (failures > ctx.retry.attempts) {
        const m = await ctx.store.getManifest(target.id);
        const at = m ? ` at ${percent(storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize), m.sizeBytes)}` : '';
        throw new EdgewiseError('network',
          `the download of ${what} stopped${at} after ${failures} failed attempts (${(lastError as Error).message}); start it again to resume`, { cause: e });
      }
      await sleep(retryDelay(ctx.retry, failures), signal).catch(() => { throw abortedError(what); });
    }
  }
}

type Report = (phase: TransferProgress['phase'], bytes: number, total: number, force?: boolean) => void;

async function attempt(ctx: DownloadContext, target: DownloadTarget, signal: AbortSignal, report: Report, onStored: () => void): Promise<ModelManifest> {
  let m = await ctx.store.getManifest(target.id);
  if (m?.complete) return m;
  let restart = false;
  if (m) {
    // Resume without re-reading the header: the body response's validators and Content-Range
    // tell whether the server still has the same file.
    await checkSpace(ctx.storage, m.sizeBytes - storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize), target.name);
    try {
      return await finish(ctx, await storeBody(ctx, target, { size: m.sizeBytes, ...m.validators }, m, signal, report, onStored), report);
    } catch (e) {
      if (!(e instanceof FileChanged)) throw e;
      restart = true;
    }
  }
  const remote = await openHttpFile(ctx.fetch, target.url, { signal });
  m = await start(ctx, target, remote, restart, report);
  return finish(ctx, await storeBody(ctx, target, remote, m, signal, report, onStored), report);
}

async function finish(ctx: DownloadContext, m: ModelManifest, report: Report): Promise<ModelManifest> {
  report('download', m.sizeBytes, m.sizeBytes, true);
  report('verify', m.sizeBytes, m.sizeBytes, true);
  return verifyStored(ctx.store, m);
}

/** Step 3: nothing is stored until the header is valid and the space is there. */
async function start(ctx: DownloadContext, target: DownloadTarget, remote: HttpFile, restart: boolean, report: Report): Promise<ModelManifest> {
  report('header', 0, remote.size, true);
  const { summary } = await validateGguf(remote.source, target.name);
  const held = restart ? await ctx.store.getManifest(target.id) : undefined;
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
    summary,
    createdAt: now,
    updatedAt: now,
  };
  await (restart ? ctx.store.replace(m) : ctx.store.putManifest(m));
  return m;
}

/** Step 4: the rest of the body, chunk by chunk. */
async function storeBody(
  ctx: DownloadContext, target: DownloadTarget, remote: RemoteFile, m: ModelManifest, signal: AbortSignal, report: Report, onStored: () => void,
): Promise<ModelManifest> {
  const from = m.chunksStored * m.chunkSize;
  const res = await rangeGet(ctx.fetch, target.url, from, undefined, signal);
  const plan = planBody(from, remote, {
    status: res.status, contentRange: res.headers.get('Content-Range'), contentLength: contentLength(res), ...validatorsOf(res),
  });
  if (plan.kind !== 'append' && plan.kind !== 'from-zero') {
    await res.body?.cancel().catch(() => undefined);
    if (plan.kind === 'changed') throw new FileChanged(target.name, plan.reason);
    throw res.status >= 400 && res.status !== 416
      ? new HttpStatusError(`${fileNameOf(target.url)}: ${plan.reason} from the server`, res.status)
      : new EdgewiseError('network', `${fileNameOf(target.url)}: ${plan.reason}; the server cannot resume this download`);
  }
  if (plan.kind === 'from-zero' && m.chunksStored > 0) {
    m = { ...m, chunksStored: 0, updatedAt: Date.now() };
    await ctx.store.replace(m);
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
          await ctx.store.putChunk(next, index, fill === buf.byteLength ? buf : buf.slice(0, fill));
          m = next;
          onStored();
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
  return m;
}
