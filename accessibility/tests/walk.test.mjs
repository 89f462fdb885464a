// A young person completes the open demo wave on a 360 px wide phone with JavaScript off,
// using only what a person would: clicking labels and buttons. Then the export shows every
// answer under its question key. Runs on each database in databases().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { databases, launch, startHeard, ROOT } from './lib.mjs';

const WAVE = 'torbay-participation-2025';

for (const db of databases()) {
  test(`young person completes ${WAVE} at 360px with JavaScript off (${db.name})`, async () => {
    const heard = await startHeard(db.url);
    const browser = await launch();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const noHorizontalScroll = async () => {
        const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]).catch(() => [0, 0]);
        assert.ok(scroll <= client + 1, `page scrolls sideways at 360px: ${scroll} > ${client} on ${page.url()}`);
      };
      await page.goto(`${heard.base}/s/${WAVE}`);
      await noHorizontalScroll();
      await page.getByRole('radio', { name: /^A young person/ }).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Start now' }).click();

      const answered = {};
      for (let i = 0; i < 30; i++) {
        const url = new URL(page.url());
        if (!url.pathname.includes('/q/')) break;
        const key = url.pathname.split('/q/')[1];
        await noHorizontalScroll();
        const progress = await page.locator('.progress').textContent();
        assert.match(progress, /^Question \d+ of \d+$/);
        const radios = page.locator('input[type=radio][name=answer]');
        const boxes = page.locator('input[type=checkbox][name=answer]');
        if (await radios.count() > 0) {
          const first = radios.first();
          const id = await first.getAttribute('id');
          const value = await first.getAttribute('value');
          // Click the words (the label), as a person would: the whole row is the target.
          const box = await page.locator(`label[for="${id}"]`).boundingBox();
          assert.ok(box.height >= 44 && box.width >= 44, `answer target at least 44px: ${box.width}x${box.height}`);
          await page.locator(`label[for="${id}"]`).click();
          answered[key] = value;
        } else if (await boxes.count() > 0) {
          await page.locator(`label[for="${await boxes.nth(0).getAttribute('id')}"]`).click();
          await page.locator(`label[for="${await boxes.nth(1).getAttribute('id')}"]`).click();
          answered[key] = [await boxes.nth(0).getAttribute('value'), await boxes.nth(1).getAttribute('value')];
        } else if (await page.locator('textarea').count() > 0) {
          await page.locator('textarea').fill('Quiet spaces and people who explain things. 🙂');
          answered[key] = 'Quiet spaces and people who explain things. 🙂';
        } else {
          const input = page.locator('input[name=answer]');
          const numeric = ['numeric', 'decimal'].includes(await input.getAttribute('inputmode'));
          const v = numeric ? '15' : 'Kind teachers';
          await input.fill(v);
          answered[key] = numeric ? 15 : v;
        }
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForLoadState('load');
      }
      assert.match(page.url(), /\/consent$/);
      await page.getByLabel('Yes, you can share my words').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      assert.match(page.url(), /\/check$/);
      await noHorizontalScroll();
      assert.equal(await page.locator('h1').textContent(), 'Check your answers');
      await page.getByRole('button', { name: 'Send' }).click();
      assert.match(page.url(), /\/done$/);
      const receipt = (await page.locator('.receipt').textContent()).trim();
      assert.match(receipt, /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
      mkdirSync(join(ROOT, 'target', 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'target', 'screenshots', `done-360-${db.name}.png`), fullPage: true });

      const records = heard.exportJson(WAVE);
      assert.equal(records.length, 1);
      assert.equal(records[0].audience, 'young-people');
      assert.equal(records[0].consent_to_quote, true);
      assert.deepEqual(records[0].answers, answered);
      assert.ok(Object.keys(answered).length >= 13, `answered ${Object.keys(answered).length} questions`);
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
