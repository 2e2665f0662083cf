// The GPU lost under the app, as a driver reset or a phone sending the tab to the background
// would (here: the engine worker's GPUDevice destroyed from the test, reached through a patch
// of requestDevice made in the worker before any model is loaded): the request that meets the lost device fails, the app loads
// the model again by itself on a new device and says so, and the same greedy answer comes out,
// without a page reload.
import { expect, test } from '@playwright/test';
import { MODEL_SERVER_PORT } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';
import { MODEL_FILE, chatModel, installModel, seedSettings } from './app-support.ts';

const server = new RangeServer();

type Kept = { __devices: GPUDevice[] };

test.beforeAll(async () => { await server.start(MODEL_SERVER_PORT); });
test.afterAll(async () => { await server.stop(); });

test('a lost GPU device: the model is loaded again by itself and gives the same answer', async ({ browser }) => {
  const context = await browser.newContext();
  await seedSettings(context);
  const page = await context.newPage();
  const url = server.put(`/models/${MODEL_FILE}`, await chatModel());
  const started = page.waitForEvent('worker', (w) => /engine\.worker/.test(w.url()));
  await page.goto('/#/models');
  const worker = await started;
  // Keep every GPUDevice the engine requests from now on, so that the test can destroy one.
  await worker.evaluate(() => {
    const kept = self as unknown as Kept;
    kept.__devices = [];
    const requestDevice = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, ...args: Parameters<GPUAdapter['requestDevice']>) {
      const device = await requestDevice.apply(this, args);
      kept.__devices.push(device);
      return device;
    };
  });
  await installModel(page, url);
  // Gone if the page is ever reloaded.
  await page.evaluate(() => { (window as unknown as { __samePage: boolean }).__samePage = true; });

  await page.evaluate(() => { location.hash = '#/chat'; });
  const answers = page.getByTestId('turn-assistant');
  await page.getByLabel('Message').fill('Hello there');
  await page.getByRole('button', { name: 'Send' }).click();
  const regenerate = page.getByRole('button', { name: 'Regenerate' });
  await expect(regenerate).toBeEnabled({ timeout: 60_000 });
  const before = (await answers.last().textContent()) ?? '';
  expect(before.length).toBeGreaterThan(0);

  const destroyed = await worker.evaluate(() => {
    const devices = (self as unknown as Kept).__devices;
    devices[devices.length - 1]?.destroy();
    return devices.length;
  });
  expect(destroyed).toBeGreaterThan(0);

  // The next request meets the lost device: it fails, and the app loads the model again.
  await regenerate.click();
  await expect(page.getByTestId('model-notice')).toContainText('was loaded again', { timeout: 90_000 });
  await expect(page.getByTestId('loaded-model')).toBeVisible();
  // The same conversation from the start on the new device: the same greedy answer.
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Message').fill('Hello there');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(regenerate).toBeEnabled({ timeout: 60_000 });
  await expect(answers).toHaveCount(1);
  await expect(answers.last()).toHaveText(before);
  expect(await worker.evaluate(() => (self as unknown as Kept).__devices.length)).toBe(destroyed + 1);
  expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), 'the page was not reloaded').toBe(true);
  await context.close();
});
