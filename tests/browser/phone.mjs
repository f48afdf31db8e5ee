// Every browser page of catalystd on a phone-sized screen (375x667) in a
// real Chromium (Debian's, driven by npm playwright-core). Run by
// test_phone_pages.py:
//
//   node phone.mjs --base=<server URL> --email=<account> --code1=XXXX-XXXX
//        --code2=XXXX-XXXX --consent=<an /oauth/v2/auth URL> --shots=<dir>
//        --profile=<fresh user-data dir> --modules=<dir with node_modules>
//        [--chromium=/usr/bin/chromium]
//   password in env CATALYST_BROWSER_PASSWORD
//
// It walks through sign-in (wrong password, then right), code entry, the
// confirmation of code1 (Verify), the done page, a mistyped code, code1
// again (already used), a form without its CSRF field (expired form), the
// confirmation of code2 (Deny), the denied page, the account page, an
// invalid sign-in link and the browser-flow consent page. On each page it checks:
//   - nothing scrolls sideways: documentElement.scrollWidth <= innerWidth
//     (the elements sticking out are named when it does);
//   - the page has a viewport meta tag (real phones lay out at 980 px
//     without it);
//   - the first heading is not repeated as the first line of the text
//     after it;
//   - every visible text has WCAG AA contrast against the background it is
//     drawn on (4.5:1, 3:1 for large text), and every form control is told
//     apart from its surroundings by 3:1 (border or fill; WCAG 1.4.11), as
//     the browser computes the colours.
// A step that cannot be done (a heading never shows) stops the run; the
// page checks are all collected, so one run lists every page that fails.
// Prints "ok <page>" or "FAIL <page>: <why>" per page and a last line
// "RESULT <json>"; exits 0 only when every check passed, no dialog opened,
// no script or console error (a CSP violation is one) happened and no
// request left 127.0.0.1.

import path from 'node:path';

import { check, drive, expectPage, finish, is4xx, options,
         signIn } from './driver.mjs';

const { opt, password } = options('phone.mjs', {
  base: { type: 'string' },
  email: { type: 'string' },
  code1: { type: 'string' },
  code2: { type: 'string' },
  consent: { type: 'string' },
  shots: { type: 'string' },
  profile: { type: 'string' },
}, ['base', 'email', 'code1', 'code2', 'consent', 'shots', 'profile']);

// a desktop layout viewport of phone width: innerWidth is exactly 375, so
// anything wider shows in scrollWidth instead of being zoomed out
const VIEWPORT = { width: 375, height: 667 };
// pages whose PNG is kept for a person to look at
const SHOT = new Set(['confirm', 'done', 'consent', 'account']);

const result = { pages: [], failures: [], dialogs: [], pageErrors: [],
                 consoleErrors: [], offsite: [], shots: [] };

// Runs in the page: everything examine() checks, as plain data.
function measure() {
  const parse = s => {
    const m = /rgba?\(([^)]+)\)/.exec(s);
    if (!m) return null;
    const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const lum = c => {
    const ch = v => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  };
  const ratio = (a, b) => {
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  // the colour behind el: its backgrounds and its ancestors', over white
  const bgOf = el => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) layers.push(c);
      if (c && c.a >= 1) break;
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const hex = c => '#' + [c.r, c.g, c.b].map(v =>
    Math.round(v).toString(16).padStart(2, '0')).join('');
  const name = el => el.tagName.toLowerCase() +
    (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const visible = el => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' &&
      cs.display !== 'none';
  };

  const contrast = [];
  const textCheck = (el, fg, what) => {
    const cs = getComputedStyle(el);
    const size = parseFloat(cs.fontSize);
    const bold = Number(cs.fontWeight) >= 700;
    // WCAG "large": 18 pt, or 14 pt bold (1 pt = 4/3 px)
    const large = size >= 24 || (bold && size >= 18.66);
    const need = large ? 3 : 4.5;
    const bg = bgOf(el);
    const c = over(fg, bg);
    const r = ratio(c, bg);
    if (r < need)
      contrast.push(`${what} ${name(el)}: ${hex(c)} on ${hex(bg)} is ` +
                    `${r.toFixed(2)}:1, needs ${need}:1`);
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 &&
                                           n.textContent.trim());
    if (own) textCheck(el, parse(getComputedStyle(el).color), 'text');
    if (el.matches('input:not([type=hidden])')) {
      if (el.value) textCheck(el, parse(getComputedStyle(el).color), 'value');
      else if (el.placeholder)
        textCheck(el, parse(getComputedStyle(el, '::placeholder').color),
                  'placeholder');
    }
    if (el.matches('input:not([type=hidden]), button, a.button')) {
      // a control must stand out from what is around it: by its border
      // or by its own fill
      const around = bgOf(el.parentElement);
      const cs = getComputedStyle(el);
      const border = over(parse(cs.borderTopColor), around);
      const fill = bgOf(el);
      const best = Math.max(
        parseFloat(cs.borderTopWidth) > 0 ? ratio(border, around) : 0,
        ratio(fill, around));
      if (best < 3)
        contrast.push(`control ${name(el)}: border ${hex(border)} / fill ` +
                      `${hex(fill)} on ${hex(around)} is ` +
                      `${best.toFixed(2)}:1, needs 3:1`);
    }
  }

  // what sticks out on the right, for the failure message
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 && wide.length < 8)
      wide.push(`${name(el)} to ${Math.round(r.right)}px`);
  }

  // the first heading and the first line of the text after it
  const h1 = document.querySelector('main h1');
  let next = h1 ? h1.nextElementSibling : null;
  while (next && !next.innerText.trim()) next = next.nextElementSibling;
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    viewportMeta: !!document.querySelector(
      'meta[name=viewport][content*="width=device-width"]'),
    heading: h1 ? h1.innerText.trim() : null,
    firstLine: next ? next.innerText.trim().split('\n')[0].trim() : '',
    wide, contrast,
  };
}

