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
import signal
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))

from harness import (FailureFlag, Server, device_code, http,  # noqa: E402
                     poll_device_token, setup_demo)
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
        cls.chromium = browser_env.chromium()
        cls.node = browser_env.node()
        cls.modules = browser_env.ensure_installed()
        cls.out = os.environ.get('CATALYST_BROWSER_OUT') or \
            os.path.join(HERE, 'out')
        os.makedirs(cls.out, exist_ok=True)
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalyst-browser-')
        cls.addClassCleanup(cls._tmp.cleanup)
        cls.tmp = cls._tmp.name
        cls.srv = Server(cls.tmp, dc='us')
        cls.demo = setup_demo(cls.srv.db)
        cls.srv.start()
        cls.addClassCleanup(cls._stop)
        cls._failed = False

    @classmethod
    def _stop(cls):
        rc = cls.srv.stop()
        log = cls.srv.log()
        # a sanitizer build reports memory errors and leaks at exit
        bad = rc != 0 or 'Sanitizer' in log or 'runtime error:' in log
        if cls._failed or bad:
            sys.stderr.write('\n--- end of the catalystd log ---\n%s\n---\n'
                             % log[-6000:])
        if bad:
            raise AssertionError('catalystd did not stop cleanly (exit %s)'
                                 % rc)

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
        env = dict(os.environ,
                   HOME=home, XDG_CONFIG_HOME=os.path.join(home, '.config'),
                   XDG_CACHE_HOME=os.path.join(home, '.cache'),
                   CATALYST_BROWSER_PASSWORD=self.demo.password,
                   NO_PROXY='127.0.0.1', no_proxy='127.0.0.1')
        for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY',
                  'ALL_PROXY', 'all_proxy', 'NODE_OPTIONS'):
            env.pop(k, None)
        argv = [self.node, SCRIPT,
                '--url=' + code['verification_uri_complete'],
                '--user-code=' + code['user_code'],
                '--email=' + self.demo.email, '--action=' + action,
                '--device=' + device, '--dc=' + DC,
                '--client=' + self.demo.device_id,
                '--shots=' + os.path.join(self.out, name),
                '--profile=' + profile, '--modules=' + self.modules,
                '--chromium=' + self.chromium]
        p = subprocess.Popen(argv, env=env, cwd=self.tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # node and its chromium
            out, err = p.communicate()
            self.fail('approve.mjs hung for %ds\n%s\n%s' % (
                timeout, out.decode('utf-8', 'replace'),
                err.decode('utf-8', 'replace')))
        out = out.decode('utf-8', 'replace')
        err = err.decode('utf-8', 'replace')
        sys.stderr.write('\n' + ''.join('    ' + line for line in
                                        out.splitlines(True)))
        self.assertEqual(p.returncode, 0,
                         'the browser run failed (exit %d):\n%s\n%s'
                         % (p.returncode, out, err))
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
