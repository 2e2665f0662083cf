// Documents handed to the installed app by the system: a file opened with Edgewise (manifest
// `file_handlers`, delivered through window.launchQueue) or a document or text shared to it
// (manifest `share_target`: the service worker's public/share-target.js keeps the file in a
// cache and opens ?share-title=…&share-text=…&share-url=…&shared-file=1). Either lands on the
// Summarize screen as the one pending document, taken once by the screen that shows it.
import { createSignal } from 'solid-js';
import { sharedFromQuery, type IncomingDocument } from '../tasks/share.ts';
import { navigate } from './route.ts';

const [incoming, setIncoming] = createSignal<IncomingDocument>();
export { incoming };

/** The pending document, once: later calls get nothing until another arrives. */
export function takeIncoming(): IncomingDocument | undefined {
  const d = incoming();
  setIncoming(undefined);
  return d;
}

interface LaunchParams { readonly files: readonly FileSystemFileHandle[] }
interface LaunchQueue { setConsumer(consumer: (params: LaunchParams) => void): void }

/** A file the service worker kept from a share (public/share-target.js), taken out of its cache. */
async function sharedFile(): Promise<File | undefined> {
  if (!('caches' in window)) return undefined;
  const cache = await caches.open('edgewise-share');
  const key = new URL('./shared-file', location.href).href;
  const res = await cache.match(key);
  if (!res) return undefined;
  await cache.delete(key);
  const name = decodeURIComponent(res.headers.get('X-File-Name') ?? 'shared');
  return new File([await res.blob()], name, { type: res.headers.get('Content-Type') ?? '' });
}

export function startIncoming(): void {
  const shared = sharedFromQuery(location.search);
  const withFile = new URLSearchParams(location.search).has('shared-file');
  if (shared || withFile) {
    if (shared) setIncoming(shared);
    if (withFile) void sharedFile().then((file) => { if (file) setIncoming({ ...shared, file }); });
    // The query is dropped so that a reload does not share it again.
    history.replaceState(null, '', `${location.pathname}#/summarize`);
    navigate('summarize');
  }
  const queue = (window as Window & { launchQueue?: LaunchQueue }).launchQueue;
  queue?.setConsumer(async ({ files }) => {
    const handle = files[0];
    if (!handle) return;
    setIncoming({ file: await handle.getFile() });
    navigate('summarize');
  });
}
