"""Client authentication (RFC 6749 2.1, 2.3.1, 5.2; RFC 8628 3.1): public
and confidential clients, client_secret_basic and client_secret_post, on
every endpoint where a client authenticates; and device names cleaned of
control and bidi characters on every path that stores one.

Each test here failed on the code before issue 7, finding 4 (and the device
name part of finding 8)."""

import base64
import unittest
import urllib.parse

from common import (CLI_SCOPES, DEVICE_GRANT, ServerCase, bearer,
                    token_ok)
from harness import Browser, admin_json, db_query, http, pkce_pair

REDIRECT = 'http://localhost:9005'
# a secret every form-urlencoding step changes: RFC 6749 2.3.1 escapes id
# and secret before base64, so '+' must arrive as '+', ' ' as ' '
ODD_SECRET = 'odd secret: 100% a+b/c&d=e'


def basic(cid, secret, encode=True):
    """An Authorization value for client_secret_basic."""
    q = urllib.parse.quote_plus if encode else (lambda v: v)
    raw = '%s:%s' % (q(cid), q(secret))
    return 'Basic ' + base64.b64encode(raw.encode()).decode()


def add_client(db, name, kind, public=False, secret=None):
    """(id, secret or None) of a new client."""
    args = ['client', 'add', '--name', name, '--kind', kind, '--json']
    if public:
        args.append('--public')
    if secret is not None:
        args.append('--secret-stdin')
    d = admin_json(db, *args,
                   stdin=secret + '\n' if secret is not None else None)
    return d['client_id'], d.get('client_secret')


