// Plays a person on the device verification pages in a real Chromium
// (Debian's /usr/bin/chromium, driven by npm playwright-core; no browser is
// downloaded). Run by test_device_page.py:
//
//   node approve.mjs --url=<verification_uri_complete> --user-code=XXXX-XXXX
//        --email=<account> --action=approve|deny --device=<device name shown>
//        --dc='United States (us)' --client=<client id> --shots=<path prefix>
//        --profile=<fresh user-data dir> [--modules=<dir with node_modules>]
//        [--from=<address the device request came from, 127.0.0.1>]
//   password in env CATALYST_BROWSER_PASSWORD
//
// Steps: open the link from the terminal -> sign-in form, fill and submit ->
// code entry page with the code pre-filled, submit -> confirmation page
// (code, device, where and when it was requested, account, data center,
// "does not expire" warning) -> Verify
// or Deny -> done page. A PNG of each page goes to <shots>-<page>.png.
// Prints "ok <step>" per step and a last line "RESULT <json>"; exits 0 only
// when every step matched, no dialog opened, no script error happened and
// no request left 127.0.0.1. The browser is closed on every path.

import { check, drive, expectPage as pageShown, finish, options, signIn,
         STEP_MS } from './driver.mjs';

const { opt, password } = options('approve.mjs', {
  url: { type: 'string' },
  'user-code': { type: 'string' },
  email: { type: 'string' },
  action: { type: 'string', default: 'approve' },
  device: { type: 'string' },
  dc: { type: 'string' },
  client: { type: 'string' },
  shots: { type: 'string' },
  profile: { type: 'string' },
  from: { type: 'string', default: '127.0.0.1' },
}, ['url', 'user-code', 'email', 'device', 'dc', 'client', 'shots',
    'profile']);
if (!['approve', 'deny'].includes(opt.action)) {
  console.error('approve.mjs: --action=approve|deny is required');
  process.exit(2);
}

const result = { steps: [], dialogs: [], pageErrors: [], consoleErrors: [],
                 offsite: [], shots: [] };

function ok(step) {
  result.steps.push(step);
  console.log('ok ' + step);
}

