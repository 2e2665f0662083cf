// What the store keeps about a model besides its bytes. A manifest is written before the first
// chunk and updated in the same IndexedDB transaction as every chunk, so `chunksStored` never
// runs ahead of the chunks that exist. `complete` is set only after the SHA-256 of the stored
// bytes matched the expected one (when one is known) and the stored header was re-read and
// validated; nothing else is loadable.
import type { StoredModel } from '../api.ts';
import { storedBytes } from './chunks.ts';

/** The parsed GGUF header, summarized: enough to list, check and plan without re-reading it. */
export interface GgufSummary {
  readonly architecture: string;
  readonly name?: string;
  readonly contextLength?: number;
  readonly hasChatTemplate: boolean;
  readonly tensorCount: number;
  /** GGML type names present, e.g. ['F32', 'Q4_K', 'Q6_K']. */
  readonly tensorTypes: readonly string[];
  readonly dataOffset: number;
}

/** HTTP validators of the remote file: a change means the stored prefix belongs to another file. */
export interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

export type ModelSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'file'; readonly fileName: string; readonly lastModified: number };

/** Where a part of a split GGUF belongs: the model it is part `index` (0-based, its `split.no`) of. */
export interface PartOf {
  readonly model: string;
  readonly index: number;
  readonly count: number;
  /** On the first part: the SHA-256 every part must have, where known, so that a resume checks
   *  a part that was never stored (or was removed as wrong) as the first download would have. */
  readonly sha256s?: readonly (string | undefined)[];
}

export interface ModelManifest {
  readonly id: string;
  readonly name: string;
  readonly source: ModelSource;
  readonly sizeBytes: number;
  readonly validators: Validators;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly chunksStored: number;
  readonly complete: boolean;
  /** The SHA-256 (lowercase hex) the bytes must have: pinned in the catalog or given by the
   *  caller when the download started. Absent when nobody knew it. */
  readonly expectedSha256?: string;
  /** The SHA-256 of the stored bytes, recorded when the model is complete. */
  readonly sha256?: string;
  readonly summary: GgufSummary;
  /** Set on each part of a split GGUF: stored, resumed and verified as a file of its own, never
   *  loadable alone; the model is listed and loaded as its parts joined (engine/storage/split.ts). */
  readonly part?: PartOf;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export function toStoredModel(m: ModelManifest): StoredModel {
  return {
    id: m.id,
    name: m.name,
    source: m.source.kind === 'url' ? { kind: 'url', url: m.source.url } : { kind: 'file', fileName: m.source.fileName },
    sizeBytes: m.sizeBytes,
    storedBytes: storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize),
    complete: m.complete,
    sha256: m.complete ? m.sha256 : undefined,
    architecture: m.summary.architecture,
    contextLength: m.summary.contextLength,
    hasChatTemplate: m.summary.hasChatTemplate,
  };
}
