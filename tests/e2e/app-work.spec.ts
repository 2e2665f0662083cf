// Real models, real people, end to end in Chromium with WebGPU (SwiftShader) and the real worker
// engine: a tiny model whose chat template has Qwen3's thinking switch (THINKING_TEMPLATE),
// imported from a file. Summarize asks for no thinking; "Think first" streams the reasoning
// folded, apart from the summary, its Copy and Export, and the agenda; work survives screen
// switches and reloads and can be cleared; a generation keeps running when its screen is left
// and screens never refuse each other; saved conversations; trimming to the context; a new sample
// per Regenerate; Enter during composition; agenda notes and keyboard reordering; Reload asks
// while work runs. The model is random-weight noise: these tests check plumbing, never wording.
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import {
  MODEL_FILE, THINKING_TEMPLATE, chatModel, expectLabelledControls, loadStoredModel, recordRequests, expectOnlyLocalHosts, seedSettings, snapScreen,
} from './app-support.ts';

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let requests: string[];
const dialogs: string[] = [];
const problems: string[] = [];
let acceptConfirms = true;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: 'http://127.0.0.1:4173' });
  requests = recordRequests(context);
  await seedSettings(context);
  page = await context.newPage();
  page.on('dialog', (d) => { dialogs.push(d.message()); void (d.type() === 'confirm' && acceptConfirms ? d.accept() : d.dismiss()); });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
});

test.afterAll(async () => {
  await context?.close();
});

async function nav(p: Page, screen: string) {
  await p.evaluate((id) => { location.hash = `#/${id}`; }, screen);
  await expect(p.locator('main h2')).toHaveText(screen[0].toUpperCase() + screen.slice(1));
}

async function setSetting(label: string, value: string) {
  await nav(page, 'settings');
  const input = page.getByLabel(label, { exact: true });
  await input.fill(value);
  await input.press('Tab');
}

const summary = () => page.getByTestId('summary-output');
const timings = () => page.getByTestId('timings');
const reasoning = () => page.getByTestId('reasoning');
const DOC = 'Budget review. The team agreed to move the launch to May and to hire two engineers.';

/** Generated and reasoning token counts from the timings line. */
async function tokenCounts(t: Locator): Promise<{ generated: number; reasoning: number }> {
  const line = (await t.textContent()) ?? '';
  const generated = Number(/decode [\d.]+ tok\/s \((\d+) tokens\)/.exec(line)?.[1]);
  const reasoningTokens = Number(/(\d+) of them reasoning/.exec(line)?.[1] ?? 0);
  return { generated, reasoning: reasoningTokens };
}

async function waitForStorage() {
  // The work is written to IndexedDB shortly after each change; let it land before a reload.
  await page.waitForTimeout(800);
}

test('walk through: import a thinking model from a file, summarize without thinking, leave and come back, reload', async ({}, testInfo) => {
  await page.goto('/#/models');
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 30_000 });
  await page.getByTestId('gguf-file').setInputFiles({ name: MODEL_FILE, mimeType: 'application/octet-stream', buffer: Buffer.from(await chatModel(THINKING_TEMPLATE)) });
  await loadStoredModel(page);

  await nav(page, 'summarize');
  await page.getByLabel('Document text').fill(DOC);
  await expect(page.getByLabel('Think first')).not.toBeChecked();
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(timings()).toContainText(/decode [\d.]+ tok\/s \(\d+ tokens\)/, { timeout: 60_000 });
  // The template was asked for no thinking (enable_thinking false): no reasoning, all answer.
  await expect(reasoning()).toHaveCount(0);
  expect((await tokenCounts(timings())).reasoning).toBe(0);
  await expect(summary()).not.toBeEmpty();
  const text = (await summary().textContent()) ?? '';
  await snapScreen(page, testInfo, 'walk-summarize');

  await nav(page, 'settings');
  await nav(page, 'summarize');
  await expect(page.getByLabel('Document text')).toHaveValue(DOC);
  await expect(summary()).toHaveText(text);
  await expect(timings()).toBeVisible();

  await waitForStorage();
  await page.reload();
  await expect(page.locator('main h2')).toHaveText('Summarize');
  await expect(page.getByLabel('Document text')).toHaveValue(DOC);
  await expect(summary()).toHaveText(text);
  await expect(page.getByTestId('loaded-model')).toContainText(MODEL_FILE, { timeout: 90_000 });
  await snapScreen(page, testInfo, 'walk-after-reload');
});

