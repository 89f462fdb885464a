// axe-core audit of every respondent and staff page type and state, for every audience in the
// demo in every language it has (English, Polish, Arabic), with and without every display
// setting, and with the device in dark mode with more contrast, at 360x740 and 1280x800, reached with JavaScript on and with it off. Zero
// violations of the WCAG 2.0, 2.1 and 2.2 A and AA rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { launch, otpauthKey, startHeard, totpCode } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WAVE = 'torbay-participation-2025';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const VIEWPORTS = [{ width: 360, height: 740 }, { width: 1280, height: 800 }];

/** Walks a survey as `audience` in `lang` and returns [name, html] for every page state on
 * the way. Buttons are found by what they do, not their words, so every language walks the same. */
async function collect(page, base, audience, lang, label = '') {
  const states = [];
  const tag = `${audience}${lang === 'en-GB' ? '' : ` (${lang})`}${label}`;
  const snap = async (name) => { await page.waitForLoadState('load'); states.push([`${tag}: ${name}`, await page.content()]); };
  const go = (sel) => page.locator(sel).first().click();
  await page.goto(`${base}/language?to=${lang}&back=/`);
  await page.goto(`${base}/s/${WAVE}`); await snap('audience choice');
  await go('form[action$="/who"] button[type=submit]'); await snap('audience choice, error');
  await page.goto(`${base}/s/${WAVE}/${audience}`); await snap('audience start');
  await go('form[action$="/start"] button[type=submit]');
  await page.waitForLoadState('load');
  for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
    const key = page.url().split('/q/')[1];
    await snap(`question ${key}`);
    const text = page.locator('textarea, input[type=text][name=answer]');
    if (await text.count() > 0) {
      // An error state for each text and number question.
      const numeric = (await text.getAttribute('inputmode')) !== null;
      await text.fill(numeric ? '999' : 'x'.repeat(2100));
      await go('button[name=action][value=continue]');
      await snap(`question ${key}, error`);
      await page.waitForLoadState('load');
      await page.locator('textarea, input[type=text][name=answer]').fill(numeric ? '12' : 'Fine');
    } else {
      if (await page.locator('input[name=answer]').count() === 0) throw new Error('no answer inputs on ' + page.url() + '\n' + (await page.content()).slice(0, 1500));
      if (key === 'listened-to') {
        await go('button[name=action][value=continue]');
        await snap(`question ${key}, error`);
      }
      const first = page.locator('input[name=answer]').first();
      await page.locator(`label[for="${await first.getAttribute('id')}"]`).click();
    }
    if (key === 'feel-about-school') {
      await go('button[name=action][value=save]');
      await snap('saved, resume code');
      // Saving again: "use the code you have", with a way to get a new one.
      await go('main a[href*="/q/"]');
      await go('button[name=action][value=save]');
      await snap('saved again, same code');
      await go('main a[href*="/q/"]');
      await page.goto(`${base}/s/${WAVE}/q/feel-about-school`);
      await page.locator('label[for="answer-3"]').click();
    }
    await go('button[name=action][value=continue]');
    await page.waitForLoadState('load');
  }
  await snap('consent');
  await go('button[value=continue]'); await snap('consent, error');
  await page.locator('label[for="answer-0"]').click();
  await go('button[value=continue]'); await snap('check answers');
  await go('form[action$="/send"] button[type=submit]'); await snap('confirmation');
  const receipt = (await page.locator('p.receipt').textContent()).trim();
  await page.goto(`${base}/s/${WAVE}/resume`); await snap('resume');
  await page.locator('#code').fill('nope');
  await go('form[action$="/resume"] button[type=submit]'); await snap('resume, error');
  await page.locator('#code').fill(receipt);
  await go('form[action$="/resume"] button[type=submit]'); await snap('resume, a receipt typed');
  await page.goto(`${base}/s/${WAVE}/delete`); await snap('delete');
  await page.locator('#code').fill('2345-6789');
  await go('form[action$="/delete"] button[type=submit]'); await snap('delete, not found');
  await page.locator('#code').fill(receipt);
  await go('form[action$="/delete"] button[type=submit]'); await snap('delete, are you sure');
  await page.goto(`${base}/s/${WAVE}/done`);
  await page.locator('#follow-up-email').fill('not an address');
  await go('form[action$="/follow-up"] button[type=submit]'); await snap('follow-up address, error');
  await page.goto(`${base}/s/${WAVE}/done`);
  await page.locator('#follow-up-email').fill(`family-${lang}@example.org`);
  await go('form[action$="/follow-up"] button[type=submit]'); await snap('follow-up address, check your email');
  await page.goto(`${base}/updates/confirm/not-a-token?lang=${lang}`); await snap('follow-up confirmation, unknown link');
  await page.goto(`${base}/updates/torbay`); await snap('you said, we did (public)');
  await page.goto(`${base}/settings?back=/s/${WAVE}`); await snap('display settings');
  await go('form[action="/settings"] button[type=submit]'); await snap('display settings, saved');
  if (audience === 'young-people' && !label) {
    // Error pages in every language: they follow the language the person chose.
    await page.goto(`${base}/s/torbay-participation-2023`); await snap('closed wave');
    await page.goto(`${base}/s/no-such-wave`); await snap('not found');
    await page.goto(`${base}/s/${WAVE}/send`); await snap('wrong kind of request');
    await page.goto(`${base}/language?to=tlh&back=/`); await snap('unknown language');
  }
  if (lang === 'en-GB' && !label) {
    await page.goto(`${base}/`); await snap('home');
  }
  return states;
}

