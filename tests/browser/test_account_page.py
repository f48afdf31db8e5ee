"""The account page (/account) in a real Chromium at phone width: a person
signs in, sees the tokens of two devices, revokes one (the `catalyst` CLI
is refused with it at once, the others still work), then, the sign-in being
older than --reauth-after, presses Revoke all, is asked for the password,
is refused a wrong one and goes on with the right one: every token is
refused. account.mjs does the browser's part (two runs, one profile); this
file makes the tokens, runs the CLI with them and checks the audit trail.

A missing Chromium, node or npm fails the test with the reason; it never
skips.
"""

import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))

from harness import (Browser, FailureFlag, admin,  # noqa: E402
                     get_cli_tokens, http)
import browser_env  # noqa: E402

SCRIPT = os.path.join(HERE, 'account.mjs')
# the window after sign-in in which revoking asks for nothing: long enough
# for the first run to sign in and revoke one, short enough to wait out
REAUTH_AFTER = 8
LONG_DEVICE = ('build-runner-eu-west-1-production-pipeline-'
               'ci-ephemeral-instance-4f9c2a7b8d1e')


class AccountPageBrowserTest(FailureFlag, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.catalyst = os.environ.get('CATALYST')
        if not cls.catalyst:
            raise AssertionError('env CATALYST must name the catalyst CLI')
        browser_env.set_up_class(cls, 'catalyst-account-', out='account',
                                 dc='us', extra_args=(
                                     '--reauth-after', str(REAUTH_AFTER)))

    # helpers ---------------------------------------------------------------
    def env(self, home, no_proxy='*', **extra):
        return browser_env.clean_env(
            home, no_proxy=no_proxy, drop=(
                'CI', 'CATALYST_TOKEN', 'CATALYST_AUTH_URL',
                'CATALYST_ADMIN_URL', 'CATALYST_DIRECTORY'), **extra)

    def cli(self, token):
        """`catalyst project:list --token T` on a machine that never
        signed in: 0 while the token works."""
        home = os.path.join(self.tmp, 'cli')
        conf = os.path.join(home, '.config', 'catalyst')
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, 'config.json'), 'w') as f:
            # the client refreshes the token's access tokens
            json.dump({'servers': {'us': self.srv.url},
                       'clients': {'device': {
                           'id': self.demo.device_id,
                           'secret': self.demo.device_secret}}}, f)
        return subprocess.run(
            [self.catalyst, 'project:list', '--token', token],
            env=self.env(home), cwd=home, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def assert_cli(self, tok, works):
        p = self.cli('m_' + tok['refresh_token'])
        if works:
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            self.assertIn(b'alpha', p.stdout)
        else:
            self.assertNotEqual(p.returncode, 0, p.stdout.decode())
        st, _, _ = http('GET', self.srv.url + '/oauth/user/info',
                        headers={'Authorization':
                                 'Bearer ' + tok['access_token']})
        self.assertEqual(st, 200 if works else 401)

    def browse(self, step, timeout=180, **args):
        env = self.env(os.path.join(self.tmp, 'home-browser'),
                       no_proxy='127.0.0.1',
                       CATALYST_BROWSER_PASSWORD=self.demo.password)
        argv = [self.node, SCRIPT, '--step=' + step, '--base=' + self.srv.url,
                '--email=' + self.demo.email, '--shots=' + self.out,
                '--profile=' + os.path.join(self.tmp, 'profile'),
                '--modules=' + self.modules, '--chromium=' + self.chromium]
        argv += ['--%s=%s' % kv for kv in args.items()]
        out = browser_env.run_driver(self, argv, env, self.tmp, timeout,
                                     'account.mjs --step=' + step)
        self.assertIn('RESULT ok', out)
        return out

    # the case --------------------------------------------------------------
    def test_revoke_one_then_all_with_reauth(self):
        d = self.demo
        b = Browser(self.srv.url, d.email, d.password)
        laptop = get_cli_tokens(self.srv, d, browser=b,
                                device_name='laptop-a')
        ci = [get_cli_tokens(self.srv, d, browser=b, device_name=LONG_DEVICE)
              for _ in range(2)]
        for t in [laptop] + ci:
            self.assert_cli(t, True)

        out = self.browse('revoke-one', revoke=laptop['token_id'],
                          expect=','.join(t['token_id']
                                          for t in [laptop] + ci),
                          devices='laptop-a,' + LONG_DEVICE)
        self.assertIn('ok account fits 375 px', out)
        # the run signed in before it ended
        signed_in = time.monotonic()
        # at once: the revoked token is refused, the others still work
        self.assert_cli(laptop, False)
        for t in ci:
            self.assert_cli(t, True)

        # the sign-in of that run: older than the window by now
        time.sleep(max(0.0, signed_in + REAUTH_AFTER + 1 - time.monotonic()))
        out = self.browse('revoke-all')
        self.assertIn('ok a wrong password is refused', out)
        self.assertIn('ok reauth fits 375 px', out)
        for t in [laptop] + ci:
            self.assert_cli(t, False)

        p = admin(self.srv, 'audit', '--email', d.email, '--json')
        evs = json.loads(p.stdout)['events']
        revoked = [e for e in evs if e['event'] == 'token_revoked']
        self.assertEqual(sorted(e['token_id'] for e in revoked),
                         sorted(t['token_id'] for t in [laptop] + ci), evs)
        self.assertTrue(all(e['actor'] == 'user' for e in revoked), revoked)
        self.assertIn('signin_failed', [e['event'] for e in evs])


if __name__ == '__main__':
    unittest.main()
