// Resumable downloads into IndexedDB, in real Chromium, against a loopback Range server.
import { expect, test, type Page } from '@playwright/test';
import { expectFailure, expectOk, openHarness, reloadHarness, type Outcome, type Stored } from './support/harness.ts';
import { notGguf, tinyModel } from './support/models.ts';
import { RangeServer } from './support/range-server.ts';
import { GgmlTypeId } from '../../model/quant/types.ts';

const CHUNK = 64 * 1024;
const server = new RangeServer();
test.beforeAll(async () => { await server.start(); });
test.afterAll(async () => { await server.stop(); });
test.beforeEach(() => {
  server.cutConnections(undefined);
  server.ignoreRange = false;
  server.releaseStalled();
});

const download = (page: Page, url: string) => page.evaluate((u) => window.harness.download(u), url) as Promise<Outcome<Stored>>;
const models = (page: Page) => page.evaluate(() => window.harness.models()) as Promise<readonly Stored[]>;
const storedSha = (page: Page, id: string) => page.evaluate((i) => window.harness.storedSha256(i), id);
const idOf = (page: Page, url: string) => page.evaluate(async (u) => {
  const all = await window.harness.models();
  return all.find((m) => m.source.kind === 'url' && (m.source as { url: string }).url === u)?.id;
}, url);
const storedOf = async (page: Page, url: string) => {
  const id = await idOf(page, url);
  return (await models(page)).find((m) => m.id === id);
};

/** Starts a download that the server stalls after `chunks` whole chunks, and waits until they are stored. */
async function stallAfterChunks(page: Page, url: string, chunks: number): Promise<void> {
  server.stallAt = chunks * CHUNK + 1000;
  await page.evaluate((u) => window.harness.start('stalled', u), url);
  await expect.poll(async () => (await storedOf(page, url))?.storedBytes ?? 0).toBe(chunks * CHUNK);
}

test('downloads with progress (bytes, speed, time left) and stores the exact bytes', async ({ page }) => {
  const model = tinyModel({ seed: 1, dataBytes: 1_500_000 });
  const url = server.put('/plain.gguf', model.bytes);
  await openHarness(page, CHUNK);
  const out = await download(page, url);
  const stored = expectOk(out);
  expect(stored).toMatchObject({ complete: true, sizeBytes: model.bytes.length, storedBytes: model.bytes.length, architecture: 'llama' });
  expect(await storedSha(page, stored.id)).toBe(model.sha256);

  const phases = [...new Set(out.progress.map((p) => p.phase))];
  expect(phases).toEqual(['header', 'download', 'verify']);
  const body = out.progress.filter((p) => p.phase === 'download');
  expect(body.length).toBeGreaterThan(1);
  for (let i = 1; i < body.length; i++) expect(body[i].bytes).toBeGreaterThanOrEqual(body[i - 1].bytes);
  expect(body.at(-1)!.bytes).toBe(model.bytes.length);
  expect(body.every((p) => p.totalBytes === model.bytes.length)).toBe(true);
  expect(body.some((p) => p.bytesPerSecond > 0 && Number.isFinite(p.secondsLeft) && p.secondsLeft > 0)).toBe(true);
  expect(body.at(-1)!.secondsLeft).toBe(0);
  // One header read (a Range request), then the body as one Range request.
  expect(server.requestsFor('/plain.gguf').map((r) => r.status)).toEqual([206, 206]);
});

test('a connection dropped mid-body resumes by itself from the first byte not stored, with If-Range', async ({ page }) => {
  const model = tinyModel({ seed: 14, dataBytes: 1_000_000 });
  const url = server.put('/dropped.gguf', model.bytes);
  await openHarness(page, CHUNK);
  await stallAfterChunks(page, url, 5);
  const before = server.log.length;
  server.releaseStalled();  // the held connection closes mid-body: the client sees it drop
  const stored = expectOk(await page.evaluate(() => window.harness.wait('stalled')) as Outcome<Stored>);
  expect(await storedSha(page, stored.id)).toBe(model.sha256);
  expect(server.log.slice(before)).toMatchObject([
    { status: 206, from: 5 * CHUNK, ifRange: server.files.get('/dropped.gguf')!.etag, outcome: 'complete' },
  ]);
});

