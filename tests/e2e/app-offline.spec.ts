// Offline: after one online visit (the service worker precaches the app, the engine and pdf.js)
// and one model download (IndexedDB), a reload with the network off still summarizes.
import { expect, test } from '@playwright/test';
import { RangeServer } from './support/range-server.ts';
import { MODEL_FILE, chatModel, expectOnlyLocalHosts, installModel, recordRequests, seedSettings } from './app-support.ts';

const server = new RangeServer();
test.beforeAll(async () => { await server.start(); });
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
