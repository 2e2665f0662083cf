// A Hugging Face repository's GGUF files, from the Hub's tree API
// (`GET <hub>/api/models/<owner>/<name>/tree/<revision>?recursive=true`): each file's exact size
// and, for LFS files, the sha256 the Hub recorded (`lfs.oid`), which the download then checks.
// Split GGUFs (`-00001-of-0000N.gguf`) are grouped into one choice with all their parts.
import { EdgewiseError } from '../../model/errors.ts';
import { hubRoot, PREFERRED_QUANTS, quantOfName } from '../hub-links.ts';
import { httpStatusError, isAbort, type Fetch } from './http.ts';

export interface HubFilePart {
  readonly path: string;
  readonly url: string;
  readonly sizeBytes: number;
  readonly sha256?: string;
}

export interface HubGguf {
  /** The file name, or for a split model its first part's name. */
  readonly name: string;
  readonly quant?: string;
  /** Total bytes over all parts. */
  readonly sizeBytes: number;
  /** One part for a whole file, every part in order for a split one. */
  readonly parts: readonly HubFilePart[];
  /** The one the app suggests (Q4_K_M where there is one). */
  readonly suggested: boolean;
}

interface TreeEntry {
  readonly type?: string;
  readonly path?: string;
  readonly size?: number;
  readonly lfs?: { readonly oid?: string; readonly size?: number };
}

const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

export function hubTreeUrl(hubBase: string, repo: string, revision: string): string {
  const enc = repo.split('/').map(encodeURIComponent).join('/');
  return `${hubRoot(hubBase)}/api/models/${enc}/tree/${encodeURIComponent(revision)}?recursive=true`;
}

export function hubResolveUrl(hubBase: string, repo: string, revision: string, path: string): string {
  const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/');
  return `${hubRoot(hubBase)}/${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(path)}`;
}

/** Groups the tree's .gguf files (split parts into one), sorted by size, and marks the suggested one. */
export function ggufChoices(tree: readonly TreeEntry[], hubBase: string, repo: string, revision: string): HubGguf[] {
  const wholes: HubGguf[] = [];
  const splits = new Map<string, { count: number; parts: Map<number, HubFilePart> }>();
  for (const e of tree) {
    if (e.type !== 'file' || typeof e.path !== 'string' || !/\.gguf$/i.test(e.path)) continue;
    const sizeBytes = e.lfs?.size ?? e.size;
    if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0) continue;
    const sha256 = typeof e.lfs?.oid === 'string' && /^[0-9a-f]{64}$/i.test(e.lfs.oid) ? e.lfs.oid.toLowerCase() : undefined;
    const part: HubFilePart = { path: e.path, url: hubResolveUrl(hubBase, repo, revision, e.path), sizeBytes, sha256 };
    const m = SPLIT_PART.exec(e.path);
    if (m) {
      const key = `${m[1]}|${m[3]}`;
      const group = splits.get(key) ?? { count: Number(m[3]), parts: new Map() };
      group.parts.set(Number(m[2]), part);
      splits.set(key, group);
    } else {
      wholes.push({ name: baseName(e.path), quant: quantOfName(baseName(e.path)), sizeBytes, parts: [part], suggested: false });
    }
  }
  for (const { count, parts } of splits.values()) {
    const ordered = Array.from({ length: count }, (_, i) => parts.get(i + 1));
    // A split model with a part missing from the listing cannot be loaded; it is not offered.
    if (ordered.some((p) => p === undefined)) continue;
    const all = ordered as HubFilePart[];
    const name = baseName(all[0].path);
    wholes.push({ name, quant: quantOfName(name), sizeBytes: all.reduce((a, p) => a + p.sizeBytes, 0), parts: all, suggested: false });
  }
  wholes.sort((a, b) => a.sizeBytes - b.sizeBytes || a.name.localeCompare(b.name));
  const rank = (g: HubGguf) => { const i = PREFERRED_QUANTS.indexOf(g.quant ?? ''); return i < 0 ? PREFERRED_QUANTS.length : i; };
  const best = wholes.reduce<HubGguf | undefined>((b, g) => (b === undefined || rank(g) < rank(b) ? g : b), undefined);
  return wholes.map((g) => (g === best ? { ...g, suggested: true } : g));
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export async function listHubGgufs(fetchFn: Fetch, hubBase: string, repo: string, revision: string, signal?: AbortSignal): Promise<HubGguf[]> {
  const url = hubTreeUrl(hubBase, repo, revision);
  let res: Response;
  try {
    res = await fetchFn(url, { signal, credentials: 'omit', headers: { Accept: 'application/json' } });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new EdgewiseError('network', `could not list ${repo} on Hugging Face (${e instanceof Error ? e.message : String(e)}); check the connection and retry`, { cause: e });
  }
  if (!res.ok) {
    await res.body?.cancel();
    if (res.status === 404) throw new EdgewiseError('network', `${repo} (revision ${revision}) was not found on Hugging Face (HTTP 404); check the link`);
    throw httpStatusError(url, res.status);
  }
  let tree: unknown;
  try {
    tree = await res.json();
  } catch (e) {
    throw new EdgewiseError('network', `Hugging Face answered the listing of ${repo} with something that is not JSON; retry later`, { cause: e });
  }
  if (!Array.isArray(tree)) throw new EdgewiseError('network', `Hugging Face answered the listing of ${repo} with an unexpected shape; retry later`);
  const choices = ggufChoices(tree as TreeEntry[], hubBase, repo, revision);
  if (choices.length === 0) throw new EdgewiseError('usage', `${repo} has no .gguf files at revision ${revision}; pick a GGUF repository (their names usually end in -GGUF)`);
  return choices;
}
