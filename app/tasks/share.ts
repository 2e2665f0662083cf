// What the installed app was handed: the manifest's share_target (GET) puts the shared title,
// text and link in the query; file_handlers give a file. Pure, for the tests.

export interface IncomingDocument {
  readonly file?: File;
  readonly text?: string;
  readonly title?: string;
}

/** The shared text in a share-target URL's query, or undefined where there is none. */
export function sharedFromQuery(search: string): IncomingDocument | undefined {
  const q = new URLSearchParams(search);
  const title = q.get('share-title') ?? undefined;
  const parts = [q.get('share-text'), q.get('share-url')].filter((s): s is string => !!s && s.trim() !== '');
  if (parts.length === 0 && !title) return undefined;
  return { title, text: parts.join('\n\n') };
}