async function shot(page, name) {
  const file = `${opt.shots}-${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  result.shots.push(file);
}

// The status of the document on screen (after redirects), from the
// browser's own navigation timing.
async function docStatus(page) {
  return page.evaluate(() => {
    const e = performance.getEntriesByType('navigation')[0];
    return e ? e.responseStatus : 0;
  });
}

// Waits for the page whose <h1> is exactly `title`, which came with HTTP
// 200; on timeout says what is on screen instead.
async function expectPage(page, title) {
  await pageShown(page, title);
  const text = (await page.locator('main h1').first().textContent()).trim();
  check(text === title, `heading is "${text}", expected "${title}"`);
  const st = await docStatus(page);
  check(st === 200, `"${title}" came with HTTP ${st}, expected 200`);
}

async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

async function run(page) {
  // 1. the link the terminal printed: not signed in, so the sign-in form
  const resp = await page.goto(opt.url, { waitUntil: 'load',
                                          timeout: STEP_MS });
  check(resp && resp.status() === 200,
        `GET ${opt.url} answered ${resp && resp.status()}`);
  await expectPage(page, 'Sign in');
  check((await mainText(page)).includes(
    'A device is waiting for you to verify it.'),
  'the sign-in page does not say it is for a device verification');
  const email = page.locator('input#email');
  const pw = page.locator('input#password');
  check(await email.isVisible() && await pw.isVisible(),
        'no visible email/password fields');
  check(await pw.getAttribute('type') === 'password',
        'the password field is not type=password');
  await shot(page, 'signin');
  await signIn(page, opt.email, password);
  ok('signed in');

  // 2. back on the code entry page, the code already filled in
  await expectPage(page, 'Verify your device');
  const url = new URL(page.url());
  check(url.pathname === '/device' &&
        url.searchParams.get('user_code') === opt['user-code'],
        `after sign-in the browser is at ${page.url()}`);
  const field = page.locator('input#user_code');
  const value = await field.inputValue();
  check(value === opt['user-code'],
        `the code field holds "${value}", expected "${opt['user-code']}"`);
  const top = await page.locator('header .who').textContent();
  check(top === opt.email &&
        await page.getByRole('button', { name: 'Sign out' }).isVisible(),
  `the header shows "${top}", not the signed-in ${opt.email} and Sign out`);
  await shot(page, 'code');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  ok('code entry page, code pre-filled, submitted');

  // 3. the confirmation: exactly what is being authorized
  await expectPage(page, 'Authorize a CLI token?');
  const big = (await page.locator('.bigcode').textContent()).trim();
  check(big === opt['user-code'], `the page shows the code "${big}"`);
  const facts = Object.fromEntries(
    await page.locator('main dl > dt').evaluateAll(dts => dts.map(dt =>
      [dt.textContent.trim(),
       dt.nextElementSibling ? dt.nextElementSibling.textContent.trim()
                             : null])));
  check(facts['Device'] === opt.device,
        `Device is ${JSON.stringify(facts['Device'])}, expected ` +
        JSON.stringify(opt.device));
  check(facts['Requested from'] === opt.from,
        `Requested from is ${JSON.stringify(facts['Requested from'])}, ` +
        `expected ${JSON.stringify(opt.from)}`);
  check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(/.test(
    facts['Requested at'] || ''),
  `Requested at is ${JSON.stringify(facts['Requested at'])}`);
  check(facts['Data center'] === opt.dc,
        `Data center is ${JSON.stringify(facts['Data center'])}, ` +
        `expected ${JSON.stringify(opt.dc)}`);
  check(facts['Account'] === opt.email,
        `Account is ${JSON.stringify(facts['Account'])}`);
  check((facts['Application'] || '').includes(`(${opt.client})`),
        `Application is ${JSON.stringify(facts['Application'])}, ` +
        `not the client ${opt.client}`);
  check(await page.locator('img, script, iframe, object, embed').count() === 0,
        'the confirmation page has an element made from the request');
  const note = (await page.locator('main .note').innerText())
    .replace(/\s+/g, ' ');
  check(note.includes('This token does not expire unless you revoke it'),
        `no "does not expire" warning; the note says "${note}"`);
  const verify = page.getByRole('button', { name: 'Verify', exact: true });
  const deny = page.getByRole('button', { name: 'Deny', exact: true });
  check(await verify.isVisible() && await deny.isVisible(),
        'Verify and Deny are not both shown');
  await shot(page, 'confirm');
  ok(`confirmation page: device ${JSON.stringify(facts['Device'])}, ` +
     `requested from ${facts['Requested from']} at ` +
     `${facts['Requested at']}, data center ${facts['Data center']}, ` +
     'no-expiry warning');

  // 4. the decision and the done page
  await (opt.action === 'approve' ? verify : deny).click();
  if (opt.action === 'approve') {
    await expectPage(page, 'Device verified');
    const t = await mainText(page);
    check(t.includes('Return to your terminal'),
          `the done page says "${t}"`);
  } else {
    await expectPage(page, 'Request denied');
    const t = await mainText(page);
    check(t.includes('No token was issued.'),
          `the done page says "${t}"`);
  }
  await shot(page, 'done');
  ok(`clicked ${opt.action === 'approve' ? 'Verify' : 'Deny'}, done page`);
}

const failed = await drive(opt, { width: 800, height: 720 }, result,
  async page => {
    await run(page);
    check(result.dialogs.length === 0,
          `a dialog opened: ${JSON.stringify(result.dialogs)}`);
    check(result.pageErrors.length === 0,
          `script errors: ${JSON.stringify(result.pageErrors)}`);
    check(result.consoleErrors.length === 0,
          `console errors: ${JSON.stringify(result.consoleErrors)}`);
    check(result.offsite.length === 0,
          `requests left 127.0.0.1: ${JSON.stringify(result.offsite)}`);
  }, page => shot(page, 'failure'));
console.log('RESULT ' + JSON.stringify(result));
finish(failed);
