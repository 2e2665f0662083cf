// Typed errors shared by every layer of the engine. Each carries a stable `code` (for code that
// branches on it, across the worker boundary too) and a one-line message a user can act on.

export type ErrorCode =
  | 'gguf-malformed'      // the file breaks the GGUF format; message names field and offset
  | 'gguf-unsupported'    // a valid GGUF we cannot run: big-endian, unknown type, architecture
  | 'tensor-missing'      // an architecture expects a tensor the file lacks
  | 'tensor-shape'        // a tensor's shape differs from what the hyper-parameters imply
  | 'tokenizer'           // tokenizer metadata missing or unsupported
  | 'template'            // a chat template that cannot render
  | 'webgpu-missing'      // no navigator.gpu or no adapter
  | 'device-too-small'    // the model will not fit the adapter's limits or memory
  | 'device-lost'         // the GPU device was lost
  | 'gpu-validation'      // a WebGPU validation error, naming the labelled object
  | 'gpu-out-of-memory'   // the GPU could not allocate what a model or a sequence needs
  | 'storage-quota'       // not enough disk space
  | 'network'             // a download failed
  | 'aborted'             // the user stopped it
  | 'context-full'        // generation reached the context length
  | 'usage';              // bad arguments

export class EdgewiseError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'EdgewiseError';
  }
}

/** A GGUF byte-level violation: names the field and the byte offset where it was read. */
export class GgufFormatError extends EdgewiseError {
  readonly field: string;
  readonly offset: number;
  constructor(field: string, offset: number, problem: string) {
    super('gguf-malformed', `malformed GGUF: ${field} at byte ${offset}: ${problem}`);
    this.name = 'GgufFormatError';
    this.field = field;
    this.offset = offset;
  }
}

export function isEdgewiseError(e: unknown): e is EdgewiseError {
  return e instanceof EdgewiseError;
}