/** Answers the rest of the survey from wherever the page is, up to the confirmation. */
async function finish(page) {
  const go = async (sel) => { await page.locator(sel).first().click(); await page.waitForLoadState('load'); };
  for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
    const text = page.locator('textarea, input[type=text][name=answer]');
    if (await text.count() > 0) await text.fill((await text.getAttribute('inputmode')) !== null ? '12' : 'Fine');
    else await page.locator(`label[for="${await page.locator('input[name=answer]').first().getAttribute('id')}"]`).click();
    await go('button[name=action][value=continue]');
  }
  await page.locator('label[for="answer-0"]').click();
  await go('button[value=continue]');
  await go('form[action$="/send"] button[type=submit]');
}

/** A young person joins a panel session by code, and a shared tablet in kiosk mode with
 * member codes: join (and its errors), member code (ask, error, given), kiosk pages. */
async function collectPanel(page, base, code, phoneCode) {
  const states = [];
  const snap = async (name) => { await page.waitForLoadState('load'); states.push([`panel: ${name}`, await page.content()]); };
  const go = async (sel) => { await page.locator(sel).first().click(); await page.waitForLoadState('load'); };
  await page.goto(`${base}/join`); await snap('join');
  await page.locator('#join-code').fill('ZZZ-ZZZ');
  await go('form[action="/join"] button[type=submit]'); await snap('join, code not found');
  await page.locator('#join-code').fill(code);
  await page.locator('form[action="/join"] details summary').click();
  await page.locator('#join-pin').fill('1111');
  await go('form[action="/join"] button[type=submit]'); await snap('join, wrong PIN');
  await page.locator('#join-code').fill(code);
  await page.locator('#join-pin').fill('2468');
  await go('form[action="/join"] button[type=submit]'); await snap('kiosk start');
  await go('form[action$="/start"] button[type=submit]'); await snap('member code');
  await page.locator('#member-code').fill('Jo');
  await go('button[name=action][value=use]'); await snap('member code, error');
  await go('button[name=action][value=new]'); await snap('member code, given');
  await go('main a.button'); await snap('kiosk question');
  await finish(page); await snap('kiosk confirmation');
  await page.goto(`${base}/kiosk/leave`); await snap('kiosk leave');
  await go('form[action="/kiosk/leave"] button[type=submit]'); await snap('kiosk leave, error');
  await page.locator('#pin').fill('2468');
  await go('form[action="/kiosk/leave"] button[type=submit]'); await snap('kiosk left');
  // A young person's own phone joins a plain session: straight to the first question.
  await page.context().clearCookies();
  await page.goto(`${base}/join`);
  await page.locator('#join-code').fill(phoneCode);
  await go('form[action="/join"] button[type=submit]'); await snap('joined, first question');
  if (!(await page.content()).includes('class="joined"')) throw new Error('joining did not say which session: ' + page.url());
  return states;
}

