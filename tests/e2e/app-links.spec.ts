// Pasted links against a loopback Hub (EDGEWISE_HUB_BASE, mounted at /hub on the model server;
// Hugging Face is never contacted): a repository link lists its .gguf files with sizes and
// suggests Q4_K_M; the pick is checked against this device from its header (Range requests)
// and downloads with the Hub's sha256, which the download checks; a page (/blob/) link
// downloads its /resolve/ file; a split model (any part's link, or its entry in the listing)
// downloads every part, each checked against its Hub sha256, and loads and chats as one model,
// answering as the unsplit file does.
import { createHash } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { MODEL_SERVER_PORT, TEST_HUB_BASE } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';
import { splitGguf } from '../support/gguf-edit.ts';
import { chatModel, expectLabelledControls, expectOnlyLocalHosts, recordRequests, seedSettings, snapScreen } from './app-support.ts';

const server = new RangeServer();
const HUB_PATH = new URL(TEST_HUB_BASE).pathname;
let model: Uint8Array;
let sha: string;
let parts: Uint8Array[];
const shaOf = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SPLIT = 'tiny-F16-00001-of-00002.gguf';

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Serves a repository's files under /hub/<repo>/resolve/main/ and its tree listing. */
function putRepo(repo: string, files: { path: string; bytes: Uint8Array; oid: string }[]): void {
  for (const f of files) server.put(`${HUB_PATH}/${repo}/resolve/main/${f.path}`, f.bytes);
  server.put(`${HUB_PATH}/api/models/${repo}/tree/main`, json([
    { type: 'file', path: 'README.md', size: 10, oid: 'x' },
    ...files.map((f) => ({ type: 'file', path: f.path, size: 134, oid: 'gitoid', lfs: { oid: f.oid, size: f.bytes.byteLength, pointerSize: 134 } })),
  ]));
}

async function paste(page: Page, link: string): Promise<void> {
  await page.getByLabel('Link to a .gguf file').fill(link);
  await page.getByRole('button', { name: 'Download', exact: true }).click();
}

test.beforeAll(async () => {
  await server.start(MODEL_SERVER_PORT);
  model = await chatModel();
  sha = shaOf(model);
  parts = await splitGguf(model, 2);
  putRepo('test/tiny-GGUF', [
    { path: 'tiny-Q8_0.gguf', bytes: model, oid: sha },
    { path: 'tiny-Q4_K_M.gguf', bytes: model, oid: sha },
    { path: `split/${SPLIT}`, bytes: parts[0], oid: shaOf(parts[0]) },
    { path: 'split/tiny-F16-00002-of-00002.gguf', bytes: parts[1], oid: shaOf(parts[1]) },
  ]);
  putRepo('test/wrong-sha-GGUF', [
    { path: 'tiny-Q4_K_M.gguf', bytes: model, oid: 'f'.repeat(64) },
    { path: 'tiny-F16-00001-of-00002.gguf', bytes: parts[0], oid: shaOf(parts[0]) },
    { path: 'tiny-F16-00002-of-00002.gguf', bytes: parts[1], oid: 'e'.repeat(64) },
  ]);
});
test.afterAll(async () => { await server.stop(); });

test('a repository link lists its GGUF files, the pick is checked from its header and downloads with the Hub sha256', async ({ context, page }, testInfo) => {
  const requests = recordRequests(context);
  await seedSettings(context);
  await page.goto('/#/models');
  await paste(page, `${TEST_HUB_BASE}/test/tiny-GGUF`);
  const list = page.getByTestId('repo-files');
  await expect(list).toContainText('.gguf files in test/tiny-GGUF');
  await expect(list.getByRole('listitem')).toHaveCount(3);
  await expect(list).toContainText('in 2 parts');
  await expect(list).toContainText(/tiny-Q4_K_M\.gguf\s*[\d.]+ kB/);
  const suggested = list.getByRole('button', { name: /tiny-Q4_K_M\.gguf.*suggested/ });
  await expect(suggested).toBeVisible();
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'models-repo-files');

  await suggested.click();
  const stored = page.getByTestId('stored-model').filter({ hasText: 'tiny-Q4_K_M.gguf' });
  await expect(stored.getByRole('button', { name: 'Load tiny-Q4_K_M.gguf' })).toBeVisible({ timeout: 60_000 });
  // The header was read with Range requests before the download; the listing was asked once.
  const file = `${HUB_PATH}/test/tiny-GGUF/resolve/main/tiny-Q4_K_M.gguf`;
  expect(server.log.filter((r) => r.path === file).length).toBeGreaterThan(1);
  expect(server.log.filter((r) => r.path === `${HUB_PATH}/api/models/test/tiny-GGUF/tree/main`)).toHaveLength(1);
  expect(server.log.some((r) => r.path.includes('tiny-F16'))).toBe(false);
  expectOnlyLocalHosts(requests);
});

