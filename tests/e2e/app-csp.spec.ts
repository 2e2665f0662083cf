// The Content-Security-Policy as HTTP headers (scripts/csp.mjs, sent by vite preview): on the
// page, the engine and pdf.js worker scripts and sw.js, with frame-ancestors 'none'. The engine
// worker, which makes every download, cannot reach an origin the policy does not name (a second
// loopback server here, which must never see the request), while the model host it does name
// (the tests' model server, standing in for Hugging Face) still works; the Models screen refuses
// an unlisted link with its reason before trying.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Response, type Worker } from '@playwright/test';
import { MODEL_HOSTS } from '../../scripts/csp.mjs';
import { MODEL_FILE, chatModel, recordRequests } from './app-support.ts';
import { MODEL_SERVER_ORIGIN, MODEL_SERVER_PORT } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';

const directive = (policy: string | undefined, name: string) =>
  policy?.split(';').map((d) => d.trim().split(/\s+/)).find(([n]) => n === name)?.slice(1);

test('the page, its worker scripts and sw.js carry the CSP header with frame-ancestors none', async ({ page, request }) => {
  const workers: Response[] = [];
  page.on('response', (r) => { if (/\/assets\/(engine\.worker|pdf\.worker)[^/]*\.m?js$/.test(r.url())) workers.push(r); });
  const response = await page.goto('/');
  const csp = response!.headers()['content-security-policy'];
  expect(directive(csp, 'frame-ancestors')).toEqual(["'none'"]);
  expect(directive(csp, 'connect-src')).toEqual(["'self'", ...MODEL_HOSTS, MODEL_SERVER_ORIGIN]);
  expect(directive(csp, 'script-src')).toEqual(["'self'"]);
  expect(response!.headers()['x-frame-options']).toBe('DENY');
  // The engine worker starts with the app; pdf.js's worker when a PDF is opened.
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 30_000 });
  await expect.poll(() => workers.map((r) => r.url()).some((u) => u.includes('engine.worker'))).toBe(true);
  const { makePdf } = await import('../unit/app/document-files.ts');
  await page.goto('/#/summarize');
  await page.getByTestId('doc-file').setInputFiles({ name: 'p.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makePdf(['Text in a PDF'])) });
  await expect(page.getByLabel('Document text')).toHaveValue(/Text in a PDF/);
  await expect.poll(() => workers.map((r) => r.url()).some((u) => u.includes('pdf.worker'))).toBe(true);
  for (const w of workers) expect(w.headers()['content-security-policy'], w.url()).toBe(csp);
  const sw = await request.get('/sw.js');
  expect(sw.ok()).toBe(true);
  expect(sw.headers()['content-security-policy']).toBe(csp);
});

test('another origin cannot frame the app', async ({ page }) => {
  // The framing page comes from another loopback origin, as a hostile site's would. As a control
  // it frames the harness page too, which sends no frame-ancestors.
  const framer = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end('<!doctype html><title>framer</title><iframe name="app" src="http://127.0.0.1:4173/"></iframe><iframe name="control" src="http://127.0.0.1:4174/markdown.html"></iframe>');
  });
  await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
  try {
    const refused: string[] = [];
    page.on('console', (m) => { if (/frame-ancestors/.test(m.text())) refused.push(m.text()); });
    await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
    await page.waitForLoadState('load');
    const rootIn = (name: string) => page.frame({ name })!.locator('#root').count().catch(() => 0);
    await expect.poll(() => rootIn('control')).toBe(1);
    expect(await rootIn('app')).toBe(0);
    await expect.poll(() => refused).toEqual([expect.stringContaining("Framing 'http://127.0.0.1:4173/' violates the following Content Security Policy directive: \"frame-ancestors 'none'\"")]);
  } finally {
    await new Promise((resolve) => framer.close(resolve));
  }
});

test('the engine worker cannot fetch from an origin the policy does not name, and that origin never sees the request', async ({ context, page }) => {
  const requests = recordRequests(context);
  // The engine worker's own record of what its policy blocked (securitypolicyviolation events).
  const engineWorker = new Promise<Worker>((resolve) => page.on('worker', (w) => {
    if (!w.url().includes('engine.worker')) return;
    void w.evaluate(() => {
      const g = self as unknown as { violations: string[] };
      g.violations = [];
      self.addEventListener('securitypolicyviolation', (e) => g.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    }).then(() => resolve(w));
  }));
  const violations = async () => (await engineWorker).evaluate(() => (self as unknown as { violations: string[] }).violations);
  const workerFetch = async (url: string) => (await engineWorker).evaluate(async (u) => {
    try {
      const r = await fetch(u, { headers: { Range: 'bytes=0-3' } });
      return `status ${r.status}`;
    } catch (e) {
      return String(e);
    }
  }, url);
  const model = await chatModel();
  const blocked = new RangeServer();
  const allowed = new RangeServer();
  await blocked.start();
  await allowed.start(MODEL_SERVER_PORT);
  try {
    expect(blocked.origin).not.toBe(MODEL_SERVER_ORIGIN);
    const blockedUrl = blocked.put(`/models/${MODEL_FILE}`, model);
    const allowedUrl = allowed.put(`/models/${MODEL_FILE}`, model);
    await page.goto('/#/models');
    await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 30_000 });

    // In the worker that makes every download: the unlisted origin is refused by CSP...
    expect(await workerFetch(blockedUrl)).toBe('TypeError: Failed to fetch');
    expect(await violations()).toEqual([`connect-src ${blockedUrl}`]);
    expect(blocked.log, 'the blocked origin received no request').toEqual([]);
    // ...and the listed one answers.
    expect(await workerFetch(allowedUrl)).toBe('status 206');
    expect(await violations()).toEqual([`connect-src ${blockedUrl}`]);

    // The Models screen says why before anything is tried.
    await page.getByLabel('Link to a .gguf file').fill(blockedUrl);
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await expect(page.getByTestId('model-url-problem')).toContainText(`Edgewise downloads models only from Hugging Face`);
    await expect(page.getByTestId('model-url-problem')).toContainText(`this link is on ${new URL(blockedUrl).host}.`);
    await expect(page.getByTestId('transfer')).toHaveCount(0);

    // The same download from the listed origin goes through.
    await page.getByLabel('Link to a .gguf file').fill(allowedUrl);
    await expect(page.getByTestId('model-url-problem')).toHaveCount(0);
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    const stored = page.getByTestId('stored-model').filter({ hasText: MODEL_FILE });
    await expect(stored.getByRole('button', { name: `Load ${MODEL_FILE}` })).toBeVisible({ timeout: 60_000 });
    expect(allowed.requestsFor(`/models/${MODEL_FILE}`).length).toBeGreaterThan(1);
    expect(blocked.log).toEqual([]);
    expect(await violations()).toEqual([`connect-src ${blockedUrl}`]);
    expect(requests.filter((u) => !u.startsWith('http://127.0.0.1:') && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
  } finally {
    await blocked.stop();
    await allowed.stop();
  }
});
