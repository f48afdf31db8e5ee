// A standard OAuth client library (npm openid-client 5, no configuration
// beyond the client's id and secret) against catalystd: the device flow,
// refresh, introspection and revocation.
//
//   node oauth_library.js LIBDIR METADATA_URL CLIENT_ID SECRET METHOD SCOPE
//
// LIBDIR holds node_modules/openid-client. METHOD is "default" (the
// library's own choice, client_secret_basic) or a
// token_endpoint_auth_method to configure. Prints one JSON line when the
// user code is ready ({"user_code", "verification_uri_complete"}), then one
// with what happened and the client authentication each request carried.
'use strict';

const path = require('path');

const [libdir, metadataUrl, clientId, secret, method, scope] =
  process.argv.slice(2);
const { Issuer, custom } = require(
  path.join(libdir, 'node_modules', 'openid-client'));

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

async function main() {
  custom.setHttpOptionsDefaults({ timeout: 15000 });
  const issuer = await Issuer.discover(metadataUrl);
  const metadata = { client_id: clientId, client_secret: secret };
  if (method !== 'default') metadata.token_endpoint_auth_method = method;
  const client = new issuer.Client(metadata);
  const requests = [];
  // records, never changes, what the library sends
  client[custom.http_options] = (url, opts) => {
    const authz = (opts.headers || {}).Authorization || '';
    requests.push({
      path: url.pathname,
      basic: authz.startsWith('Basic '),
      form: Object.keys(opts.form || {}).sort(),
    });
    return {};
  };

  const handle = await client.deviceAuthorization({ scope });
  say({ user_code: handle.user_code,
        verification_uri_complete: handle.verification_uri_complete });
  const tokens = await handle.poll();
  const refreshed = await client.refresh(tokens.refresh_token);
  const active = await client.introspect(refreshed.access_token,
                                         'access_token');
  await client.revoke(tokens.refresh_token, 'refresh_token');
  const revoked = await client.introspect(tokens.refresh_token,
                                          'refresh_token');
  let refreshAfterRevoke = 'accepted';
  try {
    await client.refresh(tokens.refresh_token);
  } catch (e) {
    refreshAfterRevoke = e.error || String(e);
  }
  say({
    method: client.token_endpoint_auth_method,
    got_refresh_token: typeof tokens.refresh_token === 'string',
    refreshed_access_token: typeof refreshed.access_token === 'string',
    introspect_active: active.active,
    introspect_username: active.username,
    introspect_after_revoke: revoked.active,
    refresh_after_revoke: refreshAfterRevoke,
    requests,
  });
}

main().catch((e) => {
  process.stderr.write('openid-client: ' + (e.stack || e) + '\n' +
                       (e.error ? JSON.stringify(e) + '\n' : ''));
  process.exit(1);
});
