// The Markdown component in real Chromium (the harness page tests/e2e/harness/markdown.html, the
// app's styles): GFM tables, deep nesting shown as plain text, the error boundary's one line with
// the raw text, and streamed text re-rendered at a bounded rate with the final text at the end.
import { expect, test, type Page } from '@playwright/test';
import { expectLabelledControls, snapScreen } from './app-support.ts';

const HARNESS = 'http://127.0.0.1:4174/markdown.html';
const body = (page: Page) => page.getByTestId('md').getByTestId('markdown-body');

async function show(page: Page, text: string) {
  await page.evaluate((t) => { window.markdownHarness.setStreaming(false); window.markdownHarness.setText(t); }, text);
}

const TABLE = [
  'Decisions from the **planning** meeting:',
  '',
  '| Item | Owner | Due | Notes |',
  '| :--- | :---: | ---: | --- |',
  '| Budget review for the spring launch | **Ana** | May 3 | Needs the revised estimate from finance before the board meets |',
  '| Venue | Dana | May 10 | `<script>alert(1)</script>` stays text |',
  '| Travel <img src=x onerror="window.__xss=1"> | [Li](javascript:alert(1)) | | https://example.org/a/very/long/link/that/does/not/break/the/page |',
].join('\n');

test('a GFM table renders as a table of text cells, scrolls inside its region at 360 px, and runs nothing', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(HARNESS);
  await show(page, TABLE);
  const table = body(page).getByRole('table');
  await expect(table).toBeVisible();
  await expect(table.getByRole('columnheader')).toHaveText(['Item', 'Owner', 'Due', 'Notes']);
  await expect(table.getByRole('row')).toHaveCount(4);
  await expect(table.getByRole('cell').nth(1)).toHaveText('Ana');
  await expect(table.getByRole('cell').nth(1).locator('strong')).toHaveCount(1);
  await expect(table).toContainText('<script>alert(1)</script> stays text');
  await expect(table).toContainText('<img src=x onerror="window.__xss=1">');
  expect(await page.evaluate(() => ({
    xss: (window as { __xss?: unknown }).__xss,
    foreign: document.querySelectorAll('main script, main img, main [onerror], main a[href^="javascript"]').length,
    align: [...document.querySelectorAll('main th')].map((th) => getComputedStyle(th).textAlign),
  }))).toEqual({ xss: undefined, foreign: 0, align: ['left', 'center', 'right', 'left'] });
  // The region that scrolls is reachable and named for the keyboard.
  const region = body(page).getByRole('region', { name: 'Table' });
  await region.focus();
  await expect(region).toBeFocused();
  await expectLabelledControls(page);
  await snapScreen(page, testInfo, 'markdown-table');
  await page.setViewportSize({ width: 360, height: 780 });
  const scroll = await region.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scroll.scrollWidth, 'the table scrolls inside its region at 360 px').toBeGreaterThan(scroll.clientWidth);
  expect(errors).toEqual([]);
});

test('Markdown nested 1,500 quotes deep is shown as plain text, with a note, and nothing throws', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(HARNESS);
  const deep = `Intro line.\n\n${'>'.repeat(1500)} the bottom of the quotes`;
  await show(page, deep);
  await expect(page.getByTestId('markdown-plain')).toHaveText('Shown as plain text: the Markdown is nested too deeply to format.');
  await expect(body(page)).toHaveText(deep);
  await expect(body(page).locator('blockquote')).toHaveCount(0);
  await expect(page.getByTestId('markdown-error')).toHaveCount(0);
  await snapScreen(page, testInfo, 'markdown-deep');
  // Nested lists and emphasis too; ordinary Markdown afterwards renders as Markdown again.
  await show(page, Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n'));
  await expect(page.getByTestId('markdown-plain')).toBeVisible();
  await show(page, '# Back to normal\n\n> one quote');
  await expect(body(page).getByRole('heading', { name: 'Back to normal' })).toBeVisible();
  await expect(body(page).locator('blockquote')).toHaveCount(1);
  await expect(page.getByTestId('markdown-plain')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('an error while rendering shows one line and the raw text; a new text renders again', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(HARNESS);
  // Fault injection: the DOM refuses to make a table, as a browser bug or a full memory would.
  await page.evaluate(() => {
    const create = document.createElement.bind(document);
    document.createElement = ((tag: string, options?: ElementCreationOptions) => {
      if (tag === 'table') throw new Error('cannot create a table here\nsecond line of detail');
      return create(tag, options);
    }) as typeof document.createElement;
    (window as { restoreCreate?: () => void }).restoreCreate = () => { document.createElement = create as typeof document.createElement; };
  });
  await show(page, TABLE);
  const failure = page.getByTestId('markdown-error');
  await expect(failure.getByRole('alert')).toHaveText('Could not format this text (cannot create a table here); here it is as written:');
  await expect(failure.locator('p.plain')).toHaveText(TABLE);
  // The rest of the page is alive.
  await expect(page.getByRole('heading', { name: 'Model output' })).toBeVisible();
  await page.evaluate(() => (window as { restoreCreate?: () => void }).restoreCreate!());
  await show(page, 'A *new* answer');
  await expect(page.getByTestId('markdown-error')).toHaveCount(0);
  await expect(body(page).locator('em')).toHaveText('new');
  expect(errors).toEqual([]);
});

test('streamed text is re-rendered a few times a second, not per token, and in full when it ends', async ({ page }) => {
  await page.goto(HARNESS);
  const result = await page.evaluate(async () => {
    const h = window.markdownHarness;
    h.setStreaming(true);
    h.setText('');
    let renders = 0;
    let host: Element | null = null;
    const observer = new MutationObserver((records) => { renders += records.filter((r) => r.target === host).length; });
    const tokens = Array.from({ length: 300 }, (_, i) => (i % 25 === 24 ? '\n\n' : `w${i} `));
    const start = performance.now();
    for (const [i, t] of tokens.entries()) {
      h.append(t);
      if (i === 0) {
        host = document.querySelector('[data-testid="md"] [data-testid="markdown-body"]');
        observer.observe(host!, { childList: true });
      }
      await new Promise((r) => setTimeout(r, 3));
    }
    const elapsed = performance.now() - start;
    await new Promise((r) => setTimeout(r, 0));
    const duringStream = renders;
    h.setStreaming(false);
    const finalText = host!.textContent;
    return { duringStream, elapsed, tokens: tokens.length, full: tokens.join('').replace(/\s+/g, ''), finalText: finalText?.replace(/\s+/g, '') };
  });
  // At most one render per 100 ms (plus the first and last), far fewer than one per token.
  expect(result.duringStream).toBeGreaterThan(1);
  expect(result.duringStream).toBeLessThanOrEqual(Math.ceil(result.elapsed / 100) + 2);
  expect(result.duringStream).toBeLessThan(result.tokens / 5);
  // Ending the stream renders the whole text at once.
  expect(result.finalText).toBe(result.full);
});
