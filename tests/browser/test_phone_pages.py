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
import sys
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))

from harness import (FailureFlag, device_code,  # noqa: E402
                     get_cli_tokens)
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
        browser_env.set_up_class(cls, 'catalyst-phone-',
                                 demo={'email': LONG_EMAIL}, dc='us')

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
        env = browser_env.clean_env(
            home, CATALYST_BROWSER_PASSWORD=self.demo.password)
        argv = [self.node, SCRIPT, '--base=' + self.srv.url,
                '--email=' + self.demo.email, '--code1=' + self.new_code(),
                '--code2=' + self.new_code(), '--consent=' + consent,
                '--shots=' + self.out,
                '--profile=' + os.path.join(self.tmp, 'profile'),
                '--modules=' + self.modules, '--chromium=' + self.chromium]
        out = browser_env.run_driver(self, argv, env, self.tmp, 240,
                                     'the phone run')
        # every page was seen, none left out by an early stop
        for name in ('signin', 'signin-error', 'code-entry', 'confirm',
                     'done', 'code-entry-empty', 'code-wrong', 'code-used',
                     'form-expired', 'denied', 'account', 'invalid-link',
                     'consent'):
            self.assertIn('ok %s\n' % name, out)


if __name__ == '__main__':
    unittest.main()
