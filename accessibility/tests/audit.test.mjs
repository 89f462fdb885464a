// axe-core audit of every respondent and staff page type and state, for every audience in the demo,
// at 360x740 and 1280x800, reached with JavaScript on and with it off. Zero violations of
// the WCAG 2.0, 2.1 and 2.2 A and AA rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, startHeard } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WAVE = 'torbay-participation-2025';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const VIEWPORTS = [{ width: 360, height: 740 }, { width: 1280, height: 800 }];

/** Walks a survey as `audience` and returns [name, html] for every page state on the way. */
async function collect(page, base, audience) {
  const states = [];
  const snap = async (name) => { await page.waitForLoadState('load'); states.push([`${audience}: ${name}`, await page.content()]); };
  await page.goto(`${base}/s/${WAVE}`); await snap('start');
  await page.goto(`${base}/s/${WAVE}/who`); await snap('audience choice');
  await page.getByRole('button', { name: 'Continue' }).click(); await snap('audience choice, error');
  await page.goto(`${base}/s/${WAVE}/${audience}`); await snap('audience start');
  await page.getByRole('button', { name: 'Start now' }).click();
  await page.waitForLoadState('load');
  for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
    const key = page.url().split('/q/')[1];
    await snap(`question ${key}`);
    const text = page.locator('textarea, input[type=text][name=answer]');
    if (await text.count() > 0) {
      // An error state for each text and number question.
      const numeric = (await text.getAttribute('inputmode')) !== null;
      await text.fill(numeric ? '999' : 'x'.repeat(2100));
      await page.getByRole('button', { name: 'Continue' }).click();
      await snap(`question ${key}, error`);
      await page.waitForLoadState('load');
      await page.locator('textarea, input[type=text][name=answer]').fill(numeric ? '12' : 'Fine');
    } else {
      if (await page.locator('input[name=answer]').count() === 0) throw new Error('no answer inputs on ' + page.url() + '\n' + (await page.content()).slice(0, 1500));
      const first = page.locator('input[name=answer]').first();
      await page.locator(`label[for="${await first.getAttribute('id')}"]`).click();
    }
    if (key === 'feel-about-school') {
      await page.getByRole('button', { name: 'Save and come back later' }).click();
      await snap('saved, resume code');
      await page.getByRole('link', { name: 'Carry on now' }).click();
      await page.goto(`${base}/s/${WAVE}/q/feel-about-school`);
      await page.locator('label[for="answer-3"]').click();
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
  }
  await snap('consent');
  await page.getByRole('button', { name: 'Continue' }).click(); await snap('consent, error');
  await page.locator('label[for="answer-0"]').click();
  await page.getByRole('button', { name: 'Continue' }).click(); await snap('check answers');
  await page.getByRole('button', { name: 'Send' }).click(); await snap('confirmation');
  await page.goto(`${base}/s/${WAVE}/resume`); await snap('resume');
  await page.getByLabel('Carry on with your answers').fill('nope');
  await page.getByRole('button', { name: 'Carry on' }).click(); await snap('resume, error');
  await page.goto(`${base}/s/${WAVE}/delete`); await snap('delete');
  await page.getByLabel('Delete your answers').fill('2345-6789');
  await page.getByRole('button', { name: 'Delete my answers' }).click(); await snap('delete, not found');
  await page.goto(`${base}/s/torbay-participation-2023`); await snap('closed wave');
  await page.goto(`${base}/s/no-such-wave`); await snap('not found');
  await page.goto(`${base}/`); await snap('home');
  return states;
}

