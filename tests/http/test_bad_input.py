"""Bad input on every endpoint: malformed query/form, repeated and missing
parameters, oversized bodies, invalid UTF-8, unknown paths and methods,
garbage and stalled connections. Each gets a clear error status with a JSON
body, the server keeps serving, and nothing stored changes.

Issue 7 ("the bad-input suite"): OAuthBadInputTest and AdminBadInputTest
walk tables of distinct bad requests per endpoint (missing, repeated,
empty, huge and wrong-type parameters, wrong content types, malformed
Authorization headers, tokens of the wrong kind, checksum or DC; bad JSON,
project ids and CATALYST-ORG values). Every case asserts the status and the
error shape of its surface, every test that the server still answers and
the store is unchanged, and every class that the server's RSS stayed flat
over the whole class (not in an ASan build, whose quarantine holds freed
memory). The browser pages are in test_bad_input_web.py.
"""

import base64
import contextlib
import os
import re
import socket
import sqlite3
import sys
import time
import unittest
import urllib.parse

from common import (CLI_HEADERS, DEVICE_GRANT, ServerCase, bearer, crc62,
                    forge_token)
import harness
from harness import (admin, admin_json, db_snapshot, get_cli_tokens, http,
                     raw_request)

# every (method, path) of docs/http-api.md
ROUTES = [
    ('POST', '/oauth/v3/device/code'), ('POST', '/oauth/v3/device/token'),
    ('POST', '/oauth/v2/token'), ('POST', '/oauth/v2/token/revoke'),
    ('GET', '/oauth/v2/auth'), ('POST', '/oauth/v2/auth'),
    ('GET', '/oauth/user/info'), ('POST', '/oauth/device_authorization'),
    ('POST', '/oauth/revoke'), ('POST', '/oauth/introspect'),
    ('GET', '/.well-known/oauth-authorization-server'),
    ('GET', '/api/v1/tokens'), ('GET', '/baas/v1/orgs'),
    ('GET', '/baas/v1/project'), ('POST', '/baas/v1/project'),
    ('GET', '/baas/v1/project/1234'), ('GET', '/baas/v1/project/1/environment'),
    ('POST', '/baas/v1/cli/logs'), ('GET', '/login'), ('POST', '/login'),
    ('POST', '/logout'), ('GET', '/device'), ('POST', '/device'),
    ('POST', '/device/decide'), ('GET', '/healthz'),
]


# --------------------------------------------------------------------------
# shared by the bad-input classes (also test_bad_input_web.py)

FORM = {'Content-Type': 'application/x-www-form-urlencoded'}
JSON = {'Content-Type': 'application/json'}
#: RSS growth allowed over a whole class. A per-request leak shows far above
#: it: a leaked 64 KiB body over the ~100 big requests of a class is 6 MiB,
#: a leaked rendered page (~10 KiB) over the ~200 requests 2 MiB on top of
#: the noise of the allocator's arenas (a few MiB).
RSS_BOUND_KIB = 16 * 1024


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS for %d' % pid)


def sanitized(binary):
    """True for a build with AddressSanitizer, whose allocator keeps freed
    memory in quarantine (RSS measures nothing there; LeakSanitizer at exit
    does, and the class cleanup asserts a clean exit)."""
    with open(binary, 'rb') as f:
        return b'__asan_init' in f.read()


def store_state(db):
    """db_snapshot without the one column a read legitimately writes: a
    grant's last_used_at, touched at most once a minute by a bearer."""
    snap = db_snapshot(db)
    if snap.get('grants'):
        c = sqlite3.connect('file:%s?mode=ro' % urllib.parse.quote(db),
                            uri=True, timeout=10)
        try:
            cols = [r[1] for r in c.execute('PRAGMA table_info(grants)')]
        finally:
            c.close()
        i = cols.index('last_used_at')
        snap['grants'] = sorted((r[:i] + (None,) + r[i + 1:]
                                 for r in snap['grants']), key=repr)
    return snap


def basic(raw):
    """An Authorization: Basic header of raw bytes (or str)."""
    if isinstance(raw, str):
        raw = raw.encode()
    return 'Basic ' + base64.b64encode(raw).decode()


def flip_crc(tok):
    """The same token with a checksum that no longer matches."""
    return tok[:-1] + ('A' if tok[-1] != 'A' else 'B')


def with_crc(body):
    """A token body (prefix_dc_random) completed with its right checksum."""
    return body + crc62(body)


