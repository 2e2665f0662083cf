// The model store beyond downloads, in real Chromium: quota, import, removal, offline load, and
// the same EngineApi through the real engine worker over comlink.
import { chromium, expect, test, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectFailure, expectOk, HARNESS_ORIGIN, openHarness, reloadHarness, type Outcome, type Stored } from './support/harness.ts';
import { hugeModelHeader, notGguf, tinyModel } from './support/models.ts';
import { RangeServer } from './support/range-server.ts';

const CHUNK = 64 * 1024;
const server = new RangeServer();
test.beforeAll(async () => { await server.start(); });
test.afterAll(async () => { await server.stop(); });
test.beforeEach(() => { server.releaseStalled(); });

const download = (page: Page, url: string, via: 'page' | 'worker' = 'page') =>
  page.evaluate(([u, v]) => window.harness.download(u, v as 'page'), [url, via]) as Promise<Outcome<Stored>>;
const models = (page: Page) => page.evaluate(() => window.harness.models()) as Promise<readonly Stored[]>;
const storedSha = (page: Page, id: string) => page.evaluate((i) => window.harness.storedSha256(i), id);
const estimate = (page: Page) => page.evaluate(() => window.harness.estimate());

test('a file larger than the free space is refused up front with "needs X, Y free"', async ({ page }) => {
  const keep = tinyModel({ seed: 20, dataBytes: 300_000 });
  await openHarness(page, CHUNK);
  const kept = expectOk(await download(page, server.put('/keep-small.gguf', keep.bytes)));
  const { quota, usage } = await estimate(page);
  const header = hugeModelHeader(quota - usage + 1e9);
  const url = server.put('/huge.gguf', header, quota - usage + 1e9);
  const error = expectFailure(await download(page, url));
  expect(error.code, error.message).toBe('storage-quota');
  expect(error.message).toMatch(/needs \d+(\.\d)? GB, \d+(\.\d)? GB free/);
  // Only the header was read, and nothing was stored for it.
  expect(server.requestsFor('/huge.gguf').reduce((n, r) => n + r.sent, 0)).toBeLessThanOrEqual(1024 * 1024);
  expect((await models(page)).map((m) => m.id)).toEqual([kept.id]);
  expect(await storedSha(page, kept.id)).toBe(keep.sha256);
});

// Chromium enforces a CDP quota override only outside incognito, so this test runs its own
// persistent browser context.
test('quota exceeded mid-download: a clear error, the partial download resumable, other models intact', async ({ browserName: _ }, testInfo) => {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'edgewise-quota-')),
    testInfo.project.use.launchOptions as Parameters<typeof chromium.launchPersistentContext>[1]);
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const cdp = await context.newCDPSession(page);
    const setQuota = (quotaSize?: number) => cdp.send('Storage.overrideQuotaForOrigin', { origin: HARNESS_ORIGIN, quotaSize });
    const keep = tinyModel({ seed: 21, dataBytes: 600_000 });
    const big = tinyModel({ seed: 22, dataBytes: 2_000_000 });
    const bigUrl = server.put('/big.gguf', big.bytes);
    // The quota holds the first model and part of the second. Chromium applies an override to
    // database connections opened after it, hence the reload.
    await openHarness(page, CHUNK);
    await setQuota(keep.bytes.length + 700_000);
    await reloadHarness(page);
    const kept = expectOk(await download(page, server.put('/keep.gguf', keep.bytes)));
    const midway = expectFailure(await download(page, bigUrl));
    expect(midway.code).toBe('storage-quota');
    expect(midway.message).toMatch(/out of storage space while saving big\.gguf .* kept and the download resumes once space is freed/);

    const after = await models(page);
    const partial = after.find((m) => m.id !== kept.id)!;
    expect(partial.complete).toBe(false);
    expect(partial.storedBytes).toBeGreaterThan(0);
    expect(partial.storedBytes % CHUNK).toBe(0);
    expect(expectFailure(await page.evaluate((id) => window.harness.load(id), partial.id) as Outcome<unknown>).code).toBe('usage');
    expect(after.find((m) => m.id === kept.id)).toMatchObject({ complete: true, storedBytes: keep.bytes.length });
    expect(await storedSha(page, kept.id)).toBe(keep.sha256);
    expectOk(await page.evaluate((id) => window.harness.load(id), kept.id) as Outcome<unknown>);

    // With space back, the partial download resumes where it stopped and completes.
    await setQuota(undefined);
    await reloadHarness(page);
    const before = server.log.length;
    const resumed = expectOk(await download(page, bigUrl));
    expect(server.log[before]).toMatchObject({ status: 206, from: partial.storedBytes });
    expect(await storedSha(page, resumed.id)).toBe(big.sha256);
  } finally {
    await context.close();
  }
});

