// The survey builder in a real browser, as a forum volunteer would use it, with JavaScript on
// and off: start a survey, add questions with the form, get routing wrong and read why beside
// the field, reorder with the buttons (using only the keyboard), and check the respondent
// preview shows the new question. Nothing here types TOML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, startHeard } from './lib.mjs';

for (const javaScriptEnabled of [false, true]) {
  test(`a survey is built in the browser, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    heard.addUser('analyst@torbay.example', 'analyst', 'torbay', 'a long enough password');
    const browser = await launch();
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await signIn(page, heard.base, 'analyst@torbay.example', 'a long enough password');

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

for (const javaScriptEnabled of [false, true]) {
  test(`the bank warning and a co-design review, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    heard.addUser('analyst@torbay.example', 'analyst', 'torbay', 'a long enough password');
    const browser = await launch();
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await signIn(page, heard.base, 'analyst@torbay.example', 'a long enough password');
      await page.goto(`${heard.base}/staff/surveys/new`);
      await page.getByLabel('Title of the survey').fill(`Review ${javaScriptEnabled ? 'on' : 'off'}`);
      await page.getByLabel('Label of this first wave').fill('2026');
      await page.locator('#audience-parents-carers').uncheck();
      await Promise.all([page.waitForURL(/said=created/), page.getByRole('button', { name: 'Start the survey' }).click()]);
      const build = page.url().split('?')[0];

      // From the bank, then an edit that changes what it measures: warned, then a new key.
      await page.getByLabel('Add from the question bank').selectOption('has-plan');
      await Promise.all([page.waitForURL(/said=banked/), page.getByRole('button', { name: 'Add from the bank' }).click()]);
      await page.goto(`${build}/has-plan`);
      await page.locator('#opt-0-polarity').selectOption('negative');
      await page.getByRole('button', { name: 'Save question' }).click();
      await page.locator('#bank-warning').waitFor();
      assert.match(await page.locator('#bank-warning').innerText(), /counts as negative instead of/);
      await Promise.all([page.waitForURL(/said=saved/), page.getByRole('button', { name: /Make it a new question/ }).click()]);
      await page.goto(build);
      assert.deepEqual(await page.locator('.build-question .tag').allInnerTexts(), ['has-plan-2026']);

      // A review: the group answers on the shared tablet; staff see it beside the question.
      await page.goto(`${build.replace(/\/build$/, '')}/review`);
      await Promise.all([page.waitForURL(/\/review$/), page.getByRole('button', { name: 'Start a review' }).click()]);
      const code = (await page.locator('.join-code').first().innerText()).trim();
      const tablet = await ctx.newPage();
      await tablet.goto(`${heard.base}/review`);
      await tablet.getByLabel('Help check a survey').fill(code);
      await Promise.all([tablet.waitForURL(/\/review\/[A-Z0-9]{6}$/), tablet.getByRole('button', { name: 'Start' }).click()]);
      await Promise.all([tablet.waitForURL(/\/1$/), tablet.getByRole('link', { name: 'Start' }).click()]);
      await tablet.getByLabel('No', { exact: true }).check();
      await tablet.getByLabel('Better words (you do not have to)').fill('Does your child have a plan?');
      await Promise.all([tablet.waitForURL(/\/done$/), tablet.getByRole('button', { name: 'Next' }).click()]);
      assert.match(await tablet.locator('h1').innerText(), /Thank you/);
      await page.goto(`${build}/has-plan-2026`);
      assert.match(await page.locator('.review-feedback').innerText(), /no 1/);
      await Promise.all([page.waitForURL(/said=suggestion/), page.getByRole('button', { name: /Use these words/ }).click()]);
      assert.equal(await page.locator('#title-young-people').inputValue(), 'Does your child have a plan?');
      await ctx.close();
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
