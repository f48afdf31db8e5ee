"""Shared pieces of the HTTP test suite (tests/http): a TestCase base that
runs one real catalystd per class with a demo org/user/projects/clients."""

import os
import random
import re
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))

from harness import (Browser, Server, http, setup_demo,  # noqa: E402
                     get_cli_tokens, device_code, poll_device_token,
                     add_user, FailureFlag, BASE62, crc62)

USER_CODE_RE = re.compile(r'^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$')
TOKEN_ID_RE = re.compile(r'^[0-9a-f]{12}$')
# a secret we mint (src/common/token.c: catr_ cata_ catd_ catc_ cats_
# catk_), whatever its kind; never in a log line
SECRET_RE = re.compile(r'cat[radcsk]_[a-z]{2}_[0-9A-Za-z]{8,}')
ISO_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$')
DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
CLI_SCOPES = 'ZohoCatalyst.projects.ALL ZohoCatalyst.project.import.CREATE ' \
             'ZohoCatalyst.cli.logs.CREATE'
# what the reference CLI sends on every request
CLI_HEADERS = {'Accept': 'application/vnd.catalyst.v2+json',
               'X-CATALYST-Environment': 'Development',
               'User-Agent': 'zcatalyst-cli/1.25.3'}


# Raw-socket helpers, for what a client library would never send.

def exchange(port, data, timeout=10, source=None):
    """Sends data on a new connection and reads until the server closes it
    (or timeout). Returns (all bytes received, closed_by_server)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect(('127.0.0.1', port))
    out = b''
    closed = False
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
    finally:
        s.close()
    return out, closed


def responses(raw):
    """Splits raw bytes into [(status, headers dict, body bytes)]."""
    out = []
    while raw:
        m = re.match(rb'HTTP/1\.[01] (\d{3})[^\r\n]*\r\n', raw)
        if not m:
            raise AssertionError('not an HTTP response: %r' % raw[:200])
        head, sep, rest = raw.partition(b'\r\n\r\n')
        if not sep:
            raise AssertionError('truncated response: %r' % raw[:200])
        headers = {}
        for line in head.split(b'\r\n')[1:]:
            k, _, v = line.partition(b':')
            headers[k.strip().lower().decode()] = v.strip().decode()
        n = int(headers.get('content-length', '0'))
        out.append((int(m.group(1)), headers, rest[:n]))
        raw = rest[n:]
    return out


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS for %d' % pid)


def kill9_under_load(srv, request, want, threads=4):
    """Runs request() on threads until `want` of them have answered (each
    answer being what request() returned, None for no answer), then kills
    srv with SIGKILL mid-load and returns the answers collected: each was
    sent to its client, so each must survive the crash."""
    import threading
    from harness import wait_until
    answered, stop = [], threading.Event()

    def worker():
        while not stop.is_set():
            try:
                got = request()
            except OSError:
                continue  # the server is gone
            if got is not None:
                answered.append(got)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    try:
        wait_until(lambda: len(answered) >= want, timeout=60,
                   what='%d answers' % want)
        srv.kill9()
    finally:
        stop.set()
        for t in ts:
            t.join(30)
    return answered


def sanitized(binary):
    """True for a build with AddressSanitizer, whose allocator keeps freed
    memory in quarantine (RSS is no measure of a leak there; LeakSanitizer
    at exit is, and the class cleanup asserts a clean exit)."""
    with open(binary, 'rb') as f:
        return b'__asan_init' in f.read()


# An access token (src/common/token.h): "cata_<dc>_", the grant's token_id
# (12 hex), expires_at (6 base62), the key's UTC day (4 base62), a 128-bit
# MAC (22 base62), the CRC; 58 characters.
ACCESS_RE = re.compile(r'^cata_([a-z]{2})_([0-9a-f]{12})([0-9A-Za-z]{6})'
                       r'([0-9A-Za-z]{4})([0-9A-Za-z]{22})([0-9A-Za-z]{6})$')


def b62(value, width):
    """value in exactly width base62 digits, most significant first."""
    out = ''
    for _ in range(width):
        out = BASE62[value % 62] + out
        value //= 62
    assert value == 0, 'does not fit'
    return out


def access_token(token_id, expires_at, key_day, mac, dc='us'):
    """An access token of the documented layout with the MAC given (16
    bytes) and a correct checksum."""
    body = 'cata_%s_%s%s%s%s' % (dc, token_id, b62(expires_at, 6),
                                 b62(key_day, 4),
                                 b62(int.from_bytes(mac, 'big'), 22))
    return body + crc62(body)


def access_fields(tok):
    """(dc, token_id, expires_at, key_day) of an access token's text."""
    m = ACCESS_RE.match(tok)
    assert m, 'not an access token'

    def num(s):
        v = 0
        for c in s:
            v = v * 62 + BASE62.index(c)
        return v
    return m.group(1), m.group(2), num(m.group(3)), num(m.group(4))


