// The app end to end in real Chromium with WebGPU (SwiftShader) and the real worker engine: first
// run, a model downloaded from a loopback server through the UI, then Summarize (.txt, .pdf,
// .docx, stream + stop, map-reduce), Agenda (view, .md/.ics export), Chat (two turns,
// regenerate), the XSS corpus as documents and messages, and every screen at 360/1280 px. One
// page and one loaded model for the whole file (serial), to keep SwiftShader time down. The
// model is random-weight noise: these tests check plumbing, never wording.
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { makeDocx, makePdf } from '../unit/app/document-files.ts';
import { XSS_CORPUS } from '../unit/app/xss-corpus.ts';
import { MODEL_SERVER_PORT } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';
import {
  MODEL_FILE, chatModel, expectLabelledControls, expectOnlyLocalHosts, loadStoredModel, recordRequests, seedSettings, snapScreen,
} from './app-support.ts';

test.describe.configure({ mode: 'serial' });

const server = new RangeServer();
let context: BrowserContext;
let page: Page;
let requests: string[];
let modelUrl: string;
const dialogs: string[] = [];
const problems: string[] = [];
let acceptConfirms = false;

test.beforeAll(async ({ browser }) => {
  await server.start(MODEL_SERVER_PORT);
  modelUrl = server.put(`/models/${MODEL_FILE}`, await chatModel());
  context = await browser.newContext({ acceptDownloads: true });
  requests = recordRequests(context);
  await seedSettings(context);
  page = await context.newPage();
  page.on('dialog', (d) => { dialogs.push(d.message()); void (d.type() === 'confirm' && acceptConfirms ? d.accept() : d.dismiss()); });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`); });
});

test.afterAll(async () => {
  await context?.close();
  await server.stop();
});

/** In-app navigation (a hash change): a full page load would load the model again. */
async function nav(p: Page, screen: string) {
  await p.evaluate((id) => { location.hash = `#/${id}`; }, screen);
  await expect(p.locator('main h2')).toHaveText(screen[0].toUpperCase() + screen.slice(1));
}

const output = () => page.getByTestId('summary-output');
const timings = () => page.getByTestId('timings');

async function setSetting(label: string, value: string) {
  await nav(page, 'settings');
  const input = page.getByLabel(label, { exact: true });
  await input.fill(value);
  await input.press('Tab');
}

async function summarizeFile(name: string, mimeType: string, buffer: Buffer, expected: string) {
  await nav(page, 'summarize');
  await page.getByTestId('doc-file').setInputFiles({ name, mimeType, buffer });
  await expect(page.getByTestId('doc-info')).toContainText(name);
  await expect(page.getByLabel('Document text')).toHaveValue(new RegExp(expected));
  await expect(page.getByTestId('token-count')).toContainText(/\d+ tokens of a 768-token context/);
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(timings()).toContainText(/First token \d+ ms .* decode [\d.]+ tok\/s \(\d+ tokens\)/, { timeout: 60_000 });
  await expect(output()).not.toBeEmpty();
}

test('first run: WebGPU found, catalog sorted by fit with size and licence, nothing to load yet', async ({}, testInfo) => {
  await page.goto('/#/summarize');
  await expect(page.getByTestId('adapter')).toContainText('GPU:', { timeout: 30_000 });
  await expect(page.getByTestId('model-bar')).toContainText('No model yet');
  await snapScreen(page, testInfo, 'first-run-summarize');
  await nav(page, 'models');
  const cards = page.getByTestId('catalog-entry');
  await expect(cards.first()).toBeVisible();
  await expect(cards.first()).toContainText('Fits this device');
  await expect(cards.first()).toContainText(/licence \S+/);
  await expect(cards.first()).toContainText(/\d+(\.\d)? (MB|GB)/);
  // Unsupported architectures are listed last and cannot be downloaded.
  await expect(cards.last()).toContainText('Not supported yet');
  await expect(cards.last().getByRole('button', { name: /Download/ })).toBeDisabled();
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'first-run-models');
});

