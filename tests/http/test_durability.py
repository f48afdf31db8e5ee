"""Durability across kill -9 and data-center separation."""

import tempfile
import unittest

from common import ServerCase, bearer, kill9_under_load, token_ok
from harness import (Server, db_check, get_cli_tokens, http, setup_demo,
                     poll_device_token)


class KillTest(ServerCase):

    def test_token_and_revocation_survive_kill9(self):
        keep = self.tokens()
        gone = self.tokens()
        st, ref = self.refresh(keep['refresh_token'])
        self.assertEqual(st, 200, ref)
        self.assertEqual(self.revoke(gone['refresh_token'])[0], 200)
        pending = self.code()  # issued, not yet approved
        self.srv.kill9()
        self.srv.restart()
        self.assertServing()
        # the answered grant still refreshes; its access tokens still work
        st, body = self.refresh(keep['refresh_token'])
        self.assertEqual(st, 200, body)
        self.assertEqual(body['token_id'], keep['token_id'])
        self.assertEqual(self.user_info(ref['access_token'])[0], 200)
        self.assertEqual(self.user_info(body['access_token'])[0], 200)
        # the revocation held
        self.assertOAuthError(self.refresh(gone['refresh_token']), 400,
                              'invalid_grant')
        self.assertEqual(self.user_info(gone['access_token'])[0], 401)
        # the pending device authorization is still there
        self.browser().approve(pending['user_code'])
        st, tok = self.poll_v3(pending['device_code'])
        self.assertEqual(st, 200, tok)

    def test_answered_tokens_survive_kill9_under_load(self):
        tok = self.tokens()

        def refresh():
            st, body = self.refresh(tok['refresh_token'])
            return body['access_token'] if st == 200 else None

        answered = kill9_under_load(self.srv, refresh, 60)
        self.srv.restart()
        lost = [a for a in answered if self.user_info(a)[0] != 200]
        self.assertEqual(lost, [], '%d of %d answered access tokens lost'
                         % (len(lost), len(answered)))
        self.assertEqual(db_check(self.srv.db), 'ok')

    def test_graceful_stop_and_restart(self):
        tok = self.tokens()
        rc = self.srv.stop()
        self.assertEqual(rc, 0, self.srv.log()[-2000:])
        self.srv.restart()
        self.assertEqual(self.refresh(tok['refresh_token'])[0], 200)


class DataCenterTest(unittest.TestCase):
    """A token of DC eu presented to the us server is refused with a message
    naming both."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalystd-dc-')
        cls.addClassCleanup(cls._tmp.cleanup)
        cls.us = Server(cls._tmp.name, dc='us', name='us')
        cls.eu = Server(cls._tmp.name, dc='eu', name='eu')
        cls.us_demo = setup_demo(cls.us.db)
        cls.eu_demo = setup_demo(cls.eu.db)
        cls.us.start()
        cls.addClassCleanup(cls.us.stop)
        cls.eu.start()
        cls.addClassCleanup(cls.eu.stop)
        cls.eu_tok = get_cli_tokens(cls.eu, cls.eu_demo)

    def assertNamesBoth(self, text):
        self.assertRegex(text, r'\beu\b')
        self.assertRegex(text, r'\bus\b')

    def test_eu_tokens_have_eu_shape(self):
        self.assertTrue(token_ok(self.eu_tok['refresh_token'], 'catr', 'eu'))
        self.assertTrue(token_ok(self.eu_tok['access_token'], 'cata', 'eu'))
        st, _, h = http('GET', self.eu.url + '/healthz')
        self.assertEqual(h['dc'], 'eu')

    def test_eu_access_token_on_us(self):
        st, _, body = http('GET', self.us.url + '/oauth/user/info',
                           headers=bearer(self.eu_tok['access_token']))
        self.assertEqual(st, 401, body)
        self.assertNamesBoth(body['error_description'])
        st, _, body = http('GET', self.us.url + '/baas/v1/orgs',
                           headers=bearer(self.eu_tok['access_token']))
        self.assertEqual(st, 401, body)
        self.assertNamesBoth(body['data']['message'])
        # and it still works at home
        st, _, body = http('GET', self.eu.url + '/oauth/user/info',
                           headers=bearer(self.eu_tok['access_token']))
        self.assertEqual(st, 200, body)

    def test_eu_refresh_token_on_us(self):
        st, _, body = http('POST', self.us.url + '/oauth/v2/token',
                           data={'refresh_token':
                                 self.eu_tok['refresh_token'],
                                 'client_id': self.us_demo.device_id,
                                 'client_secret': self.us_demo.device_secret,
                                 'grant_type': 'refresh_token'})
        self.assertEqual(st, 400, body)
        self.assertEqual(body['error'], 'invalid_grant')
        self.assertNamesBoth(body['error_description'])

    def test_eu_token_revoked_on_us_is_refused_and_kept(self):
        st, _, body = http('POST', self.us.url + '/oauth/v2/token/revoke',
                           params={'token': self.eu_tok['refresh_token']})
        self.assertEqual(st, 400, body)
        self.assertEqual(body['error'], 'invalid_request')
        self.assertNamesBoth(body['error_description'])
        st, _, body = http('POST', self.eu.url + '/oauth/v2/token',
                           data={'refresh_token':
                                 self.eu_tok['refresh_token'],
                                 'client_id': self.eu_demo.device_id,
                                 'client_secret': self.eu_demo.device_secret,
                                 'grant_type': 'refresh_token'})
        self.assertEqual(st, 200, body)

    def test_eu_device_code_on_us(self):
        st, _, code = http('POST', self.eu.url + '/oauth/v3/device/code',
                           params={'client_id': self.eu_demo.device_id})
        self.assertEqual(st, 200, code)
        self.assertTrue(code['device_code'].startswith('catd_eu_'))
        st, body = poll_device_token(self.us, self.us_demo.device_id,
                                     self.us_demo.device_secret,
                                     code['device_code'])
        self.assertEqual(st, 400, body)
        self.assertIn(body['error'], ('invalid_grant', 'invalid_request'))


if __name__ == '__main__':
    unittest.main()
