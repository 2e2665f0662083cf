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

// Text read from a model file (keys, tensor names, the architecture, template errors) can be
// megabytes long and hold terminal escapes; these two are the only way such text enters a message.

/** Longest file-provided name quoted in a message, in characters (tensor names are < 64 bytes in a valid file). */
const NAME_MAX = 80;
/** Longest message a caller prints on one line (the CLI's stderr line, an error banner). */
export const MESSAGE_MAX = 280;

// C0/C1 controls, format characters (bidi overrides, zero-width), line/paragraph separators, lone surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escapeInvisible = (s: string) =>
  s.replace(INVISIBLE, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The first `max` code points of `s` (never half a surrogate pair), and whether anything was cut. */
function cut(s: string, max: number): { head: string; cut: boolean } {
  if (s.length <= max) return { head: s, cut: false };
  // 2·max + 2 UTF-16 units hold more than max code points unless they are the whole string.
  const points = Array.from(s.slice(0, 2 * max + 2));
  return points.length <= max ? { head: s, cut: false } : { head: points.slice(0, max).join(''), cut: true };
}

/**
 * A name from a file, quoted for a message: double quotes, `"` and `\` escaped, invisible and
 * control characters written as \n or \u001b, cut to about 80 characters with its full length noted.
 */
export function quoteName(name: string, max = NAME_MAX): string {
  const { head, cut: wasCut } = cut(name, max);
  const body = escapeInvisible(head.replace(/["\\]/g, (c) => `\\${c}`));
  return wasCut ? `"${body}…" (${name.length} characters)` : `"${body}"`;
}

/** A message (or text inside one, e.g. a library's error) as one printable line of at most `max` characters. */
export function oneLine(text: string, max = MESSAGE_MAX): string {
  const { head, cut: wasCut } = cut(text, max);
  const line = escapeInvisible(head);
  if (!wasCut && line.length <= max) return line;
  return `${Array.from(line).slice(0, max - 1).join('')}…`;
}