test('connections dropped at random points: every download resumes and the bytes are identical', async ({ page }) => {
  server.cutConnections({ seed: 20251, probability: 0.9, maxBytes: 150_000 });
  await openHarness(page, CHUNK);
  let resumes = 0;
  for (const seed of [11, 12, 13]) {
    const model = tinyModel({ seed, dataBytes: 1_400_000 });
    const path = `/flaky-${seed}.gguf`;
    const url = server.put(path, model.bytes);
    const stored = expectOk(await download(page, url));
    expect(stored.complete).toBe(true);
    expect(await storedSha(page, stored.id)).toBe(model.sha256);
    const log = server.requestsFor(path);
    // Every resume starts at a chunk boundary: the first byte not yet stored. Whether a given
    // cut leads to one is timing: Chromium may drop the bytes of a broken response that the page
    // has not read yet, so a cut after 100 KB can leave nothing stored and the next request asks
    // from byte 0 again. The test above drops a connection where the stored bytes are known.
    const resumed = log.filter((r) => r.status === 206 && r.from > 0);
    for (const r of resumed) {
      expect(r.from % CHUNK).toBe(0);
      expect(r.ifRange).toBe(server.files.get(path)!.etag);
    }
    resumes += resumed.length;
    expect(log.filter((r) => r.outcome === 'cut' && r.range?.endsWith('-')).length, `${path}: body cuts`).toBeGreaterThan(0);
  }
  expect(resumes).toBeGreaterThan(0);
  expect(server.cuts).toBeGreaterThanOrEqual(20);
});

test('a reload mid-download resumes from the last stored chunk after the reload', async ({ page }) => {
  const model = tinyModel({ seed: 2, dataBytes: 1_200_000 });
  const url = server.put('/reload.gguf', model.bytes);
  await openHarness(page, CHUNK);
  await stallAfterChunks(page, url, 6);
  await reloadHarness(page);
  const partial = (await storedOf(page, url))!;
  expect(partial).toMatchObject({ complete: false, storedBytes: 6 * CHUNK });
  expect(expectFailure(await page.evaluate((id) => window.harness.load(id), partial.id) as Outcome<unknown>).message).toMatch(/only \d+% stored/);

  server.releaseStalled();
  const before = server.log.length;
  const stored = expectOk(await download(page, url));
  expect(await storedSha(page, stored.id)).toBe(model.sha256);
  const after = server.log.slice(before);
  expect(after[0]).toMatchObject({ status: 206, from: 6 * CHUNK, ifRange: server.files.get('/reload.gguf')!.etag });
  expect(after.every((r) => r.from >= 6 * CHUNK)).toBe(true);
});

test('cancel keeps the partial download; a server that then ignores Range restarts it cleanly from 0', async ({ page }) => {
  const model = tinyModel({ seed: 3, dataBytes: 1_000_000 });
  const url = server.put('/norange.gguf', model.bytes);
  await openHarness(page, CHUNK);
  await stallAfterChunks(page, url, 4);
  const id = (await idOf(page, url))!;
  await page.evaluate((i) => window.harness.cancel(i), id);
  const cancelled = await page.evaluate(() => window.harness.wait('stalled')) as Outcome<Stored>;
  expect(expectFailure(cancelled).code).toBe('aborted');
  expect(await storedOf(page, url)).toMatchObject({ complete: false, storedBytes: 4 * CHUNK });

  server.releaseStalled();
  server.ignoreRange = true;
  const before = server.log.length;
  const stored = expectOk(await download(page, url));
  expect(await storedSha(page, stored.id)).toBe(model.sha256);
  expect(server.log.slice(before).map((r) => r.status)).toEqual([200]);
});

test('a file that changed on the server (new ETag) restarts cleanly and stores the new file', async ({ page }) => {
  const first = tinyModel({ seed: 4, dataBytes: 1_000_000 });
  const second = tinyModel({ seed: 5, dataBytes: 1_100_000 });
  const url = server.put('/changing.gguf', first.bytes);
  await openHarness(page, CHUNK);
  await stallAfterChunks(page, url, 4);
  await page.evaluate((i) => window.harness.cancel(i), (await idOf(page, url))!);
  server.releaseStalled();
  server.put('/changing.gguf', second.bytes);
  const stored = expectOk(await download(page, url));
  expect(stored.sizeBytes).toBe(second.bytes.length);
  expect(await storedSha(page, stored.id)).toBe(second.sha256);
  const manifest = await page.evaluate((i) => window.harness.manifest(i), stored.id);
  expect(manifest?.validators.etag).toBe(server.files.get('/changing.gguf')!.etag);
});

