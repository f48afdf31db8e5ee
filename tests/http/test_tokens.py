"""Token endpoints: refresh, authorization code with PKCE, revocation,
introspection, user info and the token-list API."""

import base64
import json
import os
import time
import unittest
import urllib.parse

from common import (CLI_HEADERS, CLI_SCOPES, ISO_RE, ServerCase,
                    TOKEN_ID_RE, access_fields, access_token,
                    add_user_to_demo, b62, bearer, crc62, forge_token,
                    sleep_past, token_ok)
from harness import (Browser, Server, admin, db_count, db_query, db_tables,
                     get_cli_tokens, http, pkce_pair, setup_demo)


class RefreshTest(ServerCase):

    def test_refresh_gives_access_token_without_rotation(self):
        tok = self.tokens()
        st, body = self.refresh(tok['refresh_token'])
        self.assertEqual(st, 200, body)
        self.assertNotIn('refresh_token', body)
        self.assertTrue(token_ok(body['access_token'], 'cata'), body)
        # signed for the same grant (within one second the two tokens may
        # even be the same text: they derive from the same facts)
        self.assertEqual(access_fields(body['access_token'])[1],
                         tok['token_id'])
        self.assertEqual(body['token_type'], 'Bearer')
        self.assertIsInstance(body['expires_in'], int)
        self.assertGreater(body['expires_in'], 0)
        self.assertEqual(body['token_id'], tok['token_id'])
        self.assertIsInstance(body.get('api_domain'), str)
        # both access tokens work, and the refresh token works again
        for access in (tok['access_token'], body['access_token']):
            st, info = self.user_info(access)
            self.assertEqual(st, 200, info)
        st, again = self.refresh(tok['refresh_token'])
        self.assertEqual(st, 200, again)

    def test_refresh_params_in_query_also_work(self):
        tok = self.tokens()
        st, _, body = http('POST', self.url + '/oauth/v2/token',
                           params={'refresh_token': tok['refresh_token'],
                                   'client_id': self.demo.device_id,
                                   'client_secret': self.demo.device_secret,
                                   'grant_type': 'refresh_token'})
        self.assertEqual(st, 200, body)
        self.assertIn('access_token', body)

    def test_refresh_without_secret_is_refused(self):
        # a confidential client authenticates on every grant (RFC 6749
        # 2.3.1); public clients are in test_client_auth
        tok = self.tokens()
        st, _, body = http('POST', self.url + '/oauth/v2/token',
                           data={'refresh_token': tok['refresh_token'],
                                 'client_id': self.demo.device_id,
                                 'grant_type': 'refresh_token'})
        self.assertOAuthError((st, body), 401, 'invalid_client')

    def test_refresh_errors(self):
        tok = self.tokens()
        # wrong secret of the right client
        st, body = self.refresh(tok['refresh_token'],
                                client_secret='catk_us_wrong')
        self.assertOAuthError((st, body), 401, 'invalid_client')
        # another client than the grant's
        st, body = self.refresh(tok['refresh_token'],
                                client_id=self.demo.browser_id,
                                client_secret=self.demo.browser_secret)
        self.assertOAuthError((st, body), 400, ('invalid_grant',
                                                'unauthorized_client'))
        # unknown but well-formed, mistyped, and an access token
        rt = tok['refresh_token']
        # the last character changed (never "changed" to itself)
        mistyped = rt[:-1] + ('x' if rt[-1] != 'x' else 'y')
        for bad in (forge_token('catr'), mistyped, 'garbage',
                    tok['access_token']):
            self.assertOAuthError(self.refresh(bad), 400, 'invalid_grant')
        st, _, body = http('POST', self.url + '/oauth/v2/token',
                           data={'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret,
                                 'grant_type': 'refresh_token'})
        self.assertOAuthError((st, body), 400, 'invalid_request')
        # the grant still works after all that
        self.assertEqual(self.refresh(tok['refresh_token'])[0], 200)

    def test_grant_type(self):
        st, _, body = http('POST', self.url + '/oauth/v2/token',
                           data={'grant_type': 'password',
                                 'client_id': self.demo.device_id})
        self.assertOAuthError((st, body), 400, 'unsupported_grant_type')
        st, _, body = http('POST', self.url + '/oauth/v2/token',
                           data={'client_id': self.demo.device_id})
        self.assertOAuthError((st, body), 400, ('invalid_request',
                                                'unsupported_grant_type'))

    def test_user_info(self):
        tok = self.tokens()
        st, _, info = http('GET', self.url + '/oauth/user/info',
                           headers=bearer(tok['access_token']))
        self.assertEqual(st, 200, info)
        self.assertEqual(info['Email'], self.demo.email)
        self.assertEqual(info['First_Name'], self.demo.first_name)
        self.assertEqual(info['Last_Name'], self.demo.last_name)
        self.assertEqual(info['Display_Name'], '%s %s' % (
            self.demo.first_name, self.demo.last_name))
        self.assertIsInstance(info['ZUID'], (int, str))
        # no / bad / non-bearer credentials
        for h in ({}, {'Authorization': 'Bearer ' + forge_token('cata')},
                  {'Authorization': 'Bearer garbage'},
                  {'Authorization': 'Bearer ' + tok['refresh_token']},
                  {'Authorization': 'Basic ' + base64.b64encode(
                      b'a:b').decode()}):
            st, hdrs, body = http('GET', self.url + '/oauth/user/info',
                                  headers=h)
            self.assertOAuthError((st, body), 401)
            self.assertIn('Bearer', hdrs.get('www-authenticate', ''))

    def test_short_access_ttl_is_honoured(self):
        from harness import Server, setup_demo
        # 2 s, not 1: expiry counts whole seconds, and a fresh token must
        # still be valid for the request right after the refresh below
        srv = Server(self.tmp, access_ttl=2, name='short')
        demo = setup_demo(srv.db)
        with srv:
            tok = get_cli_tokens(srv, demo)
            self.assertLessEqual(tok['expires_in'], 2)
            time.sleep(3.2)
            st, body = self.user_info(tok['access_token'], srv=srv)
            self.assertEqual(st, 401, body)
            st, _, body = http('POST', srv.url + '/oauth/v2/token',
                               data={'refresh_token': tok['refresh_token'],
                                     'client_id': demo.device_id,
                                     'client_secret': demo.device_secret,
                                     'grant_type': 'refresh_token'})
            self.assertEqual(st, 200, body)
            self.assertEqual(self.user_info(body['access_token'],
                                            srv=srv)[0], 200)


