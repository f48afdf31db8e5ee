"""Device authorization: the reference-compatible v3 endpoints and RFC 8628,
approval binding, expiry, slow_down and racing pollers."""

import threading
import unittest

from common import (CLI_SCOPES, DEVICE_GRANT, ServerCase, TOKEN_ID_RE,
                    USER_CODE_RE, add_user_to_demo, bearer, forge_token,
                    sleep_past, token_ok)
from harness import Browser, BrowserError, db_snapshot, device_code, http


class DeviceV3Test(ServerCase):
    """Default server: interval 5 s, the reference CLI polls every 2 s."""

    def test_code_answer_shape(self):
        st, h, body = http('POST', self.url + '/oauth/v3/device/code',
                           params={'client_id': self.demo.device_id,
                                   'scope': CLI_SCOPES,
                                   'grant_type': 'device_request',
                                   'access_type': 'offline',
                                   'prompt': 'consent'})
        self.assertEqual(st, 200, body)
        self.assertIn('json', h['content-type'])
        self.assertEqual(h.get('cache-control'), 'no-store')
        self.assertTrue(token_ok(body['device_code'], 'catd'), body)
        self.assertRegex(body['user_code'], USER_CODE_RE)
        uc = body['user_code']
        self.assertEqual(body['verification_url'],
                         self.url + '/device?user_code=' + uc)
        self.assertEqual(body['verification_uri_complete'],
                         self.url + '/device?user_code=' + uc)
        self.assertEqual(body['verification_uri'], self.url + '/device')
        self.assertEqual(body['expires_in'], 300)
        self.assertEqual(body['interval'], 5)
        # two requests never share codes
        other = self.code()
        self.assertNotEqual(other['user_code'], uc)
        self.assertNotEqual(other['device_code'], body['device_code'])

    def test_params_in_form_body_and_plus_as_space(self):
        st, _, body = http(
            'POST', self.url + '/oauth/v3/device/code',
            body=('client_id=%s&scope=ZohoCatalyst.projects.ALL+'
                  'ZohoCatalyst.cli.logs.CREATE&grant_type=device_request'
                  % self.demo.device_id),
            headers={'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertEqual(st, 200, body)
        self.browser().approve(body['user_code'])
        st, tok = self.poll_v3(body['device_code'])
        self.assertEqual(st, 200, tok)
        info = self.introspect(tok['access_token'])
        self.assertTrue(info['active'], info)
        self.assertEqual(set(info['scope'].split()),
                         {'ZohoCatalyst.projects.ALL',
                          'ZohoCatalyst.cli.logs.CREATE'}, info)

    def test_unknown_or_missing_client(self):
        before = db_snapshot(self.srv.db)
        st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                           params={'client_id': 'no-such-client',
                                   'scope': CLI_SCOPES})
        self.assertOAuthError((st, body), 401, 'invalid_client')
        st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                           params={'scope': CLI_SCOPES})
        self.assertIn(st, (400, 401), body)
        self.assertIn(body.get('error'), ('invalid_request',
                                          'invalid_client'), body)
        self.assertEqual(db_snapshot(self.srv.db), before)

    def test_pending_is_200_then_tokens_once_then_invalid_grant(self):
        code = self.code()
        # the reference CLI polls every 2 s although interval is 5: a v3
        # poll is never answered slow_down or any non-2xx while pending
        for _ in range(3):
            st, body = self.poll_v3(code['device_code'])
            self.assertEqual((st, body), (200,
                                          {'error': 'authorization_pending'}))
        self.browser().approve(code['user_code'])
        st, tok = self.poll_v3(code['device_code'])
        self.assertEqual(st, 200, tok)
        self.assertTrue(token_ok(tok['refresh_token'], 'catr'), tok)
        self.assertTrue(token_ok(tok['access_token'], 'cata'), tok)
        self.assertEqual(tok['token_type'], 'Bearer')
        self.assertEqual(tok['expires_in'], 3600)
        self.assertIsInstance(tok.get('api_domain'), str)
        self.assertRegex(tok['token_id'], TOKEN_ID_RE)
        st, info = self.user_info(tok['access_token'])
        self.assertEqual(st, 200, info)
        self.assertEqual(info['Email'], self.demo.email)
        # redeemed once
        self.assertOAuthError(self.poll_v3(code['device_code']), 400,
                              'invalid_grant')

    def test_denied(self):
        code = self.code()
        self.browser().approve(code['user_code'], action='deny')
        self.assertOAuthError(self.poll_v3(code['device_code']), 400,
                              'access_denied')
        # no grant was made: the denied code never yields tokens
        self.assertOAuthError(self.poll_v3(code['device_code']), 400,
                              ('access_denied', 'invalid_grant'))

    def test_bad_client_secret_and_unknown_code(self):
        code = self.code()
        self.assertOAuthError(self.poll_v3(code['device_code'],
                                           client_secret='wrong'),
                              401, 'invalid_client')
        self.assertOAuthError(self.poll_v3('catd_us_nonsense'), 400,
                              'invalid_grant')
        # the failed attempts did not consume the code
        self.browser().approve(code['user_code'])
        st, tok = self.poll_v3(code['device_code'])
        self.assertEqual(st, 200, tok)

    def test_poll_with_another_clients_credentials(self):
        code = self.code()
        self.browser().approve(code['user_code'])
        st, _, body = http('POST', self.url + '/oauth/v3/device/token',
                           params={'client_id': self.demo.browser_id,
                                   'client_secret': self.demo.browser_secret,
                                   'grant_type': 'device_token',
                                   'code': code['device_code']})
        self.assertIn(st, (400, 401), body)
        self.assertNotIn('access_token', body)
        st, tok = self.poll_v3(code['device_code'])
        self.assertEqual(st, 200, tok)

    def test_user_code_is_case_and_dash_insensitive(self):
        code = self.code()
        typed = code['user_code'].lower().replace('-', '')
        self.browser().approve(typed)
        st, tok = self.poll_v3(code['device_code'])
        self.assertEqual(st, 200, tok)

    def test_approved_code_cannot_be_flipped_to_denied(self):
        code = self.code()
        self.browser().approve(code['user_code'])
        try:
            self.browser().approve(code['user_code'], action='deny')
        except BrowserError:
            pass  # refusing the second decision is right
        st, tok = self.poll_v3(code['device_code'])
        self.assertEqual(st, 200, tok)
        self.assertIn('refresh_token', tok)


    def test_device_name_limit(self):
        st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                           params={'client_id': self.demo.device_id,
                                   'scope': CLI_SCOPES,
                                   'device_name': 'x' * 128})
        self.assertOAuthError((st, body), 400, 'invalid_request')
        st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                           params={'client_id': self.demo.device_id,
                                   'scope': CLI_SCOPES,
                                   'device_name': 'x' * 127})
        self.assertEqual(st, 200, body)


