// What the real-browser drivers (approve.mjs, phone.mjs, account.mjs) share:
// their command line and password, Debian's Chromium driven by npm
// playwright-core (no browser is downloaded), the step checks, the wait for
// a page by its heading, sign-in, and one run of a persistent profile in
// which no request may leave 127.0.0.1 and the browser is closed on every
// path.

import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
  '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
export const STEP_MS = 15000;

export class StepError extends Error {}

export function check(cond, what) {
  if (!cond) throw new StepError(what);
}

// Parses the command line (options plus --modules and --chromium); exits 2
// unless every option in `required` and env CATALYST_BROWSER_PASSWORD are
// given. Returns { opt, password }.
export function options(name, spec, required) {
  const { values: opt } = parseArgs({
    options: {
      ...spec,
      modules: { type: 'string', default: process.env.CATALYST_BROWSER_DIR },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
    },
  });
  const password = process.env.CATALYST_BROWSER_PASSWORD;
  for (const k of [...required, 'modules']) {
    if (!opt[k]) {
      console.error(`${name}: --${k} is required`);
      process.exit(2);
    }
  }
  if (!password) {
    console.error(`${name}: CATALYST_BROWSER_PASSWORD is required`);
    process.exit(2);
  }
  return { opt, password };
}

// Waits for the page whose <h1> shows `title` and for it to load; on
// timeout says what is on screen instead.
export async function expectPage(page, title) {
  const h1 = page.locator('main h1');
  try {
    await h1.filter({ hasText: title }).first()
      .waitFor({ state: 'visible', timeout: STEP_MS });
  } catch (e) {
    const seen = await h1.allTextContents().catch(() => []);
    throw new StepError(`expected the page "${title}", the browser shows ` +
                        `${JSON.stringify(seen)} at ${page.url()}`);
  }
  await page.waitForLoadState('load');
}

// Fills the sign-in form on screen and submits it.
export async function signIn(page, email, password) {
  await page.locator('input#email').fill(email);
  await page.locator('input#password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

// One browser run: opens opt.profile in opt.chromium at `viewport`, refuses
// (and lists in result.offsite) every request not to 127.0.0.1, collects
// dialogs, script errors and console errors into result, and runs
// run(page). When it throws, the page's text goes to stderr and
// onFailure(page) (a screenshot, say) is tried. The browser is closed on
// every path, a hung close given up after 20 s. Returns the error that
// stopped the run, or null.
export async function drive(opt, viewport, result, run, onFailure) {
  const require = createRequire(path.join(opt.modules, 'package.json'));
  let failed = null;
  let context = null;
  try {
    const { chromium } = require('playwright-core');
    context = await chromium.launchPersistentContext(opt.profile, {
      executablePath: opt.chromium,
      headless: true,
      args: ARGS,
      viewport,
      timeout: 60000,
    });
    // nothing may leave the machine
    await context.route('**/*', route => {
      const u = new URL(route.request().url());
      if (u.hostname === '127.0.0.1') return route.continue();
      result.offsite.push(u.href);
      return route.abort();
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on('dialog', d => {
      result.dialogs.push({ type: d.type(), message: d.message() });
      d.dismiss().catch(() => {});
    });
    page.on('pageerror', e => result.pageErrors.push(String(e)));
    page.on('console', m => {
      if (m.type() === 'error') result.consoleErrors.push(m.text());
    });
    try {
      await run(page);
    } catch (e) {
      failed = e;
      try {
        console.error(`at ${page.url()}: ` +
                      (await page.locator('body').innerText({ timeout: 2000 }))
                        .slice(0, 1500));
        if (onFailure) await onFailure(page);
      } catch (_) { /* the page itself may be gone */ }
    }
  } catch (e) {
    failed = e;
  } finally {
    if (context) {
      await Promise.race([context.close().catch(() => {}),
                          new Promise(r => setTimeout(r, 20000).unref())]);
    }
  }
  return failed;
}

// A console error that is only an expected 4xx page logging its status (a
// CSP violation does not look like one).
export function is4xx(text) {
  return /the server responded with a status of 4\d\d/.test(text);
}

// Exits 1 with the reason when failed, else 0.
export function finish(failed) {
  if (failed) {
    console.error('FAIL: ' + (failed instanceof StepError ? failed.message
                                                           : failed.stack));
    process.exit(1);
  }
  process.exit(0);
}
