// A browser without WebGPU: the app says so, in words a person can act on (which browsers).
// The engine worker owns the GPU and reports it through capabilities(), so WebGPU is hidden
// both in the page and in the worker's scope (its script is served with a prelude).
import { expect, test } from '@playwright/test';

const HIDE_GPU = "Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined, configurable: true });\n";

test('without navigator.gpu the app explains which browsers have WebGPU', async ({ page }) => {
  await page.addInitScript(HIDE_GPU);
  let workerServed = false;
  await page.route(/engine\.worker[^/]*\.js(\?.*)?$/, async (route) => {
    const response = await route.fetch();
    workerServed = true;
    await route.fulfill({ response, body: HIDE_GPU + (await response.text()) });
  });
  await page.goto('/');
  const message = page.getByTestId('gpu-error');
  await expect(message).toBeVisible({ timeout: 30_000 });
  expect(workerServed).toBe(true);
  await expect(message).toContainText('This browser has no WebGPU');
  await expect(message).toContainText(/Chrome and Edge 113\+/);
});

test('without WebGPU every model says "Needs WebGPU", and a download is offered only with the warning', async ({ page }) => {
  await page.addInitScript(HIDE_GPU);
  await page.route(/engine\.worker[^/]*\.js(\?.*)?$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: HIDE_GPU + (await response.text()) });
  });
  await page.goto('/#/models');
  const cards = page.getByTestId('catalog-entry');
  await expect(cards.first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('download-warning')).toContainText('it will not run in this browser');
  const supported = cards.filter({ has: page.getByRole('button', { name: /^Download .*/, disabled: false }) });
  await expect(supported.first()).toContainText('Needs WebGPU');
  await expect(supported.first().getByRole('button', { name: /^Download / })).toHaveText('Download anyway');
  await expect(cards.getByText('Fits this device')).toHaveCount(0);
  // A pasted link is not fetched at all: the worker says WebGPU is missing before any request.
  const requests: string[] = [];
  page.context().on('request', (r) => { if (r.url().includes('none.gguf')) requests.push(r.url()); });
  await page.getByLabel('Link to a .gguf file').fill('https://huggingface.co/o/m-GGUF/resolve/main/none.gguf');
  await page.getByRole('button', { name: 'Download', exact: true }).click();
  await expect(page.getByTestId('model-link-fit')).toContainText('Needs WebGPU');
  await expect(page.getByTestId('model-link-fit').getByRole('button', { name: 'Download anyway' })).toBeVisible();
  expect(requests).toEqual([]);
});