test('a download shows progress, can be cancelled and resumed, then the model loads', async () => {
  // The server holds the body after 100 KB, so the transfer is caught in flight.
  server.stallAt = 100_000;
  await nav(page, 'models');
  await page.getByLabel('Link to a .gguf file').fill(modelUrl);
  await page.getByRole('button', { name: 'Download', exact: true }).click();
  // The engine reports body progress per stored chunk (32 MiB), so this small file shows its
  // size from the header phase; speed and time left appear with chunk progress.
  await expect(page.getByTestId('transfer')).toContainText(/(Checking|Downloading) [\d.]+ (kB|bytes) of 162 kB/, { timeout: 30_000 });
  await page.getByRole('button', { name: `Cancel ${MODEL_FILE}` }).click();
  await expect(page.getByTestId('transfer')).toHaveCount(0);
  const stored = page.getByTestId('stored-model').filter({ hasText: MODEL_FILE });
  await expect(stored).toContainText('download paused');
  server.releaseStalled();
  await stored.getByRole('button', { name: `Resume ${MODEL_FILE}` }).click();
  await loadStoredModel(page);
  await expect(page.getByTestId('stored-model')).toContainText(MODEL_FILE);
  await expect(page.getByTestId('storage')).toContainText(/used/);
  expect(server.requestsFor(`/models/${MODEL_FILE}`).length).toBeGreaterThan(0);
  await nav(page, 'summarize');
  await expect(page.getByTestId('loaded-model')).toContainText(/context 768 tokens/);
});

test('summarizes a .txt file', async () => {
  await summarizeFile('notes.txt', 'text/plain', Buffer.from('Budget review.\n\nThe team agreed to move the launch to May.'), 'launch to May');
});

test('summarizes a .pdf file (pdf.js in its worker)', async () => {
  await summarizeFile('report.pdf', 'application/pdf', Buffer.from(makePdf(['Quarterly report', 'Sales rose in the north region.'])), 'Sales rose in the north region');
});

