// Disk space, asked before anything is stored: navigator.storage.estimate() against the bytes a
// model still needs, and persist() so that the browser does not evict a multi-GB model under
// pressure. persist() exists only on the main thread; in the worker it is skipped (the client
// asks for it on the app side).
import { EdgewiseError } from '../../model/errors.ts';
import { formatBytes } from './format.ts';

export interface StorageAccess {
  estimate(): Promise<{ usage?: number; quota?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

export function browserStorage(): StorageAccess | undefined {
  return typeof navigator !== 'undefined' ? navigator.storage : undefined;
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

export function isQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || e.code === 22);
}

export function quotaError(what: string, stored: number, total: number, partial: 'kept' | 'removed' | 'none'): EdgewiseError {
  const tail = partial === 'kept'
    ? `the ${formatBytes(stored)} already stored are kept and the download resumes once space is freed`
    : partial === 'removed' ? 'the partial copy was removed' : 'nothing was stored';
  return new EdgewiseError('storage-quota',
    `out of storage space while saving ${what} (${formatBytes(stored)} of ${formatBytes(total)}); ${tail}; remove a model or free disk space`);
}
