// A keyboard-only walk: a young person completes the survey with Tab, Shift+Tab, Space,
// Enter and the arrow keys in radio groups, never touching a mouse. After every key press
// focus must be on something (never lost to the page) and visibly marked. Runs with
// JavaScript on (the Listen button is then one more stop) and off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startHeard } from './lib.mjs';

const WAVE = 'torbay-participation-2025';

/** What has focus, and whether it is visibly marked (outline or box shadow on it or its label). */
async function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { lost: true };
    const marked = (e) => {
      if (!e) return false;
      const s = getComputedStyle(e);
      return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    };
    return {
      lost: false,
      visible: marked(el) || marked(el.closest('label')),
      what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.getAttribute('value') ? '[' + el.getAttribute('value') + ']' : ''} "${(el.textContent || '').trim().slice(0, 30)}"`,
    };
  });
}

for (const javaScriptEnabled of [false, true]) {
  test(`keyboard-only walk with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const heard = await startHeard(null);
    const browser = await launch();
    const failures = [];
    let presses = 0;
    try {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      const press = async (key) => {
        await page.keyboard.press(key);
        presses++;
        const f = await focusState(page);
        if (f.lost) failures.push(`${page.url()}: focus lost after ${key}`);
        else if (!f.visible) failures.push(`${page.url()}: focus on ${f.what} is not visible after ${key}`);
        return f;
      };
      /** Tabs forward until `selector` has focus (at most 80 presses). */
      const tabTo = async (selector) => {
        for (let i = 0; i < 80; i++) {
          if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
          await press('Tab');
        }
        throw new Error(`could not reach ${selector} by keyboard on ${page.url()}`);
      };
      const enter = async (selector) => {
        await tabTo(selector);
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
        presses++;
      };

      await page.goto(`${heard.base}/s/${WAVE}/young-people`);
      // The skip link is the first stop, and takes focus to the main content.
      const first = await press('Tab');
      assert.match(first.what, /^a /, `first stop is the skip link: ${first.what}`);
      await enter('form[action$="/start"] button');

      const answered = {};
      for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
        const key = page.url().split('/q/')[1];
        const radios = await page.locator('input[type=radio][name=answer]').count();
        const boxes = await page.locator('input[type=checkbox][name=answer]').count();
        if (radios > 0) {
          await tabTo('input[type=radio][name=answer]');
          // Arrow keys move through the group and choose as they go.
          await press('ArrowDown');
          await press('ArrowDown');
          await press('ArrowUp');
          const chosen = await page.evaluate(() => document.activeElement.value);
          assert.equal(await page.locator('input[type=radio][name=answer]:checked').getAttribute('value'), chosen);
          answered[key] = chosen;
          // Shift+Tab leaves the group backwards; Tab comes back to the chosen answer.
          await press('Shift+Tab');
          await press('Tab');
          assert.equal(await page.evaluate(() => document.activeElement.value), chosen);
        } else if (boxes > 0) {
          await tabTo('input[type=checkbox][name=answer]');
          await press('Space');
          await press('Tab');
          await press('Space');
          answered[key] = await page.locator('input[type=checkbox][name=answer]:checked').evaluateAll((b) => b.map((x) => x.value));
          assert.equal(answered[key].length, 2);
        } else {
          await tabTo('[name=answer]');
          const numeric = (await page.evaluate(() => document.activeElement.getAttribute('inputmode'))) !== null;
          await page.keyboard.type(numeric ? '14' : 'Quiet places to work');
          answered[key] = numeric ? 14 : 'Quiet places to work';
        }
        await enter('button[name=action][value=continue]');
      }
      assert.match(page.url(), /\/consent$/);
      await tabTo('input[type=radio][name=answer]');
      await press('Space');
      await enter('button[value=continue]');
      assert.match(page.url(), /\/check$/);
      await enter('form[action$="/send"] button');
      assert.match(page.url(), /\/done$/);
      assert.match((await page.locator('.receipt').textContent()).trim(), /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);

      // An error takes focus to the summary, whose link takes focus to the answer.
      await page.goto(`${heard.base}/s/${WAVE}/resume`);
      await tabTo('#code');
      await page.keyboard.type('nope');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      await tabTo('.error-summary a');
      await press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'code');

      const records = heard.exportJson(WAVE);
      assert.equal(records.length, 1);
      assert.deepEqual(records[0].answers, answered);
      console.log(`${presses} key presses, ${Object.keys(answered).length} questions answered`);
      assert.deepEqual(failures, []);
      await ctx.close();
    } finally {
      await browser.close();
      await heard.stop();
    }
  });
}
