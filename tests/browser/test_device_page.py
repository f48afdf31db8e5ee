"""The device verification pages in a real browser.

Debian's Chromium (/usr/bin/chromium), driven by npm playwright-core
(browser_env.py installs it into CATALYST_BROWSER_DIR), opens the link a
CLI prints, signs in, confirms the pre-filled code, reads the confirmation
and clicks Verify or Deny (approve.mjs). The server side is then checked
through the token endpoints. Screenshots go to CATALYST_BROWSER_OUT.

A missing Chromium, node or npm (or an npm install that fails) fails the
test with the reason; it never skips.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))

from harness import (FailureFlag, device_code, http,  # noqa: E402
                     poll_device_token)
import browser_env  # noqa: E402

SCRIPT = os.path.join(HERE, 'approve.mjs')
DC = 'United States (us)'
XSS = '<img src=x onerror=alert(1)>'


class DevicePageBrowserTest(FailureFlag, unittest.TestCase):
    """One catalystd for the class; each test has its own device code and a
    fresh browser profile (so each signs in anew)."""

    @classmethod
    def setUpClass(cls):
        # fails, never skips, when something is missing
        browser_env.set_up_class(cls, 'catalyst-browser-', dc='us')

    # helpers ---------------------------------------------------------------
    def new_code(self, device_name=None):
        st, code = device_code(self.srv, self.demo.device_id,
                               device_name=device_name)
        self.assertEqual(st, 200, code)
        for k in ('user_code', 'device_code', 'verification_uri_complete'):
            self.assertIn(k, code)
        self.assertTrue(code['verification_uri_complete'].startswith(
            self.srv.url + '/device?user_code='), code)
        return code

    def browse(self, name, code, action, device, timeout=180):
        """Runs approve.mjs; fails the test with its output unless it
        exits 0. Returns its stdout."""
        home = os.path.join(self.tmp, 'home-' + name)
        profile = os.path.join(self.tmp, 'profile-' + name)
        os.makedirs(home)
        env = browser_env.clean_env(
            home, CATALYST_BROWSER_PASSWORD=self.demo.password)
        argv = [self.node, SCRIPT,
                '--url=' + code['verification_uri_complete'],
                '--user-code=' + code['user_code'],
                '--email=' + self.demo.email, '--action=' + action,
                '--device=' + device, '--dc=' + DC,
                '--client=' + self.demo.device_id,
                '--shots=' + os.path.join(self.out, name),
                '--profile=' + profile, '--modules=' + self.modules,
                '--chromium=' + self.chromium]
        out = browser_env.run_driver(self, argv, env, self.tmp, timeout,
                                     'the browser run')
        self.assertIn('RESULT ', out)
        return out

    # cases -----------------------------------------------------------------
    def test_1_verify_then_tokens_once(self):
        code = self.new_code(device_name='build-laptop')
        d = self.demo
        st, tok = poll_device_token(self.srv, d.device_id, d.device_secret,
                                    code['device_code'])
        self.assertEqual((st, tok.get('error')),
                         (200, 'authorization_pending'), tok)

        self.browse('verify', code, 'approve', 'build-laptop')

        st, tok = poll_device_token(self.srv, d.device_id, d.device_secret,
                                    code['device_code'])
        self.assertEqual(st, 200, tok)
        self.assertTrue(tok.get('refresh_token'), tok)
        self.assertTrue(tok.get('access_token'), tok)
        st, again = poll_device_token(self.srv, d.device_id,
                                      d.device_secret, code['device_code'])
        self.assertEqual((st, again.get('error')), (400, 'invalid_grant'),
                         again)

    def test_2_deny_then_access_denied(self):
        code = self.new_code(device_name='someone-else')
        grant = {'grant_type': 'urn:ietf:params:oauth:grant-type:device_code',
                 'device_code': code['device_code'],
                 'client_id': self.demo.device_id,
                 'client_secret': self.demo.device_secret}
        st, _, body = http('POST', self.srv.url + '/oauth/v2/token',
                           data=grant)
        self.assertEqual((st, body.get('error')),
                         (400, 'authorization_pending'), body)

        self.browse('deny', code, 'deny', 'someone-else')

        st, _, body = http('POST', self.srv.url + '/oauth/v2/token',
                           data=grant)
        self.assertEqual((st, body.get('error')), (400, 'access_denied'),
                         body)
        self.assertNotIn('access_token', body)

    def test_3_device_name_shown_as_text(self):
        code = self.new_code(device_name=XSS)
        out = self.browse('xss', code, 'deny', XSS)
        # approve.mjs compared the Device text with the name, found no
        # <img> on the page and saw no dialog; its RESULT line says so too
        self.assertIn('"dialogs":[]', out)
        st, _, body = http('POST', self.srv.url + '/oauth/v2/token',
                           data={'grant_type': 'urn:ietf:params:oauth:'
                                 'grant-type:device_code',
                                 'device_code': code['device_code'],
                                 'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret})
        self.assertEqual((st, body.get('error')), (400, 'access_denied'),
                         body)


if __name__ == '__main__':
    unittest.main()
