// Opening the storage harness page (tests/e2e/harness/storage.html, served on :4174) and the
// shapes its calls return.
import type { Page } from '@playwright/test';
import type { StoredModel } from '../../../engine/api.ts';

export const HARNESS_ORIGIN = 'http://127.0.0.1:4174';

export async function openHarness(page: Page, chunkSize = 64 * 1024): Promise<void> {
  await page.goto(`${HARNESS_ORIGIN}/storage.html?chunk=${chunkSize}`);
  await page.waitForSelector('body[data-ready="true"]');
}

export async function reloadHarness(page: Page): Promise<void> {
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
}

export interface Failure { code: string; message: string; isEdgewiseError: boolean }
export interface Progress { phase: string; bytes: number; totalBytes: number; bytesPerSecond: number; secondsLeft: number }
export type Stored = StoredModel;
export type Outcome<T> = { ok: true; value: T; progress: Progress[] } | { ok: false; error: Failure; progress: Progress[] };

export function expectOk<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected success, got ${o.error.code}: ${o.error.message}`);
  return o.value;
}

export function expectFailure<T>(o: Outcome<T>): Failure {
  if (o.ok) throw new Error(`expected a failure, got ${JSON.stringify(o.value)}`);
  return o.error;
}
