// A browser without WebGPU: the app says so, in words a person can act on (which browsers).
import { expect, test } from '@playwright/test';

test('without navigator.gpu the app explains which browsers have WebGPU', async ({ page }) => {
  await page.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }); });
  await page.goto('/');
  const message = page.getByTestId('gpu-error');
  await expect(message).toBeVisible();
  await expect(message).toContainText('This browser has no WebGPU');
  await expect(message).toContainText(/Chrome and Edge 113\+/);
});
