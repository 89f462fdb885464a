// A shared tablet in kiosk mode, in a real browser: five young people answer in a row, and
// after each one the browser's Back button and history never show that person's words or
// answers to the next. The facilitator's PIN is needed to leave kiosk mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { HEARD, launch, startHeard } from './lib.mjs';

const WAVE = 'torbay-participation-2025';

for (const javaScriptEnabled of [false, true]) {
  test(`a kiosk serves five people in a row, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    const out = execFileSync(HEARD, ['panel', 'create', '--wave', WAVE, '--audience', 'young-people', '--kiosk', '--pin', '2468'], { env: heard.env }).toString();
    const code = out.match(/^Join code: (\S+)$/m)[1];
    const browser = await launch();
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 800, height: 1000 } });
      const page = await ctx.newPage();
      const go = async (sel) => { await page.locator(sel).first().click(); await page.waitForLoadState('load'); };
      await page.goto(`${heard.base}/join`);
      await page.locator('#join-code').fill(code);
      await page.locator('form[action="/join"] details summary').click();
      await page.locator('#join-pin').fill('2468');
      await go('form[action="/join"] button[type=submit]');
      assert.match(page.url(), /\/young-people$/);

      const served = new Set();
      for (let person = 1; person <= 5; person++) {
        const secret = `Person ${person} wants a quiet room ${'x'.repeat(person)}`;
        await go('form[action$="/start"] button[type=submit]');
        assert.equal(await page.locator('button[value=save]').count(), 0, 'no save on a shared tablet');
        for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
          const text = page.locator('textarea, input[type=text][name=answer]');
          if (await text.count() > 0) {
            await text.fill((await text.getAttribute('inputmode')) !== null ? '13' : secret);
          } else {
            await page.locator(`label[for="${await page.locator('input[name=answer]').first().getAttribute('id')}"]`).click();
          }
          await go('button[name=action][value=continue]');
        }
        await page.locator('label[for="answer-0"]').click();
        await go('button[value=continue]');
        assert.ok((await page.content()).includes(secret), 'the person sees their own answers on the check page');
        await go('form[action$="/send"] button[type=submit]');
        // A shared tablet shows no receipt code: anyone who saw the screen could use it.
        assert.match(page.url(), /\/done$/);
        assert.equal(await page.locator('.receipt').count(), 0, 'no receipt code on a shared tablet');
        served.add(person);
        // Back, and back again: never the last person's words.
        for (let b = 0; b < 4; b++) {
          await page.goBack();
          await page.waitForLoadState('load');
          const html = await page.content();
          assert.ok(!html.includes(secret), `Back ${b + 1} after person ${person} shows their words at ${page.url()}`);
          assert.ok(!html.includes('class="receipt"') || page.url().endsWith('/done'), `no receipt left behind at ${page.url()}`);
        }
        await page.goto(`${heard.base}/s/${WAVE}/next`);
        assert.match(page.url(), /\/young-people$/);
      }
      assert.equal(served.size, 5, "five people served in a row");
      const records = heard.exportJson(WAVE);
      assert.equal(records.filter((r) => r.channel === 'kiosk').length, 5, 'a shared tablet is its own channel');

      // Leaving needs the PIN.
      await page.goto(`${heard.base}/`);
      assert.match(page.url(), /\/young-people$/, 'held to its survey');
      await page.goto(`${heard.base}/kiosk/leave`);
      await page.locator('#pin').fill('0000');
      await go('form[action="/kiosk/leave"] button[type=submit]');
      assert.ok((await page.content()).includes('That PIN is not right'));
      await page.locator('#pin').fill('2468');
      await go('form[action="/kiosk/leave"] button[type=submit]');
      await page.goto(`${heard.base}/`);
      assert.equal(new URL(page.url()).pathname, '/');
      await ctx.close();
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
