"""The README's main flow on the demo (issue 9, item 8).

scripts/demo-setup.sh seeds a store (public CLI clients, no secret for the
CLI anywhere in its output or its file), one catalystd without --directory
serves it and describes itself, and the CLI gets nothing but
CATALYST_DIRECTORY: sign in and generate a token on one HOME, use the token
from a second HOME holding only CATALYST_DIRECTORY and the token, revoke it
on the first.
"""

import json
import os
import subprocess
import tempfile
import unittest

import harness as h
from e2e_util import TOKEN_RX, device_flow
from test_dcs import bare_home, free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


class ReadmeFlowTest(unittest.TestCase):
    """The README's main flow on the demo: scripts/demo-setup.sh seeds the
    store, one catalystd without --directory serves it and describes
    itself, and the CLI gets nothing but CATALYST_DIRECTORY."""

    def test_main_flow_with_only_the_directory(self):
        with tempfile.TemporaryDirectory(prefix='catalyst-readme-') as tmp:
            db = os.path.join(tmp, 'var', 'catalyst.db')
            env_file = os.path.join(tmp, 'var', 'demo.env')
            srv = h.Server(tmp, db=db, device_interval=1)
            srv.port = free_port()
            url = 'http://127.0.0.1:%d' % srv.port
            r = subprocess.run(
                ['bash', os.path.join(ROOT, 'scripts', 'demo-setup.sh'),
                 '--db', db, '--catalystd', h.CATALYSTD, '--env-file',
                 env_file, '--url', url],
                capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('CATALYST_DIRECTORY=%s' % url, r.stdout)
            with open(env_file) as f:
                written = f.read()
            for text in (r.stdout, written):
                self.assertNotRegex(text, r'CLIENT_ID|CLIENT_SECRET|catk_')
            srv.start(port=srv.port)
            try:
                st, _, d = h.http('GET', url +
                                  '/.well-known/catalyst-directory')
                self.assertEqual(st, 200, d)
                us = d['data_centers']['us']
                self.assertEqual(us['url'], url)
                self.assertIn('device_client_id', us)
                self.assertIn('browser_client_id', us)
                browser = h.Browser(url, 'demo@example.com', 'catalyst-demo')
                a = bare_home(tmp, 'laptop', url)
                r = device_flow(a, browser, 'login', '--no-localhost')
                self.assertEqual(r.proc.returncode, 0, r.stderr)
                r = device_flow(a, browser, 'token:generate')
                self.assertEqual(r.proc.returncode, 0, r.stderr)
                token = r.stdout.strip()
                self.assertRegex(token, TOKEN_RX)
                r = a.run('token:list')
                self.assertEqual(r.returncode, 0, r.stderr)
                # anywhere else: the directory and the token, nothing more
                b = bare_home(tmp, 'ci', url)
                r = b.run('project:list', env={'CATALYST_TOKEN': token})
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn('alpha', r.stdout)
                self.assertIn('beta', r.stdout)
                r = b.run('project:use', 'beta', '--token', token)
                self.assertEqual(r.returncode, 0, r.stderr)
                # any command: the token's own list, its account, init
                for args in (('token:list',), ('whoami',),
                             ('init', '-p', 'alpha', '--force')):
                    r = b.run(*args, env={'CATALYST_TOKEN': token})
                    self.assertEqual(r.returncode, 0, (args, r.stderr))
                self.assertFalse(os.path.exists(
                    os.path.join(b.config_dir, 'config.json')))
                tid = json.loads(a.run('token:list', '--json').stdout)
                ids = [t['token_id'] for t in tid['tokens']
                       if t['revocable_here']]
                self.assertEqual(len(ids), 1, tid)
                r = a.run('token:revoke', '--yes', ids[0])
                self.assertEqual(r.returncode, 0, r.stderr)
                r = b.run('project:list', env={'CATALYST_TOKEN': token})
                self.assertEqual(r.returncode, 4, r.stderr)
            finally:
                srv.stop()


if __name__ == '__main__':
    unittest.main()
