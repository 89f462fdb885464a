// Reflow and target sizes (WCAG 2.2 1.4.10, 1.4.4, 2.5.8 and Heard's own 44px rule for answers).
// Every respondent page, and the staff pages, at 320 CSS px wide and at 200% zoom of a
// 1280x800 window (640x400 CSS px), plus 320 px with larger text and more spacing, and in
// Arabic (right to left): no sideways scrolling; every answer at least 44x44 px; every other
// target at least 24x24 px unless it is a link inside a sentence (2.5.8's inline exception).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, startHeard, walkSurvey } from './lib.mjs';

const WAVE = 'torbay-participation-2025';

/** Problems on the current page: sideways scrolling and small targets. */
async function problems(page) {
  return page.evaluate(() => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    const visible = (el) => {
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 1 && r.height > 1 && !el.closest('[hidden], .visually-hidden') && r.left > -1000;
    };
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.value || '').trim().slice(0, 40)}"`;
    for (const label of document.querySelectorAll('label.choice')) {
      const r = label.getBoundingClientRect();
      if (r.width < 44 || r.height < 44) out.push(`answer target ${name(label)} is ${r.width.toFixed(0)}x${r.height.toFixed(0)}`);
    }
    for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
      if (!visible(el)) continue;
      if (el.matches('label.choice input')) continue; // the whole label is the target
      if (el.tagName === 'A') {
        const parent = el.parentElement;
        const around = (parent.textContent || '').replace(/\s+/g, ' ').trim().length - (el.textContent || '').replace(/\s+/g, ' ').trim().length;
        if (around > 2 && getComputedStyle(el).display === 'inline') continue; // inline in a sentence
      }
      const r = el.getBoundingClientRect();
      if (r.width < 24 || r.height < 24) out.push(`target ${name(el)} is ${r.width.toFixed(0)}x${r.height.toFixed(0)}`);
    }
    return out;
  });
}

const CONFIGS = [
  { name: '320px', viewport: { width: 320, height: 640 } },
  { name: '200% zoom (640x400)', viewport: { width: 640, height: 400 } },
  { name: '320px, larger text and spacing', viewport: { width: 320, height: 640 }, display: 'ts' },
  { name: '320px, Arabic', viewport: { width: 320, height: 640 }, lang: 'ar' },
];

test('pages reflow at 320px and 200% zoom, and targets are big enough', async () => {
  const heard = await startHeard(null);
  heard.addUser('admin@torbay.example', 'admin', 'torbay', 'a long enough password');
  const browser = await launch();
  const failures = [];
  let checked = 0;
  try {
    for (const config of CONFIGS) {
      for (const javaScriptEnabled of [false, true]) {
        const ctx = await browser.newContext({ viewport: config.viewport, javaScriptEnabled });
        if (config.display) await ctx.addCookies([{ name: 'heard_display', value: config.display, url: heard.base }]);
        if (config.lang) await ctx.addCookies([{ name: 'heard_lang', value: config.lang, url: heard.base }]);
        const page = await ctx.newPage();
        const check = async (what) => {
          checked++;
          for (const p of await problems(page)) failures.push(`${config.name}, JavaScript ${javaScriptEnabled ? 'on' : 'off'}, ${what} (${page.url()}): ${p}`);
        };
        for (const audience of config.lang ? ['young-people'] : ['young-people', 'parents-carers']) {
          await walkSurvey(page, heard.base, audience, (name) => check(`${audience} ${name}`));
        }
        for (const path of [`/s/${WAVE}/resume`, `/s/${WAVE}/delete`, '/settings', '/', '/join', '/review']) {
          await page.goto(`${heard.base}${path}`);
          await check(path);
        }
        if (!config.lang) {
          await signIn(page, heard.base, 'admin@torbay.example', 'a long enough password');
          for (const path of [
            '/staff', `/staff/waves/${WAVE}`, `/staff/waves/${WAVE}/responses`, `/staff/waves/${WAVE}/coding`,
            '/staff/themes', '/staff/quotes', '/staff/quotes?words=wait', `/staff/waves/${WAVE}/easy-read`, `/staff/waves/${WAVE}/recordings`,
            '/staff/images', `/staff/waves/${WAVE}/preview/young-people/1`, '/staff/framework', '/staff/users',
            '/staff/audit', '/staff/surveys/upload', '/staff/surveys/new', '/staff/bank', `/staff/waves/${WAVE}/build`, `/staff/waves/${WAVE}/build/new?type=single-choice`, `/staff/waves/${WAVE}/build/new?type=grid`, `/staff/waves/${WAVE}/build/new?type=say-or-show`, `/staff/waves/${WAVE}/transcripts`, `/staff/waves/${WAVE}/results`, '/staff/waves/torbay-participation-2024/results?channel=web&answer=listened-to:yes', '/staff/waves/torbay-participation-2024/results?channel=pigeon', '/staff/series/torbay-participation/trends', '/staff/waves/torbay-participation-2024/reach', `/staff/waves/${WAVE}/import`, `/staff/waves/${WAVE}/build/listened-to`, `/staff/waves/${WAVE}/check`, `/staff/waves/${WAVE}/translations`, `/staff/waves/${WAVE}/review`, `/staff/waves/${WAVE}/translations/young-people/pl`, `/staff/waves/${WAVE}/panels`, `/staff/waves/${WAVE}/paper/young-people`,
            `/staff/waves/${WAVE}/paper-entry`, `/staff/waves/${WAVE}/paper-check`, `/staff/waves/${WAVE}/invitations`,
            '/staff/outbox', '/staff/updates', '/updates/torbay', '/staff/scales', '/staff/scales/new', '/staff/reviews', '/staff/measures', '/staff/notes', '/staff/services', '/s/torbay-pledge-health-visiting', '/staff/privacy', '/staff/two-factor', '/staff/sessions', '/staff/sso', '/staff/sso/callback?state=x',
            '/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024',
            '/staff/series/torbay-participation/evidence?from=torbay-participation-2023&to=torbay-participation-2024',
          ]) {
            await page.goto(`${heard.base}${path}`);
            await check(path);
          }
          // The latest six-weekly review (agreed: the table of ratings) and a measure.
          await page.goto(`${heard.base}/staff/reviews`);
          await page.locator('tbody a[href^="/staff/reviews/"]').first().click();
          await page.waitForLoadState('load');
          await check('a six-weekly review');
          await page.goto(`${heard.base}/staff/measures`);
          await page.locator('table.measures a').first().click();
          await page.waitForLoadState('load');
          await check('a measure');
          await page.goto(`${heard.base}/staff/reviews`);
          await page.locator('tbody a[href^="/staff/reviews/"]').first().click();
          await page.waitForLoadState('load');
          await page.locator('a[href$="format=print"]').click();
          await page.waitForLoadState('load');
          await check('a board paper to print');
          // A facilitator runs a session from a phone: start it, the session page, the tally.
          await page.goto(`${heard.base}/staff/waves/${WAVE}/panels`);
          await page.locator('form[action$="/panels"] button[type=submit]').click();
          await page.waitForLoadState('load');
          await check('panel session');
          await page.locator('a[href$="/tally"]').first().click();
          await page.waitForLoadState('load');
          await check('live tally');
        }
        await ctx.close();
      }
    }
    console.log(`checked ${checked} page views`);
    assert.ok(checked > 150, `checked ${checked} page views`);
    assert.deepEqual(failures, []);
  } finally {
    await browser.close();
    await heard.stop();
  }
});
