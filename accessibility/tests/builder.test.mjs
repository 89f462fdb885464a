// The survey builder in a real browser, as a forum volunteer would use it, with JavaScript on
// and off: start a survey, add questions with the form, get routing wrong and read why beside
// the field, reorder with the buttons (using only the keyboard), and check the respondent
// preview shows the new question. Nothing here types TOML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startHeard } from './lib.mjs';

for (const javaScriptEnabled of [false, true]) {
  test(`a survey is built in the browser, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    heard.addUser('analyst@torbay.example', 'analyst', 'torbay', 'a long enough password');
    const browser = await launch();
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await page.goto(`${heard.base}/staff/sign-in`);
      await page.getByLabel('Email address').fill('analyst@torbay.example');
      await page.getByLabel('Password').fill('a long enough password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));

      // Start a survey from the staff home.
      await page.getByRole('link', { name: 'Start a survey' }).click();
      await page.getByLabel('Title of the survey').fill(`Short breaks ${javaScriptEnabled ? 'on' : 'off'}`);
      await page.getByLabel('Label of this first wave').fill('2026');
      await page.getByRole('button', { name: 'Start the survey' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.locator('.saved-notice').innerText(), /Your survey has started/);
      const wave = new URL(page.url()).pathname.split('/')[3];

      // A yes/no list question for both groups.
      await page.getByLabel('Add a question').selectOption('single-choice');
      await page.getByRole('button', { name: 'Add a question' }).click();
      await page.locator('#title-young-people').fill('Did you get a short break this year?');
      await page.locator('#title-parents-carers').fill('Did your child get a short break this year?');
      for (const [i, word, polarity] of [[0, 'Yes', 'positive'], [1, 'No', 'negative']]) {
        await page.locator(`#opt-${i}-label-young-people`).fill(word);
        await page.locator(`#opt-${i}-label-parents-carers`).fill(word);
        await page.locator(`#opt-${i}-polarity`).selectOption(polarity);
      }
      await page.locator('#key').fill('had-break');
      await page.getByRole('button', { name: 'Save question' }).click();
      await page.waitForLoadState('load');
      assert.equal(await page.locator('#q-had-break').count(), 1);

      // A written question routed on it, first with no words: the reason is beside the field.
      await page.getByLabel('Add a question').selectOption('long-text');
      await page.getByRole('button', { name: 'Add a question' }).click();
      await page.locator('#key').fill('why-not');
      await page.locator('#ask').uncheck();
      await page.locator('#show_if').check();
      await page.getByRole('button', { name: 'Save question' }).click();
      await page.waitForLoadState('load');
      assert.equal(await page.locator('.error-summary').count(), 1);
      assert.match(await page.locator('#title-parents-carers-error').innerText(), /Write the question/);
      assert.equal(await page.locator('#key').inputValue(), 'why-not', 'what was typed stays');
      assert.ok(await page.locator('#show_if').isChecked(), 'the routing stays ticked');
      await page.locator('#title-parents-carers').fill('Why not?');
      await page.getByRole('button', { name: 'Save question' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.locator('#q-why-not').innerText(), /Only when had-break is answered Yes/);

      // A third question, then reorder with the keyboard only: focus "Move up" and press Enter.
      await page.getByLabel('Add a question').selectOption('yes-sometimes-no');
      await page.getByRole('button', { name: 'Add a question' }).click();
      await page.locator('#key').fill('enough');
      await page.locator('#title-young-people').fill('Are the breaks long enough?');
      await page.locator('#title-parents-carers').fill('Are the breaks long enough?');
      await page.getByRole('button', { name: 'Save question' }).click();
      await page.waitForLoadState('load');
      const order = async () => page.locator('.build-question .tag').allInnerTexts();
      assert.deepEqual(await order(), ['had-break', 'why-not', 'enough']);
      await page.getByRole('button', { name: 'Move up question 3, enough' }).focus();
      await Promise.all([page.waitForURL((u) => u.search.includes('said=moved')), page.keyboard.press('Enter')]);
      assert.deepEqual(await order(), ['had-break', 'enough', 'why-not']);
      // Moving the routed question above its question is refused, with the reason.
      await Promise.all([
        page.waitForURL((u) => u.search.includes('said=moved')),
        page.getByRole('button', { name: 'Move up question 3, why-not' }).click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => u.pathname.endsWith('/why-not/move')),
        page.getByRole('button', { name: 'Move up question 2, why-not' }).click(),
      ]);
      assert.match(await page.locator('.error-summary').innerText(), /must stay after it/);
      assert.deepEqual(await order(), ['had-break', 'why-not', 'enough']);

      // The preview shows the new question as a respondent will see it.
      await page.goto(`${heard.base}/staff/waves/${wave}/preview/young-people/1`);
      assert.match(await page.locator('main').innerText(), /Did you get a short break this year\?/);
      await ctx.close();
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