test('the Hub sha256 goes with the download: bytes that differ are refused', async ({ page }) => {
  await page.goto('/#/models');
  await paste(page, `${TEST_HUB_BASE}/test/wrong-sha-GGUF`);
  await page.getByTestId('repo-files').getByRole('button', { name: /tiny-Q4_K_M\.gguf/ }).click();
  await expect(page.getByTestId('models-error')).toContainText(`not the expected ${'f'.repeat(64)}`, { timeout: 60_000 });
  await expect(page.getByTestId('stored-model').filter({ hasText: 'wrong' })).toHaveCount(0);

  // Each part of a split model carries its own sha256: the second part's is wrong, so the model
  // stays incomplete (part 1 kept for a resume) and is not offered for loading.
  await paste(page, `${TEST_HUB_BASE}/test/wrong-sha-GGUF`);
  await page.getByTestId('repo-files').getByRole('button', { name: /tiny-F16-00001-of-00002\.gguf/ }).click();
  await expect(page.getByTestId('models-error')).toContainText(`tiny-F16-00002-of-00002.gguf arrived with SHA-256 ${shaOf(parts[1])}, not the expected ${'e'.repeat(64)}`, { timeout: 60_000 });
  const split = page.getByTestId('stored-model').filter({ hasText: SPLIT });
  await expect(split).toContainText('in 2 parts');
  await expect(split.getByRole('button', { name: `Load ${SPLIT}` })).toHaveCount(0);
});

/** Loads a stored model from the Models screen and sends one chat message; returns the answer. */
async function chatWith(page: Page, name: string, message: string): Promise<string> {
  await page.evaluate(() => { location.hash = '#/models'; });
  const stored = page.getByTestId('stored-model').filter({ hasText: name });
  await stored.getByRole('button', { name: `Load ${name}` }).click();
  await expect(stored.getByRole('button', { name: `Load ${name}` })).toHaveText('Loaded', { timeout: 90_000 });
  await page.evaluate(() => { location.hash = '#/chat'; });
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByLabel('Message').fill(message);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
  return (await page.getByTestId('turn-assistant').last().textContent()) ?? '';
}

test('a link to any part of a split model downloads every part; it loads as one model and answers as the unsplit file does', async ({ context, page }) => {
  const requests = recordRequests(context);
  await seedSettings(context);
  await page.goto('/#/models');
  await paste(page, `${TEST_HUB_BASE}/test/tiny-GGUF/blob/main/split/tiny-F16-00002-of-00002.gguf`);
  const split = page.getByTestId('stored-model').filter({ hasText: SPLIT });
  await expect(split.getByRole('button', { name: `Load ${SPLIT}` })).toBeVisible({ timeout: 60_000 });
  await expect(split).toContainText('in 2 parts');
  // One stored model, not one per part.
  await expect(page.getByTestId('stored-model')).toHaveCount(1);
  for (const part of ['tiny-F16-00001-of-00002.gguf', 'tiny-F16-00002-of-00002.gguf']) {
    expect(server.log.some((r) => r.path === `${HUB_PATH}/test/tiny-GGUF/resolve/main/split/${part}`), part).toBe(true);
  }
  const fromParts = await chatWith(page, SPLIT, 'Hello there');
  expect(fromParts.replace(/^Assistant/, '').trim().length).toBeGreaterThan(0);

  await page.evaluate(() => { location.hash = '#/models'; });
  await paste(page, `${TEST_HUB_BASE}/test/tiny-GGUF/blob/main/tiny-Q8_0.gguf`);
  await expect(page.getByTestId('stored-model').filter({ hasText: 'tiny-Q8_0.gguf' }).getByRole('button', { name: 'Load tiny-Q8_0.gguf' }))
    .toBeVisible({ timeout: 60_000 });
  // Greedy decoding: the same weights, joined from two parts or read from one file, answer alike.
  expect(await chatWith(page, 'tiny-Q8_0.gguf', 'Hello there')).toBe(fromParts);

  // Removing the model removes every part.
  await page.evaluate(() => { location.hash = '#/models'; });
  page.once('dialog', (d) => { void d.accept(); });
  await split.getByRole('button', { name: `Delete ${SPLIT}` }).click();
  await expect(page.getByTestId('stored-model')).toHaveCount(1);
  expectOnlyLocalHosts(requests);
});

test('a page (/blob/) link downloads its /resolve/ file; a Hub link to a non-GGUF says why', async ({ page }) => {
  await page.goto('/#/models');
  await paste(page, `${TEST_HUB_BASE}/test/tiny-GGUF/blob/main/tiny-Q8_0.gguf`);
  await expect(page.getByTestId('stored-model').filter({ hasText: 'tiny-Q8_0.gguf' }).getByRole('button', { name: 'Load tiny-Q8_0.gguf' }))
    .toBeVisible({ timeout: 60_000 });
  expect(server.log.some((r) => r.path === `${HUB_PATH}/test/tiny-GGUF/resolve/main/tiny-Q8_0.gguf`)).toBe(true);
  await paste(page, `${TEST_HUB_BASE}/test/tiny-GGUF/blob/main/README.md`);
  await expect(page.getByTestId('model-url-problem')).toContainText('README.md is not a .gguf file');
});