test('a non-GGUF or corrupted file is refused before its body is downloaded', async ({ page }) => {
  await openHarness(page, CHUNK);
  const valid = tinyModel({ seed: 6, dataBytes: 3_000_000 });
  const garbled = valid.bytes.slice();
  garbled.fill(0xff, 16, 24);                 // the metadata count: far more entries than the file can hold
  const cases = {
    '/not-a-model.gguf': notGguf(3_000_000),
    '/truncated.gguf': valid.bytes.slice(0, 2_000_000),
    '/garbled.gguf': garbled,
  };
  for (const [path, bytes] of Object.entries(cases)) {
    const url = server.put(path, bytes);
    const error = expectFailure(await download(page, url));
    expect(error.code, path).toBe('gguf-malformed');
    expect(error.message).toMatch(/not a valid GGUF model file/);
    const sent = server.requestsFor(path).reduce((n, r) => n + r.sent, 0);
    expect(sent, `${path}: bytes sent before refusal`).toBeLessThan(bytes.length);
  }
  expect(await models(page)).toEqual([]);
});

test('an unsupported architecture or tensor type is refused before the download starts', async ({ page }) => {
  await openHarness(page, CHUNK);
  const gemma = tinyModel({ seed: 7, architecture: 'gemma3', dataBytes: 2_000_000 });
  const url = server.put('/gemma.gguf', gemma.bytes);
  const error = expectFailure(await download(page, url));
  expect(error).toMatchObject({ code: 'gguf-unsupported' });
  expect(error.message).toContain('"gemma3"');
  expect(server.requestsFor('/gemma.gguf').reduce((n, r) => n + r.sent, 0)).toBeLessThan(gemma.bytes.length);

  const iq2 = tinyModel({ seed: 8, tensorType: GgmlTypeId.IQ2_XXS, dataBytes: 2_000_000 });
  const iqError = expectFailure(await download(page, server.put('/iq2.gguf', iq2.bytes)));
  expect(iqError.code).toBe('gguf-unsupported');
  expect(iqError.message).toContain('IQ2_XXS');

  // A catalog entry marked unsupported is refused without a single request.
  const catalog = await page.evaluate(() => window.harness.catalog());
  const lfm2 = catalog.find((e) => e.architecture === 'lfm2')!;
  const catalogError = expectFailure(await page.evaluate((e) => window.harness.downloadEntry(e), lfm2) as Outcome<Stored>);
  expect(catalogError.code).toBe('gguf-unsupported');
  expect(await models(page)).toEqual([]);
});

test('a pinned SHA-256 the bytes do not match: the download fails in one line and nothing stays; the right one is recorded', async ({ page }) => {
  const model = tinyModel({ seed: 9, dataBytes: 800_000 });
  const url = server.put('/pinned.gguf', model.bytes);
  await openHarness(page, CHUNK);
  const wrong = 'ab'.repeat(32);
  const error = expectFailure(await page.evaluate(([u, s]) => window.harness.download(u, 'page', undefined, s), [url, wrong]) as Outcome<Stored>);
  expect(error).toMatchObject({ code: 'network', isEdgewiseError: true });
  expect(error.message).toBe(`pinned.gguf arrived with SHA-256 ${model.sha256}, not the expected ${wrong}; `
    + 'the copy was removed and nothing was kept: download it again, or check the link and its checksum');
  expect(await models(page)).toEqual([]);

  const stored = expectOk(await page.evaluate(([u, s]) => window.harness.download(u, 'page', undefined, s), [url, model.sha256]) as Outcome<Stored>);
  expect(stored).toMatchObject({ complete: true, sha256: model.sha256 });
  expect(await storedSha(page, stored.id)).toBe(model.sha256);
});

test('a tab closed after the last chunk was stored, before "complete", finishes after the reload without fetching a byte', async ({ page }) => {
  const model = tinyModel({ seed: 10, dataBytes: 600_000 });
  const url = server.put('/all-stored.gguf', model.bytes);
  await openHarness(page, CHUNK);
  // The state a tab killed between the last chunk and "complete" leaves: every chunk stored and
  // counted, the manifest not complete (written here by taking a finished download back a step).
  const stored = expectOk(await download(page, url));
  const id = stored.id;
  await page.evaluate(async (i) => {
    const m = (await window.harness.manifest(i))!;
    await window.harness.putManifest({ ...m, complete: false, sha256: undefined });
  }, id);
  await reloadHarness(page);
  expect((await models(page)).find((m) => m.id === id)).toMatchObject({ complete: false, storedBytes: model.bytes.length });
  const before = server.log.length;
  const again = expectOk(await download(page, url));
  expect(again).toMatchObject({ complete: true, sha256: model.sha256 });
  expect(server.log.length).toBe(before);
});
