// Stable model ids for things that are not in the catalog: a URL the user typed, a local file.
// Readable (the file name) and unique (a hash of where it came from).

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function slug(name: string): string {
  const stem = name.replace(/\.gguf$/i, '');
  return stem.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'model';
}

export function fileNameFromUrl(url: string): string {
  try {
    const path = new URL(url).pathname;
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || 'model.gguf';
  } catch {
    return 'model.gguf';
  }
}

export function modelIdForUrl(url: string): string {
  return `url-${slug(fileNameFromUrl(url))}-${fnv1a(url)}`;
}

export function modelIdForFile(file: { name: string; size: number; lastModified: number }): string {
  return `file-${slug(file.name)}-${fnv1a(`${file.name}\u0000${file.size}\u0000${file.lastModified}`)}`;
}
