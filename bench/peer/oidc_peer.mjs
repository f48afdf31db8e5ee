// The benchmark's peer: oidc-provider 8.8.1 (the in-memory adapter) on
// 127.0.0.1, with tokens obtained through its real device flow.
//
//   node bench/peer/oidc_peer.mjs <dir with node_modules/oidc-provider>
//
// It starts the provider, then acts as the device and as the user: the
// device asks for a code at /device/auth; the user's side is plain HTTP
// (fetch and a cookie jar) through the provider's own HTML forms -- the
// user-code page (/device), its confirmation form, then the provider's
// built-in login and consent pages (devInteractions) -- and the device
// redeems the code at /token. No token is minted through the models.
//
// It prints one JSON line on stdout (the port, the client, an access token
// and a refresh token, a revoked refresh token, a pending device code) and
// then serves until it is killed.
//
// Configuration: one confidential client (client_secret_post) allowed the
// device-code and refresh-token grants; scopes `openid offline_access` (the
// provider issues a refresh token only with offline_access, and its
// user-info endpoint answers only tokens with openid); issueRefreshToken
// always true; refresh tokens not rotated (catalystd does not rotate either,
// so wrk can replay one); the user-info and revocation endpoints enabled.
// The benchmark's refresh request asks for `scope=offline_access`, so the
// provider issues no ID token on refresh (it signs one only when the
// refreshed scope holds openid).
//
// The in-memory adapter keeps at most 1,000 entries by default (an LRU);
// under load it would drop the benchmark's grant and tokens, so its store is
// replaced by one with room for 10 million entries -- still all in memory.

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = path.resolve(process.argv[2] || '.');
const mod = (p) => pathToFileURL(path.join(dir, 'node_modules', p)).href;
const { default: Provider } = await import(mod('oidc-provider/lib/index.js'));
const { setStorage } = await import(mod('oidc-provider/lib/adapters/memory_adapter.js'));
const { default: QuickLRU } = await import(mod('quick-lru/index.js'));

setStorage(new QuickLRU({ maxSize: 10_000_000 }));

const CLIENT_ID = 'bench-device';
const CLIENT_SECRET = 'bench-device-secret-0123456789abcdef';
const SCOPE = 'openid offline_access';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const configuration = {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    grant_types: [DEVICE_GRANT, 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  scopes: ['openid', 'offline_access'],
  features: {
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    devInteractions: { enabled: true },
  },
  issueRefreshToken: async () => true,
  rotateRefreshToken: false,
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, email: sub + '@example.com' }),
  }),
};

// the attention warnings (development interactions, in-memory adapter) go
// to stderr; stdout carries only the JSON line
console.info = console.warn = (...a) => process.stderr.write(a.join(' ') + '\n');

const server = (await import('node:http')).createServer();
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const port = server.address().port;
const base = `http://127.0.0.1:${port}`;
const provider = new Provider(base, configuration);
server.on('request', provider.callback());

// --- a tiny browser: cookies, manual redirects, HTML forms ---
const jar = new Map();
async function browse(method, url, form) {
  for (let hop = 0; hop < 20; hop += 1) {
    const headers = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(new URL(url, base), { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      const k = kv.slice(0, i);
      const v = kv.slice(i + 1);
      if (v === '' || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(k); else jar.set(k, v);
    }
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc) {
      url = new URL(loc, new URL(url, base)).href;
      method = 'GET';
      form = undefined;
      continue;
    }
    return { status: res.status, url, text: await res.text() };
  }
  throw new Error('too many redirects');
}

function field(html, name) {
  const m = html.match(new RegExp(`name="${name}"[^>]*value="([^"]*)"`))
    || html.match(new RegExp(`value="([^"]*)"[^>]*name="${name}"`));
  return m && m[1];
}

function action(html) {
  const m = html.match(/<form[^>]*action="([^"]+)"/);
  return m && m[1].replace(/&amp;/g, '&');
}

async function token(params) {
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...params }),
  });
  return { status: res.status, body: await res.json() };
}

async function deviceAuthorization() {
  const res = await fetch(`${base}/device/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: SCOPE }),
  });
  if (res.status !== 200) throw new Error(`device/auth: ${res.status} ${await res.text()}`);
  return res.json();
}

// One whole device flow: the user enters the code on the provider's page,
// confirms it, signs in and consents on its pages; the device redeems.
async function deviceFlow(login) {
  const dev = await deviceAuthorization();
  jar.clear();
  let page = await browse('GET', dev.verification_uri);
  let xsrf = field(page.text, 'xsrf');
  if (!xsrf) throw new Error('no xsrf on the user-code page');
  page = await browse('POST', action(page.text) || '/device', { xsrf, user_code: dev.user_code });
  // the confirmation form: the same xsrf, the code, and confirm
  xsrf = field(page.text, 'xsrf') || xsrf;
  if (!/name="confirm"/.test(page.text)) throw new Error('no confirmation form: ' + page.text.slice(0, 400));
  page = await browse('POST', action(page.text) || '/device', { xsrf, user_code: dev.user_code, confirm: 'yes' });
  for (let step = 0; step < 5 && /name="prompt"/.test(page.text); step += 1) {
    const prompt = field(page.text, 'prompt');
    const submit = action(page.text);
    page = await browse('POST', submit, prompt === 'login'
      ? { prompt, login, password: 'any' } : { prompt });
  }
  if (page.status !== 200) throw new Error(`device flow ended in ${page.status}: ${page.text.slice(0, 400)}`);
  const tok = await token({ grant_type: DEVICE_GRANT, device_code: dev.device_code });
  if (tok.status !== 200 || !tok.body.refresh_token) {
    throw new Error(`device code redeem: ${tok.status} ${JSON.stringify(tok.body)}`);
  }
  return tok.body;
}

try {
  const main = await deviceFlow('bench-user');
  // checks the load phase will rely on
  const ui = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${main.access_token}` } });
  if (ui.status !== 200) throw new Error(`userinfo: ${ui.status} ${await ui.text()}`);
  const rf = await token({ grant_type: 'refresh_token', refresh_token: main.refresh_token, scope: 'offline_access' });
  if (rf.status !== 200 || rf.body.id_token) throw new Error(`refresh: ${rf.status} ${JSON.stringify(rf.body)}`);
  // a refresh token to revoke, from a second flow (revoking a refresh
  // token revokes its grant, so not the main one)
  const other = await deviceFlow('bench-other');
  const rv = await fetch(`${base}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token: other.refresh_token }),
  });
  if (rv.status !== 200) throw new Error(`revocation: ${rv.status}`);
  const pending = await deviceAuthorization();
  process.stdout.write(JSON.stringify({
    port,
    pid: process.pid,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    scope: SCOPE,
    access_token: main.access_token,
    refresh_token: main.refresh_token,
    revoked_refresh_token: other.refresh_token,
    pending_device_code: pending.device_code,
    tokens_from: 'real device flow (user-code page, confirmation, login and consent forms driven over HTTP)',
  }) + '\n');
} catch (e) {
  process.stderr.write(`oidc_peer: ${e.stack || e}\n`);
  process.exit(1);
}
