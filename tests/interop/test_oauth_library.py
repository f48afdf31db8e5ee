"""A standard OAuth library with its defaults completes the device flow,
refresh, introspection and revocation against catalystd, once with
client_secret_basic (the library's default) and once with
client_secret_post (issue 7, finding 4).

The library is npm openid-client (pinned below), driven by
oauth_library.js and installed by the test into a cache directory outside
the tracked tree: env CATALYST_OAUTHLIB_DIR (CMake sets
<build>/oauthlib-node), else ~/.cache/catalyst-oauthlib. Every request it
sends is recorded, so a run that passed without the method under test
(the library falling back to another) fails too. The client's secret
holds characters that form-urlencoding changes (RFC 6749 2.3.1).
"""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import npm_cache  # noqa: E402
from harness import (Browser, FailureFlag, Server, admin_json,  # noqa: E402
                     setup_demo)

VERSION = '5.7.1'
PACKAGE_JSON = {
    'name': 'catalyst-oauthlib',
    'private': True,
    'description': 'a standard OAuth client library, for the interop test',
    'dependencies': {'openid-client': VERSION},
}
DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      'oauth_library.js')
SCOPE = 'ZohoCatalyst.projects.ALL'
SECRET = 'odd secret: 100% a+b/c&d=e'
# the endpoints where the client authenticates
AUTHENTICATED = ('/oauth/device_authorization', '/oauth/v2/token',
                 '/oauth/introspect', '/oauth/revoke')


def cache_dir():
    return os.environ.get('CATALYST_OAUTHLIB_DIR') or os.path.join(
        os.path.expanduser('~'), '.cache', 'catalyst-oauthlib')


def read_line(proc, deadline):
    """One line of proc's stdout before deadline ('' at EOF)."""
    buf = b''
    fd = proc.stdout.fileno()
    while not buf.endswith(b'\n'):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError('openid-client said nothing in time')
        b = os.read(fd, 1)
        if not b:
            break
        buf += b
    return buf.decode()


class OAuthLibraryTest(FailureFlag, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.node = shutil.which('node')
        if not cls.node:
            raise AssertionError('node not found: this test runs npm '
                                 'openid-client (Debian packages nodejs, '
                                 'npm)')
        cls.libdir = npm_cache.ensure(cache_dir(), 'openid-client', VERSION,
                                      PACKAGE_JSON, 'the OAuth library test')
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalystd-oauthlib-')
        cls.addClassCleanup(cls._tmp.cleanup)
        cls._failed = False
        cls.srv = Server(cls._tmp.name, device_interval=1)
        cls.demo = setup_demo(cls.srv.db)
        d = admin_json(cls.srv.db, 'client', 'add', '--name', 'odd',
                       '--kind', 'device', '--secret-stdin', '--json',
                       stdin=SECRET + '\n')
        cls.client_id = d['client_id']
        cls.srv.start()
        cls.addClassCleanup(cls._stop, cls.srv)

    @classmethod
    def _stop(cls, srv):
        if cls._failed:
            sys.stderr.write('\n--- catalystd log ---\n%s\n'
                             % srv.log()[-6000:])
        srv.stop()

    def run_library(self, method):
        """Runs the whole flow in the library, approving the code as the
        demo user; returns the library's report."""
        argv = [self.node, DRIVER, self.libdir,
                self.srv.url + '/.well-known/oauth-authorization-server',
                self.client_id, SECRET, method, SCOPE]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            line = read_line(proc, deadline)
            if not line:
                proc.wait(10)
                self.fail('openid-client failed before the user code:\n%s'
                          % proc.stderr.read().decode())
            code = json.loads(line)
            self.assertTrue(code['verification_uri_complete'].startswith(
                self.srv.url + '/device'), code)
            Browser(self.srv.url, self.demo.email,
                    self.demo.password).approve(code['user_code'])
            out, err = proc.communicate(
                timeout=max(1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0,
                         'openid-client failed:\n%s' % err.decode())
        return json.loads(out.decode().strip().splitlines()[-1])

    def check_flow(self, r):
        self.assertTrue(r['got_refresh_token'], r)
        self.assertTrue(r['refreshed_access_token'], r)
        self.assertIs(r['introspect_active'], True, r)
        self.assertEqual(r['introspect_username'], self.demo.email, r)
        self.assertIs(r['introspect_after_revoke'], False, r)
        self.assertEqual(r['refresh_after_revoke'], 'invalid_grant', r)
        paths = {q['path'] for q in r['requests']}
        for p in AUTHENTICATED:
            self.assertIn(p, paths, r['requests'])

    def test_client_secret_basic_by_default(self):
        r = self.run_library('default')
        self.assertEqual(r['method'], 'client_secret_basic')
        self.check_flow(r)
        for q in r['requests']:
            if q['path'] in AUTHENTICATED:
                self.assertTrue(q['basic'], q)
                self.assertNotIn('client_secret', q['form'], q)

    def test_client_secret_post(self):
        r = self.run_library('client_secret_post')
        self.assertEqual(r['method'], 'client_secret_post')
        self.check_flow(r)
        for q in r['requests']:
            if q['path'] in AUTHENTICATED:
                self.assertFalse(q['basic'], q)
                self.assertIn('client_secret', q['form'], q)
                self.assertIn('client_id', q['form'], q)


if __name__ == '__main__':
    unittest.main()