test('summarizes a .docx file', async () => {
  await summarizeFile('minutes.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    Buffer.from(await makeDocx(['Minutes of the meeting', 'Action: Ana sends the draft by Friday.'])), 'Ana sends the draft');
});

test('an encrypted PDF and a non-Word .docx get a clear message', async () => {
  await nav(page, 'summarize');
  await page.getByTestId('doc-file').setInputFiles({ name: 'locked.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makePdf(['x'], { encrypted: true })) });
  await expect(page.getByTestId('doc-error')).toContainText('locked.pdf is password-protected');
  await page.getByTestId('doc-file').setInputFiles({ name: 'fake.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('plain text') });
  await expect(page.getByTestId('doc-error')).toContainText('fake.docx is not a Word');
});

test('output streams and stops on request', async () => {
  await setSetting('Max tokens', '600');
  await nav(page, 'summarize');
  await page.getByLabel('Document text').fill('A short note about the garden and the weather.');
  await page.getByRole('button', { name: 'Summarize' }).click();
  // Text arrives while the generation is still running: streamed, not delivered at the end.
  await expect(output()).not.toBeEmpty({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
  const partial = (await output().textContent()) ?? '';
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(timings()).toContainText('stopped', { timeout: 60_000 });
  const generated = Number(/decode [\d.]+ tok\/s \((\d+) tokens\)/.exec((await timings().textContent()) ?? '')?.[1]);
  expect(generated).toBeGreaterThan(0);
  expect(generated).toBeLessThan(600);
  expect(((await output().textContent()) ?? '').length).toBeGreaterThanOrEqual(partial.length);
  await setSetting('Max tokens', '8');
});

/** Every part's state in the Summarize screen's part list, in document order. */
async function partStates(): Promise<string[]> {
  return page.getByTestId('part-progress').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state') ?? ''));
}

test('a document longer than the context is summarized in parts, several at once, with progress per part', async ({}, testInfo) => {
  await nav(page, 'summarize');
  const paragraphs = Array.from({ length: 14 }, (_, i) => `Paragraph ${i + 1}. The committee reviewed item ${i + 1} of the plan, heard the finance lead, and asked for a revised estimate before the next meeting in spring.`);
  await page.getByLabel('Document text').fill(paragraphs.join('\n\n'));
  await page.getByLabel('Length').selectOption('short');
  // A transformer past its context: map-reduce, as many parts at once as a batched pass serves.
  await expect(page.getByTestId('doc-plan')).toContainText(/in parts: llama keeps a KV cache in every layer.*summarized in parts, up to 8 at a time/);
  const seen = new Set<string>();
  let mostWriting = 0;
  const progress = page.getByTestId('summary-progress');
  const watcher = (async () => {
    for (;;) {
      const t = await progress.textContent({ timeout: 500 }).catch(() => null);
      if (t) seen.add(t);
      if (t?.startsWith('Combining')) return;
      const states = await partStates().catch(() => []);
      mostWriting = Math.max(mostWriting, states.filter((st) => st === 'writing').length);
      await page.waitForTimeout(50);
    }
  })();
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByTestId('summary-plan')).toContainText('Summarizing in parts');
  await watcher;
  await expect(timings()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('button', { name: 'Summarize' })).toBeEnabled({ timeout: 120_000 });
  const lines = [...seen].map((t) => /^Summarizing (\d+) parts, (\d+) at a time: (\d+) of \d+ done$/.exec(t)).filter((m) => m !== null);
  expect(lines.length).toBeGreaterThan(0);
  const total = Number(lines[0]![1]);
  expect(total).toBeGreaterThan(1);
  expect(Number(lines[0]![2])).toBe(Math.min(8, total));
  // Parts were written at the same time (their decode steps batched by the engine).
  expect(mostWriting).toBeGreaterThanOrEqual(2);
  expect([...seen].some((t) => t.startsWith('Combining'))).toBe(true);
  await expect(output()).not.toBeEmpty();
  await snapScreen(page, testInfo, 'summarize-map-reduce');
});

test('Stop during the parts keeps every finished part, and "Resume from part k" runs only the missing ones', async ({}, testInfo) => {
  await nav(page, 'summarize');
  // More parts than run at once (8), so that some are done while others still wait.
  const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i + 1}. The committee reviewed item ${i + 1} of the plan, heard the finance lead, and asked for a revised estimate before the next meeting in spring.`);
  await page.getByLabel('Document text').fill(paragraphs.join('\n\n'));
  await page.getByLabel('Length').selectOption('short');
  await page.getByRole('button', { name: 'Summarize' }).click();
  let done: number[] = [];
  await expect(async () => {
    const states = await partStates();
    expect(states.length).toBeGreaterThan(8);
    done = states.flatMap((st, i) => (st === 'done' ? [i] : []));
    expect(done.length).toBeGreaterThan(0);
    expect(states.some((st) => st === 'waiting' || st === 'writing')).toBe(true);
  }).toPass({ timeout: 120_000, intervals: [50] });
  await page.getByRole('button', { name: 'Stop' }).click();
  const resume = page.getByRole('button', { name: /^Resume (from part \d+|: combine the parts)$/ });
  await expect(resume).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Summarize' })).toBeEnabled();
  await snapScreen(page, testInfo, 'summarize-resume');
  let first: string[] | undefined;
  const rerun = new Set<number>();
  const progress = page.getByTestId('summary-progress');
  const watcher = (async () => {
    for (;;) {
      const states = await partStates().catch(() => []);
      if (states.length > 0) {
        first ??= states;
        states.forEach((st, i) => { if (st === 'writing') rerun.add(i); });
      }
      const t = await progress.textContent({ timeout: 500 }).catch(() => null);
      if (t?.startsWith('Combining')) return;
      await page.waitForTimeout(50);
    }
  })();
  await resume.click();
  await watcher;
  await expect(page.getByRole('button', { name: 'Summarize' })).toBeEnabled({ timeout: 120_000 });
  // Every part seen done before Stop was kept, and none of the kept parts was written again.
  for (const i of done) expect(first![i], `part ${i + 1}`).toBe('kept');
  const kept = first!.flatMap((st, i) => (st === 'kept' ? [i] : []));
  expect(kept.filter((i) => rerun.has(i))).toEqual([]);
  await expect(output()).not.toBeEmpty();
  await expect(resume).toHaveCount(0);
});

test('agenda from an email thread renders as an editable view and exports .md and .ics', async ({}, testInfo) => {
  await nav(page, 'agenda');
  await page.getByLabel('Email thread or meeting notes').fill([
    'From: Ana Ruiz <ana@example.org>', 'To: Ben Okafor <ben@example.org>, Chen Wu <chen@example.org>', 'Subject: Re: Q3 roadmap review',
    '', 'Can we meet on 2025-07-03 at 14:00 for 45 minutes? Ben to present the hiring plan, Chen the budget.',
    'Please read the Q2 retro first. We need to decide on the launch date.',
  ].join('\n'));
  await page.getByRole('button', { name: 'Draft agenda' }).click();
  const view = page.getByTestId('agenda-view');
  await expect(view).toBeVisible({ timeout: 60_000 });
  await expect(timings()).toBeVisible();
  const title = page.getByLabel('Title', { exact: true });
  await expect(title).not.toHaveValue('');
  await expect(page.getByTestId('agenda-item').first()).toBeVisible();
  // Editable: the edit is what gets exported.
  await title.fill('Q3 roadmap review (edited)');
  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .md' }).click()]);
  expect(md.suggestedFilename()).toBe('q3-roadmap-review-edited.md');
  expect(readFileSync(await md.path(), 'utf8')).toMatch(/^# Q3 roadmap review \(edited\)\n[\s\S]*## Agenda\n\n1\. /);
  const [ics] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .ics' }).click()]);
  expect(ics.suggestedFilename()).toBe('q3-roadmap-review-edited.ics');
  const cal = readFileSync(await ics.path(), 'utf8');
  expect(cal).toContain('BEGIN:VCALENDAR');
  expect(cal).toContain('SUMMARY:Q3 roadmap review (edited)');
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'agenda');
});

test('an agenda the token limit cuts short is still closed as JSON that parses, with a notice', async () => {
  // A random-weight model never finishes an agenda on its own: given room for the shortest
  // completion, the engine closes the JSON near the limit. Its noise may still make no usable
  // agenda (empty title, items without titles): then the draft from the notes stands in, but the
  // reason is never the JSON.
  await setSetting('Max tokens', '140');
  await nav(page, 'agenda');
  await page.getByLabel('Email thread or meeting notes').fill('Notes: plan the offsite; Dana books the venue.');
  await page.getByRole('button', { name: 'Draft agenda' }).click();
  await expect(page.getByTestId('agenda-view')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('agenda-cut')).toBeVisible();
  const fallback = page.getByTestId('agenda-fallback');
  if (await fallback.count()) await expect(fallback).toContainText('the agenda has no title or no items');
  const generated = Number(/decode [\d.]+ tok\/s \((\d+) tokens\)/.exec((await timings().textContent()) ?? '')?.[1]);
  expect(generated).toBeLessThanOrEqual(140);
  await setSetting('Max tokens', '8');
});

test('chat: two turns, then regenerate the last answer', async ({}, testInfo) => {
  await nav(page, 'chat');
  const input = page.getByLabel('Message');
  const answers = page.getByTestId('turn-assistant');
  await input.fill('Hello there');
  await input.press('Enter');
  await expect(page.getByTestId('turn-user')).toHaveCount(1);
  await expect(answers).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
  await expect(answers.first()).not.toHaveText(/^Assistant$/);
  await input.fill('And a second question?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('turn-user')).toHaveCount(2);
  await expect(answers).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
  const firstTimings = await timings().textContent();
  expect(firstTimings).toMatch(/prefill [\d.]+ tok\/s \((\d+) tokens\)/);
  await page.getByRole('button', { name: 'Regenerate' }).click();
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
  // Still two answers: the last was replaced, not appended.
  await expect(answers).toHaveCount(2);
  // Only the latest answer is a live region, not the whole conversation.
  await expect(page.getByRole('list', { name: 'Conversation' })).not.toHaveAttribute('aria-live');
  await expect(answers.last()).toHaveAttribute('aria-live', 'polite');
  await expect(answers.first()).not.toHaveAttribute('aria-live');
  await expect(page.getByTestId('turn-user').last()).not.toHaveAttribute('aria-live');
  await expect(page.getByTestId('turn-user')).toHaveCount(2);
  await expect(page.getByTestId('turn-user').last()).toHaveText(/And a second question\?/);
  await expect(timings()).toBeVisible();
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'chat');
});

test('the XSS corpus as a pasted document, as .html and .md files, and as chat messages executes nothing', async () => {
  const corpus = XSS_CORPUS.join('\n\n');
  const injected = () => page.evaluate(() => ({
    flag: (window as { __xss?: unknown }).__xss,
    foreign: document.querySelectorAll('main script, main img, main svg, main iframe, main math, main [onerror], main [onload], main [onclick], main a[href^="javascript"]').length,
  }));
  await nav(page, 'summarize');
  await page.getByLabel('Document text').fill(corpus);
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByRole('button', { name: 'Summarize' })).toBeEnabled({ timeout: 60_000 });
  expect(await injected()).toEqual({ flag: undefined, foreign: 0 });

  await page.getByTestId('doc-file').setInputFiles({ name: 'evil.html', mimeType: 'text/html', buffer: Buffer.from(`<html><body><h1>Visible heading</h1>${corpus}<p>Visible end</p></body></html>`) });
  await expect(page.getByLabel('Document text')).toHaveValue(/Visible heading[\s\S]*Visible end/);
  expect(await page.getByLabel('Document text').inputValue()).not.toContain('window.__xss = "script"');
  await page.getByTestId('doc-file').setInputFiles({ name: 'evil.md', mimeType: 'text/markdown', buffer: Buffer.from(corpus) });
  await expect(page.getByLabel('Document text')).toHaveValue(corpus);
  expect(await injected()).toEqual({ flag: undefined, foreign: 0 });

  await nav(page, 'chat');
  await page.getByLabel('Message').fill(corpus);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('turn-user').last()).toContainText('<script>window.__xss = "script"</script>');
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled({ timeout: 60_000 });
  expect(await injected()).toEqual({ flag: undefined, foreign: 0 });
  expect(dialogs).toEqual([]);
});

test('every screen at 360 px and 1280 px, labelled controls, keyboard reachable', async ({}, testInfo) => {
  for (const screen of ['summarize', 'models', 'settings']) {
    await nav(page, screen);
    await expect(page.locator('main h2')).toBeVisible();
    await expectLabelledControls(page);
    await snapScreen(page, testInfo, screen);
  }
  await expect(page.getByTestId('device-info')).toContainText('Adapter');
  // Keyboard: from the skip link, Tab walks the navigation and then every control of the
  // screen, each with a visible focus ring.
  await nav(page, 'summarize');
  await page.getByRole('link', { name: 'Skip to content' }).focus();
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeInViewport();
  const reached: string[] = [];
  for (let i = 0; i < 16; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement;
      const ring = getComputedStyle(el).outlineStyle !== 'none' || getComputedStyle(el.closest('label') ?? el).outlineStyle !== 'none'
        || getComputedStyle(el.parentElement?.querySelector('span') ?? el).outlineStyle !== 'none';
      const name = el.getAttribute('aria-label') || el.labels?.[0]?.textContent?.trim() || el.textContent?.trim() || el.tagName;
      return `${el.tagName.toLowerCase()}:${name}${ring ? '' : ' (no focus ring)'}`;
    }));
  }
  expect(reached).toEqual(expect.arrayContaining(['a:Summarize', 'a:Settings', 'textarea:Document text', 'input:Open a file…', 'select:Style', 'select:Length']));
  // Past the last control focus leaves the page (body); every control before it shows a ring.
  expect(reached.filter((r) => !r.startsWith('body:') && r.includes('no focus ring'))).toEqual([]);
});

test('a local .gguf opens from disk, is stored beside the download, and can be deleted', async () => {
  await nav(page, 'models');
  await page.getByTestId('gguf-file').setInputFiles({ name: 'imported.gguf', mimeType: 'application/octet-stream', buffer: Buffer.from(await chatModel()) });
  const imported = page.getByTestId('stored-model').filter({ hasText: 'imported.gguf' });
  await expect(imported.getByRole('button', { name: 'Load imported.gguf' })).toBeVisible({ timeout: 30_000 });
  await expect(imported).toContainText('162 kB · llama');
  acceptConfirms = true;
  await imported.getByRole('button', { name: 'Delete imported.gguf' }).click();
  await expect(imported).toHaveCount(0);
  await expect(page.getByTestId('stored-model')).toHaveCount(1);
  expect(dialogs).toEqual(['Delete imported.gguf from this device?']);
});

test('a .gguf dropped on the Models screen is imported like a picked one', async () => {
  await nav(page, 'models');
  const bytes = [...await chatModel()];
  const dataTransfer = await page.evaluateHandle((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'dropped.gguf', { type: 'application/octet-stream' }));
    return dt;
  }, bytes);
  await page.getByTestId('gguf-drop').dispatchEvent('drop', { dataTransfer });
  const dropped = page.getByTestId('stored-model').filter({ hasText: 'dropped.gguf' });
  await expect(dropped.getByRole('button', { name: 'Load dropped.gguf' })).toBeVisible({ timeout: 30_000 });
  await expect(dropped).toContainText('162 kB · llama');
  acceptConfirms = true;
  await dropped.getByRole('button', { name: 'Delete dropped.gguf' }).click();
  await expect(dropped).toHaveCount(0);
});

test('the whole file asked no host but the local test servers, broke no CSP rule and threw nothing', async () => {
  expect(problems).toEqual([]);
  expectOnlyLocalHosts(requests);
  expect(requests.some((u) => u.startsWith(server.origin))).toBe(true);
});
