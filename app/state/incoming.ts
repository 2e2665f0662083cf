// Documents handed to the installed app by the system: a file opened with Edgewise (manifest
// `file_handlers`, delivered through window.launchQueue) or text shared to it (manifest
// `share_target`, GET: ?share-title=…&share-text=…&share-url=…). Either lands on the Summarize
// screen as the one pending document, taken once by the screen that shows it.
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

export function startIncoming(): void {
  const shared = sharedFromQuery(location.search);
  if (shared) {
    setIncoming(shared);
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
