"""The CLI routed by the deployment directory (issue 9, item 2).

Three catalystd (us, eu, in), each with its own store, share one directory
file. A HOME that holds nothing but CATALYST_DIRECTORY and a token runs
project:list against the server of the token's own DC (checked from each
server's /metrics); a token of a DC missing from the directory fails naming
the DC and the directory, and no request reaches any server but the
directory (nor the old default address); after a DC moves, a CLI with a
stale cache follows the new URL once the directory's ETag has changed;
the reference CLI's CATALYST_AUTH_URL refuses another DC's credential
before any request.
"""

import json
import os
import random
import re
import socket
import tempfile
import threading
import time
import unittest

import harness as h
from e2e_util import Device

DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
PROJECTS = re.compile(r'route="/baas/v1/project",method="GET",code="2xx"} '
                      r'(\d+)')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def project_lists(srv):
    """How many project lists srv answered 2xx (its /metrics)."""
    st, _, text = h.http('GET', srv.url + '/metrics')
    m = PROJECTS.search(text)
    return int(m.group(1)) if m else 0


def requests_but_directory(srv):
    """Every request srv counted, but the directory's and the scrapes'."""
    st, _, text = h.http('GET', srv.url + '/metrics')
    n = 0
    for route, count in re.findall(
            r'^catalystd_http_requests_total\{route="([^"]*)".*\} (\d+)$',
            text, re.M):
        if route not in ('/.well-known/catalyst-directory', '/metrics',
                         '/healthz'):
            n += int(count)
    return n


def well_formed(dc):
    """A refresh token of dc with the right shape and checksum."""
    body = 'catr_%s_%s' % (dc, ''.join(random.choice(h.BASE62)
                                       for _ in range(32)))
    return 'm_' + body + h.crc62(body)


