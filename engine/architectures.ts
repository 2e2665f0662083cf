// The GGUF architectures the engine can run, as the store and the catalog ask: the list comes
// from model/arch's table, so supporting a new architecture is one file there.
import { SUPPORTED_ARCHITECTURES } from '../model/arch/index.ts';
import { EdgewiseError } from '../model/errors.ts';

export { SUPPORTED_ARCHITECTURES };

export function isArchitectureSupported(architecture: string): boolean {
  return SUPPORTED_ARCHITECTURES.includes(architecture);
}

/** Throws gguf-unsupported naming the architecture and the ones Edgewise runs. */
export function checkArchitecture(architecture: string, what: string): void {
  if (!isArchitectureSupported(architecture)) {
    throw new EdgewiseError('gguf-unsupported',
      `${what} is a "${architecture}" model, which Edgewise cannot run yet; pick one of: ${SUPPORTED_ARCHITECTURES.join(', ')}`);
  }
}
