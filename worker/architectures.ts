// The GGUF architectures the engine can run: the one place the store and the catalog ask. When
// model/arch/index.ts lands, `checkArchitecture` asks its planModel instead of this list.
import { EdgewiseError } from '../model/errors.ts';

export const SUPPORTED_ARCHITECTURES: readonly string[] = ['llama', 'qwen2', 'qwen3', 'mamba', 'mamba2', 'jamba', 'granitehybrid'];

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
