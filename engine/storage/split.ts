// A split GGUF in the store (llama.cpp's gguf-split: `name-00001-of-0000N.gguf`): every part is
// downloaded, resumed and verified as a file of its own (engine/storage/download.ts, its own
// manifest under partId, with its own SHA-256 where the Hub gives one), and the model is listed
// as one (its parts' bytes together, complete when every part is) and loaded as the parts joined
// (model/gguf/split.ts). A part is never loadable alone.
import { EdgewiseError } from '../../model/errors.ts';
import { readGguf } from '../../model/gguf/reader.ts';
import { joinSplitParts, type SplitPart } from '../../model/gguf/split.ts';
import type { StoredModel, TransferProgress } from '../api.ts';
import { fileNameFromUrl } from '../model-ids.ts';
import { chunkSource } from './chunk-source.ts';
import type { ChunkStore } from './chunk-store.ts';
import { storedBytes } from './chunks.ts';
import { downloadModel, type DownloadContext } from './download.ts';
import { percent } from './format.ts';
import { toStoredModel, type ModelManifest } from './manifest.ts';

export interface SplitTarget {
  /** The model's id (engine/model-ids.ts, from its first part's URL). */
  readonly id: string;
  /** The model's name: its first part's file name. */
  readonly name: string;
  /** Every part, in order, with the SHA-256 it must have where one is known. */
  readonly parts: readonly { readonly url: string; readonly sha256?: string }[];
}

/** The store id of part `index` (0-based) of `count`. */
export function partId(model: string, index: number, count: number): string {
  return `${model}.part-${index + 1}-of-${count}`;
}

/** The stored parts of split model `id`, in order (some may be missing while it downloads). */
export function partsOf(manifests: readonly ModelManifest[], id: string): ModelManifest[] {
  return manifests.filter((m) => m.part?.model === id).sort((a, b) => a.part!.index - b.part!.index);
}

/** Whole models as they are, and each split model once, from its parts. Oldest first. */
export function storedModels(manifests: readonly ModelManifest[]): StoredModel[] {
  const out: { createdAt: number; model: StoredModel }[] = [];
  const seen = new Set<string>();
  for (const m of manifests) {
    if (!m.part) {
      out.push({ createdAt: m.createdAt, model: toStoredModel(m) });
      continue;
    }
    if (seen.has(m.part.model)) continue;
    seen.add(m.part.model);
    const parts = partsOf(manifests, m.part.model);
    const first = parts[0].part!.index === 0 ? parts[0] : undefined;
    const head = first ?? parts[0];
    const complete = parts.length === m.part.count && parts.every((p) => p.complete);
    out.push({
      createdAt: Math.min(...parts.map((p) => p.createdAt)),
      model: {
        id: m.part.model,
        name: head.name,
        source: toStoredModel(head).source,
        sizeBytes: parts.reduce((a, p) => a + p.sizeBytes, 0),
        storedBytes: parts.reduce((a, p) => a + storedBytes(p.chunksStored, p.sizeBytes, p.chunkSize), 0),
        complete,
        parts: m.part.count,
        ...(first ? { architecture: first.summary.architecture, contextLength: first.summary.contextLength, hasChatTemplate: first.summary.hasChatTemplate } : {}),
      },
    });
  }
  return out.sort((a, b) => a.createdAt - b.createdAt).map((o) => o.model);
}

/**
 * Downloads every part, one after another; a part already complete costs nothing, a partial one
 * resumes. Progress counts the bytes of all parts (a part's size is known once its header is read).
 */
export async function downloadSplit(ctx: DownloadContext, target: SplitTarget, signal: AbortSignal,
  onProgress: (p: TransferProgress) => void): Promise<StoredModel> {
  const count = target.parts.length;
  const ids = target.parts.map((_, k) => partId(target.id, k, count));
  const sizes = await Promise.all(ids.map(async (id) => (await ctx.store.getManifest(id))?.sizeBytes ?? 0));
  const known = (await ctx.store.getManifest(ids[0]))?.part?.sha256s ?? [];
  const sha256s = target.parts.map((p, k) => p.sha256 ?? known[k]);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const stored: ModelManifest[] = [];
  for (const [k, p] of target.parts.entries()) {
    const before = sum(sizes.slice(0, k));
    const m = await downloadModel(ctx, {
      id: ids[k], name: k === 0 ? target.name : fileNameFromUrl(p.url), url: p.url, sha256: sha256s[k],
      part: { model: target.id, index: k, count, ...(k === 0 ? { sha256s } : {}) },
    }, signal, (q) => {
      if (q.phase !== 'verify') sizes[k] = q.totalBytes;
      onProgress({ ...q, bytes: before + q.bytes, totalBytes: Math.max(sum(sizes), before + q.bytes) });
    });
    sizes[k] = m.sizeBytes;
    stored.push(m);
  }
  return storedModels(stored)[0];
}

/** The split model `id` as one file, for loading; undefined when no part of it is stored. */
export async function openSplit(store: ChunkStore, manifests: readonly ModelManifest[], id: string): Promise<(SplitPart & { first: ModelManifest }) | undefined> {
  const parts = partsOf(manifests, id);
  if (parts.length === 0) return undefined;
  const model = storedModels(parts)[0];
  if (!model.complete) {
    throw new EdgewiseError('usage', `${model.name} is only ${percent(model.storedBytes, model.sizeBytes)} stored (${
      parts.filter((p) => p.complete).length} of ${parts[0].part!.count} parts); finish its download before loading it`);
  }
  const opened = await Promise.all(parts.map(async (m) => {
    const source = chunkSource(store, m);
    return { source, file: await readGguf(source) };
  }));
  return { ...joinSplitParts(opened, model.name), first: parts[0] };
}