test('imports a local .gguf file through the file picker, and refuses a non-GGUF one', async ({ page }) => {
  const model = tinyModel({ seed: 23, dataBytes: 900_000 });
  await openHarness(page, CHUNK);
  await page.setInputFiles('#pick', { name: 'local-model.gguf', mimeType: 'application/octet-stream', buffer: Buffer.from(model.bytes) });
  const out = await page.evaluate(() => window.harness.importResult!) as Outcome<Stored>;
  const stored = expectOk(out);
  expect(stored).toMatchObject({ complete: true, source: { kind: 'file', fileName: 'local-model.gguf' }, storedBytes: model.bytes.length, sha256: model.sha256 });
  expect(await storedSha(page, stored.id)).toBe(model.sha256);
  const imported = out.progress.filter((p) => p.phase === 'import');
  expect(imported.at(-1)!.bytes).toBe(model.bytes.length);

  await page.setInputFiles('#pick', { name: 'fake.gguf', mimeType: 'application/octet-stream', buffer: Buffer.from(notGguf(300_000)) });
  const refused = expectFailure(await page.evaluate(() => window.harness.importResult!) as Outcome<Stored>);
  expect(refused.code).toBe('gguf-malformed');
  expect((await models(page)).map((m) => m.id)).toEqual([stored.id]);
});

test('remove frees the space, as navigator.storage.estimate() shows', async ({ page }) => {
  const model = tinyModel({ seed: 24, dataBytes: 4_000_000 });
  const url = server.put('/removable.gguf', model.bytes);
  await openHarness(page, CHUNK);
  const before = (await estimate(page)).usage;
  const stored = expectOk(await download(page, url));
  const full = (await estimate(page)).usage;
  expect(full - before).toBeGreaterThanOrEqual(model.bytes.length);
  expectOk(await page.evaluate((id) => window.harness.remove(id), stored.id) as Outcome<unknown>);
  expect(await models(page)).toEqual([]);
  await expect.poll(async () => (await estimate(page)).usage).toBeLessThan(full - 0.9 * model.bytes.length);
});

test('loads a stored model after a reload with the network offline', async ({ page, context }) => {
  const model = tinyModel({ seed: 25, dataBytes: 1_000_000 });
  const url = server.put('/offline.gguf', model.bytes);
  await openHarness(page, CHUNK);
  const stored = expectOk(await download(page, url));
  await reloadHarness(page);
  await context.setOffline(true);
  const reachable = await page.evaluate((u) => fetch(u).then(() => true, () => false), url);
  expect(reachable).toBe(false);

  const loaded = await page.evaluate((id) => window.harness.load(id), stored.id) as Outcome<{ architecture: string; contextLength: number }>;
  expect(expectOk(loaded)).toMatchObject({ id: stored.id, architecture: 'llama', contextLength: 4096 });
  // The stub runtime read every tensor through the chunk source: the bytes are the file's.
  const [read] = await page.evaluate(() => window.harness.loads());
  expect(read).toEqual({ tensorsSha256: model.tensorsSha256, tensorCount: 4, sourceSize: model.bytes.length });
  expect(loaded.progress.some((p) => (p as unknown as { phase: string }).phase === 'upload')).toBe(true);

  // Without a runtime installed, load and generate fail with a clear, typed error.
  const bare = expectFailure(await page.evaluate((id) => window.harness.load(id, 'bare'), stored.id) as Outcome<unknown>);
  expect(bare).toMatchObject({ code: 'usage', isEdgewiseError: true });
  expect(bare.message).toMatch(/no inference engine installed/);
  expect(expectFailure(await page.evaluate(() => window.harness.generate('bare')) as Outcome<unknown>).message).toMatch(/no inference engine installed/);
  await context.setOffline(false);
});

test('the engine worker serves the same EngineApi over comlink, with progress callbacks and typed errors', async ({ page }) => {
  const model = tinyModel({ seed: 26, dataBytes: 700_000 });
  const url = server.put('/via-worker.gguf', model.bytes);
  const gemmaUrl = server.put('/via-worker-gemma.gguf', tinyModel({ seed: 27, architecture: 'gemma3' }).bytes);
  await openHarness(page, CHUNK);

  const caps = await page.evaluate(() => window.harness.capabilities('worker'));
  expect(caps.webgpu).toBe(true);
  expect(caps.adapter?.architecture).toBeTruthy();
  expect(caps.storage?.quota).toBeGreaterThan(0);
  expect((await page.evaluate(() => window.harness.catalog('worker'))).length).toBeGreaterThanOrEqual(9);

  const out = await download(page, url, 'worker');
  const stored = expectOk(out);
  expect(stored.complete).toBe(true);
  expect(out.progress.at(-1)).toMatchObject({ phase: 'verify', bytes: model.bytes.length });
  expect(await storedSha(page, stored.id)).toBe(model.sha256);
  expect((await page.evaluate(() => window.harness.models('worker'))).map((m) => m.id)).toEqual([stored.id]);

  const refused = expectFailure(await download(page, gemmaUrl, 'worker'));
  expect(refused).toMatchObject({ code: 'gguf-unsupported', isEdgewiseError: true });
  expect(refused.message).toContain('"gemma3"');

  expectOk(await page.evaluate((id) => window.harness.remove(id, 'worker'), stored.id) as Outcome<unknown>);
  expect(await models(page)).toEqual([]);
});
