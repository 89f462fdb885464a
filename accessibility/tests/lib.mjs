// Shared helpers for the browser tests: start a real Heard server on a free port with the
// demo loaded, launch Debian's Chromium through playwright-core, and stop both afterwards.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const HEARD = process.env.HEARD_BIN || join(ROOT, 'target', 'debug', 'heard');

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The databases to run against: SQLite always, plus any URLs in HEARD_TEST_DATABASES. */
export function databases() {
  const extra = (process.env.HEARD_TEST_DATABASES || '').split(/\s+/).filter(Boolean);
  return [{ name: 'SQLite', url: null }, ...extra.map((url) => ({ name: 'PostgreSQL', url }))];
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on('error', fail);
  });
}

/** Starts `heard serve` with the demo (no synthetic responses) on a fresh database; `extra`
 * adds or replaces environment variables. */
export async function startHeard(databaseUrl, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'heard-browser-'));
  const url = databaseUrl || `sqlite://${join(dir, 'heard.db')}`;
  const port = await freePort();
  // One test browser signs in and posts far faster than people do: per-client limits off.
  const env = {
    ...process.env,
    DATABASE_URL: url,
    HEARD_BIND: `127.0.0.1:${port}`,
    RUST_LOG: 'warn',
    HEARD_SIGN_IN_PER_MINUTE: '0',
    HEARD_PUBLIC_POSTS_PER_MINUTE: '0',
    // Messages (confirmation emails) go to the test's own folder, not the checkout.
    HEARD_MAIL_DIR: join(dir, 'mail'),
    // Admins sign in with a password alone here; the audit turns two-factor sign-in on.
    HEARD_TWO_FACTOR: 'optional',
    ...extra,
  };
  if (databaseUrl) {
    // A shared PostgreSQL database: start from an empty schema.
    execFileSync(HEARD, ['migrate', '--revert-all'], { env, stdio: 'pipe' });
  }
  // The whole demo: closed waves with responses, so year-on-year pages have something to show.
  execFileSync(HEARD, ['demo'], { env, stdio: 'pipe' });
  const child = spawn(HEARD, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(`${base}/healthz`); if (r.ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, env,
    exportJson(wave) {
      return JSON.parse(execFileSync(HEARD, ['export', 'responses', '--wave', wave, '--format', 'json'], { env }).toString());
    },
    log: () => log,
    /** Runs a `heard` command against this server's database (as an administrator would). */
    run(args, input) {
      return execFileSync(HEARD, args, { env, input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    },
    /** Adds a staff account through the CLI, as an administrator would. */
    addUser(email, role, partnership, password) {
      const args = ['user', 'add', '--email', email, '--role', role];
      if (partnership) args.push('--partnership', partnership);
      execFileSync(HEARD, args, { env, input: `${password}\n` });
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** Walks the open demo wave as `audience`, calling `visit(name)` on every page on the way
 * (the audience choice, the audience's start, each question, consent, check, done).
 * Buttons are found by what they do, so it works in every language. */
export async function walkSurvey(page, base, audience, visit, wave = 'torbay-participation-2025') {
  const go = async (sel) => { await page.locator(sel).first().click(); await page.waitForLoadState('load'); };
  await page.goto(`${base}/s/${wave}`); await visit('audience choice');
  await page.goto(`${base}/s/${wave}/${audience}`); await visit('audience start');
  await go('form[action$="/start"] button[type=submit]');
  for (let i = 0; i < 30 && page.url().includes('/q/'); i++) {
    const key = page.url().split('/q/')[1];
    await visit(`question ${key}`);
    const text = page.locator('textarea, input[type=text][name=answer]');
    if (await text.count() > 0) {
      await text.fill((await text.getAttribute('inputmode')) !== null ? '12' : 'Fine');
    } else {
      await page.locator(`label[for="${await page.locator('input[name=answer]').first().getAttribute('id')}"]`).click();
    }
    await go('button[name=action][value=continue]');
  }
  await visit('consent');
  await page.locator('label[for="answer-0"]').click();
  await go('button[value=continue]'); await visit('check answers');
  await go('form[action$="/send"] button[type=submit]'); await visit('confirmation');
}

/** Signs in to the staff workspace. */
export async function signIn(page, base, email, password) {
  await page.goto(`${base}/staff/sign-in`);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await page.locator('form[action="/staff/sign-in"] button[type=submit]').click();
  await page.waitForLoadState('load');
}

/** The code an authenticator app shows for the base32 `key`, `ahead` time steps of 30
 * seconds from now (RFC 6238 with SHA-1 and 6 digits, as the apps do). */
export function totpCode(key, ahead = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of key.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + ahead));
  const mac = createHmac('sha1', bytes).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

/** The key in an `otpauth://` address. */
export function otpauthKey(address) {
  return new URL(address).searchParams.get('secret');
}