// Lowercase words without punctuation: "Device verified." starts with
// "device verified" as surely as "Device verified".
function words(s) {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

async function examine(page, name) {
  const m = await page.evaluate(measure);
  const why = [];
  if (m.scrollWidth > m.innerWidth)
    why.push(`scrolls sideways: scrollWidth ${m.scrollWidth} > ` +
             `innerWidth ${m.innerWidth} (${m.wide.join(', ')})`);
  if (!m.viewportMeta)
    why.push('no <meta name="viewport" content="width=device-width...">');
  if (!m.heading)
    why.push('no heading');
  else if (words(m.firstLine).startsWith(words(m.heading)))
    why.push(`the heading "${m.heading}" is repeated as the first line ` +
             `"${m.firstLine}"`);
  why.push(...m.contrast);
  if (SHOT.has(name)) {
    const file = path.join(opt.shots, `phone-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    result.shots.push(file);
  }
  result.pages.push({ name, url: page.url(), heading: m.heading,
                      scrollWidth: m.scrollWidth,
                      innerWidth: m.innerWidth });
  if (why.length) {
    result.failures.push({ name, why });
    console.log(`FAIL ${name}: ${why.join('; ')}`);
  } else {
    console.log(`ok ${name}`);
  }
}

async function enterCode(page, code) {
  await page.locator('input#user_code').fill(code);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

async function run(page) {
  // signed out: the link from the terminal leads to sign-in
  await page.goto(`${opt.base}/device?user_code=${opt.code1}`,
                  { waitUntil: 'load' });
  await expectPage(page, 'Sign in');
  await examine(page, 'signin');
  await signIn(page, opt.email, password + '-wrong');
  await expectPage(page, 'Sign in');
  check(await page.locator('main .error').count() === 1,
        'a wrong password shows no error');
  await examine(page, 'signin-error');
  await signIn(page, opt.email, password);

  // signed in: the long email is in the header from here on
  await expectPage(page, 'Verify your device');
  await examine(page, 'code-entry');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await expectPage(page, 'Authorize a CLI token?');
  await examine(page, 'confirm');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expectPage(page, 'Device verified');
  await examine(page, 'done');

  await page.goto(`${opt.base}/device`, { waitUntil: 'load' });
  await expectPage(page, 'Verify your device');
  await examine(page, 'code-entry-empty');
  // a code from a 20-letter alphabet nobody was given
  await enterCode(page, 'ZZZZ-ZZZZ');
  await expectPage(page, 'Verify your device');
  check(await page.locator('main .error').count() === 1,
        'a mistyped code shows no error');
  await examine(page, 'code-wrong');
  await enterCode(page, opt.code1);
  await expectPage(page, 'Code already used');
  await examine(page, 'code-used');

  // a form that lost its CSRF field: the "expired form" page
  await page.goto(`${opt.base}/device`, { waitUntil: 'load' });
  await expectPage(page, 'Verify your device');
  await page.locator('main input[name=csrf]').evaluate(e => e.remove());
  await enterCode(page, opt.code2);
  await expectPage(page, 'This form has expired');
  await examine(page, 'form-expired');

  await page.goto(`${opt.base}/device?user_code=${opt.code2}`,
                  { waitUntil: 'load' });
  await expectPage(page, 'Verify your device');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await expectPage(page, 'Authorize a CLI token?');
  await page.getByRole('button', { name: 'Deny', exact: true }).click();
  await expectPage(page, 'Request denied');
  await examine(page, 'denied');

  // the account page: the token made for the long device name, the
  // devices, the events
  await page.goto(`${opt.base}/account`, { waitUntil: 'load' });
  await expectPage(page, 'Your account');
  check(await page.locator('main .item').count() >= 1,
        'the account page lists no token');
  await examine(page, 'account');

  // the browser flow (catalyst login): a broken link, then consent
  await page.goto(`${opt.base}/oauth/v2/auth`, { waitUntil: 'load' });
  await expectPage(page, 'Invalid sign-in link');
  await examine(page, 'invalid-link');
  await page.goto(opt.consent, { waitUntil: 'load' });
  const h = (await page.locator('main h1').first().textContent()).trim();
  check(/^Allow .+\?$/.test(h), `the consent page's heading is "${h}"`);
  await examine(page, 'consent');
}

const failed = await drive(opt, VIEWPORT, result, async page => {
  await run(page);
  check(result.failures.length === 0,
        `${result.failures.length} page(s) failed: ` +
        result.failures.map(f => f.name).join(', '));
  check(result.dialogs.length === 0,
        `a dialog opened: ${JSON.stringify(result.dialogs)}`);
  check(result.pageErrors.length === 0,
        `script errors: ${JSON.stringify(result.pageErrors)}`);
  // the expected 4xx pages log their status; a CSP violation does not
  // look like one
  const bad = result.consoleErrors.filter(t => !is4xx(t));
  check(bad.length === 0, `console errors: ${JSON.stringify(bad)}`);
  check(result.offsite.length === 0,
        `requests left 127.0.0.1: ${JSON.stringify(result.offsite)}`);
});
console.log('RESULT ' + JSON.stringify(result));
finish(failed);
