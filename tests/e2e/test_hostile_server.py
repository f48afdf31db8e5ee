"""`catalyst` against a hostile server (issue 7, finding 10).

A small fake server on 127.0.0.1 answers every request the CLI makes with
terminal escape sequences in every string it can (error descriptions,
device and project names, the verification URL, the account's email) and
absurd durations (expires_in far beyond 64 bits' worth of seconds, negative,
non-integer). The real `catalyst` binary runs against it; no byte a
terminal would act on may reach stdout or stderr, the CLI must neither
crash nor hang, and what it says and stores about durations stays sane.
"""

import http.server
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import harness as h
from e2e_util import Device

BASE62, crc62 = h.BASE62, h.crc62

ESC = '\x1b'
# retitle the window, ring, clear the screen, C1 CSI (U+009B) + SGR,
# DEL, a right-to-left override, and a forged line of our own voice
EVIL = ('\x1b]0;pwned\x07\x1b[2J\x1b[H\u009b31m\x7f\u202eevil'
        '\ncatalyst: forged line\r')
HUGE = 2 ** 63 - 1  # the largest JSON integer jansson takes


def well_formed(prefix, dc='us'):
    """A token of the right shape and checksum (the CLI checks both)."""
    body = '%s_%s_%s' % (prefix, dc, ''.join(random.choice(BASE62)
                                              for _ in range(32)))
    return body + crc62(body)


# bytes a terminal acts on: C0 except newline and tab, DEL, C1 as UTF-8,
# a raw C1 byte (0x80-0x9f outside a UTF-8 sequence), bidi controls
_C0 = re.compile(rb'[\x00-\x08\x0b-\x1f\x7f]')
_C1_UTF8 = re.compile(rb'\xc2[\x80-\x9f]')
_BIDI = re.compile(rb'\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]')


