// The paper versions print well, in a real browser's print engine (Chromium's PDF output on
// A4): a Print button (with scripts), at least two questions a page on average, five or more
// writing lines for each written answer, and no question keys among the questions (they are
// in small print at the end, for the office).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startHeard } from './lib.mjs';

const WAVE = 'torbay-participation-2025';

/** Pages in a PDF made by Chromium: the page tree's /Count. */
function pdfPages(buf) {
  const counts = (buf.toString('latin1').match(/\/Count (\d+)/g) || []).map((m) => Number(m.split(' ')[1]));
  return Math.max(0, ...counts);
}

test('the paper versions print on few pages, with room to write and keys out of sight', async () => {
  const heard = await startHeard(null);
  heard.addUser('admin@torbay.example', 'admin', 'torbay', 'a long enough password');
  const browser = await launch();
  try {
    const ctx = await browser.newContext({ viewport: { width: 794, height: 1123 } });
    const page = await ctx.newPage();
    await page.goto(`${heard.base}/staff/sign-in`);
    await page.getByLabel('Email address').fill('admin@torbay.example');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));
    const report = [];
    for (const audience of ['young-people', 'parents-carers']) {
      await page.goto(`${heard.base}/staff/waves/${WAVE}/paper/${audience}`);
      assert.ok(await page.getByRole('button', { name: 'Print this form' }).isVisible(), 'a Print button');
      const questions = await page.locator('.paper-q').count();
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      const pages = pdfPages(pdf);
      report.push(`${audience}: ${questions} questions on ${pages} pages`);
      assert.ok(pages > 0, 'a PDF with pages');
      assert.ok(questions / pages >= 2, `${audience}: ${questions} questions on ${pages} pages`);
      // Room to write: five or more lines for every written answer.
      for (const q of await page.locator('.paper-q:has(.paper-lines)').all()) {
        assert.ok(await q.locator('.paper-line').count() >= 5, 'five or more writing lines');
      }
      // Question keys are not among the questions: one small line at the end, for the office.
      assert.equal(await page.locator('.paper-q .paper-key').count(), 0, 'no key beside a question');
      const office = await page.locator('.paper-office').innerText();
      assert.ok(office.includes('listened-to'), office);
    }
    console.log(report.join('\n'));
    await ctx.close();
  } finally {
    await browser.close();
    await heard.stop();
  }
});
