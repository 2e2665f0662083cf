// Offline: after one online visit (the service worker precaches the app, the engine and pdf.js)
// and one model download (IndexedDB), a reload with the network off still summarizes. A new
// service worker version shows the "new version — reload" banner, and Reload switches to it.
import { expect, test } from '@playwright/test';
import { MODEL_SERVER_PORT } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';
import { MODEL_FILE, chatModel, expectOnlyLocalHosts, installModel, recordRequests, seedSettings } from './app-support.ts';

const server = new RangeServer();
test.beforeAll(async () => { await server.start(MODEL_SERVER_PORT); });
test.afterAll(async () => { await server.stop(); });

test('installs the service worker, downloads a model, then summarizes offline after a reload', async ({ context, page }) => {
  const requests = recordRequests(context);
  await seedSettings(context);
  const url = server.put(`/models/${MODEL_FILE}`, await chatModel());
  await page.goto('/');
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toBe('http://127.0.0.1:4173/');
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');
  const manifest = await page.evaluate(async () => (await fetch(document.querySelector<HTMLLinkElement>('link[rel=manifest]')!.href)).json());
  expect(manifest).toMatchObject({ short_name: 'Edgewise', display: 'standalone', theme_color: '#1f4e5f' });
  expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));

  await installModel(page, url);
  const servedBefore = server.log.length;

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Edgewise' })).toBeVisible();
  await page.goto('/#/summarize');
  await expect(page.getByTestId('loaded-model')).toContainText(MODEL_FILE, { timeout: 90_000 });
  await page.getByLabel('Document text').fill('Offline note: the office is closed on Monday; deliveries move to Tuesday.');
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByTestId('timings')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('summary-output')).not.toBeEmpty();
  // A PDF still opens offline: pdf.js and its worker came from the precache.
  const { makePdf } = await import('../unit/app/document-files.ts');
  await page.getByTestId('doc-file').setInputFiles({ name: 'offline.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makePdf(['Read offline'])) });
  await expect(page.getByLabel('Document text')).toHaveValue(/Read offline/);
  expect(server.log.length, 'no model bytes were fetched while offline').toBe(servedBefore);
  await context.setOffline(false);
  expectOnlyLocalHosts(requests);
});

test('a new service worker version shows "new version, reload", and Reload switches to it', async ({ page }) => {
  await page.goto('/');
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');
  await expect(page.getByTestId('update-banner')).toHaveCount(0);
  // A second script URL for the same scope is an update, as a deploy of a new sw.js would be:
  // it installs beside the running worker and waits, and workbox-window reports it.
  await page.evaluate(async () => { await navigator.serviceWorker.register('/sw.js?next=1'); });
  const banner = page.getByTestId('update-banner');
  await expect(banner).toContainText('A new version of Edgewise is ready.', { timeout: 30_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js$/);
  // The waiting worker skips waiting, takes control, and the page reloads under it.
  const reloaded = page.waitForEvent('framenavigated', { timeout: 30_000 });
  await banner.getByRole('button', { name: 'Reload' }).click();
  await reloaded;
  await page.waitForLoadState('load');
  await expect(page.getByRole('heading', { name: 'Edgewise' })).toBeVisible();
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js\?next=1$/);
  await expect(page.getByTestId('update-banner')).toHaveCount(0);
});
