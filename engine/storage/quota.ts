// Disk space, asked before anything is stored: an estimate of free space (the browser's
// navigator.storage, or the disk under `edgewise pull`) against the bytes a model still needs, and
// persist() so that the browser does not evict a multi-GB model under pressure. persist() exists
// only on the main thread; in the worker it is skipped (the client asks for it on the app side).
import { EdgewiseError } from '../../model/errors.ts';
import { formatBytes } from './format.ts';

export interface StorageAccess {
  estimate(): Promise<{ usage?: number; quota?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

/** Throws storage-quota ("needs 1.9 GB, 0.7 GB free") when `needed` bytes do not fit. */
export async function checkSpace(storage: StorageAccess | undefined, needed: number, what: string): Promise<void> {
  if (!storage) return;
  const { usage = 0, quota } = await storage.estimate();
  if (quota === undefined) return;
  const free = Math.max(0, quota - usage);
  if (needed > free) {
    throw new EdgewiseError('storage-quota', `${what} needs ${formatBytes(needed)}, ${formatBytes(free)} free; remove a model or free disk space`);
  }
}

export async function requestPersistence(storage: StorageAccess | undefined): Promise<void> {
  if (!storage?.persist) return;
  if (await storage.persisted?.()) return;
  await storage.persist().catch(() => false);
}

/** IndexedDB's QuotaExceededError in the browser; a full disk (ENOSPC, EDQUOT) for the file store. */
export function isQuotaError(e: unknown): boolean {
  if (typeof DOMException !== 'undefined' && e instanceof DOMException) return e.name === 'QuotaExceededError' || e.code === 22;
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** `stored` of `total` bytes were saved when space ran out: the message names what is still needed. */
export function quotaError(what: string, stored: number, total: number, partial: 'kept' | 'removed' | 'none'): EdgewiseError {
  const tail = partial === 'kept'
    ? `the ${formatBytes(stored)} already stored are kept and the download resumes once space is freed`
    : partial === 'removed' ? 'the partial copy was removed' : 'nothing was stored';
  const needed = partial === 'kept' ? total - stored : total;
  return new EdgewiseError('storage-quota',
    `out of storage space while saving ${what} (${formatBytes(stored)} of ${formatBytes(total)}; it needs ${formatBytes(needed)} more); ${tail}; remove a model or free disk space`);
}