def token_variants(prefix, wrong_kind):
    """(label, value) of tokens a parser must refuse for a `prefix` token:
    another kind, a wrong checksum, another DC, an unknown DC and prefix,
    cut short, padded, lower-cased, and a well-formed one never issued."""
    good = forge_token(prefix)
    rnd = good[8:40]
    return [
        ('another kind (%s)' % wrong_kind, forge_token(wrong_kind)),
        ('wrong checksum', flip_crc(good)),
        ('another DC', forge_token(prefix, 'eu')),
        ('unknown DC', with_crc('%s_zz_%s' % (prefix, rnd))),
        ('unknown prefix', with_crc('catq_us_' + rnd)),
        ('truncated', good[:-1]),
        ('padded with spaces', ' %s ' % good),
        ('lower-cased', good.lower()),
        ('never issued', good),
    ]


class BadInputBase(ServerCase):
    """One server per class; setUp/tearDown prove each test left the store
    as it found it and the server answering; the class proves RSS stayed
    flat. check() runs one table row."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cases = 0
        cls.prepare()
        cls.warm_up()
        cls.rss_start = rss_kib(cls.srv.pid)

    @classmethod
    def prepare(cls):
        """Class fixtures (tokens, other orgs): before the RSS baseline."""

    @classmethod
    def warm_up(cls):
        """A few requests of each kind the class sends, so that caches and
        the allocator's arenas are filled before the baseline."""
        big = b'client_id=nope&x=' + b'a' * 60000
        for _ in range(4):
            http('POST', cls.url + '/oauth/v3/device/code', body=big,
                 headers=FORM)
            http('POST', cls.url + '/oauth/v2/token', data={
                'grant_type': 'refresh_token',
                'refresh_token': forge_token('catr'),
                'client_id': cls.demo.device_id,
                'client_secret': cls.demo.device_secret})
            http('GET', cls.url + '/login')
            http('GET', cls.url + '/healthz')

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.srv.running():
                end = rss_kib(cls.srv.pid)
                grown = end - cls.rss_start
                sys.stderr.write(
                    '\n%s: %d bad-input cases; catalystd RSS %d KiB after '
                    'warm-up, %d KiB at the end (%+d KiB)\n'
                    % (cls.__name__, cls.cases, cls.rss_start, end, grown))
                if not sanitized(harness.CATALYSTD):
                    assert grown < RSS_BOUND_KIB, (
                        'catalystd RSS grew by %d KiB over %s (%d -> %d)'
                        % (grown, cls.__name__, cls.rss_start, end))
        finally:
            super().tearDownClass()

    def setUp(self):
        self.before = store_state(self.srv.db)

    def tearDown(self):
        self.assertServing()
        self.assertEqual(store_state(self.srv.db), self.before,
                         'a refused request changed the store')

    def assertJsonError(self, st, body, status, path='/oauth'):
        if path.startswith('/baas/'):
            self.assertAdminError((st, body), status)
        else:
            self.assertOAuthError((st, body), status)

    def check(self, label, path, status, error=None, method='POST',
              query=None, form=None, body=None, json_body=None,
              headers=None, desc=None):
        """One bad request and what must come back: status; for an error
        status a JSON error of the path's surface, whose code is error (or
        one of them) and whose description matches desc; for a 200 the
        JSON body `error` (RFC 7009/7662 answers to unknown tokens)."""
        type(self).cases += 1
        with self.subTest(label, path=path):
            h = dict(headers or {})
            if form is not None and isinstance(form, (bytes, str)):
                body, form = form, None
                h.setdefault('Content-Type', FORM['Content-Type'])
            st, hdrs, doc = http(method, self.url + path, params=query,
                                 data=form, body=body, json_body=json_body,
                                 headers=h)
            self.assertIn('application/json', hdrs.get('content-type', ''),
                          (st, doc))
            if status == 200:
                self.assertEqual(st, 200, doc)
                if error is not None:
                    self.assertEqual(doc, error)
                return doc
            self.assertTrue(400 <= st < 500, (st, doc))
            if path.startswith('/baas/'):
                self.assertAdminError((st, doc), status)
                if error is not None:
                    self.assertIn(doc['data'].get('error_code'),
                                  error if isinstance(error, tuple)
                                  else (error,), doc)
            else:
                self.assertOAuthError((st, doc), status, error)
                self.assertTrue(doc.get('error_description'), doc)
                if doc['error'] == 'invalid_client':
                    # RFC 6749 5.2
                    self.assertIn('Basic', hdrs.get('www-authenticate', ''))
            if desc is not None:
                text = doc['data']['message'] if path.startswith('/baas/') \
                    else doc['error_description']
                self.assertRegex(text, desc)
            return doc


