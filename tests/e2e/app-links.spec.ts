// Pasted links against a loopback Hub (EDGEWISE_HUB_BASE, mounted at /hub on the model server;
// Hugging Face is never contacted): a repository link lists its .gguf files with sizes and
// suggests Q4_K_M; the pick is checked against this device from its header (Range requests)
// and downloads with the Hub's sha256, which the download checks; a page (/blob/) link
// downloads its /resolve/ file; a split model is listed but not offered.
import { createHash } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { MODEL_SERVER_PORT, TEST_HUB_BASE } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';
import { chatModel, expectLabelledControls, expectOnlyLocalHosts, recordRequests, seedSettings, snapScreen } from './app-support.ts';

const server = new RangeServer();
const HUB_PATH = new URL(TEST_HUB_BASE).pathname;
let model: Uint8Array;
let sha: string;

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
  sha = createHash('sha256').update(model).digest('hex');
  putRepo('test/tiny-GGUF', [
    { path: 'tiny-Q8_0.gguf', bytes: model, oid: sha },
    { path: 'tiny-Q4_K_M.gguf', bytes: model, oid: sha },
    { path: 'split/tiny-F16-00001-of-00002.gguf', bytes: model, oid: sha },
    { path: 'split/tiny-F16-00002-of-00002.gguf', bytes: model, oid: sha },
  ]);
  putRepo('test/wrong-sha-GGUF', [{ path: 'tiny-Q4_K_M.gguf', bytes: model, oid: 'f'.repeat(64) }]);
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

  // A split model is listed, and refused with what to do.
  await list.getByRole('button', { name: /tiny-F16-00001-of-00002\.gguf/ }).click();
  await expect(page.getByTestId('model-url-problem')).toContainText('split into 2 parts');

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
