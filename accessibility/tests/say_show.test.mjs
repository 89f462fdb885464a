// A grid and "say it or show it" end to end in a real browser, JavaScript on and off: built
// in the builder, answered by a parent (the grid's statements on one page, one fieldset each;
// a voice answer as a generated WAV through the file input), the recording heard and
// transcribed by staff. The pages on the way are audited with axe (zero WCAG 2.2 A/AA
// violations), error states included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, signIn, startHeard } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** A mono 8-bit WAV: `seconds` of a tone at `rate` samples a second. */
function wav(seconds, rate) {
  const n = seconds * rate;
  const b = Buffer.alloc(44 + n);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate, 28); b.writeUInt16LE(1, 32); b.writeUInt16LE(8, 34);
  b.write('data', 36); b.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) b[44 + i] = Math.floor(i / 4) % 2 ? 160 : 96;
  return b;
}

let auditor = null;

/** Audits what `page` shows now, in a page with scripts on (the page itself may have them off). */
async function axe(page, what) {
  const html = (await page.content()).replace(/<script\b[^>]*><\/script>/g, '');
  const base = new URL(page.url()).origin;
  await auditor.setContent(html.replace('<head>', `<head><base href="${base}/">`), { waitUntil: 'load' });
  await auditor.evaluate(AXE);
  const result = await auditor.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
  const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(found, [], `${what}: no violations`);
}

const click = (page, button, url) => Promise.all([page.waitForURL(url), button.click()]);

