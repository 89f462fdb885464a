// The live tally's presenter view on a projector, in a real browser: it shows the join
// address, the code, the QR code and one question at a time, and no staff detail (no
// navigation, email address or sign-out), with JavaScript on and off; the code and QR code
// are in view without scrolling on a 1280 × 720 projector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { HEARD, launch, startHeard } from './lib.mjs';

const WAVE = 'torbay-participation-2025';

for (const javaScriptEnabled of [false, true]) {
  test(`the presenter view shows no staff detail, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    heard.addUser('facilitator@torbay.example', 'facilitator', 'torbay', 'a long enough password');
    const out = execFileSync(HEARD, ['panel', 'create', '--wave', WAVE, '--audience', 'young-people', '--title', 'Youth forum'], { env: heard.env }).toString();
    const code = out.match(/^Join code: (\S+)$/m)[1];
    const staffPage = out.match(/^Staff page: (\S+)$/m)?.[1] ?? '';
    const browser = await launch();
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 720 } });
      const page = await ctx.newPage();
      await page.goto(`${heard.base}/staff/sign-in`);
      await page.getByLabel('Email address').fill('facilitator@torbay.example');
      await page.getByLabel('Password').fill('a long enough password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));
      const id = staffPage.split('/staff/panels/')[1] || '';
      assert.ok(id, `no staff page in: ${out}`);
      await page.goto(`${heard.base}/staff/panels/${id}/tally`);
      await page.getByRole('link', { name: /Presenter view/ }).click();
      await page.waitForLoadState('load');
      const body = await page.locator('body').innerText();
      for (const detail of ['facilitator@torbay.example', 'Sign out', 'Surveys', 'Display settings', 'Skip to main content']) {
        assert.ok(!body.includes(detail), `the projector shows "${detail}"`);
      }
      assert.equal(await page.locator('nav.staff-nav, header, footer').count(), 0);
      assert.ok(body.includes(`${heard.base}/join`), 'the whole join address');
      const codeBox = await page.locator('.join-code').boundingBox();
      const qrBox = await page.locator('.qr-box').boundingBox();
      assert.ok(codeBox && codeBox.y + codeBox.height <= 720, `the code is below the fold: ${JSON.stringify(codeBox)}`);
      assert.ok(qrBox && qrBox.y + qrBox.height <= 720, `the QR code is below the fold: ${JSON.stringify(qrBox)}`);
      assert.equal((await page.locator('.join-code').innerText()).trim(), code);
      assert.equal(await page.locator('.present-q h2').count(), 1, 'one question at a time');
      const first = await page.locator('.present-q h2').innerText();
      await page.getByRole('button', { name: 'Next question' }).click();
      await page.waitForLoadState('load');
      assert.notEqual(await page.locator('.present-q h2').innerText(), first);
      assert.equal(await page.locator('.present-q h2').count(), 1);
      const notes = await page.locator('text=Numbers appear when').count();
      assert.ok(notes <= 1, `the note is repeated ${notes} times`);
      await ctx.close();
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