class Recorder:
    """Accepts and records connections on 127.0.0.1:port, answering none."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', port))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.conns = []
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stopping = True
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


class DirectoryTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalyst-dirs-')
        cls.addClassCleanup(cls._tmp.cleanup)
        cls.tmp = cls._tmp.name
        cls.path = os.path.join(cls.tmp, 'directory.json')
        cls.srv, cls.demo, cls.client = {}, {}, {}
        for dc in ('us', 'eu', 'in'):
            srv = h.Server(cls.tmp, dc=dc, name=dc,
                           extra_args=['--directory', cls.path])
            srv.port = free_port()
            srv.url = 'http://127.0.0.1:%d' % srv.port
            if dc != 'in':   # accounts in us and eu only
                cls.demo[dc] = h.setup_demo(
                    srv.db, email='%s.user@example.com' % dc,
                    projects=('%s-alpha' % dc,))
            cls.client[dc] = h.admin_json(
                srv.db, 'client', 'add', '--name', 'catalyst-cli',
                '--kind', 'device', '--public', '--json')['client_id']
            cls.srv[dc] = srv
        cls.write_directory()
        for srv in cls.srv.values():
            srv.start(port=srv.port)
            cls.addClassCleanup(srv.stop)
        cls.directory = cls.srv['us'].url

    @classmethod
    def write_directory(cls):
        with open(cls.path, 'w') as f:
            json.dump({'data_centers': {
                dc: {'url': srv.url, 'device_client_id': cls.client[dc]}
                for dc, srv in cls.srv.items()}}, f)

    def token(self, dc):
        """A CLI token of dc's public device client, approved by dc's
        user: what `catalyst token:generate` gives."""
        srv, demo = self.srv[dc], self.demo[dc]
        st, code = h.device_code(srv, self.client[dc])
        self.assertEqual(st, 200, code)
        h.Browser(srv.url, demo.email, demo.password).approve(
            code['user_code'])
        st, _, tok = h.http('POST', srv.url + '/oauth/v2/token', data={
            'grant_type': DEVICE_GRANT, 'device_code': code['device_code'],
            'client_id': self.client[dc]})
        self.assertEqual(st, 200, tok)
        return 'm_' + tok['refresh_token']

    def bare_home(self, name):
        """A fresh HOME with no config.json at all."""
        dev = Device(self.tmp, name, {})
        os.unlink(os.path.join(dev.config_dir, 'config.json'))
        return dev

    def test_token_alone_goes_to_its_dc(self):
        for dc in ('us', 'eu'):
            with self.subTest(dc=dc):
                token = self.token(dc)
                dev = self.bare_home('ci-' + dc)
                before = {d: project_lists(s) for d, s in self.srv.items()}
                r = dev.run('project:list', env={
                    'CATALYST_DIRECTORY': self.directory,
                    'CATALYST_TOKEN': token})
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn('%s-alpha' % dc, r.stdout)
                after = {d: project_lists(s) for d, s in self.srv.items()}
                self.assertEqual(
                    {d: after[d] - before[d] for d in after},
                    {d: int(d == dc) for d in after})
                # the directory is cached next to the config
                with open(os.path.join(dev.config_dir,
                                       'directory.json')) as f:
                    cache = json.load(f)
                self.assertEqual(
                    cache['directory']['data_centers'][dc]['url'],
                    self.srv[dc].url)

    def test_dc_missing_from_directory(self):
        try:
            old_default = Recorder(8080)
        except OSError:
            old_default = None   # taken here: the spare port stands in
        spare = Recorder(0)
        try:
            dev = self.bare_home('ci-jp')
            before = {d: requests_but_directory(s)
                      for d, s in self.srv.items()}
            r = dev.run('project:list', env={
                'CATALYST_DIRECTORY': self.directory,
                'CATALYST_TOKEN': well_formed('jp')})
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('data center jp', r.stderr)
            self.assertIn(self.directory +
                          '/.well-known/catalyst-directory', r.stderr)
            time.sleep(0.2)
            after = {d: requests_but_directory(s)
                     for d, s in self.srv.items()}
            self.assertEqual(after, before)
            for rec in (old_default, spare):
                if rec:
                    self.assertEqual(rec.conns, [])
            # no directory configured at all: an error, no default server
            r = dev.run('project:list', env={
                'CATALYST_TOKEN': well_formed('eu')})
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn('data center eu', r.stderr)
            self.assertIn('CATALYST_DIRECTORY', r.stderr)
            if old_default:
                self.assertEqual(old_default.conns, [])
        finally:
            spare.close()
            if old_default:
                old_default.close()

    def test_override_refuses_another_dc(self):
        """CATALYST_AUTH_URL is the server of the active DC (us unless
        --dc says otherwise): an eu token is refused before any request,
        naming both DCs."""
        token = well_formed('eu')
        rec = Recorder(0)
        try:
            dev = self.bare_home('dev-override')
            url = 'http://127.0.0.1:%d' % rec.sock.getsockname()[1]
            r = dev.run('project:list', '--token', token, env={
                'CATALYST_AUTH_URL': url, 'CATALYST_ADMIN_URL': url})
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn('data center eu', r.stderr)
            self.assertIn('data center us', r.stderr)
            time.sleep(0.2)
            self.assertEqual(rec.conns, [])
        finally:
            rec.close()

    def test_stale_cache_follows_a_moved_dc(self):
        token = self.token('eu')
        dev = self.bare_home('mover')
        env = {'CATALYST_DIRECTORY': self.directory, 'CATALYST_TOKEN': token}
        cache_path = os.path.join(dev.config_dir, 'directory.json')

        def stale():
            with open(cache_path) as f:
                c = json.load(f)
            c['expires_at'] = 0
            with open(cache_path, 'w') as f:
                json.dump(c, f)
            return c
        self.assertEqual(dev.run('project:list', env=env).returncode, 0)
        # stale but unchanged: revalidated (304), the cache renewed
        etag = stale()['etag']
        r = dev.run('project:list', env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(cache_path) as f:
            c = json.load(f)
        self.assertEqual(c['etag'], etag)
        self.assertGreater(c['expires_at'], time.time() + 200)
        self.assertRegex(self.srv['us'].log(),
                         r'route=/.well-known/catalyst-directory status=304')
        # eu moves to another port; the directory (us) serves the new file
        eu = self.srv['eu']
        eu.stop()
        old_url = eu.url
        eu.port = free_port()
        eu.url = 'http://127.0.0.1:%d' % eu.port
        self.write_directory()
        eu.start(port=eu.port)
        self.srv['us'].restart()
        # fresh cache: still the old URL, which no longer answers
        r = dev.run('project:list', env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(old_url, r.stderr)
        stale()
        before = project_lists(eu)
        r = dev.run('project:list', env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('eu-alpha', r.stdout)
        self.assertEqual(project_lists(eu), before + 1)
        with open(cache_path) as f:
            c = json.load(f)
        self.assertNotEqual(c['etag'], etag)
        self.assertEqual(c['directory']['data_centers']['eu']['url'],
                         eu.url)

if __name__ == '__main__':
    unittest.main()
