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