class AuthCodeTest(ServerCase):
    """The browser flow: /oauth/v2/auth consent, then authorization_code."""

    def auth_url(self, redirect='http://localhost:9005', state='st-1',
                 challenge=None, client_id=None, method='S256'):
        q = {'client_id': client_id or self.demo.browser_id,
             'scope': CLI_SCOPES, 'response_type': 'code',
             'access_type': 'offline', 'prompt': 'consent',
             'redirect_uri': redirect, 'state': state}
        if challenge:
            q['code_challenge'] = challenge
            q['code_challenge_method'] = method
        return self.url + '/oauth/v2/auth?' + urllib.parse.urlencode(
            q, quote_via=urllib.parse.quote)

    def get_code(self, redirect='http://localhost:9005', state='st-1',
                 challenge=None, browser=None):
        loc = (browser or self.browser()).consent(
            self.auth_url(redirect, state, challenge))
        u = urllib.parse.urlsplit(loc)
        self.assertEqual('%s://%s' % (u.scheme, u.netloc), redirect, loc)
        q = urllib.parse.parse_qs(u.query)
        self.assertEqual(q.get('state'), [state], loc)
        self.assertTrue(token_ok(q['code'][0], 'catc'), loc)
        return q['code'][0]

    def exchange(self, code, verifier=None, redirect='http://localhost:9005',
                 client=None):
        cid, sec = client or (self.demo.browser_id, self.demo.browser_secret)
        params = {'code': code, 'client_id': cid, 'client_secret': sec,
                  'redirect_uri': redirect,
                  'grant_type': 'authorization_code'}
        if verifier is not None:
            params['code_verifier'] = verifier
        st, _, body = http('POST', self.url + '/oauth/v2/token',
                           params=params, headers=CLI_HEADERS)
        return st, body

    def test_reference_cli_flow_without_pkce(self):
        state = 'XC/BSRw7iOhcIhpPr6YHsw=='  # a base64 nonce, as the CLI
        code = self.get_code(state=state)
        rows = access_rows(self.srv.db)
        st, tok = self.exchange(code)
        self.assertEqual(st, 200, tok)
        self.assertTrue(token_ok(tok['refresh_token'], 'catr'))
        self.assertRegex(tok['token_id'], TOKEN_ID_RE)
        st, info = self.user_info(tok['access_token'])
        self.assertEqual((st, info['Email']), (200, self.demo.email))
        # the w_ grant refreshes with the browser client
        st, ref = self.refresh(tok['refresh_token'],
                               client_id=self.demo.browser_id,
                               client_secret=self.demo.browser_secret)
        self.assertEqual(st, 200, ref)
        # access tokens are signed, not stored
        self.assertEqual(access_rows(self.srv.db), rows)
        # single use
        self.assertOAuthError(self.exchange(code), 400, 'invalid_grant')

    def test_pkce_right_and_wrong_verifier(self):
        verifier, challenge = pkce_pair()
        code = self.get_code(challenge=challenge)
        self.assertOAuthError(self.exchange(code, 'x' * 43), 400,
                              'invalid_grant')
        code = self.get_code(challenge=challenge, state='st-2')
        self.assertOAuthError(self.exchange(code), 400,
                              ('invalid_request', 'invalid_grant'))
        code = self.get_code(challenge=challenge, state='st-3')
        st, tok = self.exchange(code, verifier)
        self.assertEqual(st, 200, tok)
        self.assertIn('refresh_token', tok)
        self.assertOAuthError(self.exchange(code, verifier), 400,
                              'invalid_grant')

    def test_redirect_uri_must_match(self):
        code = self.get_code(redirect='http://127.0.0.1:9006')
        self.assertOAuthError(
            self.exchange(code, redirect='http://127.0.0.1:9007'), 400,
            'invalid_grant')

    def test_wrong_client_secret(self):
        code = self.get_code()
        self.assertOAuthError(
            self.exchange(code, client=(self.demo.browser_id, 'catk_no')),
            401, 'invalid_client')

    def test_deny_redirects_with_access_denied(self):
        loc = self.browser().consent(self.auth_url(state='s9'),
                                     action='deny')
        self.assertTrue(loc.startswith('http://localhost:9005'), loc)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        self.assertEqual(q.get('error'), ['access_denied'])
        self.assertEqual(q.get('state'), ['s9'])
        self.assertNotIn('code', q)

    def test_non_loopback_redirect_refused(self):
        b = self.browser()
        for redirect in ('http://attacker.invalid/cb',
                         'https://localhost.attacker.invalid:9005',
                         'javascript:alert(1)'):
            r = b.get(self.auth_url(redirect=redirect))
            self.assertGreaterEqual(r.status, 400, r)
            self.assertNotIn('attacker', r.location or '')
        # unknown client and an unsupported PKCE method
        r = b.get(self.auth_url(client_id='no-such-client'))
        self.assertGreaterEqual(r.status, 400, r)
        r = b.get(self.auth_url(challenge='abc', method='plain'))
        if r.status in (301, 302, 303):
            self.assertIn('error=', r.location)
        else:
            self.assertGreaterEqual(r.status, 400, r)

    def test_consent_needs_sign_in_and_csrf(self):
        b = Browser(self.url)  # not signed in
        r = b.follow(b.get(self.auth_url()))
        self.assertTrue(b.is_login_page(r), r)
        b2 = self.browser()
        page = b2.get(self.auth_url())
        f = page.form('/oauth/v2/auth')
        self.assertIsNotNone(f, page)
        fields = dict(f['fields'], action='allow', csrf='wrong')
        r = b2.post(f['action'], fields)
        self.assertEqual(r.status, 403, r)
        self.assertFalse((r.location or '').startswith('http://localhost'))