class RaceTest(ServerCase):
    """Two or more pollers of one approved code: exactly one gets tokens."""

    def test_racing_pollers_one_winner(self):
        for _round in range(3):
            code = self.code()
            self.browser().approve(code['user_code'])
            n = 8
            barrier = threading.Barrier(n)
            results = [None] * n

            def poll(i):
                barrier.wait()
                results[i] = self.poll_v3(code['device_code'])

            threads = [threading.Thread(target=poll, args=(i,))
                       for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            winners = [r for r in results if r and r[0] == 200]
            self.assertEqual(len(winners), 1, results)
            self.assertIn('refresh_token', winners[0][1])
            for r in results:
                if r[0] != 200:
                    self.assertEqual(r[0], 400, r)
                    self.assertEqual(r[1]['error'], 'invalid_grant', r)


class BindingTest(ServerCase):
    """A code requested with a bearer token may only be approved by that
    account."""

    def test_second_account_cannot_approve(self):
        other = add_user_to_demo(self, 'other.user@example.com')
        mine = self.tokens()
        code = self.code(bearer=mine['access_token'])
        b = Browser(self.url, other[0], other[1])
        b.login()
        page = b.follow(b.get('/device?user_code=' + code['user_code']))
        statuses = [page.status]
        if page.status < 400:
            r = b.submit(page, '/device', {'user_code': code['user_code']})
            statuses.append(r.status)
            if r.status < 400 and r.form('/device/decide'):
                r = b.submit(r, '/device/decide',
                             {'user_code': code['user_code'],
                              'action': 'approve'})
                statuses.append(r.status)
        self.assertIn(403, statuses)
        self.assertEqual(self.poll_v3(code['device_code']),
                         (200, {'error': 'authorization_pending'}))
        # the other account cannot deny it either
        self.browser().approve(code['user_code'])
        st, tok = self.poll_v3(code['device_code'])
        self.assertEqual(st, 200, tok)
        info = self.introspect(tok['access_token'])
        self.assertEqual(info['username'], self.demo.email)

    def test_invalid_bearer_is_refused(self):
        st, body = device_code(self.srv, self.demo.device_id,
                               bearer='cata_us_garbage')
        self.assertOAuthError((st, body), 401, 'invalid_token')
        st, body = device_code(self.srv, self.demo.device_id,
                               bearer=forge_token('cata'))
        self.assertOAuthError((st, body), 401, 'invalid_token')

    def test_rfc_endpoint_binds_too(self):
        other = add_user_to_demo(self, 'third.user@example.com')
        mine = self.tokens()
        st, _, code = http('POST', self.url + '/oauth/device_authorization',
                           data={'client_id': self.demo.device_id,
                                 'scope': CLI_SCOPES},
                           headers=bearer(mine['access_token']))
        self.assertEqual(st, 200, code)
        with self.assertRaises(BrowserError):
            Browser(self.url, other[0], other[1]).approve(code['user_code'])
        self.browser().approve(code['user_code'])
        st, tok = self.poll_rfc(code['device_code'])
        self.assertEqual(st, 200, tok)


class DeviceRfcTest(ServerCase):
    """RFC 8628 at /oauth/device_authorization and /oauth/v2/token."""
    server_kwargs = {'device_interval': 1}

    def rfc_code(self):
        st, _, body = http('POST', self.url + '/oauth/device_authorization',
                           data={'client_id': self.demo.device_id,
                                 'scope': CLI_SCOPES,
                                 'device_name': 'rfc-box'})
        self.assertEqual(st, 200, body)
        self.assertRegex(body['user_code'], USER_CODE_RE)
        self.assertTrue(token_ok(body['device_code'], 'catd'), body)
        self.assertEqual(body['verification_uri'], self.url + '/device')
        self.assertEqual(body['interval'], 1)
        return body

    def test_pending_then_tokens_then_invalid_grant(self):
        code = self.rfc_code()
        self.assertOAuthError(self.poll_rfc(code['device_code']), 400,
                              'authorization_pending')
        self.browser().approve(code['user_code'])
        sleep_past(1.2)
        st, tok = self.poll_rfc(code['device_code'])
        self.assertEqual(st, 200, tok)
        self.assertRegex(tok['token_id'], TOKEN_ID_RE)
        self.assertTrue(token_ok(tok['refresh_token'], 'catr'))
        self.assertEqual(tok['token_type'], 'Bearer')
        sleep_past(1.2)
        self.assertOAuthError(self.poll_rfc(code['device_code']), 400,
                              'invalid_grant')

    def test_confidential_client_poll_needs_its_secret(self):
        code = self.rfc_code()
        self.browser().approve(code['user_code'])
        self.assertOAuthError(
            self.poll_rfc(code['device_code'], with_secret=False), 401,
            'invalid_client')
        # the refusal did not use the code up
        st, tok = self.poll_rfc(code['device_code'])
        self.assertEqual(st, 200, tok)

    def test_access_denied(self):
        code = self.rfc_code()
        self.browser().approve(code['user_code'], action='deny')
        self.assertOAuthError(self.poll_rfc(code['device_code']), 400,
                              'access_denied')

    def test_unknown_device_code(self):
        self.assertOAuthError(self.poll_rfc('catd_us_unknown'), 400,
                              'invalid_grant')

    def test_missing_device_code(self):
        st, _, body = http('POST', self.url + '/oauth/v2/token',
                           data={'grant_type': DEVICE_GRANT,
                                 'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret})
        self.assertOAuthError((st, body), 400, 'invalid_request')

    def test_racing_pollers_one_winner(self):
        code = self.rfc_code()
        self.browser().approve(code['user_code'])
        n = 6
        barrier = threading.Barrier(n)
        results = [None] * n

        def poll(i):
            barrier.wait()
            results[i] = self.poll_rfc(code['device_code'])

        threads = [threading.Thread(target=poll, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        winners = [r for r in results if r and r[0] == 200]
        self.assertEqual(len(winners), 1, results)
        for r in results:
            if r[0] != 200:
                self.assertEqual(r[0], 400, r)
                self.assertIn(r[1]['error'], ('invalid_grant', 'slow_down'),
                              r)


class SlowDownTest(ServerCase):
    server_kwargs = {'device_interval': 5}

    def test_slow_down_when_polled_too_fast(self):
        st, _, code = http('POST', self.url + '/oauth/device_authorization',
                           data={'client_id': self.demo.device_id,
                                 'scope': CLI_SCOPES})
        self.assertEqual(st, 200, code)
        self.assertEqual(code['interval'], 5)
        self.assertOAuthError(self.poll_rfc(code['device_code']), 400,
                              'authorization_pending')
        self.assertOAuthError(self.poll_rfc(code['device_code']), 400,
                              'slow_down')
        # the v3 endpoint of the reference CLI never says slow_down
        v3 = self.code()
        for _ in range(2):
            self.assertEqual(self.poll_v3(v3['device_code']),
                             (200, {'error': 'authorization_pending'}))


class ExpiryTest(ServerCase):
    server_kwargs = {'device_ttl': 2, 'device_interval': 1}

    def test_expired_code(self):
        code = self.code()
        self.assertEqual(code['expires_in'], 2)
        st, _, rfc = http('POST', self.url + '/oauth/device_authorization',
                          data={'client_id': self.demo.device_id,
                                'scope': CLI_SCOPES})
        self.assertEqual(st, 200, rfc)
        sleep_past(3.2)
        self.assertOAuthError(self.poll_rfc(rfc['device_code']), 400,
                              'expired_token')
        self.assertOAuthError(self.poll_v3(code['device_code']), 400,
                              'expired_token')
        # an expired code can no longer be approved
        with self.assertRaises(BrowserError):
            self.browser().approve(code['user_code'])
        self.assertOAuthError(self.poll_v3(code['device_code']), 400,
                              ('expired_token', 'invalid_grant'))


if __name__ == '__main__':
    unittest.main()
