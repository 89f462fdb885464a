// Continue above the fold (issue 16, point 1): on a 360 x 740 phone at the default text size,
// every single-choice question of up to five answers shows its Continue button without
// scrolling, in each audience, with JavaScript on and off. Every question page's height and
// where its Continue ends are printed, for the record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startHeard } from './lib.mjs';

const WAVE = 'torbay-participation-2025';
const VIEWPORT = { width: 360, height: 740 };

/** Where Continue ends (from the top of the page), the page's height, and what kind of question it is. */
async function measure(page) {
  return page.evaluate(() => {
    const button = document.querySelector('button[name=action][value=continue]');
    const r = button.getBoundingClientRect();
    const radios = document.querySelectorAll('input[type=radio][name=answer]').length;
    return {
      continueEnds: Math.round(r.bottom + window.scrollY),
      height: document.documentElement.scrollHeight,
      singleChoice: radios > 0 ? radios : 0,
    };
  });
}

test('Continue is visible without scrolling on short single-choice questions at 360 x 740', async () => {
  const heard = await startHeard(null);
  const browser = await launch();
  const failures = [];
  const rows = [];
  try {
    for (const javaScriptEnabled of [false, true]) {
      for (const audience of ['young-people', 'parents-carers']) {
        const ctx = await browser.newContext({ viewport: VIEWPORT, javaScriptEnabled, isMobile: true, hasTouch: true });
        const page = await ctx.newPage();
        await page.goto(`${heard.base}/s/${WAVE}/${audience}`);
        await page.locator('form[action$="/start"] button[type=submit]').click();
        await page.waitForLoadState('load');
        for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
          const key = page.url().split('/q/')[1];
          const m = await measure(page);
          rows.push(`${javaScriptEnabled ? 'JS on ' : 'JS off'} ${audience.padEnd(14)} ${key.padEnd(22)} continue ends ${String(m.continueEnds).padStart(4)} px, page ${m.height} px`);
          if (m.singleChoice > 0 && m.singleChoice <= 5 && m.continueEnds > VIEWPORT.height) {
            failures.push(`${audience} ${key} (JavaScript ${javaScriptEnabled ? 'on' : 'off'}): Continue ends at ${m.continueEnds} px, below ${VIEWPORT.height}`);
          }
          const text = page.locator('textarea, input[type=text][name=answer]');
          if (await text.count() > 0) {
            await text.fill((await text.getAttribute('inputmode')) !== null ? '12' : 'Fine');
          } else {
            await page.locator(`label[for="${await page.locator('input[name=answer]').first().getAttribute('id')}"]`).click();
          }
          await page.locator('button[name=action][value=continue]').click();
          await page.waitForLoadState('load');
        }
        await ctx.close();
      }
    }
    console.log(rows.join('\n'));
    assert.ok(rows.length >= 20, `measured ${rows.length} question pages`);
    assert.deepEqual(failures, []);
  } finally {
    await browser.close();
    await heard.stop();
  }
});