class RevokeTest(ServerCase):

    def test_revoke_then_use(self):
        tok = self.tokens()
        st, ref = self.refresh(tok['refresh_token'])
        self.assertEqual(st, 200, ref)
        st, body = self.revoke(tok['refresh_token'])
        self.assertEqual((st, body), (200, {'status': 'success'}))
        # every access token of the grant is refused at once
        for access in (tok['access_token'], ref['access_token']):
            st, body = self.user_info(access)
            self.assertOAuthError((st, body), 401)
            st, _, body = http('GET', self.url + '/baas/v1/orgs',
                               headers=bearer(access))
            self.assertAdminError((st, body), 401)
        self.assertOAuthError(self.refresh(tok['refresh_token']), 400,
                              'invalid_grant')
        self.assertEqual(self.introspect(tok['refresh_token']),
                         {'active': False})
        self.assertEqual(self.introspect(ref['access_token']),
                         {'active': False})
        # revoking again, or an unknown token, still answers success
        self.assertEqual(self.revoke(tok['refresh_token']),
                         (200, {'status': 'success'}))
        self.assertEqual(self.revoke(forge_token('catr')),
                         (200, {'status': 'success'}))

    def test_revoke_leaves_other_grants_alone(self):
        a, b = self.tokens(), self.tokens()
        self.assertEqual(self.revoke(a['refresh_token'])[0], 200)
        self.assertEqual(self.user_info(b['access_token'])[0], 200)
        self.assertEqual(self.refresh(b['refresh_token'])[0], 200)

    def test_rfc7009_with_access_token_revokes_the_grant(self):
        tok = self.tokens()
        st, _, body = http('POST', self.url + '/oauth/revoke',
                           data={'token': tok['access_token'],
                                 'token_type_hint': 'access_token',
                                 'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret})
        self.assertEqual(st, 200, body)
        self.assertOAuthError(self.refresh(tok['refresh_token']), 400,
                              'invalid_grant')
        self.assertEqual(self.user_info(tok['access_token'])[0], 401)

    def test_revoke_bad_requests(self):
        tok = self.tokens()
        st, _, body = http('POST', self.url + '/oauth/v2/token/revoke')
        self.assertOAuthError((st, body), 400, 'invalid_request')
        # client credentials, when given, are checked
        st, _, body = http('POST', self.url + '/oauth/revoke',
                           data={'token': tok['refresh_token'],
                                 'client_id': self.demo.device_id,
                                 'client_secret': 'catk_wrong'})
        self.assertOAuthError((st, body), 401, 'invalid_client')
        self.assertEqual(self.refresh(tok['refresh_token'])[0], 200)


class RotateTest(ServerCase):

    def rotate(self, refresh_token, grace=None, client_secret=None):
        d = self.demo
        fields = {'refresh_token': refresh_token,
                  'client_id': d.device_id,
                  'client_secret': client_secret or d.device_secret}
        if grace is not None:
            fields['grace'] = str(grace)
        st, _, body = http('POST', self.url + '/oauth/v2/token/rotate',
                           data=fields, headers=CLI_HEADERS)
        return st, body

    def test_rotate_without_grace(self):
        tok = self.tokens(device_name='ci-box')
        st, body = self.rotate(tok['refresh_token'])
        self.assertEqual(st, 200, body)
        new = body['refresh_token']
        self.assertTrue(token_ok(new, 'catr'), body)
        self.assertNotEqual(new, tok['refresh_token'])
        self.assertEqual(body['token_id'], tok['token_id'])
        self.assertEqual(access_fields(body['access_token'])[1],
                         tok['token_id'])
        # the old secret is refused at once, the new one works
        self.assertOAuthError(self.refresh(tok['refresh_token']), 400,
                              'invalid_grant')
        self.assertEqual(self.introspect(tok['refresh_token']),
                         {'active': False})
        st, ref = self.refresh(new)
        self.assertEqual(st, 200, ref)
        self.assertEqual(ref['token_id'], tok['token_id'])
        self.assertEqual(self.user_info(body['access_token'])[0], 200)
        # the same grant: its id, device name and creation time stay
        before = self.introspect(tok['access_token'])
        after = self.introspect(new)
        self.assertTrue(after['active'], after)
        for k in ('token_id', 'device_name', 'iat', 'scope', 'client_id',
                  'sub'):
            self.assertEqual(after[k], before[k], k)
        # an access token of the old secret lives until it expires
        self.assertEqual(self.user_info(tok['access_token'])[0], 200)
        # the new secret rotates again; the old one no longer does
        self.assertOAuthError(self.rotate(tok['refresh_token']), 400,
                              'invalid_grant')
        st, again = self.rotate(new)
        self.assertEqual(st, 200, again)
        self.assertOAuthError(self.refresh(new), 400, 'invalid_grant')
        # one audit row per rotation, by the device; refused ones none
        p = admin(self.srv, 'audit', '--json')
        self.assertEqual(p.returncode, 0, p.stderr)
        evs = [e for e in json.loads(p.stdout)['events']
               if e['event'] == 'token_rotated' and
               e['token_id'] == tok['token_id']]
        self.assertEqual(len(evs), 2, evs)
        for e in evs:
            self.assertEqual((e['actor'], e['client_id'], e['address']),
                             ('device', self.demo.device_id, '127.0.0.1'))

    def test_rotate_with_grace(self):
        tok = self.tokens()
        st, body = self.rotate(tok['refresh_token'], grace=2)
        self.assertEqual(st, 200, body)
        new = body['refresh_token']
        # within the grace both secrets refresh, to the same token id
        for rt in (tok['refresh_token'], new):
            st, ref = self.refresh(rt)
            self.assertEqual(st, 200, ref)
            self.assertEqual(ref['token_id'], tok['token_id'])
        # only the current secret rotates: the old one cannot take the
        # token over during its grace
        st, err = self.rotate(tok['refresh_token'])
        self.assertOAuthError((st, err), 400, 'invalid_grant')
        self.assertIn('current secret', err.get('error_description', ''))
        self.assertEqual(self.refresh(new)[0], 200)
        sleep_past(3)
        self.assertOAuthError(self.refresh(tok['refresh_token']), 400,
                              'invalid_grant')
        self.assertEqual(self.introspect(tok['refresh_token']),
                         {'active': False})
        self.assertEqual(self.refresh(new)[0], 200)

    def test_revoked_grant_is_not_rotated(self):
        tok = self.tokens()
        self.assertEqual(self.revoke(tok['refresh_token'])[0], 200)
        st, body = self.rotate(tok['refresh_token'])
        self.assertOAuthError((st, body), 400, 'invalid_grant')
        self.assertIn('revoked', body.get('error_description', ''))
        self.assertOAuthError(self.refresh(tok['refresh_token']), 400,
                              'invalid_grant')
        # revoking during a grace ends both secrets
        tok = self.tokens()
        st, body = self.rotate(tok['refresh_token'], grace=600)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.revoke(body['refresh_token'])[0], 200)
        for rt in (tok['refresh_token'], body['refresh_token']):
            self.assertOAuthError(self.refresh(rt), 400, 'invalid_grant')
            self.assertOAuthError(self.rotate(rt), 400, 'invalid_grant')

    def test_rotate_bad_requests(self):
        tok = self.tokens()
        # the client authenticates as on a refresh
        self.assertOAuthError(self.rotate(tok['refresh_token'],
                                          client_secret='catk_us_wrong'),
                              401, 'invalid_client')
        st, _, body = http('POST', self.url + '/oauth/v2/token/rotate',
                           data={'refresh_token': tok['refresh_token'],
                                 'client_id': self.demo.browser_id,
                                 'client_secret': self.demo.browser_secret})
        self.assertOAuthError((st, body), 400, 'invalid_grant')
        for grace in ('-1', '1h', '', '604801', '99999999999999999999'):
            self.assertOAuthError(self.rotate(tok['refresh_token'],
                                              grace=grace),
                                  400, 'invalid_request')
        st, _, body = http('POST', self.url + '/oauth/v2/token/rotate',
                           data={'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret})
        self.assertOAuthError((st, body), 400, 'invalid_request')
        for bad in (forge_token('catr'), 'garbage', tok['access_token']):
            self.assertOAuthError(self.rotate(bad), 400, 'invalid_grant')
        # the longest grace is accepted; nothing above changed the token
        self.assertEqual(self.refresh(tok['refresh_token'])[0], 200)
        st, body = self.rotate(tok['refresh_token'], grace=604800)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.refresh(tok['refresh_token'])[0], 200)


class IntrospectTest(ServerCase):

    def test_active_access_and_refresh(self):
        tok = self.tokens(device_name='intro-box')
        now = time.time()
        info = self.introspect(tok['access_token'])
        self.assertIs(info['active'], True, info)
        self.assertEqual(info['client_id'], self.demo.device_id)
        self.assertEqual(info['username'], self.demo.email)
        self.assertEqual(info['token_id'], tok['token_id'])
        self.assertEqual(info['dc'], 'us')
        self.assertIsInstance(info['scope'], str)
        self.assertIn('ZohoCatalyst.projects.ALL', info['scope'].split())
        self.assertTrue(now - 120 < info['iat'] <= now + 5, info)
        self.assertTrue(now + 3000 < info['exp'] <= now + 3700, info)
        self.assertIn('sub', info)
        info = self.introspect(tok['refresh_token'])
        self.assertIs(info['active'], True, info)
        self.assertEqual(info['token_id'], tok['token_id'])

    def test_inactive(self):
        for t in (forge_token('cata'), forge_token('catr'), 'garbage',
                  forge_token('cata', 'eu')):
            self.assertEqual(self.introspect(t), {'active': False})

    def test_client_authentication_required(self):
        tok = self.tokens()
        url = self.url + '/oauth/introspect'
        st, _, body = http('POST', url, data={'token': tok['access_token']})
        self.assertOAuthError((st, body), 401, 'invalid_client')
        st, _, body = http('POST', url, data={
            'token': tok['access_token'], 'client_id': self.demo.device_id,
            'client_secret': 'wrong'})
        self.assertOAuthError((st, body), 401, 'invalid_client')
        basic = base64.b64encode(('%s:%s' % (
            self.demo.device_id, self.demo.device_secret)).encode()).decode()
        st, _, body = http('POST', url, data={'token': tok['access_token']},
                           headers={'Authorization': 'Basic ' + basic})
        self.assertEqual(st, 200, body)
        self.assertIs(body['active'], True)
        st, _, body = http('POST', url, headers={
            'Authorization': 'Basic ' + basic})
        self.assertOAuthError((st, body), 400, 'invalid_request')


def access_rows(db):
    """Rows of the access_tokens table (0 once a store has no such table:
    access tokens are signed, not stored)."""
    return (db_count(db, 'access_tokens')
            if 'access_tokens' in db_tables(db) else 0)


def access_keys(db):
    """The access-token MAC keys in the store: {name: key hex}."""
    return dict(db_query(db, "SELECT name, key_hex FROM server_keys"
                         " WHERE name LIKE 'access-mac-%'"))


class SignedAccessTest(ServerCase):
    """Access tokens are signed with a key of the day kept in the store,
    never stored themselves (src/server/access.c)."""

    def test_no_access_row_is_written(self):
        before = access_rows(self.srv.db)
        tok = self.tokens()  # the device flow's redeem
        for _ in range(3):
            st, body = self.refresh(tok['refresh_token'])
            self.assertEqual(st, 200, body)
            self.assertEqual(self.user_info(body['access_token'])[0], 200)
        self.assertEqual(access_rows(self.srv.db), before)
        # what the token says: its grant, an hour, today's key
        now = time.time()
        dc, token_id, exp, day = access_fields(body['access_token'])
        self.assertEqual((dc, token_id), ('us', tok['token_id']))
        self.assertTrue(now + 3500 < exp <= now + 3605, exp - now)
        self.assertIn(day, (int(now) // 86400, int(now) // 86400 - 1))
        # ...and that key is in the store, for every instance to read
        keys = access_keys(self.srv.db)
        self.assertIn('access-mac-%d' % day, keys)
        self.assertEqual(len(keys['access-mac-%d' % day]), 64)

    def test_forged_mac_is_refused(self):
        tok = self.tokens()
        access = tok['access_token']
        dc, token_id, exp, day = access_fields(access)
        # a live grant's public id, the right fields and checksum, any MAC
        forged = access_token(token_id, exp, day, os.urandom(16))
        self.assertTrue(token_ok(forged, 'cata'))
        self.assertOAuthError(self.user_info(forged), 401)
        st, _, body = http('GET', self.url + '/baas/v1/orgs',
                           headers=bearer(forged))
        self.assertAdminError((st, body), 401)
        self.assertEqual(self.introspect(forged), {'active': False})
        # the real MAC over a later expiry or another day's key
        mac = access[30:52]
        for exp2, day2 in ((exp + 86400, day), (exp, day - 1)):
            body = 'cata_us_%s%s%s%s' % (token_id, b62(exp2, 6),
                                         b62(day2, 4), mac)
            self.assertOAuthError(self.user_info(body + crc62(body)), 401)
        # days whose key is never used: two days ago, tomorrow
        for day2 in (day - 2, day + 1):
            self.assertOAuthError(self.user_info(access_token(
                token_id, exp, day2, os.urandom(16))), 401)
        # a forged token cannot revoke the grant whose id it names
        self.assertEqual(self.revoke(forged), (200, {'status': 'success'}))
        st, _, body = http('POST', self.url + '/oauth/revoke',
                           data={'token': forged,
                                 'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret})
        self.assertEqual(st, 200, body)
        self.assertEqual(self.user_info(access)[0], 200)
        self.assertEqual(self.refresh(tok['refresh_token'])[0], 200)
        # no key for any day but today and yesterday was made (checking
        # yesterday's signature makes that key, as a real one would need)
        self.assertLessEqual(set(access_keys(self.srv.db)),
                             {'access-mac-%d' % day,
                              'access-mac-%d' % (day - 1)})

    def test_revocation_ends_every_access_token_at_once(self):
        tok = self.tokens()
        accesses = {tok['access_token']}
        for _ in range(2):
            accesses.add(self.refresh(tok['refresh_token'])[1]
                         ['access_token'])
            time.sleep(1.05)  # another second: another token text
        self.assertGreater(len(accesses), 1)
        for a in accesses:
            self.assertEqual(self.user_info(a)[0], 200)
        self.assertEqual(self.revoke(tok['refresh_token'])[0], 200)
        for a in accesses:
            self.assertOAuthError(self.user_info(a), 401)
            self.assertEqual(self.introspect(a), {'active': False})

    def test_second_instance_on_the_same_store(self):
        tok = self.tokens()  # signed by the first instance
        with Server(self.tmp, db=self.srv.db, name='second') as second:
            self.assertEqual(self.user_info(tok['access_token'],
                                            srv=second)[0], 200)
            st, body = self.refresh(tok['refresh_token'], srv=second)
            self.assertEqual(st, 200, body)
            # ...and what the second one signs, the first one accepts
            self.assertEqual(self.user_info(body['access_token'])[0], 200)
            # a revocation on one ends access on the other at once
            self.assertEqual(self.revoke(tok['refresh_token'])[0], 200)
            for a in (tok['access_token'], body['access_token']):
                self.assertOAuthError(self.user_info(a, srv=second), 401)
        # one key a day, shared: the second instance made none of its own
        now = int(time.time())
        self.assertLessEqual(set(access_keys(self.srv.db)),
                             {'access-mac-%d' % (now // 86400),
                              'access-mac-%d' % (now // 86400 - 1)})

    def test_other_dc_named(self):
        eu = Server(self.tmp, dc='eu', name='eu')
        demo = setup_demo(eu.db)
        with eu:
            tok = get_cli_tokens(eu, demo)
            self.assertTrue(token_ok(tok['access_token'], 'cata', 'eu'))
            body = self.assertOAuthError(
                self.user_info(tok['access_token']), 401)
            self.assertIn("'eu'", body.get('error_description', ''), body)
            self.assertIn("'us'", body.get('error_description', ''), body)
            self.assertEqual(self.introspect(tok['access_token']),
                             {'active': False})
            st, body = self.revoke(tok['access_token'])
            self.assertOAuthError((st, body), 400, 'invalid_request')
            self.assertEqual(self.user_info(tok['access_token'],
                                            srv=eu)[0], 200)


class TokenListTest(ServerCase):

    def list_tokens(self, access):
        st, _, body = http('GET', self.url + '/api/v1/tokens',
                           headers=bearer(access))
        self.assertEqual(st, 200, body)
        return body['tokens']

    def test_list_current_and_last_used(self):
        a = self.tokens(device_name='build-01')
        b = self.tokens(device_name='laptop')
        rows = {t['token_id']: t for t in self.list_tokens(a['access_token'])}
        self.assertIn(a['token_id'], rows)
        self.assertIn(b['token_id'], rows)
        ra, rb = rows[a['token_id']], rows[b['token_id']]
        self.assertIs(ra['current'], True)
        self.assertIs(rb['current'], False)
        self.assertEqual(sum(1 for t in rows.values() if t['current']), 1)
        self.assertEqual(ra['device_name'], 'build-01')
        self.assertEqual(rb['device_name'], 'laptop')
        for r in (ra, rb):
            self.assertEqual(r['dc'], 'us')
            self.assertEqual(r['client_id'], self.demo.device_id)
            self.assertEqual(r['flow'], 'device')
            self.assertRegex(r['created_at'], ISO_RE)
            self.assertRegex(r['token_id'], TOKEN_ID_RE)
        self.assertIsNone(rb['last_used_at'], rb)
        # newest first
        order = [t['token_id'] for t in self.list_tokens(a['access_token'])]
        created = [rows[i]['created_at'] for i in order if i in rows]
        self.assertEqual(created, sorted(created, reverse=True))
        # using b's access token records a last-used time
        self.assertEqual(self.user_info(b['access_token'])[0], 200)
        rows = {t['token_id']: t for t in self.list_tokens(b['access_token'])}
        self.assertRegex(rows[b['token_id']]['last_used_at'] or '', ISO_RE)
        self.assertIs(rows[b['token_id']]['current'], True)
        self.assertIs(rows[a['token_id']]['current'], False)
        # revoked grants are not listed
        self.assertEqual(self.revoke(a['refresh_token'])[0], 200)
        ids = [t['token_id'] for t in self.list_tokens(b['access_token'])]
        self.assertNotIn(a['token_id'], ids)
        self.assertIn(b['token_id'], ids)

    def test_only_own_tokens_and_auth_required(self):
        mine = self.tokens()
        email, pw = add_user_to_demo(self, 'lister@example.com')
        from harness import Demo
        other = Demo()
        other.__dict__.update(self.demo.__dict__)
        other.email, other.password = email, pw
        theirs = get_cli_tokens(self.srv, other)
        ids = [t['token_id'] for t in self.list_tokens(theirs['access_token'])]
        self.assertEqual(ids, [theirs['token_id']])
        self.assertNotIn(mine['token_id'], ids)
        st, _, body = http('GET', self.url + '/api/v1/tokens')
        self.assertOAuthError((st, body), 401)


if __name__ == '__main__':
    unittest.main()
