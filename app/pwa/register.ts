// Service worker registration (workbox-window): the generated sw.js precaches the app; when a
// new version is waiting, `updateReady` turns true and applyUpdate() activates it and reloads.
import { createSignal } from 'solid-js';
import { Workbox } from 'workbox-window';

const [updateReady, setUpdateReady] = createSignal(false);
export { updateReady };

let wb: Workbox | undefined;

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`);
  wb.addEventListener('waiting', () => setUpdateReady(true));
  void wb.register();
}

export function applyUpdate(): void {
  if (!wb) return;
  wb.addEventListener('controlling', () => location.reload());
  wb.messageSkipWaiting();
}
