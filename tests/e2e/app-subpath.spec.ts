// The shareable demo: the same build served from a sub-path (/edgewise/) by a plain static host.
// The service worker's scope and the manifest follow the path; a model installs, and after a
// reload with the network off the app still loads it and summarizes.
import { expect, test } from '@playwright/test';
import { MODEL_SERVER_ORIGIN, MODEL_SERVER_PORT, SUBPATH_SERVER_PORT } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';
import { StaticServer } from './support/static-server.ts';
import { MODEL_FILE, chatModel, expectOnlyLocalHosts, installModel, recordRequests, seedSettings } from './app-support.ts';

const models = new RangeServer();
const site = new StaticServer('/edgewise/', [MODEL_SERVER_ORIGIN]);
let appUrl = '';
test.beforeAll(async () => {
  await models.start(MODEL_SERVER_PORT);
  appUrl = await site.start(SUBPATH_SERVER_PORT);
});
test.afterAll(async () => { await models.stop(); await site.stop(); });

test('served from /edgewise/: service worker and manifest under the path, model installed, works offline', async ({ context, page }) => {
  const requests = recordRequests(context);
  await seedSettings(context);
  const url = models.put(`/models/${MODEL_FILE}`, await chatModel());
  await page.goto(appUrl);
  await expect(page.getByRole('heading', { name: 'Edgewise' })).toBeVisible();
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toBe(appUrl);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${appUrl}sw.js`);
  const manifestUrl = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel=manifest]')!.href);
  expect(manifestUrl).toBe(`${appUrl}manifest.webmanifest`);
  const manifest = await page.evaluate(async (u) => (await fetch(u)).json(), manifestUrl);
  expect(new URL(manifest.start_url, manifestUrl).href).toBe(appUrl);
  expect(new URL(manifest.scope, manifestUrl).href).toBe(appUrl);

  await installModel(page, url);
  const servedBefore = models.log.length;
  // Nothing of the app was asked for outside its path.
  expect(site.log.filter((p) => !p.startsWith('/edgewise/'))).toEqual([]);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Edgewise' })).toBeVisible();
  await page.goto(`${appUrl}#/summarize`);
  await expect(page.getByTestId('loaded-model')).toContainText(MODEL_FILE, { timeout: 90_000 });
  await page.getByLabel('Document text').fill('Offline note: the office is closed on Monday; deliveries move to Tuesday.');
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByTestId('timings')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('summary-output')).not.toBeEmpty();
  expect(models.log.length, 'no model bytes were fetched while offline').toBe(servedBefore);
  await context.setOffline(false);
  expectOnlyLocalHosts(requests);
});

test('a document shared to the installed app reaches it through the service worker, under the path', async ({ page }) => {
  await page.goto(appUrl);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');
  const landed = await page.evaluate(async () => {
    const form = new FormData();
    form.set('share-title', 'Minutes');
    form.set('file', new File(['We met on Monday.'], 'notes 1.txt', { type: 'text/plain' }));
    const res = await fetch('./share', { method: 'POST', body: form });
    const cached = await (await caches.open('edgewise-share')).match(new URL('./shared-file', location.href).href);
    return { url: res.url, redirected: res.redirected, cached: cached ? await cached.text() : null, name: cached?.headers.get('X-File-Name') };
  });
  expect(landed).toMatchObject({ redirected: true, cached: 'We met on Monday.', name: encodeURIComponent('notes 1.txt') });
  expect(landed.url.startsWith(`${appUrl}?`)).toBe(true);
  expect(new URL(landed.url).searchParams.get('shared-file')).toBe('1');
  expect(new URL(landed.url).searchParams.get('share-title')).toBe('Minutes');
  // Opening that page takes the file out of the cache, drops the query and shows Summarize.
  await page.goto(`${landed.url.replace(/#.*$/, '')}#/summarize`);
  await expect.poll(() => page.evaluate(() => location.href)).toBe(`${appUrl}#/summarize`);
  await expect.poll(() => page.evaluate(async () => !!(await (await caches.open('edgewise-share')).match(new URL('./shared-file', location.href).href)))).toBe(false);
  expect(site.log.filter((p) => p.endsWith('/share'))).toEqual([]);
  // …and the shared file is the document there.
  await expect(page.getByLabel('Document text')).toHaveValue('We met on Monday.');
  await expect(page.getByTestId('doc-info')).toContainText('notes 1.txt');
});