for (const javaScriptEnabled of [false, true]) {
  test(`a grid and a voice answer, built, answered and transcribed, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    heard.addUser('analyst@torbay.example', 'analyst', 'torbay', 'a long enough password');
    heard.addUser('admin@torbay.example', 'admin', 'torbay', 'a long enough password');
    const browser = await launch();
    auditor = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await signIn(page, heard.base, 'admin@torbay.example', 'a long enough password');
      await page.goto(`${heard.base}/staff/surveys/new`);
      await page.getByLabel('Title of the survey').fill(`Places ${javaScriptEnabled ? 'on' : 'off'}`);
      await page.getByLabel('Label of this first wave').fill('2026');
      await click(page, page.getByRole('button', { name: 'Start the survey' }), /said=created/);
      const build = page.url().split('?')[0];

      // A grid: the agree scale is there already; two statements for both groups.
      await page.getByLabel('Add a question').selectOption('grid');
      await click(page, page.getByRole('button', { name: 'Add a question' }), /type=grid/);
      assert.equal(await page.locator('#opt-1-label-young-people').inputValue(), 'Agree');
      await page.locator('#title-young-people').fill('Is this true for you?');
      await page.locator('#title-parents-carers').fill('How much do you agree?');
      await page.locator('#key').fill('school-agree');
      await page.locator('#required').check();
      await page.locator('#st-0-text-young-people').fill('I feel safe at school.');
      await page.locator('#st-0-text-parents-carers').fill('My child feels safe at school.');
      await page.locator('#st-0-key').fill('school-safe');
      await page.locator('#st-1-text-young-people').fill('Adults listen to me.');
      await page.locator('#st-1-key').fill('school-heard');
      await page.getByRole('button', { name: 'Save question' }).click();
      await page.locator('.error-summary').waitFor();
      assert.match(await page.locator('#st-1-text-parents-carers-error').innerText(), /Write this statement/);
      assert.equal(await page.locator('#st-1-text-young-people').inputValue(), 'Adults listen to me.', 'typed words stay');
      await page.locator('#st-1-text-parents-carers').fill('Adults listen to my child.');
      await click(page, page.getByRole('button', { name: 'Save question' }), /said=saved/);
      await page.goto(build);
      assert.deepEqual(await page.locator('#q-school-agree .build-statements li').allInnerTexts(), [
        'I feel safe at school. (school-safe)', 'Adults listen to me. (school-heard)',
      ]);

      // Say it or show it.
      await page.getByLabel('Add a question').selectOption('say-or-show');
      await click(page, page.getByRole('button', { name: 'Add a question' }), /type=say-or-show/);
      if (javaScriptEnabled) {
        // Advice as you type: beside the field, a moment after typing stops.
        await page.locator('#title-young-people').fill('Were 75% of the outcomes in your EHCP met?');
        await page.locator('#title-young-people ~ .advice-live .advice-must').first().waitFor();
        assert.match(await page.locator('#title-young-people ~ .advice-live').innerText(), /must fix/);
      }
      await page.locator('#title-young-people').fill('Where do you like to be?');
      await page.locator('#title-parents-carers').fill('Where does your child like to be?');
      await page.locator('#key').fill('favourite-place');
      await click(page, page.getByRole('button', { name: 'Save question' }), /said=saved/);

      if (javaScriptEnabled) {
        // Dragging is an enhancement of Move up / Move down: the new question to the top.
        await page.goto(build);
        await Promise.all([page.waitForURL(/said=moved/), page.locator('#q-favourite-place').dragTo(page.locator('#q-school-agree'))]);
        assert.deepEqual(await page.locator('.build-question > .build-meta .tag').allInnerTexts(), ['favourite-place', 'school-agree']);
        await page.getByRole('button', { name: 'Move up question 2, school-agree' }).click();
        await page.waitForURL(/said=moved/);
      }

      // Open it.
      await page.goto(build.replace(/\/build$/, ''));
      await page.locator('#status-open').check();
      await page.locator('form[action$="/status"] button[type=submit]').click();
      await page.waitForLoadState('load');
      const wave = build.split('/')[5];
      assert.match(await page.locator('main').innerText(), /Status: open/, 'the wave is open');

      // A parent answers: the grid on one page, one fieldset per statement.
      const rctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 320, height: 740 } });
      const r = await rctx.newPage();
      await r.goto(`${heard.base}/s/${wave}/parents-carers`);
      await click(r, r.locator('form[action$="/start"] button[type=submit]'), /\/q\/school-safe/);
      assert.equal(await r.locator('fieldset.grid-row').count(), 2);
      const sideways = async () => javaScriptEnabled
        ? r.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1)
        : false;
      assert.equal(await sideways(), false, 'the grid page reflows at 320 px');
      assert.equal(await r.locator('table').count(), 0);
      await r.getByRole('group', { name: 'My child feels safe at school.' }).getByLabel('Disagree', { exact: true }).check();
      await r.locator('button[name=action][value=continue]').click();
      await r.locator('.error-summary').waitFor();
      await axe(r, 'a grid page with an error');
      assert.ok(await r.getByRole('group', { name: 'My child feels safe at school.' }).getByLabel('Disagree', { exact: true }).isChecked(), 'the answer given stays');
      // Keyboard only: the error summary's link takes focus to the statement left out.
      await r.locator('.error-summary a').first().click();
      await r.keyboard.press('Space');
      assert.ok(await r.locator('#answer-school-heard-0').isChecked(), 'chosen with the keyboard');
      await click(r, r.locator('button[name=action][value=continue]'), /\/q\/favourite-place/);

      // The voice answer: a file input phones open as the recorder; with scripts, a recorder too.
      assert.equal(await sideways(), false, 'the say-it-or-show-it page reflows at 320 px');
      assert.equal(await r.locator('#recording').getAttribute('accept'), 'audio/*');
      assert.equal(await r.locator('#recording').getAttribute('capture'), 'user');
      assert.equal(await r.getByRole('button', { name: 'Start recording' }).count(), javaScriptEnabled ? 1 : 0);
      await axe(r, 'a say-it-or-show-it page');
      await r.locator('#recording').setInputFiles({ name: 'not-sound.wav', mimeType: 'audio/wav', buffer: Buffer.from('<html>no</html>') });
      await r.locator('button[name=action][value=continue]').click();
      await r.locator('#file-error').waitFor();
      assert.match(await r.locator('#file-error').innerText(), /not a recording/);
      await axe(r, 'a say-it-or-show-it page with a file error');
      await r.locator('#recording').setInputFiles({ name: 'voice.wav', mimeType: 'audio/wav', buffer: wav(2, 8000) });
      await click(r, r.locator('button[name=action][value=continue]'), /\/consent$/);
      await r.locator('label[for="answer-0"]').click();
      await click(r, r.locator('button[value=continue]'), /\/check$/);
      assert.match(await r.locator('main').innerText(), /A recording/);
      await click(r, r.locator('form[action$="/send"] button[type=submit]'), /\/done$/);
      await rctx.close();

      // Staff listen and type what it says.
      await page.goto(`${build.replace(/\/build$/, '')}/transcripts`);
      const src = await page.locator('audio').getAttribute('src');
      const played = await page.request.get(new URL(src, heard.base).href);
      assert.equal(played.status(), 200);
      assert.equal(played.headers()['content-type'], 'audio/wav');
      assert.equal((await played.body()).length, 44 + 16000, 'the recording as sent');
      await axe(page, 'recordings and pictures, one waiting');
      await page.getByLabel('What the recording says').fill('We like the park near school.');
      await click(page, page.getByRole('button', { name: /Save the transcript/ }), /said=saved/);
      assert.match(await page.locator('.saved-notice').innerText(), /Saved/);
      await page.goto(`${build.replace(/\/build$/, '')}/coding`);
      assert.match(await page.locator('main').innerText(), /We like the park near school\./, 'the transcript is coded like written words');
      await ctx.close();
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
