// Shared pieces of the app's end-to-end tests (tests/e2e/app-*.spec.ts): the chat-capable tiny
// model (the llama-Q8_0 fixture, its weights and SPM vocabulary kept, with a longer context and
// a ChatML template added), settings seeded before the app starts, the request log that must
// name no host but the local servers, installing a model through the UI, and screenshots.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { readGguf } from '../../model/gguf/reader.ts';
import { memorySource } from '../../model/gguf/sources.ts';
import { withMetadata } from '../support/gguf-edit.ts';

const fixturePath = (name: string) => fileURLToPath(new URL(`../../../shared/fixtures/${name}/model.gguf`, import.meta.url));

export const CHATML = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * A template with Qwen3's thinking switch: the assistant turn opens <think> (the model reasons
 * first) unless `enable_thinking` is false, which writes an empty think block; earlier answers
 * are sent back without their reasoning.
 */
export const THINKING_TEMPLATE =
  "{%- for m in messages %}{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}" +
  "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- else %}{{- '<think>\\n' }}{%- endif %}{%- endif %}";

/**
 * A fixture (llama-Q8_0 unless named; the hybrids share its vocabulary) re-written with a trained
 * context of `contextLength` (2048 unless given) and a chat template (ChatML unless given); tensors byte for byte.
 */
export async function chatModel(template = CHATML, options: { fixture?: string; contextLength?: number } = {}): Promise<Uint8Array> {
  const bytes = new Uint8Array(readFileSync(fixturePath(options.fixture ?? 'llama-Q8_0')));
  const arch = String((await readGguf(memorySource(bytes))).metadata.get('general.architecture'));
  return withMetadata(bytes, {
    [`${arch}.context_length`]: options.contextLength ?? 2048, 'tokenizer.chat_template': template, 'general.name': `Tiny test ${arch}`,
  });
}

/** The name the app gives the test model: the last segment of its URL. */
export const MODEL_FILE = 'tiny-chat.gguf';

export const TEST_SETTINGS = {
  temperature: 0, topK: 40, topP: 0.95, minP: 0.05, repetitionPenalty: 1, seed: 1,
  maxTokens: 8, maxReasoningTokens: 12, contextLength: 768, systemPrompt: 'You are a test assistant.', theme: 'light',
};

/** Seeds the app's settings before its scripts run (greedy decoding, short answers). */
export async function seedSettings(context: BrowserContext, overrides: Partial<typeof TEST_SETTINGS> = {}): Promise<void> {
  await context.addInitScript((s) => {
    if (!localStorage.getItem('edgewise.settings.v1')) localStorage.setItem('edgewise.settings.v1', JSON.stringify(s));
  }, { ...TEST_SETTINGS, ...overrides });
}

/** Every URL any page, worker or service worker of the context asks for. */
export function recordRequests(context: BrowserContext): string[] {
  const log: string[] = [];
  context.on('request', (r) => log.push(r.url()));
  return log;
}

export function expectOnlyLocalHosts(log: readonly string[]): void {
  expect(log.length).toBeGreaterThan(0);
  const foreign = log.filter((u) => {
    const url = new URL(u);
    if (url.protocol === 'blob:' || url.protocol === 'data:') return false;
    return url.hostname !== '127.0.0.1';
  });
  expect(foreign, 'requests to hosts other than the local test servers').toEqual([]);
}

/** Downloads a model through the Models screen by URL and loads it. */
export async function installModel(page: Page, url: string): Promise<void> {
  await page.evaluate(() => { location.hash = '#/models'; });
  await page.getByLabel('Link to a .gguf file').fill(url);
  await page.getByRole('button', { name: 'Download', exact: true }).click();
  await loadStoredModel(page);
}

/** Waits until the test model is stored completely, then loads it from the Models screen. */
export async function loadStoredModel(page: Page): Promise<void> {
  const stored = page.getByTestId('stored-model').filter({ hasText: MODEL_FILE });
  await expect(stored.getByRole('button', { name: `Load ${MODEL_FILE}` })).toBeVisible({ timeout: 60_000 });
  await stored.getByRole('button', { name: `Load ${MODEL_FILE}` }).click();
  await expect(stored.getByRole('button', { name: `Load ${MODEL_FILE}` })).toHaveText('Loaded', { timeout: 90_000 });
}

export const VIEWPORTS = [{ width: 360, height: 780 }, { width: 1280, height: 860 }] as const;

/** Screenshots of the current screen at phone and laptop widths, attached to the report; the
 *  page must not scroll sideways at either width. */
export async function snapScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const vp of VIEWPORTS) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} at ${vp.width} px scrolls sideways`).toBeLessThanOrEqual(0);
    const body = await page.screenshot({ fullPage: true });
    await testInfo.attach(`${name}-${vp.width}px`, { body, contentType: 'image/png' });
    if (process.env.EDGEWISE_SCREENSHOTS) {
      const { writeFileSync, mkdirSync } = await import('node:fs');
      mkdirSync(process.env.EDGEWISE_SCREENSHOTS, { recursive: true });
      writeFileSync(`${process.env.EDGEWISE_SCREENSHOTS}/${name}-${vp.width}.png`, body);
    }
  }
  if (before) await page.setViewportSize(before);
}

/** Every visible form control has an accessible name. */
export async function expectLabelledControls(page: Page): Promise<void> {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => {
      const e = el as HTMLInputElement;
      if (e.type === 'hidden') return false;
      const named = (e.labels?.length ?? 0) > 0 || e.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent?.trim());
      return !named;
    })
    .map((el) => el.outerHTML.slice(0, 80)));
  expect(unlabelled).toEqual([]);
}
