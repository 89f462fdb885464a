// Coding without losing work, in a real browser: with JavaScript on, ticking a theme saves by
// itself and says so; with it off, Save and next keeps every tick. Either way the ticks are
// there when the page is opened again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, startHeard } from './lib.mjs';

const WAVE = 'torbay-participation-2024';

for (const javaScriptEnabled of [true, false]) {
  test(`ticks on the coding screen are never lost, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    heard.addUser('analyst@torbay.example', 'analyst', 'torbay', 'a long enough password');
    const browser = await launch();
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await signIn(page, heard.base, 'analyst@torbay.example', 'a long enough password');
      const url = `${heard.base}/staff/waves/${WAVE}/coding?per=5`;
      await page.goto(url);
      // The first theme box of the first answer that has none ticked.
      const box = page.locator('fieldset.answer').first().locator('.theme-boxes input[type=checkbox]:not(:checked)').first();
      const value = await box.getAttribute('value');
      await box.check();
      if (javaScriptEnabled) {
        await page.locator('#autosave').filter({ hasText: /Saved at \d\d:\d\d/ }).waitFor({ timeout: 10000 });
        await page.goto(url);
      } else {
        assert.equal((await page.locator('#autosave').innerText()).trim(), '', 'no script, no claim');
        await Promise.all([page.waitForURL(/saved=/), page.getByRole('button', { name: 'Save and next' }).click()]);
        await page.goto(url);
      }
      assert.ok(await page.locator(`input[name=code][value="${value}"]`).isChecked(), `${value} was kept`);
      await ctx.close();
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