def forge_token(prefix='catr', dc='us', token_id=None):
    """A well-formed token (right shape and checksum) the server never
    issued; for cata_ one for token_id (random by default), unexpired,
    signed today as far as its text says, with a random MAC."""
    if prefix == 'cata':
        now = int(time.time())
        return access_token(token_id or '%012x' % random.getrandbits(48),
                            now + 3600, now // 86400,
                            random.getrandbits(128).to_bytes(16, 'big'), dc)
    body = '%s_%s_%s' % (prefix, dc, ''.join(random.choice(BASE62)
                                              for _ in range(32)))
    return body + crc62(body)


def token_ok(tok, prefix, dc='us'):
    """True when tok has the documented shape and a valid checksum."""
    if prefix == 'cata':
        m = ACCESS_RE.match(tok or '')
        return bool(m) and m.group(1) == dc and crc62(tok[:-6]) == m.group(6)
    m = re.match(r'^(%s)_(%s)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$'
                 % (prefix, dc), tok or '')
    return bool(m) and crc62(tok[:-6]) == m.group(4)


def add_user_to_demo(case, email, password='another password 123',
                     in_org=True):
    """Adds one more account (member of the demo org when in_org);
    returns (email, password)."""
    add_user(case.srv, email, password, first='Other', last='Person',
             org_id=case.demo.org_id if in_org else None)
    return email, password


def bearer(access):
    h = dict(CLI_HEADERS)
    h['Authorization'] = 'Bearer ' + access
    return h