/** Signs in as an admin and visits every staff page type and state. */
async function collectStaff(page, base) {
  const states = [];
  const snap = async (name) => { await page.waitForLoadState('load'); states.push([`staff: ${name}`, await page.content()]); };
  await page.goto(`${base}/staff/sign-in`); await snap('sign in');
  await page.getByLabel('Email address').fill('admin@torbay.example');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click(); await snap('sign in, error');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign in' }).click(); await snap('surveys');
  await page.goto(`${base}/staff/waves/${WAVE}`); await snap('wave');
  await page.goto(`${base}/staff/waves/${WAVE}/responses?words=quiet`); await snap('responses, filtered');
  await page.goto(`${base}/staff/waves/${WAVE}/responses`); await snap('responses');
  await page.getByRole('link', { name: /^Open/ }).first().click(); await snap('response');
  await page.getByRole('button', { name: 'Delete response' }).click(); await snap('response, delete error');
  await page.goto(`${base}/staff/audit`); await snap('audit log');
  await page.goto(`${base}/staff/themes`); await snap('codebook');
  await page.getByRole('button', { name: 'Add theme' }).click(); await snap('codebook, error');
  await page.goto(`${base}/staff/waves/${WAVE}/coding`); await snap('coding, list');
  await page.goto(`${base}/staff/waves/${WAVE}/coding?per=1`); await snap('coding, one at a time');
  await page.goto(`${base}/staff/waves/${WAVE}/coding`);
  await page.getByRole('button', { name: /^Make answer \d+ a quote$/ }).first().click(); await snap('quote, draft');
  await page.getByRole('button', { name: 'Approve for sharing' }).click(); await snap('quote, approved');
  await page.goto(`${base}/staff/quotes`); await snap('quote bank');
  await page.goto(`${base}/staff/quotes/print`); await snap('quotes, print');
  await page.goto(`${base}/staff/surveys/upload`); await snap('upload');
  await page.getByLabel("Or paste the file's text").fill('format = "heard-survey/1"\n[wave]\nslug = "Bad Slug"\n');
  await page.getByRole('button', { name: 'Upload' }).click(); await snap('upload, problems');
  await page.goto(`${base}/staff/waves/${WAVE}/preview/young-people/1`); await snap('preview');
  await page.goto(`${base}/staff/framework`); await snap('framework');
  await page.goto(`${base}/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024`); await snap('year-on-year comparison');
  await page.goto(`${base}/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024&audience=young-people&adjust=holm`); await snap('year-on-year comparison, young people, Holm');
  await page.goto(`${base}/staff/series/torbay-participation/methods?from=torbay-participation-2023&to=torbay-participation-2024`); await snap('methods');
  await page.goto(`${base}/staff/series/torbay-participation/evidence?from=torbay-participation-2023&to=torbay-participation-2024`); await snap('evidence pack');
  await page.goto(`${base}/staff/users`); await snap('staff accounts');
  await page.getByRole('button', { name: 'Add account' }).click(); await snap('staff accounts, error');
  return states;
}

test('respondent and staff pages have no WCAG A/AA violations (axe-core)', async () => {
  const heard = await startHeard(null);
  heard.addUser('admin@torbay.example', 'admin', 'torbay', 'a long enough password');
  const browser = await launch();
  try {
    const states = [];
    for (const javaScriptEnabled of [true, false]) {
      for (const audience of ['young-people', 'parents-carers']) {
        const ctx = await browser.newContext({ javaScriptEnabled, viewport: VIEWPORTS[0] });
        const page = await ctx.newPage();
        for (const [name, html] of await collect(page, heard.base, audience)) {
          states.push([`${name} (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, html]);
        }
        await ctx.close();
      }
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: VIEWPORTS[0] });
      for (const [name, html] of await collectStaff(await ctx.newPage(), heard.base)) {
        states.push([`${name} (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, html]);
      }
      await ctx.close();
    }
    assert.ok(states.length >= 80, `audited ${states.length} page states`);
    const failures = [];
    const audit = async (page, html) => {
      await page.setContent(html.replace('<head>', `<head><base href="${heard.base}/">`), { waitUntil: 'load' });
      await page.evaluate(AXE);
      return page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
    };
    {
      // Control: the same pipeline must catch a planted violation.
      const ctx = await browser.newContext();
      const planted = states[0][1].replace('<h1>', '<img src="x.png"><input type="text"><h1>');
      const found = (await audit(await ctx.newPage(), planted)).violations.map((v) => v.id);
      assert.ok(found.includes('image-alt') && found.includes('label'), `control violations found: ${found}`);
      await ctx.close();
    }
    for (const viewport of VIEWPORTS) {
      const ctx = await browser.newContext({ viewport });
      const page = await ctx.newPage();
      for (const [name, html] of states) {
        const result = await audit(page, html);
        for (const v of result.violations) {
          failures.push(`${name} @${viewport.width}px: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
        }
      }
      await ctx.close();
    }
    console.log(`axe audited ${states.length} page states x ${VIEWPORTS.length} viewports`);
    assert.deepEqual(failures, []);
  } finally {
    await browser.close();
    await heard.stop();
  }
});
