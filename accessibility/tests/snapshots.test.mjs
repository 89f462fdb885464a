// What a screen reader hears: the accessibility tree (role and name of every element) of the
// key respondent pages, compared with the snapshots in accessibility/snapshots/. A change that
// alters what assistive technology announces fails here until the snapshot is reviewed and
// updated on purpose: run with UPDATE_SNAPSHOTS=1 and read the diff before committing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, ROOT, startHeard } from './lib.mjs';

const WAVE = 'torbay-participation-2025';
const DIR = join(ROOT, 'accessibility', 'snapshots');
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';

/** The page's accessibility tree with what changes from run to run masked. */
async function tree(page) {
  const yaml = await page.locator('body').ariaSnapshot();
  return yaml
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'BASE')
    .replace(/\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b/g, 'CODE-CODE-CODE')
    .replace(/\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b/g, 'CODE-CODE')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID') + '\n';
}

test('the accessibility tree of key pages matches its snapshot', async () => {
  const heard = await startHeard(null);
  const browser = await launch();
  const differ = [];
  const seen = [];
  try {
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    const page = await ctx.newPage();
    const check = async (name) => {
      await page.waitForLoadState('load');
      seen.push(name);
      const actual = await tree(page);
      const file = join(DIR, `${name}.yml`);
      if (UPDATE) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, actual);
        return;
      }
      assert.ok(existsSync(file), `no snapshot ${file}: run with UPDATE_SNAPSHOTS=1 and review it`);
      const expected = readFileSync(file, 'utf8');
      if (expected !== actual) differ.push(`${name}:\n--- expected\n${expected}\n+++ actual\n${actual}`);
    };
    const go = async (sel) => { await page.locator(sel).first().click(); await page.waitForLoadState('load'); };
    await page.goto(`${heard.base}/s/${WAVE}`); await check('audience-choice');
    await go('form[action$="/who"] button'); await check('audience-choice-error');
    await page.goto(`${heard.base}/s/${WAVE}/young-people`); await check('young-people-start');
    await go('form[action$="/start"] button'); await check('question-yes-sometimes-no');
    for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
      const key = page.url().split('/q/')[1];
      if (key === 'has-plan') await check('question-single-choice');
      if (key === 'feel-about-school') {
        await check('question-face-scale');
        await page.locator('label[for="answer-0"]').click();
        await go('button[name=action][value=save]'); await check('saved');
        // "Carry on now" leads to the next question.
        await go('main a[href*="/q/"]');
        continue;
      }
      if (key === 'help-from') await check('question-multiple-choice');
      const text = page.locator('textarea, input[type=text][name=answer]');
      if (await text.count() > 0) {
        const numeric = (await text.getAttribute('inputmode')) !== null;
        if (key === 'age') {
          await check('question-number');
          await text.fill('999');
          await go('button[name=action][value=continue]');
          await check('question-number-error');
        }
        if (key === 'what-to-change') await check('question-long-text');
        await page.locator('textarea, input[type=text][name=answer]').fill(numeric ? '12' : 'Fine');
      } else {
        await page.locator(`label[for="${await page.locator('input[name=answer]').first().getAttribute('id')}"]`).click();
      }
      await go('button[name=action][value=continue]');
    }
    await check('consent');
    await page.locator('label[for="answer-0"]').click();
    await go('button[value=continue]'); await check('check-answers');
    await go('form[action$="/send"] button'); await check('confirmation');
    await page.goto(`${heard.base}/s/${WAVE}/resume`); await check('resume');
    await page.goto(`${heard.base}/settings?back=/s/${WAVE}`); await check('display-settings');
    await page.goto(`${heard.base}/language?to=ar&back=/s/${WAVE}/young-people`); await check('young-people-start-arabic');
    await page.goto(`${heard.base}/language?to=pl&back=/s/${WAVE}/young-people`);
    await go('form[action$="/start"] button'); await check('question-polish');
    await ctx.close();
    assert.ok(seen.length >= 18, `snapshotted ${seen.length} pages`);
    console.log(`${seen.length} accessibility trees ${UPDATE ? 'written' : 'compared'}`);
    assert.deepEqual(differ, []);
  } finally {
    await browser.close();
    await heard.stop();
  }
});