/** Uploads a recording of the first question and two pictures, as a facilitator would. */
async function addMedia(page, base) {
  await page.goto(`${base}/staff/waves/${WAVE}/recordings`);
  await page.locator('#version').selectOption('young-people|en-GB');
  await page.locator('#question').selectOption('listened-to');
  const ogg = Buffer.concat([Buffer.from('OggS\x00\x02', 'binary'), Buffer.alloc(2000, 7)]);
  await page.locator('#recording-file').setInputFiles({ name: 'listened-to.ogg', mimeType: 'audio/ogg', buffer: ogg });
  await page.locator('form[action$="/recordings"] button[type=submit]').click();
  await page.waitForLoadState('load');
  await page.goto(`${base}/staff/images`);
  await page.locator('#image-name').fill('our-door');
  await page.locator('#image-alt').fill('The green front door of the family centre');
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect x="2" y="1" width="6" height="9" fill="#2e7d32"/></svg>';
  await page.locator('#image-file').setInputFiles({ name: 'door.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) });
  await page.locator('form[action^="/staff/images"] button[type=submit]').last().click();
  await page.waitForLoadState('load');
}

/** The admin's authenticator key, from the set-up page at the first sign-in. */
let adminKey = '';

/** Types the admin's current code at the second sign-in step; a code already taken (the
 * same 30 seconds as the last sign-in) is refused, so then it waits for the next one. */
async function enterCode(page) {
  for (let tries = 0; tries < 3 && page.url().includes('/staff/sign-in/code'); tries++) {
    if (tries > 0) await new Promise((r) => setTimeout(r, 31000));
    await page.locator('#code').fill(totpCode(adminKey));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
  }
}

/** How many surveys the audit has started (each visit starts one with a new title). */
let surveysStarted = 0;

/** Signs in as an admin and visits every staff page type and state. */
async function collectStaff(page, base) {
  const states = [];
  const snap = async (name) => { await page.waitForLoadState('load'); states.push([`staff: ${name}`, await page.content()]); };
  await page.goto(`${base}/staff/forgot`); await snap('forgot password');
  await page.locator('#email').fill('nobody@example.org');
  await page.locator('form[action="/staff/forgot"] button[type=submit]').click(); await snap('forgot password, check your email');
  await page.goto(`${base}/staff/sign-in`); await snap('sign in');
  assert.ok(await page.locator('a[href="/staff/sso/torbay"]').count() === 1, 'the sign-in page offers single sign-on');
  await page.getByLabel('Email address').fill('admin@torbay.example');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click(); await snap('sign in, error');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign in' }).click(); await snap('two-factor code');
  await page.locator('#code').fill('000000');
  await page.getByRole('button', { name: 'Continue' }).click(); await snap('two-factor code, not right');
  await enterCode(page); await snap('surveys');
  await page.goto(`${base}/staff/two-factor`); await snap('two-factor sign-in, on');
  await page.goto(`${base}/staff/sessions`); await snap('your sessions');
  await page.locator('input[name=device]').first().fill('x'.repeat(61));
  await page.getByRole('button', { name: 'Save the name' }).first().click(); await snap('your sessions, a name too long');
  await page.goto(`${base}/staff/waves/${WAVE}`); await snap('wave');
  await page.goto(`${base}/staff/waves/${WAVE}/results`); await snap('wave results');
  await page.goto(`${base}/staff/waves/torbay-participation-2024/results?channel=web&answer=listened-to:yes`); await snap('wave results, filtered by channel and answer');
  await page.goto(`${base}/staff/waves/torbay-participation-2024/results?channel=pigeon&from=2024-02-30`); await snap('wave results, bad filters');
  await page.goto(`${base}/staff/series/torbay-participation/trends`); await snap('trends across every wave');
  await page.goto(`${base}/staff/series/torbay-participation/trends?audience=young-people&tag=priority:P5`); await snap('trends, young people, one priority');
  await page.goto(`${base}/staff/series/torbay-participation/trends?channel=paper&answer=has-plan:yes`); await snap('trends, by channel and answer');
  await page.goto(`${base}/staff/series/torbay-participation/trends?channel=pigeon&answer=listened-to:yes`); await snap('trends, refused filter');
  await page.goto(`${base}/staff/waves/${WAVE}/import`); await snap('import, choose a file');
  await page.locator('form[action$="/import"] button[type=submit]').click(); await snap('import, no file chosen');
  await page.locator('#file-input').setInputFiles({ name: 'past.csv', mimeType: 'text/csv', buffer: Buffer.from('id,submitdate,lastpage,startlanguage,seed,ipaddr,listened-to\n1,2023-10-05 10:00:00,3,en,1,10.0.0.1,A1\n2,2023-10-06 11:00:00,3,en,2,10.0.0.2,Y\n') });
  await page.locator('form[action$="/import"] button[type=submit]').click(); await snap('import, what each column holds');
  await page.getByRole('button', { name: 'Check the whole file' }).click(); await snap('import, dry run with problems');
  await page.goto(`${base}/staff/waves/torbay-participation-2024/reach`); await snap('who took part');
  await page.locator('#pop-yes').fill('lots');
  await page.getByRole('button', { name: 'Save the populations' }).click(); await snap('who took part, a population refused');
  await page.goto(`${base}/staff/scales`); await snap('rating scales');
  await page.goto(`${base}/staff/scales/new`); await snap('a new rating scale');
  await page.locator('#level-name-0').fill('Stuck');
  await page.locator('#level-colour-0').fill('yellowish');
  await page.getByRole('button', { name: 'Save the scale' }).click(); await snap('a new rating scale, refused');
  await page.goto(`${base}/staff/reviews`); await snap('six-weekly reviews');
  await page.locator('tbody a[href^="/staff/reviews/"]').first().click(); await snap('an agreed review');
  await page.goto(`${base}/staff/reviews`);
  await page.getByRole('button', { name: 'Start the review' }).click(); await snap('a draft review');
  if (await page.locator('form#ratings').count() > 0) {
    await page.locator('form#ratings textarea').first().fill('A note without a level');
    await page.getByRole('button', { name: 'Save the ratings' }).click(); await snap('a draft review, a note without a level');
  }
  await page.goto(`${base}/staff/reviews`);
  await page.locator('tbody a[href^="/staff/reviews/"]').nth(1).click(); await page.waitForLoadState('load');
  await page.locator('a[href$="format=print"]').click(); await snap('a board paper to print');
  await page.goto(`${base}/staff/notes`); await snap('evidence notes');
  await page.locator('#source').fill('Parent Carer Forum meeting');
  await page.getByRole('button', { name: 'Add the note' }).click(); await snap('evidence notes, refused');
  await page.goto(`${base}/staff/services`); await snap('pledge services');
  await page.getByRole('button', { name: 'Add the service' }).click(); await snap('pledge services, refused');
  await page.locator('table.services th a').first().click(); await snap('a pledge service scorecard');
  await page.getByRole('button', { name: 'Give them a sign-in' }).click(); await snap('a pledge service scorecard, lead sign-in refused');
  await page.goto(`${base}/staff/privacy`); await snap('data-protection pack');
  await page.goto(`${base}/staff/sso`); await snap('single sign-on settings');
  await page.getByRole('button', { name: 'Save single sign-on' }).click(); await snap('single sign-on settings, saved');
  await page.locator('#issuer').fill('not an address');
  await page.getByRole('button', { name: 'Save single sign-on' }).click(); await snap('single sign-on settings, refused');
  await page.goto(`${base}/staff/sso/callback?code=x&state=not-a-state`); await snap('single sign-on refused');
  await page.goto(`${base}/s/torbay-pledge-health-visiting`); await snap('a pledge service feedback survey');
  await page.goto(`${base}/staff/measures`); await snap('measures');
  await page.locator('#file').setInputFiles({ name: 'dashboard.csv', mimeType: 'text/csv', buffer: Buffer.from('WSOA Reference,Description,Current Performance,Target,Current indicator,Last Data Set,Frequency\n14A,NEET Numbers,six,15,0,Aug-23,Monthly\n') });
  await page.getByRole('button', { name: 'Import the measures' }).click(); await snap('measures, a file with problems');
  await page.locator('table.measures a').first().click(); await snap('a measure');
  await page.locator('#value').fill('lots');
  await page.getByRole('button', { name: 'Add the value' }).click(); await snap('a measure, a value refused');
  await page.goto(`${base}/staff/waves/${WAVE}/responses?words=quiet`); await snap('responses, filtered');
  await page.goto(`${base}/staff/waves/${WAVE}/responses`); await snap('responses');
  await page.getByRole('link', { name: /^Open/ }).first().click(); await snap('response');
  await page.getByRole('button', { name: 'Delete response' }).click(); await snap('response, delete error');
  await page.goto(`${base}/staff/waves/torbay-participation-2024/answers?question=what-to-change`); await snap('every answer to one question');
  await page.goto(`${base}/staff/waves/torbay-participation-2024/responses`);
  await page.locator('td a[href^="/staff/responses/"]').nth(1).click(); await page.waitForLoadState('load'); await snap('a response, with previous and next');
  await page.goto(`${base}/staff/audit`); await snap('audit log');
  await page.goto(`${base}/staff/themes`); await snap('codebook');
  await page.getByRole('button', { name: 'Add theme' }).click(); await snap('codebook, error');
  await page.goto(`${base}/staff/waves/${WAVE}/coding`); await snap('coding, list');
  await page.goto(`${base}/staff/waves/${WAVE}/coding?per=1`); await snap('coding, one at a time');
  await page.goto(`${base}/staff/waves/${WAVE}/coding`);
  await page.getByRole('button', { name: /^Make answer \d+ a quote$/ }).first().click(); await snap('quote, draft');
  await page.getByRole('button', { name: 'Approve for sharing' }).click(); await snap('quote, approved');
  await page.goto(`${base}/staff/quotes`); await snap('quote bank');
  await page.locator('#words').fill('wait');
  await page.getByRole('button', { name: 'Search and filter' }).click(); await snap('quote bank, searched');
  await page.getByRole('button', { name: 'Ticked to Word' }).click(); await snap('quote bank, nothing ticked');
  await page.goto(`${base}/staff/quotes`);
  await page.locator('.bank-quote input[type=checkbox]').first().check();
  await page.getByRole('button', { name: 'Save the ticked as a selection' }).click(); await snap('save a selection');
  await page.getByRole('button', { name: 'Save selection' }).click(); await snap('save a selection, error');
  await page.locator('#name').fill('Newsletter, March');
  await page.getByRole('button', { name: 'Save selection' }).click(); await snap('a saved selection');
  await page.goto(`${base}/staff/quotes`); await snap('quote bank with saved selections');
  await page.goto(`${base}/staff/quotes/print`); await snap('quotes, print');
  await page.goto(`${base}/staff/surveys/upload`); await snap('upload');
  await page.getByLabel("Or paste the file's text").fill('format = "heard-survey/1"\n[wave]\nslug = "Bad Slug"\n');
  await page.getByRole('button', { name: 'Upload' }).click(); await snap('upload, problems');
  await page.goto(`${base}/staff/surveys/new`); await snap('start a survey');
  await page.getByRole('button', { name: 'Start the survey' }).click();
  await page.locator('.error-summary').waitFor(); await snap('start a survey, error');
  await page.locator('#title').fill(`Short breaks check ${++surveysStarted}`);
  await page.locator('#label').fill('2026');
  await Promise.all([page.waitForURL(/\/build\?said=created/), page.getByRole('button', { name: 'Start the survey' }).click()]);
  await snap('builder, a new survey');
  await Promise.all([page.waitForURL(/\/build\/new\?type=/), page.getByRole('button', { name: 'Add a question' }).click()]);
  await snap('add a question');
  await page.getByRole('button', { name: 'Save question' }).click();
  await page.locator('.error-summary').waitFor(); await snap('add a question, errors');
  await page.locator('#title-young-people').fill('Did you get a short break?');
  await page.locator('#title-parents-carers').fill('Did your child get a short break?');
  for (const [i, word] of [[0, 'Yes'], [1, 'No']]) {
    await page.locator(`#opt-${i}-label-young-people`).fill(word);
    await page.locator(`#opt-${i}-label-parents-carers`).fill(word);
  }
  await Promise.all([page.waitForURL(/said=saved/), page.getByRole('button', { name: 'Save question' }).click()]);
  await snap('a question saved');
  await page.goto(page.url().replace(/\/build.*$/, '/build')); await snap('builder, with a question');
  await Promise.all([page.waitForURL(/\/build\/did-you-get/), page.locator('.build-actions a').first().click()]);
  await snap('edit a question');
  await page.goto(page.url().replace(/\/build\/.*$/, '/build/did-you-get-a-short-break/delete')); await snap('delete a question: are you sure?');
  await page.goto(page.url().replace(/\/build.*$/, '/check')); await snap('check before opening');
  await page.goto(page.url().replace(/\/check$/, '/build/new?type=yes-sometimes-no'));
  await page.locator('#title-young-people').fill('Were 75% of the outcomes in your EHCP met?');
  await page.locator('#title-parents-carers').fill('Were the outcomes in your child\'s EHC plan met?');
  await Promise.all([page.waitForURL(/said=saved/), page.getByRole('button', { name: 'Save question' }).click()]);
  await snap('a question with easy-read advice');
  await page.goto(page.url().replace(/\/build.*$/, '/check')); await snap('check before opening, must fix');
  await page.goto(page.url().replace(/\/check$/, '/review')); await snap('co-design review');
  await Promise.all([page.waitForURL(/\/review$/), page.getByRole('button', { name: 'Start a review' }).click()]);
  await snap('co-design review, started');
  const reviewCode = (await page.locator('.join-code').first().innerText()).trim();
  const reviewPage = page.url();
  await page.goto(`${base}/review`); await snap('review: type the code');
  await page.getByRole('button', { name: 'Start' }).click();
  await page.locator('.error-summary').waitFor(); await snap('review: type the code, error');
  await page.locator('#review-code').fill(reviewCode);
  await Promise.all([page.waitForURL(/\/review\/[A-Z0-9]{6}$/), page.getByRole('button', { name: 'Start' }).click()]);
  await snap('review: start');
  await Promise.all([page.waitForURL(/\/review\/[A-Z0-9]{6}\/1$/), page.getByRole('link', { name: 'Start' }).click()]);
  await snap('review: a question');
  await page.locator('#suggestion').fill('Better words');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.locator('.error-summary').waitFor(); await snap('review: a question, error');
  await page.goto(reviewPage.replace(/\/staff\/waves\/([^/]+)\/review$/, (m, w) => `/review/${reviewCode.replace('-', '')}/done`)); await snap('review: thank you');
  await page.goto(reviewPage.replace(/\/review$/, '/translations')); await snap('translations');
  await page.goto(page.url().replace(/\/translations$/, '/translations/young-people/ar')); await snap('translation, Arabic');
  await page.getByRole('button', { name: /^Save the/ }).click();
  await page.locator('.error-summary').waitFor(); await snap('translation, errors');
  // A grid and a say-it-or-show-it question in the builder, and as respondents see them.
  const built = reviewPage.replace(/\/review$/, '');
  await page.goto(`${built}/build/new?type=grid`); await snap('add a grid');
  await page.getByRole('button', { name: 'Save question' }).click();
  await page.locator('.error-summary').waitFor(); await snap('add a grid, errors');
  await page.locator('#title-young-people').fill('Is this true for you?');
  await page.locator('#title-parents-carers').fill('How much do you agree?');
  await page.locator('#key').fill('school-agree');
  for (const [j, yp, pc] of [[0, 'I feel safe at school.', 'My child feels safe at school.'], [1, 'Adults listen to me.', 'Adults listen to my child.']]) {
    await page.locator(`#st-${j}-text-young-people`).fill(yp);
    await page.locator(`#st-${j}-text-parents-carers`).fill(pc);
  }
  await Promise.all([page.waitForURL(/said=saved/), page.getByRole('button', { name: 'Save question' }).click()]);
  await snap('a grid saved');
  await page.goto(`${built}/build/school-agree`); await snap('edit a grid');
  await page.goto(`${built}/build/new?type=say-or-show`); await snap('add a say-it-or-show-it question');
  await page.locator('#title-young-people').fill('Show us where you like to be.');
  await page.locator('#title-parents-carers').fill('Where does your child like to be?');
  await page.locator('#key').fill('favourite-place');
  await Promise.all([page.waitForURL(/said=saved/), page.getByRole('button', { name: 'Save question' }).click()]);
  await page.goto(`${built}/preview/parents-carers/3`); await snap('preview, a grid on one page');
  await page.goto(`${built}/preview/young-people/3`); await snap('preview, a grid statement in easy read');
  await page.goto(`${built}/preview/young-people/5`); await snap('preview, say it or show it');
  await page.goto(`${built}/paper/parents-carers`); await snap('paper version with a grid');
  await page.goto(`${base}/staff/waves/${WAVE}/transcripts`); await snap('recordings and pictures, none yet');
  await page.goto(`${base}/staff/bank`); await snap('question bank');
  await page.goto(`${base}/staff/waves/${WAVE}/build`); await snap('builder, a wave with responses');
  await page.goto(`${base}/staff/waves/${WAVE}/preview/young-people/1`); await snap('preview');
  await page.goto(`${base}/staff/framework`); await snap('framework');
  await page.goto(`${base}/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024`); await snap('year-on-year comparison');
  await page.goto(`${base}/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024&audience=young-people&adjust=holm`); await snap('year-on-year comparison, young people, Holm');
  await page.goto(`${base}/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024&channel=phone`); await snap('year-on-year comparison, one channel, figures withheld');
  await page.goto(`${base}/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024&channel=pigeon&sent_from=2024-02-30`); await snap('year-on-year comparison, refused filter');
  await page.goto(`${base}/staff/series/torbay-participation/methods?from=torbay-participation-2023&to=torbay-participation-2024`); await snap('methods');
  await page.goto(`${base}/staff/series/torbay-participation/evidence?from=torbay-participation-2023&to=torbay-participation-2024`); await snap('evidence pack');
  await page.goto(`${base}/staff/users`); await snap('staff accounts');
  await page.getByRole('button', { name: 'Add account' }).click(); await snap('staff accounts, error');
  await page.goto(`${base}/staff/waves/${WAVE}/easy-read`); await snap('easy-read check');
  await page.goto(`${base}/staff/waves/${WAVE}/preview/parents-carers/1`); await snap('preview with easy-read advice');
  await page.goto(`${base}/staff/waves/${WAVE}/recordings`); await snap('recordings');
  await page.locator('form[action$="/recordings"] button[type=submit]').click(); await snap('recordings, error');
  await page.goto(`${base}/staff/images`); await snap('pictures');
  await page.locator('form[action^="/staff/images"] button[type=submit]').last().click(); await snap('pictures, error');
  await page.goto(`${base}/staff/waves/${WAVE}/panels`); await snap('panel sessions');
  await page.locator('#panel-minutes').fill('never');
  await page.locator('form[action$="/panels"] button[type=submit]').click(); await snap('panel sessions, error');
  await page.goto(`${base}/staff/waves/${WAVE}/panels`);
  await page.locator('table a[href^="/staff/panels/"]').first().click(); await snap('panel session');
  await page.locator('a[href$="/tally"]').first().click(); await snap('live tally');
  await page.locator('a[href$="/present"]').first().click(); await snap('presenter view');
  await page.locator('.present-nav a').last().click(); await snap('presenter view, second question');
  await page.goto(`${base}/staff/waves/${WAVE}/paper/young-people`); await snap('paper version');
  await page.goto(`${base}/staff/waves/${WAVE}/paper/young-people?lang=ar`); await snap('paper version, Arabic');
  await page.goto(`${base}/staff/waves/${WAVE}/paper-entry?audience=young-people`); await snap('paper entry');
  await page.locator('#q-listened-to').fill('9');
  await page.locator('form.paper-entry button[type=submit]').click(); await snap('paper entry, error');
  await page.goto(`${base}/staff/waves/${WAVE}/paper-check`); await snap('paper check');
  await page.goto(`${base}/staff/waves/${WAVE}/invitations`); await snap('invitations');
  await page.locator('form[action$="/invitations"] button[type=submit]').click(); await snap('invitations, error');
  await page.goto(`${base}/staff/waves/${WAVE}/invitations/preview?audience=young-people`); await snap('email preview');
  await page.goto(`${base}/staff/outbox`); await snap('email outbox');
  await page.goto(`${base}/staff/updates`); await snap('you said, we did');
  await page.locator('form[action^="/staff/updates"] button[type=submit]').click(); await snap('you said, we did, error');
  return states;
}

test('respondent and staff pages have no WCAG A/AA violations (axe-core)', async () => {
  // As every real deployment: admins must sign in with a code from an authenticator app.
  const heard = await startHeard(null, { HEARD_TWO_FACTOR: 'admins' });
  heard.addUser('admin@torbay.example', 'admin', 'torbay', 'a long enough password');
  // Single sign-on set for Torbay, so the sign-in page shows its button (the provider is
  // never reached here; tests/it/sso.rs signs in through a real one).
  const secret = join(mkdtempSync(join(tmpdir(), 'heard-sso-')), 'secret');
  writeFileSync(secret, 'a client secret\n');
  heard.run(['sso', 'set', '--partnership', 'torbay', '--issuer', 'https://login.example.org/tenant/v2.0', '--client-id', 'heard',
    '--client-secret-file', secret, '--allowed-domain', 'torbay.gov.uk', '--default-role', 'viewer']);
  const browser = await launch();
  try {
    const states = [];
    let panelCode = '';
    let phoneCode = '';
    {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const snap = async (name) => { await page.waitForLoadState('load'); states.push([`staff: ${name}`, await page.content()]); };
      await page.goto(`${heard.base}/staff/sign-in`);
      await page.getByLabel('Email address').fill('admin@torbay.example');
      await page.getByLabel('Password').fill('a long enough password');
      await page.getByRole('button', { name: 'Sign in' }).click(); await snap('set up two-factor sign-in');
      // The app's address is on the page as text, for people who cannot scan.
      adminKey = otpauthKey((await page.locator('code.otpauth').textContent()).trim());
      await page.locator('#code').fill('000000');
      await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click(); await snap('set up two-factor sign-in, not right');
      await page.locator('#code').fill(totpCode(adminKey));
      await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click(); await snap('recovery codes');
      assert.equal(await page.locator('ol.recovery-codes code').count(), 10);
      await page.getByRole('link', { name: /continue/ }).click();
      await page.waitForLoadState('load');
      await addMedia(page, heard.base);
      // A panel session with shared tablets and member codes.
      await page.goto(`${heard.base}/staff/waves/${WAVE}/panels`);
      await page.locator('#panel-title').fill('Youth panel');
      await page.locator('#panel-audience').selectOption('young-people');
      await page.locator('label[for="panel-member"]').click();
      await page.locator('label[for="panel-kiosk"]').click();
      await page.locator('#panel-pin').fill('2468');
      await page.locator('form[action$="/panels"] button[type=submit]').click();
      await page.waitForLoadState('load');
      panelCode = (await page.locator('.join-code').first().textContent()).trim();
      // And a plain one, joined on young people's own phones.
      await page.goto(`${heard.base}/staff/waves/${WAVE}/panels`);
      await page.locator('#panel-title').fill('After-school club');
      await page.locator('#panel-audience').selectOption('young-people');
      await page.locator('form[action$="/panels"] button[type=submit]').click();
      await page.waitForLoadState('load');
      phoneCode = (await page.locator('.join-code').first().textContent()).trim();
      await ctx.close();
    }
    for (const javaScriptEnabled of [true, false]) {
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: VIEWPORTS[0] });
      for (const [name, html] of await collectPanel(await ctx.newPage(), heard.base, panelCode, phoneCode)) {
        states.push([`${name} (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, html]);
      }
      await ctx.close();
    }
    // Every audience in every language it has; and the young people's version again with
    // every display setting on (larger text, high contrast, spacing, less movement).
    // The device's own preferences too: dark mode with more contrast and less motion, which
    // the audit then renders under the same emulation.
    const DARK = { colorScheme: 'dark', contrast: 'more', reducedMotion: 'reduce' };
    const walks = [
      ['young-people', 'en-GB', null, null], ['young-people', 'pl', null, null], ['young-people', 'ar', null, null],
      ['parents-carers', 'en-GB', null, null], ['young-people', 'en-GB', 'tcsm', null], ['parents-carers', 'en-GB', null, DARK],
    ];
    for (const javaScriptEnabled of [true, false]) {
      for (const [audience, lang, display, media] of walks) {
        const ctx = await browser.newContext({ javaScriptEnabled, viewport: VIEWPORTS[0], ...(media || {}) });
        if (display) await ctx.addCookies([{ name: 'heard_display', value: display, url: heard.base }]);
        const page = await ctx.newPage();
        const label = display ? ', all display settings' : media ? ', device in dark mode with more contrast' : '';
        for (const [name, html] of await collect(page, heard.base, audience, lang, label)) {
          states.push([`${name} (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, html, media]);
        }
        await ctx.close();
      }
      const ctx = await browser.newContext({ javaScriptEnabled, viewport: VIEWPORTS[0] });
      for (const [name, html] of await collectStaff(await ctx.newPage(), heard.base)) {
        states.push([`${name} (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, html]);
      }
      await ctx.close();
    }
    assert.ok(states.length >= 300, `audited ${states.length} page states`);
    // The audit covers what it says: a recording's player, the speech button shown by its
    // script, right-to-left pages, display settings and the partnership's pictures.
    const some = (test, what) => assert.ok(states.some(([n, h]) => test(n, h)), `no audited state has ${what}`);
    some((n, h) => h.includes('<audio controls'), 'an audio player');
    some((n, h) => n.includes('JavaScript on') && /<p class="listen"><button[^>]*class="secondary listen-button"/.test(h), 'a visible Listen button');
    some((n, h) => n.includes('JavaScript off') && /<p class="listen" hidden=""><button/.test(h), 'a hidden Listen button');
    some((n, h) => h.includes('dir="rtl"'), 'a right-to-left page');
    some((n, h) => h.includes('class="d-text d-contrast d-spacing d-motion"'), 'every display setting');
    some((n, h) => h.includes('/media/images/'), "a partnership's picture");
    some((n, h) => n.includes('kiosk question') && h.includes('id="kiosk-note"'), 'a kiosk page');
    some((n, h) => n.includes('live tally') && h.includes('<svg class="qr"'), 'a tally with its QR code');
    const failures = [];
    const audit = async (page, html) => {
      // The captured DOM already shows what its scripts did; running them again here could
      // navigate away mid-audit (a kiosk's idle timer), so script elements are left out.
      const still = html.replace(/<script\b[^>]*><\/script>/g, '');
      await page.setContent(still.replace('<head>', `<head><base href="${heard.base}/">`), { waitUntil: 'load' });
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
    // The viewports are audited side by side: each has its own renderer, so both cores work.
    await Promise.all(VIEWPORTS.map(async (viewport) => {
      const pages = new Map();
      const pageFor = async (media) => {
        const key = JSON.stringify(media || {});
        if (!pages.has(key)) pages.set(key, await (await browser.newContext({ viewport, ...(media || {}) })).newPage());
        return pages.get(key);
      };
      for (const [name, html, media] of states) {
        const result = await audit(await pageFor(media), html);
        for (const v of result.violations) {
          failures.push(`${name} @${viewport.width}px: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
        }
      }
      for (const page of pages.values()) await page.context().close();
    }));
    console.log(`axe audited ${states.length} page states x ${VIEWPORTS.length} viewports`);
    if (process.env.HEARD_AUDIT_LIST) writeFileSync(process.env.HEARD_AUDIT_LIST, states.map(([n]) => n).join('\n') + '\n');
    assert.deepEqual(failures, []);
  } finally {
    await browser.close();
    await heard.stop();
  }
});