class Hostile(http.server.ThreadingHTTPServer):
    """The fake server. `mode` picks the variant of some answers."""

    daemon_threads = True

    def __init__(self):
        super().__init__(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server_address[1]
        self.mode = 'normal'
        self.polls = 0
        self.requests = []
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        self.thread.join()
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def answer(self, status, doc):
        body = json.dumps(doc).encode()  # ensure_ascii: \u001b on the wire
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def form(self):
        n = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(n).decode()
        from urllib.parse import parse_qs
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def do_POST(self):
        srv = self.server
        path = self.path.split('?')[0]
        f = self.form()
        srv.requests.append(('POST', path, f))
        if path == '/oauth/device_authorization':
            doc = {'device_code': 'dc-' + EVIL, 'user_code': 'BCDF-GHJK',
                   'verification_uri': srv.url + '/device?' + EVIL,
                   'expires_in': HUGE, 'interval': 1}
            if srv.mode == 'odd-numbers':
                doc.update(expires_in=-5, interval=1.5)
            if srv.mode == 'string-numbers':
                doc.update(expires_in='forever', interval=0)
            if srv.mode == 'deny':
                doc.update(interval=1)
            return self.answer(200, doc)
        if path == '/oauth/v2/token':
            if f.get('grant_type') == 'refresh_token':
                if srv.mode == 'crlf-access':
                    return self.answer(200, {
                        'access_token': 'cata\r\nX-Injected: yes',
                        'expires_in': 60, 'token_type': 'Bearer'})
                if srv.mode == 'refresh-fails':
                    return self.answer(400, {
                        'error': 'invalid_grant',
                        'error_description': EVIL})
                return self.answer(200, {
                    'access_token': well_formed('cata'),
                    'expires_in': HUGE, 'token_type': 'Bearer'})
            srv.polls += 1
            if srv.mode == 'deny' and srv.polls >= 2:
                return self.answer(400, {'error': 'bogus_error',
                                         'error_description': EVIL})
            if srv.polls < 2:
                return self.answer(400, {
                    'error': 'authorization_pending',
                    'error_description': EVIL})
            return self.answer(200, {
                'access_token': well_formed('cata'),
                # bad-tokens: the right length, an escape sequence inside
                'refresh_token': (well_formed('catr')[:-3] + '\x1b[J'
                                  if srv.mode == 'bad-tokens'
                                  else well_formed('catr')),
                'token_id': '0a1b2c3d4e5f', 'expires_in': HUGE,
                'token_type': 'Bearer'})
        if path == '/oauth/v2/token/revoke':
            return self.answer(500, {'error': 'server_error',
                                     'error_description': EVIL})
        return self.answer(404, {'error': 'not_found',
                                 'error_description': EVIL})

    def do_GET(self):
        srv = self.server
        path = self.path.split('?')[0]
        srv.requests.append(('GET', path, dict(self.headers.items())))
        if path == '/oauth/user/info':
            return self.answer(200, {'Email': 'mallory' + EVIL + '@x.test',
                                     'Display_Name': EVIL})
        if path == '/api/v1/tokens':
            if srv.mode == 'list-error':
                return self.answer(500, {'error': 'server_error',
                                         'error_description': EVIL})
            return self.answer(200, {'tokens': [{
                'token_id': '0a1b2c3d4e5f' + EVIL,
                'created_at': '2026-01-01T00:00:00Z' + EVIL,
                'last_used_at': EVIL, 'device_name': EVIL, 'dc': EVIL}]})
        if path == '/baas/v1/orgs':
            return self.answer(200, {'status': 'success', 'data': [
                {'id': '60001234', 'name': EVIL, 'is_default': True}]})
        if path == '/baas/v1/project':
            return self.answer(200, {'status': 'success', 'data': [{
                'id': '4000000000001', 'project_name': EVIL,
                'project_type': EVIL, 'org_id': '60001234',
                'env_details': []}]})
        if path.startswith('/baas/v1/project/'):
            return self.answer(404, {'status': 'failure', 'data': {
                'message': EVIL, 'error_code': EVIL}})
        return self.answer(404, {'error': 'not_found',
                                 'error_description': EVIL})


class HostileServerTest(unittest.TestCase):

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='cat-hostile-')
        self.srv = Hostile().__enter__()
        self.addCleanup(self._tmp.cleanup)
        self.addCleanup(self.srv.__exit__, None, None, None)
        demo = type('Clients', (), {
            'device_id': '1000.DEVICE', 'device_secret': 's' * 20,
            'browser_id': '1000.BROWSER', 'browser_secret': 'b' * 20})
        self.dev = Device(self._tmp.name, 'dev', {'us': self.srv.url}, demo)
        self.dev.env['CATALYST_HTTP_TIMEOUT'] = '10'

    def cli(self, *args, env=None, timeout=40):
        """Runs catalyst; (exit status, stdout bytes, stderr bytes).
        Fails (rather than hangs) after timeout."""
        e = dict(self.dev.env)
        e.update(env or {})
        p = subprocess.Popen([h.CATALYST] + list(args), env=e,
                             cwd=self.dev.cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=h._die_with_parent)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            self.fail('catalyst %s hung (> %d s); stderr:\n%r'
                      % (' '.join(args), timeout, err))
        return p.returncode, out, err

    def assertInert(self, data, what):
        for rx, name in ((_C0, 'a C0 control or DEL'),
                         (_C1_UTF8, 'a C1 control'),
                         (_BIDI, 'a bidi control')):
            m = rx.search(data)
            if m:
                self.fail('%s: %s %r at %d in %r'
                          % (what, name, m.group(0), m.start(), data))
        self.assertNotIn(b'\x1b', data, what)
        # a raw C1 byte outside UTF-8 (0x9b is CSI on some terminals)
        try:
            data.decode('utf-8')
        except UnicodeDecodeError as e:
            self.fail('%s: not UTF-8 (%s) in %r' % (what, e, data))

    def run_inert(self, *args, env=None, ok=None):
        st, out, err = self.cli(*args, env=env)
        self.assertGreaterEqual(st, 0, 'killed by signal %d: %r'
                                % (-st, err))
        self.assertLess(st, 128, err)
        if ok is not None:
            self.assertEqual(st == 0, ok, (st, out, err))
        self.assertInert(out, 'stdout of %s' % ' '.join(args))
        self.assertInert(err, 'stderr of %s' % ' '.join(args))
        # the forged line stays inside the message that carried it
        for line in err.decode().splitlines():
            if 'forged line' in line:
                self.assertFalse(line.startswith('catalyst: forged'), line)
        return st, out.decode(), err.decode()

    def login(self):
        st, out, err = self.run_inert('login', '--no-localhost', ok=True)
        m = re.search(r'it expires in (\d+) (minutes|seconds)', err)
        self.assertIsNotNone(m, err)
        secs = int(m.group(1)) * (60 if m.group(2) == 'minutes' else 1)
        self.assertGreater(secs, 0, err)
        self.assertLessEqual(secs, 24 * 3600, err)
        return err

    def test_login_and_every_command(self):
        err = self.login()
        self.assertIn('Signed in as mallory', err)
        # the huge expires_in is cached as a sane lifetime, not an overflow
        now = time.time()
        for entry in self.dev.state().get('cache', {}).values():
            self.assertGreater(entry['expires_at'], now)
            self.assertLessEqual(entry['expires_at'], now + 7 * 86400)
        for args in (('whoami',), ('whoami', '--json'), ('token:list',),
                     ('token:list', '--json'), ('project:list',),
                     ('project:list', '--json'),
                     ('project:use', '4000000000001'),
                     ('token:revoke', '0a1b2c3d4e5f'),
                     ('token:generate',), ('logout',)):
            self.run_inert(*args)

    def test_error_descriptions(self):
        self.login()
        self.srv.mode = 'list-error'
        st, out, err = self.run_inert('token:list', ok=False)
        self.assertIn('server answered 500', err)
        self.srv.mode = 'refresh-fails'
        tok = 'm_' + well_formed('catr')
        st, out, err = self.run_inert('token:list', ok=False,
                                      env={'CATALYST_TOKEN': tok})
        self.assertIn('refused', err)

    def test_malformed_tokens_refused(self):
        """A refresh token that is not one is neither printed nor stored;
        an access token with a line break never becomes a header."""
        self.login()
        self.srv.mode = 'bad-tokens'
        st, out, err = self.run_inert('token:generate', ok=False)
        self.assertEqual(out, '')
        self.assertIn('malformed refresh token', err)
        self.assertNotIn('tokens', self.dev.state()['dcs']['us'])
        self.srv.mode = 'crlf-access'
        tok = 'm_' + well_formed('catr')
        st, out, err = self.run_inert('project:list',
                                      env={'CATALYST_TOKEN': tok})
        for method, path, headers in self.srv.requests:
            self.assertNotIn('X-Injected', headers or {}, path)
        self.assertNotEqual(st, 0, err)
        self.assertIn('control character', err)

    def test_device_flow_denied_with_escapes(self):
        self.srv.mode = 'deny'
        self.run_inert('login', '--no-localhost', ok=False)

    def test_odd_durations(self):
        for mode in ('odd-numbers', 'string-numbers'):
            self.srv.mode = mode
            self.srv.polls = 1  # approved at the first poll
            st, out, err = self.run_inert('login', '--no-localhost',
                                          '--force', ok=True)
            self.assertIn('it expires in 5 minutes', err)

    def test_interrupt_while_waiting(self):
        """Still answers Ctrl-C while waiting on a hostile server."""
        e = dict(self.dev.env)
        p = subprocess.Popen([h.CATALYST, 'login', '--no-localhost'],
                             env=e, cwd=self.dev.cwd,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=h._die_with_parent)
        self.srv.polls = -10 ** 9  # pending for ever
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.fail('catalyst did not stop on Ctrl-C')
        self.assertEqual(p.returncode, 2, err)
        self.assertInert(out, 'stdout')
        self.assertInert(err, 'stderr')


if __name__ == '__main__':
    unittest.main()
