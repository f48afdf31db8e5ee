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
import json
import re
import socket
import sys
import time
import unittest
import urllib.parse

from common import (CLI_HEADERS, DEVICE_GRANT, ServerCase, bearer, crc62,
                    exchange, forge_token, responses, rss_kib, sanitized)
import harness
from harness import (admin, admin_json, db_columns, db_snapshot,
                     get_cli_tokens, http, raw_request)

# every (method, path) of docs/http-api.md
ROUTES = [
    ('POST', '/oauth/v3/device/code'), ('POST', '/oauth/v3/device/token'),
    ('POST', '/oauth/v2/token'), ('POST', '/oauth/v2/token/revoke'),
    ('POST', '/oauth/v2/token/rotate'), ('GET', '/oauth/v2/auth'), ('POST', '/oauth/v2/auth'),
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


def store_state(db):
    """db_snapshot without the one column a read legitimately writes: a
    grant's last_used_at, touched at most once a minute by a bearer."""
    snap = db_snapshot(db)
    if snap.get('grants'):
        i = db_columns(db, 'grants').index('last_used_at')
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
            if isinstance(status, tuple):
                # either is right (the lead's choice): take the one seen
                status = st if st in status else status[0]
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
            ('/oauth/v2/token/rotate', {'client_id': d.device_id,
                                        'client_secret': d.device_secret}),
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

    def test_many_small_items_in_a_small_head(self):
        """Heads far under the 8 KiB limit, made of many small items that
        libmicrohttpd keeps one by one in its per-connection memory: header
        fields, cookies, query parameters. Each gets exactly one answer,
        served or a 4xx with our JSON body, at once (not the request
        deadline), and the connection is closed after a refusal."""
        fields = lambda n: b''.join(b'a%d:b\r\n' % i for i in range(n))
        cookies = lambda n: b'Cookie: ' + b'; '.join(
            b'c%d=%d' % (i, i) for i in range(n)) + b'\r\n'
        query = lambda n: b'&'.join(b'a%d' % i for i in range(n))
        for label, target, extra, ok in (
                # at most 100 fields and 50 cookies (docs/catalystd.md)
                ('98 header fields', b'/healthz', fields(98), (200,)),
                ('100 header fields', b'/healthz', fields(100), (431,)),
                ('300 header fields', b'/healthz', fields(300), (431,)),
                ('600 header fields', b'/healthz', fields(600), (431,)),
                ('50 cookies', b'/healthz', cookies(50), (200,)),
                ('100 cookies', b'/healthz', cookies(100), (431,)),
                ('200 cookies', b'/healthz', cookies(200), (431,)),
                ('400 cookies', b'/healthz', cookies(400), (431,)),
                ('65 query parameters', b'/healthz?' + query(65), b'',
                 (413,)),
                ('300 query parameters', b'/healthz?' + query(300), b'',
                 (413,)),
                ('1000 query parameters', b'/healthz?' + query(1000), b'',
                 (413,))):
            raw = (b'GET ' + target + b' HTTP/1.1\r\nHost: x\r\n' + extra
                   + b'Connection: close\r\n\r\n')
            self.assertLess(len(raw), 8 * 1024)
            type(self).cases += 1
            with self.subTest(label, head_bytes=len(raw)):
                data, closed = exchange(self.srv.port, raw, timeout=4)
                self.assertTrue(data, 'no answer in 4 s')
                resps = responses(data)
                self.assertEqual(len(resps), 1, data[:600])
                st, headers, body = resps[0]
                self.assertIn(st, ok, body[:300])
                self.assertIn('application/json',
                              headers.get('content-type', ''), body[:300])
                if st >= 400:
                    self.assertTrue(closed)
                    self.assertTrue(json.loads(body)['error_description'])

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


class OAuthBadInputTest(BadInputBase):
    """Distinct bad requests on every OAuth endpoint, one table per
    endpoint. Nothing here may be stored: refused requests, and the two
    answers RFC 7009 and RFC 7662 give to tokens they do not know."""

    @classmethod
    def prepare(cls):
        cls.tok = get_cli_tokens(cls.srv, cls.demo)
        # sets last_used_at now, and masks it from the snapshots anyway
        http('GET', cls.url + '/oauth/user/info',
             headers=bearer(cls.tok['access_token']))
        cls.public_id = admin_json(cls.srv, 'client', 'add', '--name',
                                   'Public CLI', '--kind', 'device',
                                   '--public', '--json')['client_id']

    def dev(self, **extra):
        """A confidential device client's credentials, plus extra."""
        f = {'client_id': self.demo.device_id,
             'client_secret': self.demo.device_secret}
        f.update(extra)
        return f

    def test_device_code_request(self):
        d = self.demo
        for path in ('/oauth/v3/device/code', '/oauth/device_authorization'):
            c = lambda label, *a, **k: self.check(label, path, *a, **k)
            c('no parameters', 401, 'invalid_client', desc='client_id')
            c('empty client_id', 401, 'invalid_client',
              query={'client_id': ''})
            c('client_id without "="', 401, 'invalid_client',
              body=b'client_id', headers=FORM)
            c('unknown client_id', 401, 'invalid_client',
              query={'client_id': 'no-such-client'})
            c('client_id as a number', 401, 'invalid_client',
              query={'client_id': '1000'})
            c('client_id as an array', 401, 'invalid_client',
              query={'client_id[]': d.device_id})
            c('client_id as an object', 401, 'invalid_client',
              query={'client_id[id]': d.device_id})
            c('client_id of a browser client', 400, 'unauthorized_client',
              query={'client_id': d.browser_id})
            c('client_id 8 KiB long in the body', 401, 'invalid_client',
              form={'client_id': 'c' * 8192})
            c('client_id repeated', 400, 'invalid_request',
              query=[('client_id', d.device_id), ('client_id', d.device_id)],
              desc='client_id')
            c('scope repeated', 400, 'invalid_request',
              query=[('client_id', d.device_id), ('scope', 'a'),
                     ('scope', 'b')])
            c('scope with a control character', 400, 'invalid_request',
              query={'client_id': d.device_id, 'scope': 'a\x01b'},
              desc='scope')
            c('scope 5000 bytes', 400, 'invalid_request',
              form={'client_id': d.device_id, 'scope': 's' * 5000})
            c('device_name over 127 bytes', 400, 'invalid_request',
              query={'client_id': d.device_id, 'device_name': 'n' * 200},
              desc='device_name')
            c('device_name of 60 KB', 400, 'invalid_request',
              form={'client_id': d.device_id, 'device_name': 'n' * 60000})
            c('wrong client_secret', 401, 'invalid_client',
              query=self.dev(client_secret='catk_us_wrong'))
            c('empty client_secret', 401, 'invalid_client',
              query=self.dev(client_secret=''))
            c('a secret from a public client', 401, 'invalid_client',
              query={'client_id': self.public_id, 'client_secret': 'x'})
            c('Bearer of a refresh token', 401, 'invalid_token',
              query={'client_id': d.device_id},
              headers={'Authorization': 'Bearer '
                       + self.tok['refresh_token']})
            c('Bearer never issued', 401, 'invalid_token',
              query={'client_id': d.device_id},
              headers={'Authorization': 'Bearer ' + forge_token('cata')})
            c('Basic without a colon', 401, 'invalid_client',
              headers={'Authorization': basic(d.device_id)})
            c('Basic and client_secret', 401, 'invalid_client',
              query={'client_secret': d.device_secret},
              headers={'Authorization': basic(
                  d.device_id + ':' + d.device_secret)})
        c = lambda label, *a, **k: self.check(
            label, '/oauth/v3/device/code', *a, **k)
        c('grant_type of the poll', 400, 'unsupported_grant_type',
          query={'client_id': d.device_id, 'grant_type': 'device_token'})
        c('empty grant_type', 400, 'unsupported_grant_type',
          query={'client_id': d.device_id, 'grant_type': ''})

    def test_device_token_poll(self):
        d = self.demo
        path = '/oauth/v3/device/token'
        c = lambda label, *a, **k: self.check(label, path, *a, **k)
        poll = lambda **kw: dict(self.dev(grant_type='device_token',
                                          code=forge_token('catd')), **kw)
        c('no parameters', 401, 'invalid_client')
        c('no code', 400, 'invalid_request', desc='device code',
          query=self.dev(grant_type='device_token'))
        c('empty code', 400, 'invalid_request', query=poll(code=''))
        c('no client_secret', 401, 'invalid_client',
          query={'client_id': d.device_id, 'code': forge_token('catd')})
        c('wrong grant_type', 400, 'unsupported_grant_type',
          query=poll(grant_type='device_code'))
        c('grant_type of another endpoint', 400, 'unsupported_grant_type',
          query=poll(grant_type=DEVICE_GRANT))
        c('code repeated', 400, 'invalid_request',
          query=list(poll().items()) + [('code', forge_token('catd'))])
        c('client_secret repeated', 400, 'invalid_request',
          query=list(poll().items()) + [('client_secret', 'x')])
        c('code of 60 KB', 400, 'invalid_grant',
          form=poll(code='c' * 60000))
        for what, tok in token_variants('catd', 'catr'):
            c('code: ' + what, 400,
              ('invalid_request', 'invalid_grant') if 'DC' in what
              else 'invalid_grant', query=poll(code=tok))

    def test_token_endpoint_grant_types(self):
        d = self.demo
        c = lambda label, *a, **k: self.check(label, '/oauth/v2/token',
                                              *a, **k)
        c('no parameters', 400, 'invalid_request', desc='grant_type')
        c('empty grant_type', 400, 'unsupported_grant_type',
          form=self.dev(grant_type=''))
        for gt in ('password', 'client_credentials', 'implicit', 'token',
                   'REFRESH_TOKEN', 'refresh_token ', 'device_token',
                   'urn:ietf:params:oauth:grant-type:jwt-bearer',
                   'urn:ietf:params:oauth:grant-type:device_code:x',
                   '1', 'refresh_token,authorization_code'):
            c('grant_type %r' % gt, 400, 'unsupported_grant_type',
              form=self.dev(grant_type=gt))
        c('grant_type repeated', 400, 'invalid_request',
          form=list(self.dev(grant_type='refresh_token').items())
          + [('grant_type', 'refresh_token')])
        c('grant_type in the query and the body', 400, 'invalid_request',
          query={'grant_type': 'refresh_token'},
          form=self.dev(grant_type='refresh_token',
                        refresh_token=forge_token('catr')))

    def test_refresh_grant(self):
        d = self.demo
        c = lambda label, *a, **k: self.check(label, '/oauth/v2/token',
                                              *a, **k)
        g = lambda **kw: self.dev(grant_type='refresh_token', **kw)
        c('no refresh_token', 400, 'invalid_request', form=g(),
          desc='refresh_token')
        c('empty refresh_token', 400, 'invalid_request',
          form=g(refresh_token=''))
        c('refresh_token of 60 KB', 400, 'invalid_grant',
          form=g(refresh_token='r' * 60000))
        for what, tok in token_variants('catr', 'cata'):
            c('refresh_token: ' + what, 400, 'invalid_grant',
              form=g(refresh_token=tok),
              desc="'eu'" if what == 'another DC' else None)
        c('no client', 401, 'invalid_client',
          form={'grant_type': 'refresh_token',
                'refresh_token': self.tok['refresh_token']})
        c('no client_secret', 401, 'invalid_client',
          form={'grant_type': 'refresh_token', 'client_id': d.device_id,
                'refresh_token': self.tok['refresh_token']})
        c('client_secret of another client', 401, 'invalid_client',
          form=g(refresh_token=self.tok['refresh_token'],
                 client_secret=d.browser_secret))
        c('client_secret of 60 KB', 401, 'invalid_client',
          form=g(refresh_token=self.tok['refresh_token'],
                 client_secret='s' * 60000))
        c('another client\'s grant', 400, 'invalid_grant',
          form={'grant_type': 'refresh_token', 'client_id': d.browser_id,
                'client_secret': d.browser_secret,
                'refresh_token': self.tok['refresh_token']})

    def test_code_grant(self):
        d = self.demo
        c = lambda label, *a, **k: self.check(label, '/oauth/v2/token',
                                              *a, **k)
        g = lambda **kw: dict({'grant_type': 'authorization_code',
                               'client_id': d.browser_id,
                               'client_secret': d.browser_secret,
                               'redirect_uri': 'http://localhost:9005',
                               'code': forge_token('catc')}, **kw)
        nocode = g()
        del nocode['code']
        c('no code', 400, 'invalid_request', form=nocode, desc='code')
        c('empty code', 400, 'invalid_request', form=g(code=''))
        for what, tok in token_variants('catc', 'catd'):
            c('code: ' + what, 400, 'invalid_grant', form=g(code=tok))
        c('device_name over 127 bytes', 400, 'invalid_request',
          form=g(device_name='n' * 128))
        c('code_verifier of 60 KB', 400, 'invalid_grant',
          form=g(code_verifier='v' * 60000))
        c('redirect_uri repeated', 400, 'invalid_request',
          form=list(g().items()) + [('redirect_uri', 'http://evil')])
        c('no client_secret', 401, 'invalid_client',
          form={k: v for k, v in g().items() if k != 'client_secret'})
        c('Basic with bad base64', 401, 'invalid_client',
          form={k: v for k, v in g().items()
                if k not in ('client_id', 'client_secret')},
          headers={'Authorization': 'Basic %%%%'})

    def test_device_code_grant(self):
        d = self.demo
        c = lambda label, *a, **k: self.check(label, '/oauth/v2/token',
                                              *a, **k)
        g = lambda **kw: self.dev(grant_type=DEVICE_GRANT, **kw)
        c('no device_code', 400, 'invalid_request', form=g(),
          desc='device code')
        c('empty device_code', 400, 'invalid_request', form=g(device_code=''))
        c('the v3 "code" parameter instead', 400, 'invalid_request',
          form=g(code=forge_token('catd')))
        for what, tok in token_variants('catd', 'catc'):
            c('device_code: ' + what, 400, 'invalid_grant',
              form=g(device_code=tok))
        c('no client_secret', 401, 'invalid_client',
          form={'grant_type': DEVICE_GRANT, 'client_id': d.device_id,
                'device_code': forge_token('catd')})

    def test_basic_headers(self):
        """Malformed HTTP Basic client credentials (RFC 6749 2.3.1)."""
        d = self.demo
        pair = d.device_id + ':' + d.device_secret
        form = {'grant_type': 'refresh_token',
                'refresh_token': self.tok['refresh_token']}
        for label, value in (
                ('no credentials', 'Basic'),
                ('a space only', 'Basic '),
                ('bad base64', 'Basic !!!!'),
                ('base64 cut short', 'Basic ' + basic(pair)[6:-3]),
                ('base64url alphabet', 'Basic ' + base64.urlsafe_b64encode(
                    b'\xfb\xff:' + pair.encode()).decode()),
                ('no colon', basic(d.device_id + d.device_secret)),
                ('empty id', basic(':' + d.device_secret)),
                ('colon only', basic(':')),
                ('a NUL in the id', basic(d.device_id + '\x00:x')),
                ('a %00 escape', basic(d.device_id + '%00:x')),
                ('a bad %-escape', basic(d.device_id + ':%G1')),
                ('invalid UTF-8', basic(b'\xc3\x28:' + b'x')),
                ('right id, wrong secret', basic(d.device_id + ':nope')),
                ('the colon %-escaped', basic(
                    urllib.parse.quote(pair, safe=''))),
                ('credentials of 4 KB', basic('i' * 2048 + ':' + 's' * 2048)),
                ('two schemes', basic(pair) + ', Bearer x'),
                ('non-ASCII bytes', b'Basic \xc3\xa9\xc3\xa9')):
            self.check('Basic: ' + label, '/oauth/v2/token', 401,
                       'invalid_client', form=form,
                       headers={'Authorization': value})

    def test_revocation(self):
        d = self.demo
        for path in ('/oauth/v2/token/revoke', '/oauth/revoke'):
            c = lambda label, *a, **k: self.check(label, path, *a, **k)
            c('no token', 400, 'invalid_request', desc='token')
            c('empty token', 400, 'invalid_request', query={'token': ''})
            c('token repeated', 400, 'invalid_request',
              query=[('token', forge_token('catr'))] * 2)
            c('token of another DC', 400, 'invalid_request',
              query={'token': forge_token('catr', 'eu')}, desc="'eu'")
            c('unknown client', 401, 'invalid_client',
              query={'token': self.tok['refresh_token'],
                     'client_id': 'no-such-client'})
            c('wrong client_secret', 401, 'invalid_client',
              query={'token': self.tok['refresh_token'],
                     'client_id': d.device_id, 'client_secret': 'nope'})
            c('Basic garbage', 401, 'invalid_client',
              query={'token': self.tok['refresh_token']},
              headers={'Authorization': 'Basic ???'})
            c('another client\'s token', 400, 'unauthorized_client',
              query={'token': self.tok['refresh_token'],
                     'client_id': d.browser_id,
                     'client_secret': d.browser_secret})
            # RFC 7009 2.2: tokens it does not know are "revoked" (200),
            # and nothing is stored
            ok = {'status': 'success'}
            for what, tok in token_variants('catr', 'catd'):
                if what != 'another DC':
                    c('unknown token: ' + what, 200, ok,
                      query={'token': tok})
            c('unknown token of 60 KB', 200, ok,
              form={'token': 't' * 60000})
            c('token_type_hint garbage', 200, ok,
              query={'token': forge_token('catr'),
                     'token_type_hint': '\u00e9' * 100})

    def test_introspection(self):
        d = self.demo
        c = lambda label, *a, **k: self.check(label, '/oauth/introspect',
                                              *a, **k)
        c('no client', 401, 'invalid_client',
          form={'token': self.tok['access_token']})
        c('public client', 401, 'invalid_client',
          form={'token': self.tok['access_token'],
                'client_id': self.public_id})
        c('no token', 400, 'invalid_request', form=self.dev())
        c('empty token', 400, 'invalid_request', form=self.dev(token=''))
        c('token repeated', 400, 'invalid_request',
          form=list(self.dev(token='a').items()) + [('token', 'b')])
        for what, tok in token_variants('cata', 'catd'):
            c('inactive: ' + what, 200, {'active': False},
              form=self.dev(token=tok))
        c('inactive: a device code', 200, {'active': False},
          form=self.dev(token=forge_token('catd')))

    def test_bearer_headers(self):
        access = self.tok['access_token']
        for path in ('/oauth/user/info', '/api/v1/tokens'):
            for label, value in (
                    ('no header', None),
                    ('empty', ''),
                    ('scheme alone', 'Bearer'),
                    ('scheme and a space', 'Bearer '),
                    ('two spaces, junk', 'Bearer  x'),
                    ('a tab instead of a space', 'Bearer\t' + access),
                    ('no space', 'Bearer' + access),
                    ('lower-case scheme, forged token',
                     'bearer ' + forge_token('cata')),
                    ('another scheme', 'Token ' + access),
                    ('Basic', basic('a:b')),
                    ('two tokens', 'Bearer %s %s' % (access, access)),
                    ('two tokens, comma', 'Bearer %s, Bearer %s'
                     % (access, access)),
                    ('a refresh token', 'Bearer ' + self.tok['refresh_token']),
                    ('a device code', 'Bearer ' + forge_token('catd')),
                    ('a client secret', 'Bearer ' + self.demo.device_secret),
                    ('checksum off', 'Bearer ' + flip_crc(access)),
                    ('another DC', 'Bearer ' + forge_token('cata', 'eu')),
                    ('cut short', 'Bearer ' + access[:-1]),
                    ('quoted', 'Bearer "%s"' % access),
                    ('non-ASCII', b'Bearer \xc3\xa9' + access.encode()),
                    ('raw 0xff bytes', b'Bearer \xff\xfe'),
                    ('7 KB', 'Bearer ' + 'a' * 7000)):
                h = {} if value is None else {'Authorization': value}
                self.check('bearer: ' + label, path, 401, 'invalid_token',
                           method='GET', headers=h)

    def test_content_types(self):
        """Parameters come in the query or an application/x-www-form-
        urlencoded body; a body of any other type is not read as a form."""
        fields = self.dev(grant_type='refresh_token',
                          refresh_token=forge_token('catr'))
        form = urllib.parse.urlencode(fields).encode()
        multipart = b''.join(
            b'--b\r\nContent-Disposition: form-data; name="%s"\r\n\r\n'
            b'%s\r\n' % (k.encode(), v.encode()) for k, v in fields.items()
        ) + b'--b--\r\n'
        unread = [
            ('text/plain', 'text/plain', form),
            ('JSON type, form body', 'application/json', form),
            ('JSON body', 'application/json', json.dumps(fields).encode()),
            ('JSON body, charset', 'application/json; charset=utf-8',
             json.dumps(fields).encode()),
            ('multipart', 'multipart/form-data; boundary=b', multipart),
            ('no Content-Type', None, form),
            ('empty Content-Type', '', form),
            ('form type misspelled', 'application/x-www-form-urlencode',
             form),
            ('XML', 'application/xml',
             b'<grant_type>refresh_token</grant_type>'),
            ('octet-stream', 'application/octet-stream', form),
        ]
        for label, ctype, body in unread:
            h = {} if ctype is None else {'Content-Type': ctype}
            self.check('not a form: ' + label, '/oauth/v2/token', 400,
                       'invalid_request', body=body, headers=h,
                       desc='grant_type is required')
        # a form type with parameters (any charset: RFC 6749 forms are
        # UTF-8) or in upper case is a form: read, and refused for what
        # it says
        for label, ctype in (
                ('charset=UTF-8', 'application/x-www-form-urlencoded; '
                 'charset=UTF-8'),
                ('charset junk', 'application/x-www-form-urlencoded; '
                 'charset=\u00e9\u00e9; q=";;'),
                ('upper case', 'APPLICATION/X-WWW-FORM-URLENCODED')):
            self.check('form: ' + label, '/oauth/v2/token', 400,
                       'invalid_grant', body=form,
                       headers={'Content-Type': ctype.encode('utf-8')})
        self.check('form type, JSON body', '/oauth/v2/token', 400,
                   'invalid_request', body=json.dumps(fields).encode(),
                   headers=FORM, desc='grant_type is required')
        self.check('form type, JSON body with a %', '/oauth/v2/token', 400,
                   'invalid_request', body=b'{"grant_type":"100%"}',
                   headers=FORM, desc='escape')

    def test_body_sizes(self):
        """The 64 KiB body limit to the byte, parameter counts, and bodies
        that are big in other ways."""
        for path, status, error in (
                ('/oauth/v2/token/revoke', 400, 'invalid_request'),
                ('/oauth/introspect', 401, 'invalid_client'),
                ('/oauth/device_authorization', 401, 'invalid_client')):
            pad = lambda n: b'client_id=no-such-client&x=' + b'a' * (
                n - len(b'client_id=no-such-client&x='))
            self.check('64 KiB exactly', path, status, error,
                       body=pad(65536), headers=FORM)
            self.check('64 KiB and a byte', path, 413, 'invalid_request',
                       body=pad(65537), headers=FORM)
        path = '/oauth/v2/token/revoke'
        params = lambda n: '&'.join('k%d=v' % i for i in range(n)).encode()
        self.check('64 parameters', path, 400, 'invalid_request',
                   body=params(64), headers=FORM, desc='token is required')
        self.check('65 parameters', path, 413, 'invalid_request',
                   body=params(65), headers=FORM, desc='too many')
        self.check('32 KiB of "&"', path, 400, 'invalid_request',
                   body=b'&' * 32768, headers=FORM, desc='token')
        self.check('32 KiB of "="', path, 400, 'invalid_request',
                   body=b'=' * 32768, headers=FORM, desc='token')
        self.check('a key of 60 KB', path, 400, 'invalid_request',
                   body=b'k' * 60000 + b'=v', headers=FORM, desc='token')
        self.check('a value of 20000 %-escapes', path, 200,
                   {'status': 'success'},
                   body=b'token=' + b'%41' * 20000, headers=FORM)
        self.check('60 KB of %-escaped UTF-8', path, 200,
                   {'status': 'success'},
                   body=b'token=' + b'%C3%A9' * 10000, headers=FORM)
        self.check('a %-escape cut at the end of 64 KiB', path, 400,
                   'invalid_request', desc='escape', headers=FORM,
                   body=b'token=' + b'a' * (65536 - 8) + b'%4')
        self.check('an overlong UTF-8 "/"', path, 400, 'invalid_request',
                   query={}, body=b'token=%C0%AF', headers=FORM)
        self.check('a UTF-16 surrogate in UTF-8', path, 400,
                   'invalid_request', body=b'token=%ED%A0%80', headers=FORM)


class AdminBadInputTest(BadInputBase):
    """Distinct bad requests on the admin API (/baas/v1): JSON bodies,
    project ids, CATALYST-ORG values and bearer headers. Every answer is
    {"status":"failure","data":{"message","error_code"}}."""

    @classmethod
    def prepare(cls):
        cls.tok = get_cli_tokens(cls.srv, cls.demo)
        cls.h = bearer(cls.tok['access_token'])
        http('GET', cls.url + '/baas/v1/orgs', headers=cls.h)
        # an org the demo user is not a member of, with a project
        org = admin_json(cls.srv, 'org', 'add', '--name', 'Foreign Org',
                         '--json')
        cls.foreign_org = str(org.get('id') or org.get('org_id'))
        out = admin(cls.srv, 'project', 'add', '--org', cls.foreign_org,
                    '--name', 'secret').stdout
        cls.foreign_project = re.search(r'\b(\d{3,})\b', out).group(1)

    def auth(self, **extra):
        h = dict(self.h)
        h.update(extra)
        return h

    def test_project_create_bodies(self):
        c = lambda label, body, code='INVALID_INPUT', status=400, **k: \
            self.check(label, '/baas/v1/project', status, code, body=body,
                       headers=self.auth(**JSON), **k)
        deep = b'[' * 5000 + b']' * 5000
        for label, body in (
                ('empty body', b''),
                ('whitespace only', b' \r\n\t '),
                ('truncated', b'{"project_name": "x"'),
                ('truncated string', b'{"project_name": "x'),
                ('cut after a key', b'{"project_name":'),
                ('trailing comma', b'{"project_name": "x",}'),
                ('single quotes', b"{'project_name': 'x'}"),
                ('unquoted key', b'{project_name: "x"}'),
                ('a form body', b'project_name=x&project_type=Live'),
                ('top-level array', b'[{"project_name": "x"}]'),
                ('top-level string', b'"x"'),
                ('top-level null', b'null'),
                ('top-level number', b'4000000000001'),
                ('two objects', b'{"project_name": "x"}{"project_name": "y"}'),
                ('trailing garbage', b'{"project_name": "x"} x'),
                ('nested 5000 deep', deep),
                ('nested 3000 deep inside', b'{"project_name": "x", "a": '
                 + b'[' * 3000 + b']' * 3000 + b'}'),
                ('60 KB of "["', b'[' * 60000),
                ('a number past double', b'{"project_name": "x", "n": 1e400}'),
                ('an integer past 64 bits',
                 b'{"project_name": "x", "n": 100000000000000000000000}'),
                ('NaN', b'{"project_name": "x", "n": NaN}'),
                ('duplicate keys',
                 b'{"project_name": "x", "project_name": "y"}'),
                ('invalid UTF-8', b'{"project_name": "\xc3\x28"}'),
                ('Latin-1 text', b'{"project_name": "caf\xe9"}'),
                ('a lone surrogate escape', b'{"project_name": "\\ud800"}'),
                ('a byte order mark', b'\xef\xbb\xbf{"project_name": "x"}'),
                ('a NUL byte', b'{"project_name": "x\x00y"}'),
                ('a comment', b'{"project_name": "x" /* c */}'),
                ('{} (no project_name)', b'{}'),
                ('project_name null', b'{"project_name": null}'),
                ('project_name a number', b'{"project_name": 42}'),
                ('project_name a float', b'{"project_name": 4.2e1}'),
                ('project_name true', b'{"project_name": true}'),
                ('project_name an array', b'{"project_name": ["x"]}'),
                ('project_name an object', b'{"project_name": {"a": "x"}}'),
                ('project_name empty', b'{"project_name": ""}'),
                ('project_name 128 bytes',
                 b'{"project_name": "%s"}' % (b'p' * 128)),
                ('project_name 60 KB',
                 b'{"project_name": "%s"}' % (b'p' * 60000)),
                ('project_name with \\u0000',
                 b'{"project_name": "a\\u0000b"}'),
                ('project_name with a bell', b'{"project_name": "a\\u0007"}'),
                ('project_name with ESC', b'{"project_name": "\\u001b[2J"}'),
                ('project_name with DEL', b'{"project_name": "a\\u007f"}'),
                ('project_type unknown',
                 b'{"project_name": "x", "project_type": "Sandbox"}'),
                ('project_type lower case',
                 b'{"project_name": "x", "project_type": "live"}'),
                ('project_type a number',
                 b'{"project_name": "x", "project_type": 1}'),
                ('timezone empty', b'{"project_name": "x", "timezone": ""}'),
                ('timezone a number',
                 b'{"project_name": "x", "timezone": 330}'),
                ('timezone with a quote',
                 b'{"project_name": "x", "timezone": "UTC\\""}'),
                ('timezone 200 bytes',
                 b'{"project_name": "x", "timezone": "%s"}' % (b'Z' * 200))):
            c(label, body)
        c('an existing name', b'{"project_name": "alpha"}',
          'DUPLICATE_PROJECT', 409)
        c('an existing name, other case', b'{"project_name": "ALPHA"}',
          'DUPLICATE_PROJECT', 409)
        # a form type: the body goes through the form parser first
        self.check('form type, JSON with a bad %-escape', '/baas/v1/project',
                   400, 'invalid_request', body=b'{"project_name": "100%"}',
                   headers=self.auth(**FORM))
        self.check('form type, 65 "parameters"', '/baas/v1/project', 413,
                   body=b'&'.join(b'a%d=1' % i for i in range(65)),
                   headers=self.auth(**FORM))
        self.check('JSON over 64 KiB', '/baas/v1/project', 413,
                   body=b'{"project_name": "%s"}' % (b'p' * 66000),
                   headers=self.auth(**JSON))
        # a good body does not get past a bad org: nothing is created
        for label, org in (('empty', ' '), ('foreign', self.foreign_org),
                           ('unknown', '99999999')):
            self.check('good body, CATALYST-ORG ' + label,
                       '/baas/v1/project', 400 if label == 'empty' else 403,
                       body=b'{"project_name": "never"}',
                       headers=self.auth(**JSON, **{'CATALYST-ORG': org}))

    def test_project_ids(self):
        d = self.demo
        pid = d.project_ids[0]
        ids = [
            ('non-numeric', 'abc'), ('negative', '-1'), ('zero', '0'),
            ('huge', '9' * 40), ('past int64', '9223372036854775808'),
            ('leading zero', '0' + pid), ('a decimal', pid + '.0'),
            ('an exponent', '1e3'), ('hex', '0x10'), ('dot', '.'),
            ('dot-dot', '..'), ('escaped dot-dot', '%2e%2e'),
            ('63 characters', 'a' * 63), ('another org\'s project',
                                           self.foreign_project),
        ]
        for label, i in ids:
            for tail in ('', '/environment'):
                self.check('project id: ' + label,
                           '/baas/v1/project/' + i + tail, 404,
                           'PROJECT_NOT_FOUND', method='GET',
                           headers=self.h, desc='^no such project')
        # what the route does not match at all: still the admin shape
        for label, i in (('64 characters', 'a' * 64), ('a space', '%20' + pid),
                         ('a plus', '+' + pid),
                         ('path traversal', '../orgs'),
                         ('empty', ''), ('UTF-8', '%C3%A9'),
                         ('invalid UTF-8', '%C3%28')):
            self.check('unmatched project id: ' + label,
                       '/baas/v1/project/' + i, 404, 'not_found',
                       method='GET', headers=self.h)
        # an encoded backslash (or slash, or NUL) in a path is refused
        # before routing: the decoded path would be another one
        self.check('project id with an encoded backslash',
                   '/baas/v1/project/..%5Corgs', 400, 'invalid_request',
                   method='GET', headers=self.h)
        # a project of the demo org under another org's CATALYST-ORG
        self.check('own project, foreign CATALYST-ORG',
                   '/baas/v1/project/' + pid, 404, 'PROJECT_NOT_FOUND',
                   method='GET', headers=self.auth(
                       **{'CATALYST-ORG': self.foreign_org}))

    def test_escapes_in_the_path(self):
        """A %00 or %2F in the path is not the path without it: a NUL is
        refused like one in a parameter (400), and an escaped slash does
        not separate segments (400 or 404, never the resource behind the
        decoded path)."""
        pid = self.demo.project_ids[0]
        for label, method, path, status in (
                ('NUL after a project id', 'GET',
                 '/baas/v1/project/%s%%00' % pid, 400),
                ('NUL and more after a project id', 'GET',
                 '/baas/v1/project/%s%%00/../x' % pid, 400),
                ('NUL inside a fixed path', 'GET', '/baas/v1/or%00gs',
                 (400, 404)),
                ('NUL after /healthz', 'GET', '/healthz%00', 400),
                ('NUL and a suffix', 'GET',
                 '/.well-known/oauth-authorization-server%00.json', 400),
                ('escaped slash before environment', 'GET',
                 '/baas/v1/project/%s%%2Fenvironment' % pid, (400, 404)),
                ('lower-case escaped slash', 'GET',
                 '/baas/v1/project/%s%%2fenvironment' % pid, (400, 404)),
                ('escaped slash in a fixed path', 'GET',
                 '/.well-known%2Foauth-authorization-server', (400, 404)),
                ('escaped dot-dot-slash', 'GET',
                 '/baas/v1/project/%2e%2e%2Forgs', (400, 404))):
            self.check('path: ' + label, path, status, method=method,
                       headers=self.h,
                       error=('invalid_request', 'not_found')
                       if path.startswith('/baas/') else
                       ('invalid_request', 'not_found'))

    def test_org_header(self):
        d = self.demo
        for label, value, status in (
                ('empty', '', 400), ('spaces', '   ', 400),
                ('non-numeric', 'abc', 403), ('negative', '-1', 403),
                ('zero', '0', 403), ('huge', '9' * 40, 403),
                ('64 characters', '6' * 64, 403),
                ('7 KB', '6' * 7000, 403),
                ('leading zero', '0' + d.org_id, 403),
                ('a decimal', d.org_id + '.0', 403),
                ('an exponent', '6e7', 403),
                ('path traversal', '../' + d.org_id, 403),
                ('two ids', d.org_id + ',' + d.org_id, 403),
                ('an id and junk', d.org_id + ' x', 403),
                ('SQL', "1' OR '1'='1", 403),
                ('a wildcard', '%', 403),
                ('non-ASCII', b'\xc3\xa9', 403),
                ('raw 0xff', b'6000\xff', 403),
                ('a foreign org', self.foreign_org, 403)):
            self.check('CATALYST-ORG: ' + label, '/baas/v1/project', status,
                       'INVALID_ORG' if status == 400 else 'ORG_FORBIDDEN',
                       method='GET', headers=self.auth(
                           **{'CATALYST-ORG': value}))

    def test_bearer_and_methods(self):
        access = self.tok['access_token']
        for label, value in (
                ('no header', None), ('empty', ''), ('scheme alone', 'Bearer'),
                ('junk after two spaces', 'Bearer  x'),
                ('Basic', basic(self.demo.device_id + ':x')),
                ('a refresh token', 'Bearer ' + self.tok['refresh_token']),
                ('checksum off', 'Bearer ' + flip_crc(access)),
                ('another DC', 'Bearer ' + forge_token('cata', 'eu')),
                ('never issued', 'Bearer ' + forge_token('cata'))):
            h = {} if value is None else {'Authorization': value}
            for method, path in (('GET', '/baas/v1/orgs'),
                                 ('POST', '/baas/v1/project')):
                self.check('bearer: ' + label, path, 401, method=method,
                           headers=dict(h, **JSON),
                           body=b'{"project_name": "never"}'
                           if method == 'POST' else None)
        for method, path in (('POST', '/baas/v1/orgs'),
                             ('DELETE', '/baas/v1/project/'
                              + self.demo.project_ids[0]),
                             ('PUT', '/baas/v1/project'),
                             ('GET', '/baas/v1/cli/logs'),
                             ('POST', '/baas/v1/project/1/environment')):
            self.check('%s not allowed' % method, path, 405,
                       'method_not_allowed', method=method, headers=self.h)


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
