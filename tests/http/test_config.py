"""catalystd's config file, its listening sockets and its start-up errors
(issue 11, items 3 and 8).

The config file holds the serve flags as `key = value` lines; a flag on the
command line wins over the file, and every mistake in the file names the
file, the line and the key, with exit status 129 like a bad flag. A server
listens on one or several addresses, IPv4 or IPv6 (`[::1]:8080`), and on
`[::]` takes IPv4 too; it refuses to advertise a wildcard address as its
public URL. Every start-up error names the flag it is about.
"""

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

from common import ServerCase  # noqa: F401 - sets up sys.path
from harness import (CATALYSTD, Server, device_code, http, raw_request,
                     setup_demo, _die_with_parent)


def has_ipv6_loopback():
    try:
        with open('/proc/net/if_inet6') as f:
            return any(line.split()[0] == '0' * 31 + '1' for line in f)
    except OSError:
        return False


IPV6 = has_ipv6_loopback()
NO_IPV6 = 'this machine has no IPv6 loopback (::1 not in /proc/net/if_inet6)'


def run(tmp, *args, timeout=30):
    """Runs catalystd to its exit (every call here fails at start-up)."""
    return subprocess.run([CATALYSTD] + list(args), cwd=tmp,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


@contextlib.contextmanager
def serving(tmp, *args, timeout=20):
    """A `catalystd serve` with args (and its own --db and --port-file);
    yields (port of the first listener, {host: port} of every listener
    from the start-up log line)."""
    port_file = os.path.join(tmp, 'serve.port')
    log_path = os.path.join(tmp, 'serve.log')
    if os.path.exists(port_file):
        os.unlink(port_file)
    argv = [CATALYSTD, 'serve', '--db', os.path.join(tmp, 's.db'),
            '--port-file', port_file] + list(args)
    with open(log_path, 'ab') as logf:
        proc = subprocess.Popen(argv, cwd=tmp, stdin=subprocess.DEVNULL,
                                stdout=logf, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)

    def log():
        with open(log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    try:
        deadline = time.monotonic() + timeout
        listening = None
        while listening is None:
            if proc.poll() is not None:
                raise AssertionError('catalystd exited with %s:\n%s'
                                     % (proc.returncode, log()))
            if time.monotonic() > deadline:
                raise AssertionError('catalystd did not start:\n' + log())
            m = re.search(r'listening on (.+?) \(dc', log())
            if m and os.path.exists(port_file):
                with open(port_file) as f:
                    txt = f.read().strip()
                if txt.isdigit():
                    listening = m.group(1)
                    break
            time.sleep(0.05)
        ports = {}
        for where in listening.split(', '):
            host, port = where.rsplit(':', 1)
            ports[host] = int(port)
        yield int(txt), ports
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def healthz(host, port):
    url = 'http://%s:%d/healthz' % ('[%s]' % host if ':' in host else host,
                                    port)
    st, _, body = http('GET', url, timeout=5)
    return st, body


class ConfigFileErrors(unittest.TestCase):
    """Each mistake in the file: exit 129 and file:line: key in the
    message."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def serve_with(self, text, *extra):
        path = write(self.tmp, 'catalystd.conf', text)
        p = run(self.tmp, 'serve', '--config', path, *extra)
        self.assertEqual(p.returncode, 129, p.stderr)
        return path, p.stderr

    def test_unknown_key(self):
        path, err = self.serve_with(
            '# a comment\n\n   # an indented one\nlistn = 127.0.0.1:0\n')
        self.assertIn("catalystd: %s:4: unknown key 'listn'" % path, err)

    def test_bad_values(self):
        for line, words in (
                ('threads = lots', ["'threads'", "'lots'"]),
                ('device-ttl = 0', ["'device-ttl'", "'0'"]),
                # a day at most: tokens outlive no more than two keys
                ('access-ttl = 86401', ["'access-ttl'", "'86401'"]),
                ('trust-proxy = maybe', ["'trust-proxy'", 'true or false',
                                         "'maybe'"]),
                ('listen = ::1', ["'listen'", "'::1'", '[::1]:8080']),
                ('listen = 127.0.0.1:99999', ["'listen'"]),
                ('dc = xx', ["'dc'", "'xx'"]),
                ('log-level = loud', ["'log-level'", "'loud'"]),
                ('audit-retention = -1', ["'audit-retention'", "'-1'"]),
                ('audit-retention = 36501',
                 ["'audit-retention'", "'36501'"]),
                ('db =', ["'db'", 'no value'])):
            with self.subTest(line=line):
                path, err = self.serve_with('dc = eu\n' + line + '\n')
                self.assertIn('catalystd: %s:2: key ' % path, err)
                for w in words:
                    self.assertIn(w, err)

    def test_missing_equals(self):
        path, err = self.serve_with('db ./other.db\n')
        self.assertIn("catalystd: %s:1: key 'db' has no '='" % path, err)

    def test_no_file_keys_for_config_and_help(self):
        for key in ('config = /etc/other.conf', 'help = true',
                    '--listen = 127.0.0.1:0'):
            with self.subTest(key=key):
                path, err = self.serve_with(key + '\n')
                self.assertIn('%s:1: unknown key' % path, err)

    def test_unreadable_file(self):
        missing = os.path.join(self.tmp, 'missing.conf')
        for path in (missing, self.tmp):
            with self.subTest(path=path):
                p = run(self.tmp, 'serve', '--config', path)
                self.assertEqual(p.returncode, 129, p.stderr)
                self.assertIn('catalystd: --config %s: cannot read' % path,
                              p.stderr)

    def test_flag_errors_are_checked_too(self):
        # a good file does not hide a bad flag
        path = write(self.tmp, 'ok.conf', 'dc = eu\n')
        p = run(self.tmp, 'serve', '--config', path, '--threads', '0')
        self.assertEqual(p.returncode, 129, p.stderr)
        self.assertIn("--threads wants a number from 1", p.stderr)

    def test_admin_commands_read_it(self):
        path, err = self.serve_with('listn = x\n')
        p = run(self.tmp, 'migrate', '--config', path)
        self.assertEqual(p.returncode, 129, p.stderr)
        self.assertIn("%s:1: unknown key 'listn'" % path, p.stderr)


class ConfigFileApplied(unittest.TestCase):

    def test_flags_win_over_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            # every key the harness also passes as a flag would break the
            # server if it were taken from the file: no such DB directory,
            # an address not on this machine
            path = write(tmp, 'catalystd.conf', '\n'.join((
                '# comments and blank lines are skipped',
                '',
                'dc = eu',
                'db = /nonexistent/dir/catalyst.db',
                'listen = 192.0.2.1:1',
                'device-ttl = 100',
                '  device-interval   =   9  ',
                'secure-cookies = false',
                'trust-proxy = false',
            )) + '\n')
            srv = Server(tmp, extra_args=['--config', path])
            demo = setup_demo(srv.db)
            with srv:
                st, body = healthz('127.0.0.1', srv.port)
                self.assertEqual(st, 200, body)
                self.assertEqual(body['dc'], 'us')     # --dc us wins
                st, code = device_code(srv, demo.device_id)
                self.assertEqual(st, 200, code)
                self.assertEqual(code['expires_in'], 300)  # --device-ttl
                self.assertEqual(code['interval'], 9)      # from the file
                self.assertIn('listening on 127.0.0.1:%d (' % srv.port,
                              srv.log())

    def test_migrate_takes_db_from_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, 'from-file.db')
            path = write(tmp, 'c.conf', 'db = %s\nlisten = [::]:1\n' % db)
            p = run(tmp, 'migrate', '--config', path)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.exists(db))
            other = os.path.join(tmp, 'flag.db')
            p = run(tmp, 'migrate', '--config', path, '--db', other)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.exists(other))

    def test_several_listen_keys(self):
        second = '[::1]:0' if IPV6 else '127.0.0.2:0'
        with tempfile.TemporaryDirectory() as tmp:
            path = write(tmp, 'c.conf',
                         'listen = 127.0.0.1:0\nlisten = %s\n' % second)
            with serving(tmp, '--config', path) as (first, ports):
                self.assertEqual(len(ports), 2, ports)
                self.assertEqual(ports['127.0.0.1'], first)
                for host, port in ports.items():
                    self.assertEqual(healthz(host.strip('[]'), port)[0], 200)


class SampleConfig(unittest.TestCase):

    def test_sample_lists_every_flag_and_is_accepted(self):
        sample = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              '..', '..', 'dist', 'catalystd.conf')
        with open(sample) as f:
            keys = re.findall(r'^#([a-z-]+) = (.+)$', f.read(), re.M)
        with tempfile.TemporaryDirectory() as tmp:
            p = run(tmp, 'serve', '--help')
            flags = set(re.findall(r'^  --([a-z-]+)', p.stdout, re.M))
            self.assertEqual({k for k, _ in keys}, flags - {'config', 'help'})
            # every example value is one the key accepts
            path = write(tmp, 'all.conf',
                         ''.join('%s = %s\n' % kv for kv in keys))
            p = run(tmp, 'migrate', '--config', path)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.exists(
                os.path.join(tmp, 'var', 'catalyst.db')))


class Listening(unittest.TestCase):

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def test_two_listen_flags_both_answer(self):
        second = '[::1]:0' if IPV6 else '127.0.0.2:0'
        with serving(self.tmp, '--listen', '127.0.0.1:0',
                     '--listen', second) as (first, ports):
            self.assertEqual(len(ports), 2, ports)
            self.assertEqual(ports['127.0.0.1'], first)
            for host, port in ports.items():
                st, body = healthz(host.strip('[]'), port)
                self.assertEqual(st, 200, (host, body))

    @unittest.skipUnless(IPV6, NO_IPV6)
    def test_ipv6_loopback(self):
        with serving(self.tmp, '--listen', '[::1]:0') as (port, ports):
            self.assertEqual(ports, {'[::1]': port})
            st, body = healthz('::1', port)
            self.assertEqual(st, 200, body)
            # advertised with the brackets a URL needs
            st, _, meta = http('GET', 'http://[::1]:%d/.well-known/'
                               'oauth-authorization-server' % port)
            self.assertEqual(st, 200, meta)
            self.assertEqual(meta['issuer'], 'http://[::1]:%d' % port)
            # nothing listens on IPv4
            with self.assertRaises(OSError):
                healthz('127.0.0.1', port)

    @unittest.skipUnless(IPV6, NO_IPV6)
    def test_dual_stack_answers_ipv4_and_ipv6(self):
        with serving(self.tmp, '--listen', '[::]:0', '--public-url',
                     'http://accounts.example.test/') as (port, ports):
            self.assertEqual(ports, {'[::]': port})
            for host in ('127.0.0.1', '::1'):
                st, body = healthz(host, port)
                self.assertEqual(st, 200, (host, body))

    @unittest.skipUnless(IPV6, NO_IPV6)
    def test_gate_checks_heads_on_ipv6(self):
        with serving(self.tmp, '--listen', '[::1]:0') as (port, _):
            st, h, body = raw_request(
                port, b'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
                host='::1')
            self.assertEqual(st, 400, body)
            self.assertIn(b'invalid_request', body)
            self.assertEqual(h.get('connection'), 'close')
            st, _, _ = raw_request(
                port, b'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n',
                host='::1')
            self.assertEqual(st, 200)

    def test_wildcard_without_public_url_is_refused(self):
        addrs = ['0.0.0.0:0'] + (['[::]:0'] if IPV6 else [])
        for addr in addrs:
            with self.subTest(listen=addr):
                p = run(self.tmp, 'serve', '--listen', addr, '--db',
                        os.path.join(self.tmp, 'w.db'))
                self.assertEqual(p.returncode, 129, p.stderr)
                self.assertIn('warning: --listen %s is a wildcard' % addr,
                              p.stderr)
                self.assertIn('needs --public-url', p.stderr)
                self.assertFalse(os.path.exists(
                    os.path.join(self.tmp, 'w.db')), 'started anyway')

    def test_wildcard_with_public_url_serves(self):
        with serving(self.tmp, '--listen', '0.0.0.0:0', '--public-url',
                     'https://accounts.example.test') as (port, _):
            st, _, meta = http('GET', 'http://127.0.0.1:%d/.well-known/'
                               'oauth-authorization-server' % port)
            self.assertEqual(st, 200, meta)
            self.assertEqual(meta['issuer'], 'https://accounts.example.test')


class StartupErrorsNameTheirFlag(unittest.TestCase):

    def test_each_error_names_its_flag(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, 'e.db')
            with serving(tmp, '--listen', '127.0.0.1:0') as (busy, _):
                cases = (
                    (['--threads', '0'], 129, '--threads'),
                    (['--threads'], 129, '--threads needs a value'),
                    (['--max-connections', 'x'], 129, '--max-connections'),
                    (['--login-limit-addr', '0'], 129, '--login-limit-addr'),
                    (['--dc', 'xx'], 129, '--dc'),
                    (['--log-level', 'loud'], 129, '--log-level'),
                    (['--listen', 'localhost:80'], 129, '--listen'),
                    (['--listen', '[::1'], 129, '--listen'),
                    (['--db', '/nonexistent/dir/x.db'], 1, '--db'),
                    (['--listen', '127.0.0.1:%d' % busy, '--db', db], 1,
                     '--listen 127.0.0.1:%d: cannot listen' % busy),
                    (['--listen', '192.0.2.1:0', '--db', db], 1,
                     '--listen 192.0.2.1:0: cannot listen'),
                    (['--listen', '127.0.0.1:0', '--db', db,
                      '--port-file', '/nonexistent/dir/port'], 1,
                     '--port-file /nonexistent/dir/port: cannot write'),
                )
                for args, rc, words in cases:
                    with self.subTest(args=args):
                        p = run(tmp, 'serve', *args)
                        self.assertEqual(p.returncode, rc, p.stderr)
                        self.assertIn(words, p.stderr)

    def test_admin_commands_name_db(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = run(tmp, 'migrate', '--db', '/nonexistent/dir/x.db')
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn('catalystd: --db /nonexistent/dir/x.db: cannot '
                          'open the store', p.stderr)

    def test_usage_names_the_default_config_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = run(tmp, 'serve', '--help')
            self.assertEqual(p.returncode, 0)
            self.assertIn('/etc/catalystd/catalystd.conf', p.stdout)


if __name__ == '__main__':
    unittest.main()