test('Think first: reasoning streams folded with its token count, outside the summary, Copy and Export, and never eats the answer budget', async ({}, testInfo) => {
  await nav(page, 'summarize');
  await page.getByLabel('Document text').fill(DOC);
  await page.getByLabel('Think first').check();
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(timings()).toContainText('of them reasoning', { timeout: 60_000 });
  const box = reasoning();
  await expect(box).toBeVisible();
  // Folded: the disclosure is closed until the reader opens it.
  expect(await box.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
  await expect(page.getByTestId('reasoning-summary')).toHaveText(/^Reasoning · \d+ tokens$/);
  const { generated, reasoning: thought } = await tokenCounts(timings());
  // Max reasoning tokens is 12 (then the engine closes the block itself); Max tokens is 8 and
  // counts the answer only.
  expect(thought).toBeGreaterThanOrEqual(12);
  expect(generated - thought).toBeGreaterThan(0);
  expect(generated - thought).toBeLessThanOrEqual(8);
  await page.getByTestId('reasoning-summary').click();
  const thinking = ((await box.locator('p').textContent()) ?? '').trim();
  expect(thinking.length).toBeGreaterThan(0);
  const answer = ((await summary().textContent()) ?? '').trim();
  expect(answer.length).toBeGreaterThan(0);
  expect(answer).not.toContain(thinking);
  expect(answer).not.toContain('<think>');

  await page.getByRole('button', { name: 'Copy' }).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).not.toContain(thinking);
  expect(copied).not.toContain('think>');
  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .md' }).click()]);
  const exported = readFileSync(await md.path(), 'utf8');
  expect(exported).toBe(copied);
  expect(exported).not.toContain(thinking);
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'summarize-think-first');
  await page.getByLabel('Think first').uncheck();
});

test('Agenda with Think first: reasoning first, then the constrained agenda, which the parser reads without the reasoning', async () => {
  await setSetting('Max tokens', '140');
  await nav(page, 'agenda');
  await page.getByLabel('Email thread or meeting notes').fill('Notes: plan the offsite; Dana books the venue; Eli drafts the budget.');
  await page.getByLabel('Think first').check();
  await page.getByRole('button', { name: 'Draft agenda' }).click();
  await expect(page.getByTestId('agenda-view')).toBeVisible({ timeout: 90_000 });
  await expect(reasoning()).toBeVisible();
  expect((await tokenCounts(timings())).reasoning).toBeGreaterThanOrEqual(12);
  // The answer was constrained JSON: if the noise made no usable agenda, the reason is never the JSON.
  const fallback = page.getByTestId('agenda-fallback');
  if (await fallback.count()) await expect(fallback).toContainText('the agenda has no title or no items');
  await page.getByLabel('Think first').uncheck();
  await setSetting('Max tokens', '8');
});

