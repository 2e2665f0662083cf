// What a pasted model link points at: one GGUF file on Hugging Face (a `/blob/` page link becomes
// its `/resolve/` download link), a whole repository (whose .gguf files are then listed), one part
// of a split GGUF (`name-00001-of-00003.gguf`: every part is listed), or a direct link on some
// other host (which the CSP check in app/tasks/model-url.ts then allows or refuses). Pure: no
// request is made here. `hubBase` is injectable so that tests parse links to a loopback server.

export const HUB_BASE = 'https://huggingface.co';

/** Hosts that are the Hub itself (links on them are parsed as Hub links). */
const HUB_HOSTS = ['huggingface.co', 'www.huggingface.co', 'hf.co'];

export interface SplitInfo {
  /** 1-based index of this part. */
  readonly index: number;
  readonly count: number;
  /** Download links of every part, in order. */
  readonly urls: readonly string[];
}

export type ModelLink =
  | { readonly kind: 'file'; readonly repo: string; readonly revision: string; readonly path: string; readonly url: string; readonly split?: SplitInfo }
  | { readonly kind: 'repo'; readonly repo: string; readonly revision: string }
  | { readonly kind: 'direct'; readonly url: string; readonly split?: SplitInfo }
  | { readonly kind: 'invalid'; readonly problem: string };

const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/** The parts of a split GGUF named like llama.cpp's gguf-split (`-00001-of-00003.gguf`), or undefined. */
export function splitParts(url: string): SplitInfo | undefined {
  const u = new URL(url);
  const slash = u.pathname.lastIndexOf('/');
  const m = SPLIT.exec(u.pathname.slice(slash + 1));
  if (!m) return undefined;
  const index = Number(m[2]), count = Number(m[3]);
  if (index < 1 || count < 2 || index > count) return undefined;
  const dir = u.pathname.slice(0, slash + 1);
  const urls = Array.from({ length: count }, (_, i) =>
    `${u.origin}${dir}${m[1]}-${String(i + 1).padStart(5, '0')}-of-${m[3]}.gguf`);
  return { index, count, urls };
}

/** The Hub origin plus any path it is mounted under (a test server's `/hub`), without a trailing slash. */
export function hubRoot(hubBase: string): string {
  const base = new URL(hubBase);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
}

/** The link's path below the Hub root, or undefined when the link is not on the Hub. */
function hubPath(u: URL, hubBase: string): string | undefined {
  const root = new URL(hubRoot(hubBase) + '/');
  if (u.origin === root.origin && u.pathname.startsWith(root.pathname)) return u.pathname.slice(root.pathname.length - 1);
  const https = u.protocol === 'https:' || u.protocol === 'http:';
  if (https && HUB_HOSTS.includes(u.hostname.toLowerCase()) && (u.port === '' || u.port === '443') && u.username === '' && u.password === '') return u.pathname;
  return undefined;
}

const segment = (s: string) => encodeURIComponent(s);

export function parseModelLink(input: string, hubBase: string = HUB_BASE): ModelLink {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    return { kind: 'invalid', problem: 'That is not a web address. Paste a link that starts with https://' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    return { kind: 'invalid', problem: `${u.protocol} links cannot be downloaded; paste an https:// link to a .gguf file or a Hugging Face repository` };
  }
  const path = hubPath(u, hubBase);
  if (path === undefined) {
    return { kind: 'direct', url: u.href, split: splitParts(u.href) };
  }
  const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  if (parts[0] === 'datasets' || parts[0] === 'spaces') {
    return { kind: 'invalid', problem: `that is a Hugging Face ${parts[0] === 'datasets' ? 'dataset' : 'Space'}, not a model repository` };
  }
  if (parts.length < 2) {
    return { kind: 'invalid', problem: 'that Hugging Face link names no repository; paste a link like https://huggingface.co/owner/model-GGUF' };
  }
  const repo = `${parts[0]}/${parts[1]}`;
  const base = hubRoot(hubBase);
  const [, , verb, revision, ...rest] = parts;
  if (verb === undefined) return { kind: 'repo', repo, revision: 'main' };
  if (verb === 'tree' && revision !== undefined) return { kind: 'repo', repo, revision };
  if ((verb === 'blob' || verb === 'resolve') && revision !== undefined && rest.length > 0) {
    const path = rest.join('/');
    if (!/\.gguf$/i.test(path)) {
      return { kind: 'invalid', problem: `${rest[rest.length - 1]} is not a .gguf file; paste the link of a .gguf file or of the repository` };
    }
    const url = `${base}/${repo.split('/').map(segment).join('/')}/resolve/${segment(revision)}/${rest.map(segment).join('/')}`;
    return { kind: 'file', repo, revision, path, url, split: splitParts(url) };
  }
  return { kind: 'invalid', problem: 'that Hugging Face link is neither a repository nor a file in one; paste the link of a .gguf file or of the repository' };
}

/** The quantization a GGUF file name says it holds (`…-Q4_K_M.gguf` → Q4_K_M), if any. */
export function quantOfName(name: string): string | undefined {
  const m = /(?:^|[-._])((?:I?Q\d(?:_[A-Z0-9]+)*)|BF16|F16|F32)(?=[-._])/i.exec(name.replace(/-\d{5}-of-\d{5}(?=\.gguf$)/i, ''));
  return m?.[1]?.toUpperCase();
}

/** The suggested pick among quantizations: Q4_K_M, else the nearest Q4/Q5 K-quant, else the first. */
export const PREFERRED_QUANTS = ['Q4_K_M', 'Q4_K_S', 'Q5_K_M', 'Q4_0', 'Q5_K_S', 'Q6_K', 'Q8_0'];
