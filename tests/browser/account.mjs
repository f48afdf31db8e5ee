// Plays a person on the account page (/account) in a real Chromium
// (Debian's, driven by npm playwright-core) at phone width (375x667). Run
// by test_account_page.py, twice with the same profile (so the second run
// is still signed in):
//
//   node account.mjs --step=revoke-one|revoke-all --base=<server URL>
//        --email=<account> --revoke=<token id> --expect=<id,id,...>
//        --devices=<name,name,...> --profile=<user-data dir>
//        --modules=<dir with node_modules> [--chromium=/usr/bin/chromium]
//        [--shots=<dir>]
//   password in env CATALYST_BROWSER_PASSWORD
//
// revoke-one: opens /account signed out (sent to sign in and back), checks
// every token of --expect and every device of --devices is shown, presses
// Revoke on the card of --revoke, and checks the page then says so and no
// longer lists it.
// revoke-all: (the sign-in now older than --reauth-after) presses Revoke
// all, must be asked for the password, gives a wrong one (refused, with an
// error), then the right one, and checks no token is left.
// On every page: documentElement.scrollWidth <= innerWidth. Prints
// "ok <what>" per check and exits 0 only when all held, no script error
// happened and no request left 127.0.0.1.

import path from 'node:path';

import { check as must, drive, expectPage, finish, is4xx, options,
         signIn as fillSignIn } from './driver.mjs';

const { opt, password } = options('account.mjs', {
  step: { type: 'string' },
  base: { type: 'string' },
  email: { type: 'string' },
  revoke: { type: 'string', default: '' },
  expect: { type: 'string', default: '' },
  devices: { type: 'string', default: '' },
  profile: { type: 'string' },
  shots: { type: 'string', default: '' },
}, ['step', 'base', 'email', 'profile']);
const list = s => s.split(',').filter(Boolean);

// every check that holds is printed
function check(cond, what) {
  must(cond, what);
  console.log(`ok ${what}`);
}

// Nothing scrolls sideways at phone width.
async function fits(page, name) {
  const m = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  check(m.scrollWidth <= m.innerWidth,
        `${name} fits 375 px (scrollWidth ${m.scrollWidth}, innerWidth ` +
        `${m.innerWidth})`);
  if (opt.shots)
    await page.screenshot({ path: path.join(opt.shots, `${name}.png`),
                            fullPage: true });
}

// The ids on the page's token cards.
async function cardIds(page) {
  return (await page.locator('main .item h3').allTextContents())
    .map(s => s.trim());
}

async function signIn(page) {
  await expectPage(page, 'Sign in');
  await fillSignIn(page, opt.email, password);
}

async function revokeOne(page) {
  // signed out: sent to sign in, then back to the page
  await page.goto(`${opt.base}/account`, { waitUntil: 'load' });
  await signIn(page);
  await expectPage(page, 'Your account');
  check(new URL(page.url()).pathname === '/account',
        'sign-in returns to /account');
  const ids = await cardIds(page);
  for (const id of list(opt.expect))
    check(ids.includes(id), `token ${id} listed`);
  const devices = await page.locator('main ul.list').first().innerText();
  for (const d of list(opt.devices))
    check(devices.includes(d), `device ${d} listed`);
  check(devices.includes('This browser'), 'this browser listed');
  await fits(page, 'account');
  await page.getByRole('button', { name: `Revoke ${opt.revoke}`,
                                   exact: true }).click();
  await expectPage(page, 'Your account');
  check((await page.locator('main [role=status]').innerText())
    .includes('revoked'), 'the page says the token was revoked');
  check(!(await cardIds(page)).includes(opt.revoke),
        `token ${opt.revoke} no longer listed`);
  await fits(page, 'account-revoked');
}

async function revokeAll(page) {
  await page.goto(`${opt.base}/account`, { waitUntil: 'load' });
  await expectPage(page, 'Your account');
  const before = (await cardIds(page)).length;
  check(before > 0, `${before} tokens left to revoke`);
  await page.getByRole('button', { name: /^Revoke all/ }).click();
  await expectPage(page, 'Confirm your password');
  await fits(page, 'reauth');
  await page.locator('input#password').fill(password + '-wrong');
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expectPage(page, 'Confirm your password');
  check((await page.locator('main .error').innerText())
    .includes('Wrong password'), 'a wrong password is refused');
  check(!page.url().includes('done='), 'no action done after it');
  await page.locator('input#password').fill(password);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expectPage(page, 'Your account');
  check((await page.locator('main [role=status]').innerText())
    .includes('Every token was revoked'), 'the page says all were revoked');
  check((await cardIds(page)).length === 0, 'no token listed');
  await fits(page, 'account-empty');
}

const steps = { 'revoke-one': revokeOne, 'revoke-all': revokeAll };
const result = { dialogs: [], pageErrors: [], consoleErrors: [],
                 offsite: [] };
let failed = null;
try {
  check(steps[opt.step] !== undefined, `step ${opt.step} is known`);
} catch (e) {
  failed = e;
}
failed = failed || await drive(opt, { width: 375, height: 667 }, result,
  async page => {
    await steps[opt.step](page);
    // a wrong password is a 401 page, which the console reports
    const errors = [...result.pageErrors,
                    ...result.consoleErrors.filter(t => !is4xx(t))];
    check(errors.length === 0, `no script errors ${JSON.stringify(errors)}`);
    check(result.offsite.length === 0, `no request left 127.0.0.1 ` +
          JSON.stringify(result.offsite));
  });
if (!failed) console.log('RESULT ok');
finish(failed);
