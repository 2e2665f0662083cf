import { expect, test } from '@playwright/test';

test('the app opens and shows the WebGPU adapter it got', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Edgewise' })).toBeVisible();
  const adapter = page.getByTestId('adapter');
  await expect(adapter).toBeVisible({ timeout: 30_000 });
  await expect(adapter).toContainText('GPU:');
});