class ServerCase(FailureFlag, unittest.TestCase):
    """One catalystd per test class, with setup_demo() done.

    Class attributes for subclasses: server_kwargs (passed to Server),
    demo_setup (False to skip setup_demo). Provides cls.srv, cls.demo,
    cls.url, and helpers below. When the class ends the server must still be
    running (no crash) and stop cleanly on SIGTERM (exit 0)."""

    server_kwargs = {}
    demo_setup = True

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalystd-http-')
        if not os.environ.get('CATALYST_TEST_KEEP'):
            cls.addClassCleanup(cls._tmp.cleanup)
        cls.tmp = cls._tmp.name
        cls._failed = False
        cls.srv = Server(cls.tmp, **cls.server_kwargs)
        # the demo data goes in before the server starts (admin commands
        # against a running server are tested on their own in test_ops)
        cls.demo = setup_demo(cls.srv.db) if cls.demo_setup else None
        cls.srv.start()
        cls.addClassCleanup(cls._stop_server, cls.srv)
        cls.url = cls.srv.url

    @classmethod
    def _stop_server(cls, srv):
        if cls._failed:
            sys.stderr.write('\n--- %s: end of the catalystd log (%s) ---\n%s'
                             '\n---\n' % (cls.__name__, srv.log_path,
                                           srv.log()[-6000:]))
        crashed = srv.proc.poll()
        rc = srv.stop()
        if crashed is not None:
            raise AssertionError('catalystd died during the tests (exit %s)'
                                 '; log:\n%s' % (crashed, srv.log()[-4000:]))
        if rc != 0:
            raise AssertionError('catalystd did not stop cleanly on SIGTERM '
                                 '(%s); log:\n%s' % (rc, srv.log()[-4000:]))
        # no secret in any log line of the suite (the harness's own
        # "== argv" lines aside)
        for line in srv.log().splitlines():
            if not line.startswith('== ') and SECRET_RE.search(line):
                raise AssertionError('a secret in the catalystd log: %r'
                                     % line)

    # helpers -----------------------------------------------------------
    def browser(self, fresh=False):
        """The class's shared Browser, signed in as the demo user (a person
        signs in once, then approves many codes). fresh=True: a new,
        signed-out Browser holding the demo credentials."""
        d = self.demo
        if fresh:
            return Browser(self.srv.url, d.email, d.password)
        b = type(self).__dict__.get('_shared_browser')
        if b is None or b.base != self.srv.url.rstrip('/'):
            b = Browser(self.srv.url, d.email, d.password)
            b.login()
            type(self)._shared_browser = b
        return b

    def tokens(self, **kw):
        """A fresh device-flow grant of the demo user (token answer)."""
        return get_cli_tokens(self.srv, self.demo, **kw)

    def refresh(self, refresh_token, client_id=None, client_secret=None,
                srv=None):
        d = self.demo
        fields = {'refresh_token': refresh_token,
                  'client_id': client_id or d.device_id,
                  'client_secret': client_secret or d.device_secret,
                  'grant_type': 'refresh_token'}
        st, _, body = http('POST', (srv or self.srv).url + '/oauth/v2/token',
                           data=fields, headers=CLI_HEADERS)
        return st, body

    def user_info(self, access, srv=None):
        st, _, body = http('GET', (srv or self.srv).url + '/oauth/user/info',
                           headers=bearer(access))
        return st, body

    def introspect(self, token):
        d = self.demo
        st, _, body = http('POST', self.srv.url + '/oauth/introspect',
                           data={'token': token, 'client_id': d.device_id,
                                 'client_secret': d.device_secret})
        self.assertEqual(st, 200, body)
        return body

    def revoke(self, token, path='/oauth/v2/token/revoke'):
        st, _, body = http('POST', self.srv.url + path,
                           params={'token': token}, headers=CLI_HEADERS)
        return st, body

    def code(self, **kw):
        st, body = device_code(self.srv, self.demo.device_id, **kw)
        self.assertEqual(st, 200, body)
        return body

    def poll_v3(self, device_code_, client_secret=None):
        return poll_device_token(self.srv, self.demo.device_id,
                                 client_secret or self.demo.device_secret,
                                 device_code_)

    def poll_rfc(self, device_code_, with_secret=True):
        fields = {'grant_type': DEVICE_GRANT, 'device_code': device_code_,
                  'client_id': self.demo.device_id}
        if with_secret:
            fields['client_secret'] = self.demo.device_secret
        st, _, body = http('POST', self.srv.url + '/oauth/v2/token',
                           data=fields)
        return st, body

    def assertOAuthError(self, resp, status, error=None):
        """resp = (status, body) or (status, headers, body)."""
        st, body = resp[0], resp[-1]
        self.assertEqual(st, status, body)
        self.assertIsInstance(body, dict, 'error body is not JSON: %r'
                              % (body,))
        self.assertIsInstance(body.get('error'), str, body)
        if error is not None:
            if isinstance(error, (tuple, list)):
                self.assertIn(body['error'], error, body)
            else:
                self.assertEqual(body['error'], error, body)
        return body

    def assertAdminError(self, resp, status):
        st, body = resp[0], resp[-1]
        self.assertEqual(st, status, body)
        self.assertIsInstance(body, dict, 'error body is not JSON: %r'
                              % (body,))
        self.assertEqual(body.get('status'), 'failure', body)
        self.assertIsInstance(body.get('data'), dict, body)
        self.assertIsInstance(body['data'].get('message'), str, body)
        self.assertTrue(body['data']['message'], body)
        return body

    def assertServing(self):
        st, _, body = http('GET', self.srv.url + '/healthz', timeout=10)
        self.assertEqual(st, 200, body)


def sleep_past(seconds):
    """Waits (for expiry / polling-interval tests; never a speed check)."""
    time.sleep(seconds)
