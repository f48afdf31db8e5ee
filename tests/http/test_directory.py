"""The deployment directory (issue 9, item 1): GET
/.well-known/catalyst-directory serves the file given with --directory, or
without one this server alone (its DC, its public URL, the public CLI
clients of its store); cacheable with a strong ETag and 304 on
If-None-Match; a bad file stops catalystd at start naming the file and the
key; the RFC 8414 metadata names the server's DC and the directory.
"""

import json
import os
import subprocess
import tempfile
import time
import unittest

from common import ServerCase  # noqa: F401 - sets up sys.path
from harness import CATALYSTD, Server, admin_json, http

PATH = '/.well-known/catalyst-directory'


def add_client(db, name, kind, public):
    args = ['client', 'add', '--name', name, '--kind', kind, '--json']
    if public:
        args.append('--public')
    return admin_json(db, *args)['client_id']


def write_json(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


DIRECTORY = {'data_centers': {
    'us': {'url': 'https://us.catalyst.example/',
           'device_client_id': '1000.CLIDEVUS',
           'browser_client_id': '1000.CLIWEBUS'},
    'eu': {'url': 'https://eu.catalyst.example',
           'device_client_id': '1000.CLIDEVEU'}}}


class CacheChecks:
    def check_cacheable(self, url):
        st, h, body = http('GET', url + PATH)
        self.assertEqual(st, 200)
        self.assertEqual(h['Cache-Control'], 'public, max-age=300')
        etag = h['ETag']
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')  # strong
        # the same content, the same tag
        st2, h2, body2 = http('GET', url + PATH)
        self.assertEqual((st2, h2['ETag'], body2), (200, etag, body))
        for inm in (etag, 'W/' + etag, '"x", ' + etag, '*'):
            st, h, text = http('GET', url + PATH,
                               headers={'If-None-Match': inm})
            self.assertEqual(st, 304, inm)
            self.assertEqual(h['ETag'], etag)
            self.assertEqual(h['Cache-Control'], 'public, max-age=300')
            self.assertEqual(text, '')
        st, _, again = http('GET', url + PATH,
                            headers={'If-None-Match': '"0123"'})
        self.assertEqual((st, again), (200, body))
        return body, etag


class WithFileTest(CacheChecks, ServerCase):
    demo_setup = False

    @classmethod
    def setUpClass(cls):
        cls._dir_tmp = tempfile.TemporaryDirectory(prefix='catalyst-dir-')
        cls.addClassCleanup(cls._dir_tmp.cleanup)
        cls.server_kwargs = {'dc': 'eu', 'extra_args': [
            '--directory', write_json(cls._dir_tmp.name, 'dir.json',
                                      DIRECTORY)]}
        super().setUpClass()

    def test_serves_the_file(self):
        body, _ = self.check_cacheable(self.url)
        want = json.loads(json.dumps(DIRECTORY))
        # a trailing slash is dropped: the CLI appends paths
        want['data_centers']['us']['url'] = 'https://us.catalyst.example'
        self.assertEqual(body, want)

    def test_metadata_names_the_dc(self):
        st, _, md = http('GET', self.url +
                         '/.well-known/oauth-authorization-server')
        self.assertEqual(st, 200)
        self.assertEqual(md['catalyst_data_center'], 'eu')
        self.assertEqual(md['catalyst_directory'], self.url + PATH)

    def test_other_methods(self):
        st, _, _ = http('POST', self.url + PATH, data={'a': 'b'})
        self.assertEqual(st, 405)
        st, h, _ = http('HEAD', self.url + PATH)
        self.assertEqual(st, 200)
        self.assertIn('ETag', h)

    def test_other_answers_stay_uncached(self):
        st, h, _ = http('GET', self.url + '/healthz')
        self.assertEqual(h['Cache-Control'], 'no-store')


class SelfTest(CacheChecks, ServerCase):
    """No --directory: the server alone, with the public CLI clients its
    store holds when the request comes (registered while it runs)."""
    demo_setup = False

    def test_describes_itself(self):
        body, etag = self.check_cacheable(self.url)
        self.assertEqual(body, {'data_centers': {'us': {'url': self.url}}})
        # confidential clients are not the CLI's: they stay out
        add_client(self.srv.db, 'ref-device', 'device', public=False)
        add_client(self.srv.db, 'ref-browser', 'browser', public=False)
        self.assertEqual(http('GET', self.url + PATH)[2], body)
        dev = add_client(self.srv.db, 'cli-device', 'device', public=True)
        time.sleep(1.1)  # the store orders by the second of creation
        # the oldest one is kept: a new client does not move the CLIs
        add_client(self.srv.db, 'cli-device-2', 'device', public=True)
        web = add_client(self.srv.db, 'cli-browser', 'browser', public=True)
        st, h, now = http('GET', self.url + PATH,
                          headers={'If-None-Match': etag})
        self.assertEqual(st, 200)  # changed content, changed tag
        self.assertNotEqual(h['ETag'], etag)
        self.assertEqual(now, {'data_centers': {'us': {
            'url': self.url, 'device_client_id': dev,
            'browser_client_id': web}}})

    def test_metadata_names_the_dc(self):
        st, _, md = http('GET', self.url +
                         '/.well-known/oauth-authorization-server')
        self.assertEqual(md['catalyst_data_center'], 'us')
        self.assertEqual(md['catalyst_directory'], self.url + PATH)


class BadFileTest(unittest.TestCase):
    """Each bad file stops catalystd at start (exit 129), naming the file
    and the key; from the command line and from the config file."""

    def start(self, tmp, *args):
        return subprocess.run(
            [CATALYSTD, 'serve', '--listen', '127.0.0.1:0', '--db',
             os.path.join(tmp, 's.db')] + list(args), cwd=tmp,
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=30)

    def test_bad_files(self):
        us = {'url': 'https://us.example'}
        cases = [
            ('{"data_centers": ', 'not valid JSON'),
            ('[]', "'(top level)'"),
            ({'data_centers': {'us': us}, 'dcs': {}}, "key 'dcs'"),
            ({'data_centers': {}}, "key 'data_centers'"),
            ({'data_centers': {'us': us, 'mars': us}},
             "key 'data_centers.mars'"),
            ({'data_centers': {'us': us, 'com': us}},
             "key 'data_centers.com'"),
            ({'data_centers': {'us': {}}}, "key 'data_centers.us.url'"),
            ({'data_centers': {'us': {'url': 'ftp://x'}}},
             "key 'data_centers.us.url'"),
            ({'data_centers': {'us': {'url': 'https://x/?a=1'}}},
             "key 'data_centers.us.url'"),
            ({'data_centers': {'us': {'url': 'https://x', 'ur1': 'y'}}},
             "key 'data_centers.us.ur1'"),
            ({'data_centers': {'us': dict(us, device_client_id=5)}},
             "key 'data_centers.us.device_client_id'"),
            ({'data_centers': {'us': dict(us, browser_client_id='a b')}},
             "key 'data_centers.us.browser_client_id'"),
            # it must list the server's own DC (--dc us by default)
            ({'data_centers': {'eu': us}}, "key 'data_centers.us'"),
            ('{"data_centers": {"us": {"url": "https://a"}, '
             '"us": {"url": "https://b"}}}', 'not valid JSON'),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            for doc, what in cases:
                path = write_json(tmp, 'dir.json', doc)
                with self.subTest(doc=doc):
                    p = self.start(tmp, '--directory', path)
                    self.assertEqual(p.returncode, 129, p.stderr)
                    self.assertIn(path, p.stderr)
                    self.assertIn(what, p.stderr)
            conf = write_json(tmp, 'c.conf', 'directory = %s\n' % path)
            p = self.start(tmp, '--config', conf)
            self.assertEqual(p.returncode, 129, p.stderr)
            self.assertIn(path, p.stderr)
            p = self.start(tmp, '--directory', os.path.join(tmp, 'nope'))
            self.assertEqual(p.returncode, 129, p.stderr)
            self.assertIn('nope', p.stderr)
            self.assertIn('cannot open', p.stderr)

    def test_config_key(self):
        """directory = FILE in the config file is the flag."""
        with tempfile.TemporaryDirectory() as tmp:
            path = write_json(tmp, 'dir.json', DIRECTORY)
            conf = write_json(tmp, 'c.conf', 'directory = %s\n' % path)
            with Server(tmp, dc='eu',
                        extra_args=['--config', conf]) as srv:
                st, _, body = http('GET', srv.url + PATH)
                self.assertEqual(st, 200)
                self.assertEqual(set(body['data_centers']), {'us', 'eu'})


if __name__ == '__main__':
    unittest.main()
