// A document longer than the loaded context on a hybrid (the Granite-H fixture with a chat
// template; one attention layer of four): the app takes it in one pass, loading the model again
// with a longer context, when the engine's plan fits; when it does not (here: a model trained on
// fewer tokens than the document), it summarizes by map-reduce, several parts at once. Either way
// the screen says which and why. The model is random-weight noise: plumbing, never wording.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { MODEL_SERVER_PORT } from './support/ports.ts';
import { RangeServer } from './support/range-server.ts';
import { CHATML, MODEL_FILE, chatModel, installModel, seedSettings } from './app-support.ts';

const server = new RangeServer();

test.beforeAll(async () => { await server.start(MODEL_SERVER_PORT); });
test.afterAll(async () => { await server.stop(); });

/** 14 paragraphs of 89 tokens each: about 1,250 tokens, past the 768-token context the settings load. */
const DOCUMENT = Array.from({ length: 14 }, (_, i) => `Paragraph ${i + 1}. The committee reviewed item ${i + 1} of the plan, heard the finance lead, and asked for a revised estimate before the next meeting in spring.`).join('\n\n');

/** A fresh browser profile with the hybrid, trained on `trained` tokens, installed and loaded at the settings' 768 tokens. */
async function hybridPage(browser: Browser, trained: number): Promise<Page> {
  const context = await browser.newContext();
  await seedSettings(context);
  const page = await context.newPage();
  const url = server.put(`/models/${MODEL_FILE}`, await chatModel(CHATML, { fixture: 'granitehybrid-Q8_0', contextLength: trained }));
  await page.goto('/#/summarize');
  await installModel(page, url);
  await page.evaluate(() => { location.hash = '#/summarize'; });
  await expect(page.getByTestId('loaded-model')).toContainText('granitehybrid · context 768 tokens');
  await page.getByLabel('Document text').fill(DOCUMENT);
  await page.getByLabel('Length').selectOption('short');
  return page;
}

test('a hybrid takes the whole document in one pass when its plan fits, loaded again with a longer context', async ({ browser }) => {
  const page = await hybridPage(browser, 8192);
  await expect(page.getByTestId('doc-plan')).toContainText(
    /Will summarize in one pass: granitehybrid keeps a KV cache in only 1 of its 4 layers, so the whole document \([\d,]+ tokens with the instructions and the answer\) fits in one pass at a 2,048-token context/,
    { timeout: 30_000 });
  let sawParts = false;
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByTestId('summary-plan')).toContainText('Summarizing in one pass', { timeout: 30_000 });
  const done = page.getByRole('button', { name: 'Summarize' });
  await expect(async () => {
    if (await page.getByTestId('part-progress').count() > 0) sawParts = true;
    await expect(done).toBeEnabled({ timeout: 50 });
  }).toPass({ timeout: 120_000, intervals: [50] });
  expect(sawParts).toBe(false);
  await expect(page.getByTestId('loaded-model')).toContainText('context 2,048 tokens');
  await expect(page.getByTestId('timings')).toContainText(/First token \d+ ms/);
  await expect(page.getByTestId('summary-output')).not.toBeEmpty();
  await expect(page.getByTestId('summary-error')).toHaveCount(0);
  await page.context().close();
});

test('a hybrid whose plan does not fit summarizes in parts, several at once, and says why', async ({ browser }) => {
  const page = await hybridPage(browser, 1024);
  await expect(page.getByTestId('doc-plan')).toContainText(
    /Will summarize in parts: granitehybrid was trained on 1,024 tokens, fewer than the [\d,]+ that one pass needs \(the document, the instructions and the answer\): summarized in parts, up to 8 at a time/,
    { timeout: 30_000 });
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByTestId('summary-plan')).toContainText('Summarizing in parts');
  await expect(page.getByTestId('summary-progress')).toHaveText(/^Summarizing \d+ parts, \d+ at a time: \d+ of \d+ done$/, { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Summarize' })).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('loaded-model')).toContainText('context 768 tokens');
  await expect(page.getByTestId('summary-output')).not.toBeEmpty();
  await expect(page.getByTestId('summary-error')).toHaveCount(0);
  await page.context().close();
});
