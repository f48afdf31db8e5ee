"""Every browser page of catalystd on a phone (375x667) in a real Chromium.

phone.mjs walks through sign-in, code entry, the confirmation (a long
device name, a long email), the done and denied pages, the account page
(a token of the long device name), the error pages
(wrong password, mistyped code, used code, expired form, invalid sign-in
link) and the browser-flow consent page, and checks on each that nothing
scrolls sideways, that the first heading is not repeated as the first line
of its text, and that every text and control has WCAG AA contrast. PNGs of
the confirmation, done and consent pages go to CATALYST_BROWSER_OUT for a
person to look at.

A missing Chromium, node or npm fails the test with the reason; it never
skips.
"""

import os
import signal
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))

from harness import (FailureFlag, Server, device_code,  # noqa: E402
                     get_cli_tokens, setup_demo)
import browser_env  # noqa: E402

SCRIPT = os.path.join(HERE, 'phone.mjs')
# long enough to overflow a phone unless the page wraps them; no spaces,
# like real ones (a hostname, a generated address)
LONG_EMAIL = ('firstname.middlename.lastname.with-a-long-local-part'
              '@engineering.subsidiary.example-corporation.com')
LONG_DEVICE = ('build-runner-eu-west-1-production-pipeline-'
               'ci-ephemeral-instance-4f9c2a7b8d1e')
SCOPES = ('ZohoCatalyst.projects.ALL ZohoCatalyst.project.import.CREATE '
          'ZohoCatalyst.cli.logs.CREATE ZohoCatalyst.functions.ALL '
          'ZohoCatalyst.tables.rows.READ')


class PhonePagesTest(FailureFlag, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.chromium = browser_env.chromium()
        cls.node = browser_env.node()
        cls.modules = browser_env.ensure_installed()
        cls.out = os.environ.get('CATALYST_BROWSER_OUT') or \
            os.path.join(HERE, 'out')
        os.makedirs(cls.out, exist_ok=True)
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalyst-phone-')
        cls.addClassCleanup(cls._tmp.cleanup)
        cls.tmp = cls._tmp.name
        cls.srv = Server(cls.tmp, dc='us')
        cls.demo = setup_demo(cls.srv.db, email=LONG_EMAIL)
        cls.srv.start()
        cls.addClassCleanup(cls._stop)
        cls._failed = False

    @classmethod
    def _stop(cls):
        rc = cls.srv.stop()
        log = cls.srv.log()
        bad = rc != 0 or 'Sanitizer' in log or 'runtime error:' in log
        if cls._failed or bad:
            sys.stderr.write('\n--- end of the catalystd log ---\n%s\n---\n'
                             % log[-6000:])
        if bad:
            raise AssertionError('catalystd did not stop cleanly (exit %s)'
                                 % rc)

    def new_code(self):
        st, code = device_code(self.srv, self.demo.device_id,
                               device_name=LONG_DEVICE)
        self.assertEqual(st, 200, code)
        return code['user_code']

    def test_every_page_fits_a_phone(self):
        consent = self.srv.url + '/oauth/v2/auth?' + urllib.parse.urlencode({
            'client_id': self.demo.browser_id, 'response_type': 'code',
            'redirect_uri': 'http://127.0.0.1:9/callback',
            'scope': SCOPES, 'state': 'phone'})
        # a token for the account page to list, on the long device name
        get_cli_tokens(self.srv, self.demo, device_name=LONG_DEVICE)
        home = os.path.join(self.tmp, 'home')
        os.makedirs(home)
        env = dict(os.environ,
                   HOME=home, XDG_CONFIG_HOME=os.path.join(home, '.config'),
                   XDG_CACHE_HOME=os.path.join(home, '.cache'),
                   CATALYST_BROWSER_PASSWORD=self.demo.password,
                   NO_PROXY='127.0.0.1', no_proxy='127.0.0.1')
        for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY',
                  'ALL_PROXY', 'all_proxy', 'NODE_OPTIONS'):
            env.pop(k, None)
        argv = [self.node, SCRIPT, '--base=' + self.srv.url,
                '--email=' + self.demo.email, '--code1=' + self.new_code(),
                '--code2=' + self.new_code(), '--consent=' + consent,
                '--shots=' + self.out,
                '--profile=' + os.path.join(self.tmp, 'profile'),
                '--modules=' + self.modules, '--chromium=' + self.chromium]
        p = subprocess.Popen(argv, env=env, cwd=self.tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        timeout = 240
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # node and its chromium
            out, err = p.communicate()
            self.fail('phone.mjs hung for %ds\n%s\n%s' % (
                timeout, out.decode('utf-8', 'replace'),
                err.decode('utf-8', 'replace')))
        out = out.decode('utf-8', 'replace')
        err = err.decode('utf-8', 'replace')
        sys.stderr.write('\n' + ''.join('    ' + line for line in
                                        out.splitlines(True)))
        self.assertEqual(p.returncode, 0,
                         'the phone run failed (exit %d):\n%s\n%s'
                         % (p.returncode, out, err))
        # every page was seen, none left out by an early stop
        for name in ('signin', 'signin-error', 'code-entry', 'confirm',
                     'done', 'code-entry-empty', 'code-wrong', 'code-used',
                     'form-expired', 'denied', 'account', 'invalid-link',
                     'consent'):
            self.assertIn('ok %s\n' % name, out)


if __name__ == '__main__':
    unittest.main()