class BadInputTest(BadInputBase):

    def test_invalid_query_on_every_endpoint(self):
        queries = {'invalid utf-8': 'x=%C3%28',
                   'bad escape': 'client_id=%ZZ',
                   'truncated escape': 'client_id=ab%4',
                   'NUL byte': 'client_id=a%00b',
                   'repeated': 'client_id=a&client_id=a'}
        for method, path in ROUTES:
            for what, q in queries.items():
                with self.subTest(route=path, method=method, case=what):
                    st, _, body = http(method, self.url + path + '?' + q,
                                       headers=CLI_HEADERS)
                    self.assertJsonError(st, body, 400, path)
                    if not path.startswith('/baas/'):
                        self.assertEqual(body['error'], 'invalid_request',
                                         body)

    def test_invalid_form_bodies(self):
        form = {'Content-Type': 'application/x-www-form-urlencoded'}
        d = self.demo
        bodies = [b'client_id=%C3%28',
                  b'client_id=' + d.device_id.encode() + b'&scope=%E2%82',
                  b'client_id=%G1', b'client_id=a%00',
                  b'client_id=a&client_id=a',
                  b'client_id=a&scope=x&scope=y', b'client_id=\xff\xfe']
        for path in ('/oauth/v3/device/code', '/oauth/device_authorization',
                     '/oauth/v2/token', '/oauth/revoke', '/oauth/introspect'):
            for raw in bodies:
                with self.subTest(path=path, body=raw):
                    st, _, body = http('POST', self.url + path, body=raw,
                                       headers=form)
                    self.assertOAuthError((st, body), 400, 'invalid_request')
        # a parameter both in the query and in the body is repeated too
        st, _, body = http('POST', self.url + '/oauth/v3/device/code?'
                           'client_id=' + d.device_id,
                           body=b'client_id=' + d.device_id.encode(),
                           headers=form)
        self.assertOAuthError((st, body), 400, 'invalid_request')

    def test_missing_parameters(self):
        d = self.demo
        cases = [
            ('/oauth/v3/device/token', {'client_id': d.device_id,
                                        'client_secret': d.device_secret,
                                        'grant_type': 'device_token'}),
            ('/oauth/v2/token', {'grant_type': 'authorization_code',
                                 'client_id': d.browser_id,
                                 'client_secret': d.browser_secret,
                                 'redirect_uri': 'http://localhost:9005'}),
            ('/oauth/v2/token', {'grant_type': 'refresh_token',
                                 'client_id': d.device_id,
                                 'client_secret': d.device_secret}),
            ('/oauth/v2/token/revoke', {}),
            ('/oauth/introspect', {'client_id': d.device_id,
                                   'client_secret': d.device_secret}),
        ]
        for path, params in cases:
            with self.subTest(path=path, params=params):
                st, _, body = http('POST', self.url + path, params=params)
                self.assertOAuthError((st, body), 400, 'invalid_request')
                self.assertTrue(body.get('error_description'), body)

    def test_body_over_limit(self):
        d = self.demo
        big = b'client_id=' + d.device_id.encode() + b'&device_name=' + \
            b'a' * (70 * 1024)
        for path in ('/oauth/v3/device/code', '/oauth/v2/token',
                     '/baas/v1/project', '/login', '/device'):
            with self.subTest(path=path):
                st, _, body = http('POST', self.url + path, body=big, headers={
                    'Content-Type': 'application/x-www-form-urlencoded'})
                self.assertJsonError(st, body, 413, path)
        # without a Content-Length: chunked, the limit crossed mid-way
        chunk = b'a' * 40000
        req = (b'POST /oauth/v3/device/code HTTP/1.1\r\nHost: 127.0.0.1\r\n'
               b'Content-Type: application/x-www-form-urlencoded\r\n'
               b'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
               b'%x\r\n' % len(chunk) + chunk + b'\r\n' +
               b'%x\r\n' % len(chunk) + chunk + b'\r\n0\r\n\r\n')
        st, h, body = raw_request(self.srv.port, req)
        self.assertEqual(st, 413, body)
        self.assertIn('json', h.get('content-type', ''))
        # a body just under the limit is parsed (and refused for its
        # content, not its size)
        ok = b'client_id=no-such-client&device_name=' + b'a' * 60000
        st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                           body=ok, headers={
                               'Content-Type':
                               'application/x-www-form-urlencoded'})
        self.assertNotEqual(st, 413, body)
        self.assertIn(st, (400, 401), body)

    def test_unknown_paths_and_methods(self):
        for path in ('/nope', '/oauth/v3/device/codes',
                     '/oauth/v3/device/code/', '/oauth', '/api/v1/tokens/x',
                     '/%2e%2e/etc/passwd', '/baas/v1/project/1/2/3',
                     '/baas/v1/nothing', '/device/%C3%28'):
            with self.subTest(path=path):
                st, h, body = http('GET', self.url + path)
                self.assertJsonError(st, body, 404, path)
                self.assertIn('json', h['content-type'])
        for method, path in (('GET', '/oauth/v3/device/code'),
                             ('PUT', '/oauth/v2/token'),
                             ('DELETE', '/oauth/v2/token/revoke'),
                             ('GET', '/oauth/introspect'),
                             ('PATCH', '/baas/v1/project'),
                             ('PUT', '/device/decide'),
                             ('POST', '/metrics')):
            with self.subTest(method=method, path=path):
                st, _, body = http(method, self.url + path)
                self.assertJsonError(st, body, 405, path)
        st, _, body = raw_request(self.srv.port,
                                  b'BREW /healthz HTTP/1.1\r\nHost: x\r\n'
                                  b'Connection: close\r\n\r\n')
        self.assertIn(st, (400, 405, 501), body)

    def test_vendor_accept_header_is_not_refused(self):
        st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                           params={'client_id': 'unknown'},
                           headers=CLI_HEADERS)
        self.assertNotEqual(st, 406)

    def test_garbage_on_the_wire(self):
        port = self.srv.port
        for raw in (b'GARBAGE\r\n\r\n',
                    b'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
                    b'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
                    b'POST /oauth/v2/token HTTP/1.1\r\nHost: x\r\n'
                    b'Content-Length: -5\r\n\r\n',
                    b'POST /oauth/v2/token HTTP/1.1\r\nHost: x\r\n'
                    b'Content-Length: 99999999999999999999999\r\n\r\n',
                    b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' +
                    b'a' * (100 * 1024) + b'\r\n\r\n',
                    b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' * 10):
            with self.subTest(raw=raw[:40]):
                try:
                    st, _, body = raw_request(port, raw, timeout=20)
                except (ConnectionResetError, BrokenPipeError):
                    st = 'reset'
                # an error status, or the connection closed on the spot
                self.assertTrue(st in (0, 'reset') or 400 <= st < 600,
                                (st, raw[:40]))
                self.assertServing()

    def test_oversized_bearer(self):
        st, _, body = http('GET', self.url + '/oauth/user/info',
                           headers={'Authorization': 'Bearer ' + 'a' * 8000})
        self.assertOAuthError((st, body), 401)

    def test_stalled_clients_do_not_block_others(self):
        port = self.srv.port
        stalled = []
        with contextlib.ExitStack() as stack:
            for i in range(40):
                s = stack.enter_context(socket.create_connection(
                    ('127.0.0.1', port), timeout=5))
                if i % 2:
                    s.sendall(b'POST /oauth/v3/device/code HTTP/1.1\r\n'
                              b'Host: 127.0.0.1\r\nContent-Le')
                else:
                    s.sendall(b'POST /oauth/v3/device/code HTTP/1.1\r\n'
                              b'Host: 127.0.0.1\r\nContent-Type: '
                              b'application/x-www-form-urlencoded\r\n'
                              b'Content-Length: 100\r\n\r\nclient_id=')
                stalled.append(s)
            # other clients are served while those 40 hang (each request
            # has a 5 s timeout: a blocked server fails, a slow one not)
            for _ in range(20):
                st, _, body = http('GET', self.url + '/healthz', timeout=5)
                self.assertEqual(st, 200, body)
                st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                                   params={'client_id': 'x'}, timeout=5)
                self.assertEqual(st, 401, body)
            # the stalled connections are eventually closed by the server
            deadline = time.monotonic() + 90
            for s in stalled:
                s.settimeout(max(0.1, deadline - time.monotonic()))
                try:
                    data = s.recv(4096)
                    while data and not data.startswith(b'HTTP/'):
                        data = s.recv(4096)
                except ConnectionResetError:
                    data = b''
                except socket.timeout:
                    self.fail('a stalled connection was never closed')
                # closed silently, or told 408
                self.assertTrue(data == b'' or data.startswith(
                    b'HTTP/1.1 408') or data.startswith(b'HTTP/1.1 400'),
                    data[:100])



class WireNulTest(ServerCase):
    """A raw NUL byte on the wire. libmicrohttpd 0.9.75 would cut the
    request line or a header value at it; the gate (http_gate.c) sees the
    raw head first and refuses it: 400 with a JSON body, connection closed."""

    def test_raw_nul_bytes(self):
        cid = self.demo.device_id.encode()
        for raw in (b'POST /oauth/v3/device/code?client_id=' + cid +
                    b'\x00&scope=x HTTP/1.1\r\nHost: x\r\n'
                    b'Connection: close\r\n\r\n',
                    b'GET /healthz\x00/../x HTTP/1.1\r\nHost: x\r\n'
                    b'Connection: close\r\n\r\n',
                    b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n'
                    b'Connection: close\r\n\r\n',
                    b'GET /oauth/user/info HTTP/1.1\r\nHost: x\r\n'
                    b'Authorization: Bearer \x00cata\r\n'
                    b'Connection: close\r\n\r\n'):
            with self.subTest(raw=raw):
                st, _, body = raw_request(self.srv.port, raw)
                self.assertEqual(st, 400, body)
                self.assertEqual(json.loads(body)['error'],
                                 'invalid_request', body)
                self.assertServing()


if __name__ == '__main__':
    unittest.main()
