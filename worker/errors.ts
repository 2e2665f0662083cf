// Errors across the worker boundary: comlink would keep only an Error's message, so the worker
// throws a plain SerializedError ({code, message}) and the client rebuilds an EdgewiseError.
import { EdgewiseError, type ErrorCode } from '../model/errors.ts';
import type { SerializedError } from '../engine/api.ts';

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'gguf-malformed', 'gguf-unsupported', 'tensor-missing', 'tensor-shape', 'tokenizer', 'template', 'webgpu-missing',
  'device-too-small', 'device-lost', 'gpu-validation', 'gpu-out-of-memory', 'storage-quota', 'network', 'aborted', 'context-full', 'usage',
]);

/** Any thrown value as {code, message}. Errors without a code (bugs, browser errors) keep their
 *  message; they are reported as 'usage' since ErrorCode has no "internal" member. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof EdgewiseError) return { code: e.code, message: e.message };
  if (e instanceof DOMException && e.name === 'QuotaExceededError') {
    return { code: 'storage-quota', message: `out of storage space (${e.message}); remove a model or free disk space` };
  }
  if (e instanceof DOMException && e.name === 'AbortError') return { code: 'aborted', message: 'the operation was cancelled' };
  return { code: 'usage', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

export function isSerializedError(v: unknown): v is SerializedError {
  return typeof v === 'object' && v !== null && CODES.has((v as { code?: unknown }).code as string)
    && typeof (v as { message?: unknown }).message === 'string';
}

export function rebuildError(v: unknown): unknown {
  return isSerializedError(v) ? new EdgewiseError(v.code, v.message) : v;
}
