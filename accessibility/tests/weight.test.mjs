// Page weight in a real browser with its cache off, as on a first visit over a slow phone
// connection: every question page of every audience and language, with its stylesheet,
// script and images, is at most 14,600 bytes on the wire (compressed, headers included:
// about what fits in the first round trip) in at most 3 requests, with no web fonts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startHeard, walkSurvey } from './lib.mjs';

const BUDGET = 14600;

test('question pages fit the weight budget', async () => {
  const heard = await startHeard(null);
  const browser = await launch();
  const failures = [];
  let heaviest = { bytes: 0 };
  let pages = 0;
  try {
    for (const [audience, lang] of [['young-people', 'en-GB'], ['young-people', 'pl'], ['young-people', 'ar'], ['parents-carers', 'en-GB']]) {
      const ctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
      await ctx.addCookies([{ name: 'heard_lang', value: lang, url: heard.base }]);
      const page = await ctx.newPage();
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      let requests = new Map();
      cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, type: e.type, bytes: 0 }));
      cdp.on('Network.loadingFinished', (e) => { const r = requests.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
      await walkSurvey(page, heard.base, audience, async (name) => {
        if (!name.startsWith('question')) return;
        requests = new Map();
        await page.reload({ waitUntil: 'networkidle' });
        const all = [...requests.values()];
        const bytes = all.reduce((n, r) => n + r.bytes, 0);
        const fonts = all.filter((r) => r.type === 'Font' || /\.(woff2?|ttf|otf)(\?|$)/.test(r.url));
        pages++;
        const label = `${audience} (${lang}) ${name}`;
        if (bytes > heaviest.bytes) heaviest = { bytes, label, requests: all.length };
        if (bytes > BUDGET) failures.push(`${label}: ${bytes} bytes > ${BUDGET}`);
        if (all.length > 3) failures.push(`${label}: ${all.length} requests: ${all.map((r) => r.url).join(', ')}`);
        if (fonts.length > 0) failures.push(`${label}: web fonts ${fonts.map((r) => r.url).join(', ')}`);
      });
      await ctx.close();
    }
    console.log(`${pages} question pages; heaviest ${heaviest.bytes} bytes in ${heaviest.requests} requests: ${heaviest.label}`);
    assert.ok(pages >= 50, `measured ${pages} pages`);
    assert.deepEqual(failures, []);
  } finally {
    await browser.close();
    await heard.stop();
  }
});