test('agenda items: notes editable, reordered from the keyboard; the draft and its edits survive leaving, reloading, and are cleared on request', async ({}, testInfo) => {
  await nav(page, 'agenda');
  await expect(page.getByTestId('agenda-view')).toBeVisible();
  const items = page.getByTestId('agenda-item');
  while (await items.count() < 3) await page.getByRole('button', { name: 'Add item' }).click();
  await page.getByLabel('Item 1 title').fill('First topic');
  await page.getByLabel('Item 2 title').fill('Second topic');
  await page.getByLabel('Item 1 notes').fill('Bring the numbers');
  // Keyboard only: focus "Move item 1 down", press Enter twice; the item travels and focus follows it.
  await page.getByRole('button', { name: 'Move item 1 down' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Item 2 title')).toHaveValue('First topic');
  await expect(page.getByLabel('Item 1 title')).toHaveValue('Second topic');
  await expect(page.getByLabel('Item 2 notes')).toHaveValue('Bring the numbers');
  await expect(page.getByRole('button', { name: 'Move item 2 down' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Item 3 title')).toHaveValue('First topic');
  await expect(page.getByRole('button', { name: 'Move item 3 up' })).toBeFocused();
  await expect(page.getByRole('button', { name: 'Move item 3 down' })).toBeDisabled();
  await page.getByLabel('Title', { exact: true }).fill('Offsite planning');
  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .md' }).click()]);
  expect(readFileSync(await md.path(), 'utf8')).toMatch(/3\. First topic[^\n]*\n {3}Bring the numbers/);
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'agenda-edit');

  await nav(page, 'chat');
  await nav(page, 'agenda');
  await expect(page.getByLabel('Item 3 title')).toHaveValue('First topic');
  await waitForStorage();
  await page.reload();
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue('Offsite planning');
  await expect(page.getByLabel('Item 3 notes')).toHaveValue('Bring the numbers');
  await expect(page.getByLabel('Email thread or meeting notes')).toHaveValue(/Dana books the venue/);

  dialogs.length = 0;
  await page.getByRole('button', { name: 'Clear' }).click();
  expect(dialogs).toEqual(['Clear the notes and the agenda from this device?']);
  await expect(page.getByTestId('agenda-view')).toHaveCount(0);
  await expect(page.getByLabel('Email thread or meeting notes')).toHaveValue('');
  await waitForStorage();
  await page.reload();
  await expect(page.locator('main h2')).toHaveText('Agenda');
  await expect(page.getByLabel('Email thread or meeting notes')).toHaveValue('');
  await expect(page.getByTestId('loaded-model')).toContainText(MODEL_FILE, { timeout: 90_000 });
});

test('chat: reasoning folded per answer; several conversations, renamed, exported without reasoning, deleted; they survive a reload', async ({}, testInfo) => {
  await nav(page, 'chat');
  const input = page.getByLabel('Message');
  await input.fill('Hello there');
  await input.press('Enter');
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
  const answer = page.getByTestId('turn-assistant').first();
  await expect(answer.getByTestId('reasoning')).toBeVisible();
  expect(await answer.getByTestId('reasoning').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Hello there');
  await page.getByLabel('Name', { exact: true }).fill('Greetings');
  await page.getByLabel('Name', { exact: true }).press('Enter');
  await expect(page.getByLabel('Saved conversations')).toContainText('Greetings');
  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .md' }).click()]);
  expect(md.suggestedFilename()).toBe('greetings.md');
  const exported = readFileSync(await md.path(), 'utf8');
  expect(exported).toMatch(/^# Greetings\n\n\*\*You:\*\*\n\nHello there\n\n\*\*Assistant:\*\*/);
  await answer.getByTestId('reasoning-summary').click();
  const thought = ((await answer.getByTestId('reasoning').locator('p').textContent()) ?? '').trim();
  expect(thought.length).toBeGreaterThan(0);
  expect(exported).not.toContain(thought);

  await page.getByRole('button', { name: 'New conversation' }).click();
  await expect(page.getByTestId('turn-user')).toHaveCount(0);
  await input.fill('Second thread');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByLabel('Saved conversations').locator('option')).toHaveCount(2);
  await page.getByLabel('Saved conversations').selectOption({ label: 'Greetings' });
  await expect(page.getByTestId('turn-user')).toHaveText(/Hello there/);
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'chat-conversations');

  await waitForStorage();
  await page.reload();
  await expect(page.getByLabel('Saved conversations').locator('option')).toHaveCount(2);
  await expect(page.getByTestId('turn-user')).toHaveText(/Hello there/);
  await expect(page.getByTestId('loaded-model')).toContainText(MODEL_FILE, { timeout: 90_000 });

  dialogs.length = 0;
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  expect(dialogs).toEqual(['Delete the conversation "Greetings" from this device?']);
  await expect(page.getByLabel('Saved conversations').locator('option')).toHaveCount(1);
  await expect(page.getByTestId('turn-user')).toHaveText(/Second thread/);
});

test('a conversation longer than the context is trimmed, oldest turns first, with a note, instead of failing', async () => {
  await nav(page, 'chat');
  await page.getByRole('button', { name: 'New conversation' }).click();
  const input = page.getByLabel('Message');
  // About 275 tokens each with this vocabulary: two fit the 768-token context, three do not.
  const long = (n: number) => Array.from({ length: 15 }, (_, i) => `Point ${n}.${i} about the plan.`).join(' ');
  for (let n = 1; n <= 3; n++) {
    await input.fill(long(n));
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 90_000 });
  }
  await expect(page.getByTestId('chat-trimmed')).toContainText(/The \d+ oldest messages were left out of what the model sees/);
  await expect(page.getByTestId('chat-error')).toHaveCount(0);
  await expect(page.getByTestId('turn-user')).toHaveCount(3);
  await expect(page.getByTestId('turn-assistant')).toHaveCount(3);
});

test('Enter confirms an input method\'s text without sending; a plain Enter sends', async () => {
  await nav(page, 'chat');
  await page.getByRole('button', { name: 'New conversation' }).click();
  const input = page.getByLabel('Message');
  await input.fill('こんにちは');
  await input.dispatchEvent('compositionstart');
  await input.evaluate((el) => el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true })));
  await input.evaluate((el) => el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', keyCode: 229, bubbles: true, cancelable: true })));
  await input.dispatchEvent('compositionend');
  await expect(page.getByTestId('turn-user')).toHaveCount(0);
  await expect(input).toHaveValue('こんにちは');
  await input.press('Enter');
  await expect(page.getByTestId('turn-user')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
});

test('with temperature > 0 and the default random seed, Regenerate gives a new sample each time', async () => {
  await setSetting('Temperature', '1');
  await setSetting('Max reasoning tokens', '16');
  await expect(page.getByLabel('Random seed (Regenerate gives a new answer)')).not.toBeChecked();
  await page.getByLabel('Random seed (Regenerate gives a new answer)').check();
  await expect(page.getByLabel('Seed', { exact: true })).toHaveCount(0);
  await nav(page, 'chat');
  const samples = new Set<string>();
  for (let i = 0; i < 3; i++) {
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
    const last = page.getByTestId('turn-assistant').last();
    samples.add(`${await last.getByTestId('reasoning').locator('p').textContent()}|${await last.locator('.markdown').textContent()}`);
  }
  expect(samples.size).toBeGreaterThan(1);
  // A fixed seed stays a setting.
  await nav(page, 'settings');
  await page.getByLabel('Random seed (Regenerate gives a new answer)').uncheck();
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('0');
  await setSetting('Temperature', '0');
  await setSetting('Max reasoning tokens', '12');
});

test('a generation keeps running when its screen is left, comes back with Stop, and other screens never refuse meanwhile', async () => {
  // Room for a long answer: the model's whole context (the loaded one is reloaded with it).
  await setSetting('Context size (tokens)', '2048');
  await nav(page, 'models');
  await page.getByRole('button', { name: `Load ${MODEL_FILE}` }).click();
  await nav(page, 'chat');
  await expect(page.getByTestId('loaded-model')).toContainText('context 2,048 tokens', { timeout: 90_000 });
  await setSetting('Max tokens', '1500');
  await nav(page, 'chat');
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByLabel('Message').fill('Tell me a long story');
  await page.getByRole('button', { name: 'Send' }).click();
  const answer = () => page.getByTestId('turn-assistant').last().locator('.markdown');
  const answerLength = async () => ((await answer().textContent()) ?? '').length;
  await expect.poll(answerLength, { timeout: 60_000 }).toBeGreaterThan(0);
  const left = await answerLength();
  await nav(page, 'settings');
  await page.waitForTimeout(1500);
  await nav(page, 'chat');
  // It went on while the screen was away, and is still going, with Stop.
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
  expect(await answerLength()).toBeGreaterThan(left);
  // Summarize starts and finishes its own work meanwhile: nothing refuses.
  await nav(page, 'summarize');
  await page.getByLabel('Length').selectOption('short');
  await page.getByLabel('Document text').fill(DOC);
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(timings()).toContainText(/decode [\d.]+ tok\/s/, { timeout: 90_000 });
  await expect(page.getByRole('button', { name: 'Summarize' })).toBeEnabled();
  await expect(page.getByTestId('summary-error')).toHaveCount(0);
  await expect(summary()).not.toBeEmpty();
  await nav(page, 'chat');
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
  const before = await answerLength();
  await expect.poll(answerLength, { timeout: 30_000 }).toBeGreaterThan(before);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(timings()).toContainText('stopped', { timeout: 60_000 });
  await expect(page.getByTestId('chat-error')).toHaveCount(0);
  await setSetting('Max tokens', '8');
});

test('Reload on the update banner asks first while work runs', async () => {
  await setSetting('Max tokens', '1500');
  await nav(page, 'summarize');
  await page.getByLabel('Length').selectOption('long');
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled({ timeout: 30_000 });
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state), { timeout: 30_000 }).toBe('activated');
  await page.evaluate(async () => { await navigator.serviceWorker.register('/sw.js?next=work'); });
  const banner = page.getByTestId('update-banner');
  await expect(banner).toBeVisible({ timeout: 30_000 });
  dialogs.length = 0;
  acceptConfirms = false;
  await banner.getByRole('button', { name: 'Reload' }).click();
  await expect.poll(() => dialogs.length).toBe(1);
  expect(dialogs[0]).toMatch(/A generation is still running; reloading stops it\. Reload now\?/);
  // Declined: nothing reloaded, the work goes on and can still be stopped.
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(timings()).toContainText('stopped', { timeout: 60_000 });
  acceptConfirms = true;
  await setSetting('Max tokens', '8');
});

test('the file threw nothing and asked no host but the local server', async () => {
  expect(problems).toEqual([]);
  expectOnlyLocalHosts(requests);
});
