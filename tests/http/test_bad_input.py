"""Bad input on every endpoint: malformed query/form, repeated and missing
parameters, oversized bodies, invalid UTF-8, unknown paths and methods,
garbage and stalled connections. Each gets a clear error status with a JSON
body, the server keeps serving, and nothing stored changes."""

import contextlib
import socket
import time
import unittest

from common import CLI_HEADERS, ServerCase
from harness import db_snapshot, http, raw_request

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


class BadInputTest(ServerCase):

    def setUp(self):
        self.before = db_snapshot(self.srv.db)

    def tearDown(self):
        self.assertServing()
        self.assertEqual(db_snapshot(self.srv.db), self.before,
                         'a refused request changed the store')

    def assertJsonError(self, st, body, status, path='/oauth'):
        if path.startswith('/baas/'):
            self.assertAdminError((st, body), status)
        else:
            self.assertOAuthError((st, body), status)

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
    """A raw NUL byte on the wire. libmicrohttpd 0.9.75 cuts the request
    line and header values at a NUL before catalystd sees them (a bare MHD
    program does the same, also with MHD_OPTION_STRICT_FOR_CLIENT), so the
    server can only be held to answering well-formed HTTP and surviving."""

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
                try:
                    st, _, body = raw_request(self.srv.port, raw)
                except ConnectionResetError:
                    st, body = 0, b''
                self.assertTrue(st == 0 or 200 <= st < 600, (st, body))
                self.assertServing()
        # the NUL-cut bearer is not a valid credential
        st, _, body = raw_request(self.srv.port, raw)
        self.assertEqual(st, 401, body)


if __name__ == '__main__':
    unittest.main()