class ClientAuthCase(ServerCase):
    server_kwargs = {'device_interval': 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.odd_dev = add_client(cls.srv.db, 'odd secret', 'device',
                                 secret=ODD_SECRET)

    # helpers -----------------------------------------------------------
    def token_post(self, fields, headers=None):
        st, h, body = http('POST', self.url + '/oauth/v2/token',
                           data=fields, headers=headers)
        return st, h, body

    def device_flow(self, client, device_name=None,
                    path='/oauth/device_authorization'):
        """Approved device code of client (id, secret): (device_code,
        user_code)."""
        fields = {'client_id': client[0], 'scope': CLI_SCOPES}
        if device_name is not None:
            fields['device_name'] = device_name
        st, _, code = http('POST', self.url + path, params=fields)
        self.assertEqual(st, 200, code)
        self.browser().approve(code['user_code'])
        return code['device_code']

    def grant(self, client):
        """A fresh refresh token of client (a device-flow grant)."""
        dc = self.device_flow(client)
        fields = {'grant_type': DEVICE_GRANT, 'device_code': dc,
                  'client_id': client[0]}
        if client[1]:
            fields['client_secret'] = client[1]
        st, _, tok = self.token_post(fields)
        self.assertEqual(st, 200, tok)
        return tok

    def auth_code(self, client_id, challenge=None, state='s1'):
        q = {'client_id': client_id, 'scope': CLI_SCOPES,
             'response_type': 'code', 'redirect_uri': REDIRECT,
             'state': state}
        if challenge:
            q.update(code_challenge=challenge, code_challenge_method='S256')
        loc = self.browser().consent(self.url + '/oauth/v2/auth?' +
                                     urllib.parse.urlencode(q))
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        self.assertIn('code', code, loc)
        return code['code'][0]

    def assertInvalidClient(self, resp, challenge=True):
        st, h, body = resp
        self.assertOAuthError((st, body), 401, 'invalid_client')
        if challenge:
            self.assertTrue(
                (h.get('WWW-Authenticate') or '').startswith('Basic'), h)


class BypassTest(ClientAuthCase):
    """The hole of finding 4: a code requested without PKCE, redeemed with
    any code_verifier and no secret."""

    def test_verifier_is_no_substitute_for_the_secret(self):
        d = self.demo
        code = self.auth_code(d.browser_id)
        fields = {'grant_type': 'authorization_code', 'code': code,
                  'client_id': d.browser_id, 'redirect_uri': REDIRECT,
                  'code_verifier': pkce_pair()[0]}
        self.assertInvalidClient(self.token_post(fields), challenge=False)
        # ... nor with a secret: there was no challenge to verify
        code = self.auth_code(d.browser_id, state='s2')
        fields.update(code=code, client_secret=d.browser_secret)
        st, _, body = self.token_post(fields)
        self.assertOAuthError((st, body), 400, 'invalid_grant')
        # what the reference CLI sends still works
        code = self.auth_code(d.browser_id, state='s3')
        del fields['code_verifier']
        fields['code'] = code
        st, _, tok = self.token_post(fields)
        self.assertEqual(st, 200, tok)
        # and PKCE on top of the secret (our CLI)
        verifier, challenge = pkce_pair()
        fields.update(code=self.auth_code(d.browser_id, challenge, 's4'),
                      code_verifier=verifier)
        st, _, tok = self.token_post(fields)
        self.assertEqual(st, 200, tok)

    def test_confidential_client_needs_its_secret_on_every_grant(self):
        d = self.demo
        tok = self.grant((d.device_id, d.device_secret))
        st, h, body = self.token_post(
            {'grant_type': 'refresh_token', 'client_id': d.device_id,
             'refresh_token': tok['refresh_token']})
        self.assertInvalidClient((st, h, body), challenge=False)
        dc = self.device_flow((d.device_id, d.device_secret),
                              path='/oauth/v3/device/code')
        self.assertInvalidClient(self.token_post(
            {'grant_type': DEVICE_GRANT, 'device_code': dc,
             'client_id': d.device_id}), challenge=False)
        # the reference CLI's poll, without the secret it always sends
        st, h, body = http('POST', self.url + '/oauth/v3/device/token',
                           params={'client_id': d.device_id, 'code': dc,
                                   'grant_type': 'device_token'})
        self.assertInvalidClient((st, h, body), challenge=False)
        # the refusals used nothing up
        st, _, body = self.token_post(
            {'grant_type': DEVICE_GRANT, 'device_code': dc,
             'client_id': d.device_id, 'client_secret': d.device_secret})
        self.assertEqual(st, 200, body)


class BasicTest(ClientAuthCase):
    """client_secret_basic next to client_secret_post."""

    def test_basic_at_the_token_endpoint(self):
        d = self.demo
        tok = self.grant((d.device_id, d.device_secret))
        rt = {'grant_type': 'refresh_token',
              'refresh_token': tok['refresh_token']}
        st, _, body = self.token_post(
            rt, {'Authorization': basic(d.device_id, d.device_secret)})
        self.assertEqual(st, 200, body)
        # the scheme name is case-insensitive (RFC 9110 11.1)
        st, _, body = self.token_post(
            dict(rt, client_id=d.device_id),
            {'Authorization': 'basic ' +
             basic(d.device_id, d.device_secret)[6:]})
        self.assertEqual(st, 200, body)

    def test_basic_mistakes_are_invalid_client(self):
        d = self.demo
        tok = self.grant((d.device_id, d.device_secret))
        rt = {'grant_type': 'refresh_token',
              'refresh_token': tok['refresh_token']}
        good = basic(d.device_id, d.device_secret)
        cases = {
            # a wrong secret, even with a client_id in the body
            'wrong secret': (dict(rt, client_id=d.device_id),
                             basic(d.device_id, 'catk_us_wrong')),
            # two methods at once (RFC 6749 2.3)
            'basic and post': (dict(rt, client_secret=d.device_secret),
                               good),
            'basic and post, with id': (dict(rt, client_id=d.device_id,
                                             client_secret=d.device_secret),
                                        good),
            # the body names another client than the header
            'other client_id': (dict(rt, client_id=d.browser_id), good),
            'not base64': (rt, 'Basic %%%'),
            'no colon': (rt, 'Basic ' + base64.b64encode(
                d.device_id.encode()).decode()),
            'empty': (rt, 'Basic'),
            'bad escape': (rt, 'Basic ' + base64.b64encode(
                (d.device_id + ':%zz').encode()).decode()),
            'unknown client': (rt, basic('1000.nobody', 'x')),
        }
        for name, (fields, authz) in cases.items():
            with self.subTest(name):
                self.assertInvalidClient(self.token_post(
                    fields, {'Authorization': authz}))
        # the grant was not touched by any of that
        st, _, body = self.token_post(rt, {'Authorization': good})
        self.assertEqual(st, 200, body)

    def test_basic_credentials_are_form_urlencoded(self):
        cid, secret = self.odd_dev
        tok = self.grant(self.odd_dev)
        rt = {'grant_type': 'refresh_token',
              'refresh_token': tok['refresh_token']}
        st, _, body = self.token_post(
            rt, {'Authorization': basic(cid, secret)})
        self.assertEqual(st, 200, body)
        # unescaped, '+' reads as a space and the secret is wrong
        self.assertInvalidClient(self.token_post(
            rt, {'Authorization': basic(cid, secret, encode=False)}))
        # in the body it is an ordinary form value
        st, _, body = self.token_post(dict(rt, client_id=cid,
                                           client_secret=secret))
        self.assertEqual(st, 200, body)

    def test_device_authorization_takes_basic(self):
        d = self.demo
        url = self.url + '/oauth/device_authorization'
        st, _, code = http('POST', url, data={'scope': CLI_SCOPES},
                           headers={'Authorization':
                                    basic(d.device_id, d.device_secret)})
        self.assertEqual(st, 200, code)
        self.assertIn('device_code', code)
        st, h, body = http('POST', url, data={'scope': CLI_SCOPES},
                           headers={'Authorization':
                                    basic(d.device_id, 'catk_us_wrong')})
        self.assertInvalidClient((st, h, body))
        # a confidential client may still name itself alone there (the
        # reference CLI and ours do); a wrong body secret is refused
        st, _, body = http('POST', url, data={'client_id': d.device_id})
        self.assertEqual(st, 200, body)
        st, h, body = http('POST', url, data={'client_id': d.device_id,
                                              'client_secret': 'catk_no'})
        self.assertInvalidClient((st, h, body))
        # Bearer still binds the approval to an account (token:generate)
        tok = self.grant((d.device_id, d.device_secret))
        st, _, body = http('POST', url, data={'client_id': d.device_id},
                           headers=bearer(tok['access_token']))
        self.assertEqual(st, 200, body)
        st, _, body = http('POST', url, data={'client_id': d.device_id},
                           headers=bearer('cata_us_garbage'))
        self.assertOAuthError((st, body), 401, 'invalid_token')

    def test_introspection_and_revocation(self):
        d = self.demo
        tok = self.grant((d.device_id, d.device_secret))
        intro = self.url + '/oauth/introspect'
        for how in ('basic', 'post'):
            with self.subTest(how):
                fields = {'token': tok['access_token']}
                headers = None
                if how == 'basic':
                    headers = {'Authorization':
                               basic(d.device_id, d.device_secret)}
                else:
                    fields.update(client_id=d.device_id,
                                  client_secret=d.device_secret)
                st, _, body = http('POST', intro, data=fields,
                                   headers=headers)
                self.assertEqual((st, body.get('active')), (200, True),
                                 body)
        self.assertInvalidClient(http('POST', intro, data={
            'token': tok['access_token'], 'client_id': d.device_id}))
        self.assertInvalidClient(http('POST', intro, data={
            'token': tok['access_token'],
            'client_secret': d.device_secret}, headers={
            'Authorization': basic(d.device_id, d.device_secret)}))
        # revocation: the token alone (reference CLI), or an authenticated
        # client; a confidential client naming itself must authenticate
        rev = self.url + '/oauth/revoke'
        self.assertInvalidClient(http('POST', rev, data={
            'token': tok['refresh_token'], 'client_id': d.device_id}))
        self.assertInvalidClient(http('POST', rev, data={
            'token': tok['refresh_token'], 'client_secret': 'x'},
            headers={'Authorization': basic(d.device_id, d.device_secret)}))
        self.assertInvalidClient(http('POST', rev, data={
            'token': tok['refresh_token']},
            headers={'Authorization': basic(d.device_id, 'wrong')}))
        st, _, body = http('POST', intro, data={
            'token': tok['refresh_token']}, headers={
            'Authorization': basic(d.device_id, d.device_secret)})
        self.assertEqual(body.get('active'), True, body)
        st, _, body = http('POST', rev, data={
            'token': tok['refresh_token']}, headers={
            'Authorization': basic(d.device_id, d.device_secret)})
        self.assertEqual(st, 200, body)
        st, _, body = http('POST', intro, data={
            'token': tok['refresh_token']}, headers={
            'Authorization': basic(d.device_id, d.device_secret)})
        self.assertEqual((st, body), (200, {'active': False}))

    def test_metadata_advertises_what_works(self):
        st, _, m = http('GET', self.url +
                        '/.well-known/oauth-authorization-server')
        self.assertEqual(st, 200, m)
        both = {'client_secret_basic', 'client_secret_post'}
        self.assertEqual(set(m['token_endpoint_auth_methods_supported']),
                         both | {'none'})
        self.assertEqual(
            set(m['revocation_endpoint_auth_methods_supported']),
            both | {'none'})
        # introspection needs a client that can authenticate
        self.assertEqual(
            set(m['introspection_endpoint_auth_methods_supported']), both)
        self.assertEqual(m['code_challenge_methods_supported'], ['S256'])


class PublicClientTest(ClientAuthCase):
    """RFC 6749 2.1 public clients: no secret, PKCE required for codes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        db = cls.srv.db
        cls.pub_dev = add_client(db, 'public device', 'device', public=True)
        cls.pub_web = add_client(db, 'public browser', 'browser',
                                 public=True)

    def test_admin_command(self):
        self.assertIsNone(self.pub_dev[1])
        d = admin_json(self.srv.db, 'client', 'add', '--name', 'p',
                       '--kind', 'device', '--public', '--json')
        self.assertEqual(d.get('client_type'), 'public')
        self.assertNotIn('client_secret', d)

    def test_device_flow_and_refresh_without_secret(self):
        cid = self.pub_dev[0]
        tok = self.grant(self.pub_dev)
        self.assertTrue(token_ok(tok['refresh_token'], 'catr'), tok)
        rt = {'grant_type': 'refresh_token', 'client_id': cid,
              'refresh_token': tok['refresh_token']}
        st, _, body = self.token_post(rt)
        self.assertEqual(st, 200, body)
        # a public client sending a secret is refused, not ignored
        self.assertInvalidClient(self.token_post(
            dict(rt, client_secret='anything')), challenge=False)
        self.assertInvalidClient(self.token_post(
            rt, {'Authorization': basic(cid, '')}))
        # it cannot introspect (it cannot authenticate) ...
        self.assertInvalidClient(http(
            'POST', self.url + '/oauth/introspect',
            data={'token': tok['access_token'], 'client_id': cid}),
            challenge=False)
        # ... but may revoke its own token naming itself
        st, _, body = http('POST', self.url + '/oauth/revoke',
                           data={'token': tok['refresh_token'],
                                 'client_id': cid})
        self.assertEqual(st, 200, body)
        st, _, body = self.token_post(rt)
        self.assertOAuthError((st, body), 400, 'invalid_grant')

    def test_codes_need_pkce(self):
        cid = self.pub_web[0]
        fields = {'grant_type': 'authorization_code', 'client_id': cid,
                  'redirect_uri': REDIRECT}
        # no code is issued without a challenge: the authorization request
        # itself goes back to the client with invalid_request
        r = self.browser().get(self.url + '/oauth/v2/auth?' +
                               urllib.parse.urlencode({
                                   'client_id': cid, 'scope': CLI_SCOPES,
                                   'response_type': 'code',
                                   'redirect_uri': REDIRECT, 'state': 's0'}))
        self.assertIn(r.status, (302, 303), r)
        back = urllib.parse.urlsplit(r.location)
        q = urllib.parse.parse_qs(back.query)
        self.assertEqual(q.get('error'), ['invalid_request'], back)
        self.assertNotIn('code', q)
        self.assertEqual(q.get('state'), ['s0'])
        verifier, challenge = pkce_pair()
        code = self.auth_code(cid, challenge, 's2')
        st, _, body = self.token_post(dict(fields, code=code,
                                           code_verifier='x' * 43))
        self.assertOAuthError((st, body), 400, 'invalid_grant')
        code = self.auth_code(cid, challenge, 's3')
        st, _, tok = self.token_post(dict(fields, code=code,
                                          code_verifier=verifier))
        self.assertEqual(st, 200, tok)
        self.assertIn('refresh_token', tok)


# C0, C1, DEL and the bidi controls of finding 8
DIRTY = ('\x1b]0;owned\x07build\x1b[2J-01\x7f\u0085'
         '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069')
CLEAN = ']0;ownedbuild[2J-01'


class DeviceNameTest(ClientAuthCase):
    """Device names are cleaned on every path that stores one."""

    def stored(self, table, where, arg):
        return db_query(self.srv.db, 'SELECT device_name FROM %s WHERE %s = ?'
                        % (table, where), (arg,))[0][0]

    def test_device_endpoints(self):
        d = self.demo
        for path in ('/oauth/v3/device/code', '/oauth/device_authorization'):
            with self.subTest(path):
                st, _, code = http('POST', self.url + path, params={
                    'client_id': d.device_id, 'scope': CLI_SCOPES,
                    'device_name': DIRTY})
                self.assertEqual(st, 200, code)
                uc = code['user_code'].replace('-', '')
                self.assertEqual(self.stored('device_auths', 'user_code',
                                             uc), CLEAN)
                self.browser().approve(code['user_code'])
                st, _, tok = self.token_post(
                    {'grant_type': DEVICE_GRANT,
                     'device_code': code['device_code'],
                     'client_id': d.device_id,
                     'client_secret': d.device_secret})
                self.assertEqual(st, 200, tok)
                self.assertEqual(self.stored('grants', 'token_id',
                                             tok['token_id']), CLEAN)

    def test_authorization_code_grant(self):
        d = self.demo
        code = self.auth_code(d.browser_id)
        st, _, tok = self.token_post(
            {'grant_type': 'authorization_code', 'code': code,
             'client_id': d.browser_id, 'client_secret': d.browser_secret,
             'redirect_uri': REDIRECT, 'device_name': DIRTY})
        self.assertEqual(st, 200, tok)
        self.assertEqual(self.stored('grants', 'token_id', tok['token_id']),
                         CLEAN)
        st, _, lst = http('GET', self.url + '/api/v1/tokens',
                          headers=bearer(tok['access_token']))
        self.assertEqual(st, 200, lst)
        mine = [t for t in lst['tokens'] if t['token_id'] == tok['token_id']]
        self.assertEqual(mine[0]['device_name'], CLEAN)

    def test_too_long_after_cleaning_is_refused(self):
        d = self.demo
        st, _, body = http('POST', self.url + '/oauth/device_authorization',
                           params={'client_id': d.device_id,
                                   'device_name': '\u202e' * 40 + 'x' * 127})
        self.assertEqual(st, 200, body)
        st, _, body = http('POST', self.url + '/oauth/device_authorization',
                           params={'client_id': d.device_id,
                                   'device_name': 'x' * 128})
        self.assertOAuthError((st, body), 400, 'invalid_request')


if __name__ == '__main__':
    unittest.main()
