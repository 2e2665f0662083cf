// WebGPU reports allocation failures and validation errors asynchronously, through error scopes,
// not as exceptions. Work that allocates (a model's weights, a sequence's state) runs inside an
// out-of-memory and a validation scope, and what they catch becomes a typed EdgewiseError with a
// message a user can act on; the caller frees what it had allocated.
import { EdgewiseError } from '../model/errors.ts';

export interface ScopeFailure {
  /** What was being done, for the message: "loading Qwen3 0.6B". */
  readonly what: string;
  /** How much GPU memory the work needs, in words ("1.2 GiB"), if known. */
  readonly needs?: string;
}

/** Runs `work` inside out-of-memory and validation scopes; a caught GPU error is thrown typed after `cleanup`. */
export async function withErrorScopes<T>(device: GPUDevice, failure: ScopeFailure, work: () => Promise<T>, cleanup: () => void): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let thrown: unknown;
  let ok = false;
  try {
    result = await work();
    ok = true;
  } catch (e) {
    thrown = e;
  }
  const validation = await device.popErrorScope().catch(() => null);
  const oom = await device.popErrorScope().catch(() => null);
  const gpuError = oom
    ? new EdgewiseError('gpu-out-of-memory',
      `${failure.what}: the GPU ran out of memory${failure.needs ? ` (this needs about ${failure.needs})` : ''}; close other GPU-heavy tabs or apps, choose a shorter context or a smaller model`)
    : validation
      ? new EdgewiseError('gpu-validation', `${failure.what}: the GPU refused the work (${firstLine(validation.message)})`)
      : undefined;
  if (gpuError || !ok) {
    cleanup();
    throw gpuError ?? thrown;
  }
  return result as T;
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? 'no message';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
