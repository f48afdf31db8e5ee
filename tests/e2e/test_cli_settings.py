"""End-to-end tests of the CLI's settings and credential inputs against a
real catalystd (issue 9, items 4-7):

- `catalyst config get|list|set|unset` round trips; config.json checked on
  load (an unknown key or a wrong type names the file and the key, stops
  the command before any request and leaves the file as it was);
- `--token-file PATH` and `--token -` (stdin) instead of a token in argv;
- `login` without a terminal, over SSH or without a display picks the
  device flow and says why; `--web` forces the browser flow;
- `whoami` asks the server: a sign-in or token revoked there is exit 4.
"""

import json
import os
import stat
import subprocess
import time
import unittest
import urllib.parse

import cli_run
import harness as h
from e2e_util import Device, TOKEN_RX, device_flow, silent_server
from test_cli import CliCase


def run_stdin(dev, stdin, *args, env=None, timeout=60):
    """Runs catalyst on dev with stdin as its standard input (text)."""
    return subprocess.run([h.CATALYST] + [str(a) for a in args],
                          env=cli_run.merge_env(dev.env, env), cwd=dev.cwd,
                          input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


class ConfigTest(CliCase):
    """config get|list|set|unset, and the check of config.json on load."""

    def settings_path(self, dev):
        return os.path.join(dev.config_dir, 'config.json')

    def test_round_trip(self):
        dev = self.device('config-rt')
        r = dev.run('config', 'list')
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn('servers.us=' + self.srv.url, lines)
        self.assertIn('clients.device.id=' + self.demo.device_id, lines)
        # a secret is shown masked, never whole
        self.assertNotIn(self.demo.device_secret, r.stdout)
        self.assertTrue(any(l.startswith('clients.device.secret=')
                            for l in lines))

        self.assertEqual(dev.run('config', 'set', 'dc', 'eu').returncode, 0)
        r = dev.run('config', 'get', 'dc')
        self.assertEqual((r.returncode, r.stdout), (0, 'eu\n'), r.stderr)
        # an alias is stored as the DC's code
        self.assertEqual(dev.run('config', 'set', 'dc', 'uae').returncode, 0)
        self.assertEqual(dev.run('config', 'get', 'dc').stdout, 'ae\n')
        r = dev.run('config', 'get', 'dc', '--json')
        self.assertEqual(json.loads(r.stdout), {'key': 'dc', 'value': 'ae'})

        r = dev.run('config', 'set', 'http_timeout', '7')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = dev.run('config', 'set', 'servers.eu', 'https://eu.example')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = dev.run('config', 'list', '--json')
        self.assertEqual(r.returncode, 0, r.stderr)
        js = json.loads(r.stdout)['settings']
        self.assertEqual(js['http_timeout'], 7)          # a number
        self.assertEqual(js['servers.eu'], 'https://eu.example')
        self.assertEqual(js['dc'], 'ae')
        self.assertNotIn(self.demo.device_secret, r.stdout)

        # the file: nested objects, 0600, what the CLI reads
        with open(self.settings_path(dev)) as f:
            saved = json.load(f)
        self.assertEqual(saved['servers'], {'us': self.srv.url,
                                            'eu': 'https://eu.example'})
        self.assertEqual(saved['http_timeout'], 7)
        self.assertEqual(saved['clients']['device']['secret'],
                         self.demo.device_secret)
        self.assertEqual(stat.S_IMODE(os.stat(
            self.settings_path(dev)).st_mode), 0o600)

        r = dev.run('config', 'unset', 'dc')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = dev.run('config', 'get', 'dc')
        self.assertEqual(r.returncode, 1)
        self.assertIn('not set', r.stderr)
        self.assertEqual(r.stdout, '')
        r = dev.run('config', 'unset', 'dc')       # again: nothing to do
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('was not set', r.stderr)
        # the last server of a group gone: no empty object left behind
        dev.run('config', 'unset', 'servers.eu')
        self.assertEqual(dev.run('config', 'unset',
                                 'servers.us').returncode, 0)
        with open(self.settings_path(dev)) as f:
            self.assertNotIn('servers', json.load(f))
        leftovers = [f for f in os.listdir(dev.config_dir)
                     if f not in ('config.json', '.lock')]
        self.assertEqual(leftovers, [])

    def test_bad_arguments_change_nothing(self):
        dev = self.device('config-bad')
        before = read(self.settings_path(dev))
        for args, needle in (
                (('set', 'dc', 'mars'), 'data center'),
                (('set', 'http_timeout', '0'), 'seconds'),
                (('set', 'http_timeout', 'soon'), 'seconds'),
                (('set', 'servers.us', 'ftp://x'), 'http'),
                (('set', 'servers.xx', 'http://x'), "unknown key"),
                (('set', 'dcc', 'eu'), 'did you mean dc'),
                (('get', 'sever'), 'unknown key'),
                (('set', 'dc'), 'takes 2 arguments'),
                (('set', 'dc', 'eu', '--json'), '--json'),
                (('frob',), 'unknown sub-command')):
            with self.subTest(args=args):
                r = dev.run('config', *args)
                self.assertEqual(r.returncode, 129, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assertEqual(read(self.settings_path(dev)), before)

    def test_secret_from_stdin(self):
        dev = self.device('config-stdin')
        r = run_stdin(dev, 'catk_us_fromstdin0123\n', 'config', 'set',
                      'clients.browser.secret', '-')
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.settings_path(dev)) as f:
            self.assertEqual(json.load(f)['clients']['browser']['secret'],
                             'catk_us_fromstdin0123')
        r = dev.run('config', 'get', 'clients.browser.secret')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('fromstdin0123', r.stdout)
        r = run_stdin(dev, 'a\nb\n', 'config', 'set', 'clients.browser.id',
                      '-')
        self.assertEqual(r.returncode, 1)
        self.assertIn('more than one line', r.stderr)

    def test_parallel_sets_keep_every_key(self):
        dev = self.device('config-par')
        dcs = ['eu', 'in', 'au', 'ca', 'sa', 'jp', 'ae']
        procs = [dev.start('config', 'set', 'servers.' + dc,
                           'http://%s.example' % dc) for dc in dcs]
        self.assertEqual([p.wait(timeout=60) for p in procs],
                         [0] * len(dcs), [p.stderr for p in procs])
        with open(self.settings_path(dev)) as f:
            servers = json.load(f)['servers']
        for dc in dcs:
            self.assertEqual(servers[dc], 'http://%s.example' % dc)
        self.assertEqual(servers['us'], self.srv.url)

    def test_http_timeout_is_honoured(self):
        token = 'm_' + h.get_cli_tokens(self.srv, self.demo)['refresh_token']
        with silent_server() as silent:
            dev = Device(self.tmp, 'config-timeout', {'us': silent.url},
                         self.demo)
            self.assertEqual(dev.run('config', 'set', 'http_timeout',
                                     '2').returncode, 0)
            t0 = time.monotonic()
            r = dev.run('project:list', '--token', token, timeout=30)
            elapsed = time.monotonic() - t0
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('within 2 s', r.stderr)
        self.assertLess(elapsed, 10)
        # the variable still wins over the file
        r = dev.run('config', 'get', 'http_timeout',
                    env={'CATALYST_HTTP_TIMEOUT': '5'})
        self.assertEqual(r.stdout, '2\n')
        self.assertIn('CATALYST_HTTP_TIMEOUT', r.stderr)

    def invalid_file_refused(self, settings, key):
        """config.json holding settings: every command stops before any
        request with an error naming the file and key, and the file is
        left byte for byte as it was."""
        token = 'm_' + h.get_cli_tokens(self.srv, self.demo)['refresh_token']
        with silent_server() as listener:
            servers = settings.get('servers', {})
            if isinstance(servers, dict):    # the default server: a spy
                settings = dict(settings, servers=dict(
                    servers, us=servers.get('us', listener.url)))
            dev = Device(self.tmp, 'invalid-' + key.replace('.', '-'), {},
                         self.demo)
            dev.write_settings(settings)
            path = self.settings_path(dev)
            before = read(path)
            for args in (('project:list', '--token', token),
                         ('whoami', '--token', token),
                         ('login', '--no-localhost'),
                         ('token:list',),
                         ('config', 'list'),
                         ('config', 'get', 'dc'),
                         # an edit of another key leaves it invalid
                         ('config', 'set') + (
                             ('dc', 'eu') if key == 'http_timeout' else
                             ('http_timeout', '9'))):
                with self.subTest(args=args):
                    r = dev.run(*args, timeout=30)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn(path, r.stderr)
                    self.assertIn("'%s'" % key, r.stderr)
                    self.assertIn('hint:', r.stderr)
                    self.assertEqual(read(path), before)
            time.sleep(0.2)
            self.assertEqual(listener.conns, [])   # no request was made
        return dev

    def test_unknown_key_refused(self):
        dev = self.invalid_file_refused({'sever': {'us': 'http://x'}},
                                        'sever')
        # the hint's way out: unset the key, and the file loads again
        r = dev.run('config', 'unset', 'sever')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = dev.run('config', 'list')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_unknown_nested_key_refused(self):
        self.invalid_file_refused({'clients': {'device': {'id': 'x',
                                                          'secrte': 'y'}}},
                                  'clients.device.secrte')
        self.invalid_file_refused({'servers': {'mars': 'http://x'}},
                                  'servers.mars')

    def test_wrong_type_refused(self):
        dev = self.invalid_file_refused({'http_timeout': '30'},
                                        'http_timeout')
        r = dev.run('config', 'list')
        self.assertIn('must be a whole number of seconds', r.stderr)
        # set repairs it: the result is valid, so it is written
        r = dev.run('config', 'set', 'http_timeout', '30')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(dev.run('config', 'get', 'http_timeout').stdout,
                         '30\n')
        self.invalid_file_refused({'servers': 'http://x'}, 'servers')
        dev = self.invalid_file_refused({'dc': 5}, 'dc')
        self.assertEqual(dev.run('config', 'set', 'dc', 'eu').returncode, 0)
        self.assertEqual(dev.run('config', 'get', 'dc').stdout, 'eu\n')
        self.invalid_file_refused({'servers': {'eu': 8080}}, 'servers.eu')


class TokenInputTest(CliCase):
    """--token-file and --token -: the token never on the command line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = 'm_' + h.get_cli_tokens(cls.srv,
                                            cls.demo)['refresh_token']

    def token_file(self, dev, text, name='token'):
        path = os.path.join(dev.home, name)
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def test_token_file(self):
        dev = self.device('tf')
        for text in (self.token + '\n', self.token, self.token + '\r\n',
                     '  %s \n' % self.token):
            with self.subTest(text=repr(text[-3:])):
                path = self.token_file(dev, text)
                r = dev.run('project:list', '--token-file', path)
                self.assertEqual(r.returncode, 0, r.stderr)
        r = dev.run('whoami', '--json', '--token-file', path)
        self.assertEqual(r.returncode, 0, r.stderr)
        js = json.loads(r.stdout)
        self.assertEqual(js['email'], self.demo.email)
        self.assertEqual(js['source'], '--token-file')
        # --token-file=PATH works too, and it wins over CATALYST_TOKEN
        r = dev.run('whoami', '--json', '--token-file=' + path,
                    env={'CATALYST_TOKEN': 'junk'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('login', dev.state().get('dcs', {}).get('us', {}))

    def test_token_file_refused(self):
        dev = self.device('tf-bad')
        cases = (('', 'empty'),
                 ('\n\n', 'empty'),
                 (self.token + '\n' + self.token + '\n',
                  'more than one line'),
                 ('x' * 10000, 'too long'),
                 ('m_' + self.token[2:-1] + '\n', 'malformed'))
        for text, needle in cases:
            with self.subTest(needle=needle):
                path = self.token_file(dev, text)
                r = dev.run('project:list', '--token-file', path)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assertRegex(r.stderr, r'token[ -]file')
                self.assertNotIn(self.token[10:], r.stderr)
        missing = os.path.join(dev.home, 'no-such-file')
        r = dev.run('project:list', '--token-file', missing)
        self.assertEqual(r.returncode, 1)
        self.assertIn(missing, r.stderr)
        r = dev.run('project:list', '--token-file', path, '--token',
                    self.token)
        self.assertEqual(r.returncode, 129)
        self.assertIn('cannot be used together', r.stderr)
        self.assertEqual(dev.run('project:list', '--token-file').returncode,
                         129)

    def test_token_from_stdin(self):
        dev = self.device('stdin')
        r = run_stdin(dev, self.token + '\n', 'project:list', '--token', '-')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(l.split('\t')[0] for l in
                                r.stdout.splitlines()),
                         sorted(self.demo.project_names))
        r = run_stdin(dev, self.token, 'whoami', '--json', '--token=-')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['source'], '--token -')
        for stdin, needle in (('', 'empty'), ('\n', 'empty'),
                              ('%s\n%s\n' % (self.token, self.token),
                               'more than one line'),
                              ('y' * 100000, 'too long')):
            with self.subTest(needle=needle):
                r = run_stdin(dev, stdin, 'project:list', '--token', '-')
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assertIn('standard input', r.stderr)
                self.assertEqual(r.stdout, '')
        # on a terminal: asked for, read without echo, one line
        p = h.PtyProcess([h.CATALYST, 'whoami', '--token', '-'],
                         env=dev.env, cwd=dev.cwd)
        try:
            p.expect(r'Paste the token and press Enter: ', timeout=30)
            p.send(self.token + '\n')
            self.assertEqual(p.wait(30), 0, p.output)
        finally:
            p.kill()
        self.assertIn(self.demo.email, p.output)
        self.assertNotIn(self.token[10:], p.output)
        # stdin /dev/null: empty, never a wait
        r = dev.run('project:list', '--token', '-', timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn('empty', r.stderr)


class HeadlessLoginTest(CliCase):
    """login picks the device flow where the browser flow cannot work."""

    URL_RX = r'(http://127\.0\.0\.1:\d+/oauth/v2/auth\?\S+)\s'

    def pty_device_login(self, dev, env, *args):
        """login on a pty; approves the device code it shows; returns the
        output."""
        p = h.PtyProcess([h.CATALYST, 'login'] + list(args),
                         env=cli_run.merge_env(dev.env, env), cwd=dev.cwd)
        try:
            code = p.expect(cli_run.USER_CODE_RX, timeout=30).group(1)
            self.browser.approve(code)
            self.assertEqual(p.wait(30), 0, p.output)
        finally:
            p.kill()
        self.assertEqual(dev.state()['dcs']['us']['login']['flow'],
                         'device')
        return p.output

    def test_no_tty(self):
        dev = self.device('headless-pipe')
        r = device_flow(dev, self.browser, 'login')
        self.assertEqual(r.proc.returncode, 0, r.stderr)
        self.assertIn('Using the device flow: standard input is not a '
                      'terminal', r.stderr)
        self.assertEqual(dev.state()['dcs']['us']['login']['flow'],
                         'device')
        self.assertRegex(dev.state()['dcs']['us']['login']['token'],
                         TOKEN_RX)

    def test_ssh_session(self):
        dev = self.device('headless-ssh')
        # a display (X forwarding) does not help: the browser is elsewhere
        out = self.pty_device_login(dev, {
            'SSH_CONNECTION': '10.0.0.2 50000 10.0.0.1 22',
            'DISPLAY': 'localhost:10.0', 'BROWSER': 'true'})
        self.assertIn('Using the device flow: this is an SSH session '
                      '(SSH_CONNECTION is set)', out)
        self.assertNotIn('/oauth/v2/auth', out)
        dev2 = self.device('headless-ssh-tty')
        out = self.pty_device_login(dev2, {'SSH_TTY': '/dev/pts/3',
                                           'BROWSER': 'true'})
        self.assertIn('SSH_TTY is set', out)

    def test_no_display(self):
        dev = self.device('headless-nodisplay')
        out = self.pty_device_login(dev, {})
        self.assertIn('Using the device flow: there is no display', out)
        # --no-localhost: the device flow, nothing to explain
        dev2 = self.device('headless-forced')
        out = self.pty_device_login(dev2, {'BROWSER': 'true'},
                                    '--no-localhost')
        self.assertNotIn('Using the device flow', out)

    def test_web_forces_browser(self):
        dev = self.device('headless-web')
        p = h.PtyProcess([h.CATALYST, 'login', '--web'],
                         env=cli_run.merge_env(dev.env, {
                             'SSH_CONNECTION': '10.0.0.2 5 10.0.0.1 22'}),
                         cwd=dev.cwd)
        try:
            url = p.expect(self.URL_RX, timeout=30).group(1)
            q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
            loc = self.browser.consent(url)
            self.assertTrue(loc.startswith(q['redirect_uri']))
            st, _, _ = h.http('GET', loc)
            self.assertEqual(st, 200)
            self.assertEqual(p.wait(30), 0, p.output)
        finally:
            p.kill()
        self.assertNotIn('Using the device flow', p.output)
        self.assertEqual(dev.state()['dcs']['us']['login']['flow'],
                         'browser')
        r = dev.run('login', '--web', '--no-localhost', '--force')
        self.assertEqual(r.returncode, 129)
        self.assertIn('cannot be used together', r.stderr)


class WhoamiTest(CliCase):
    """whoami asks the server: revoked there means revoked here."""

    def revoke(self, cli_token):
        st, _, body = h.http('POST', self.srv.url + '/oauth/v2/token/revoke',
                             data={'token': cli_token[2:],
                                   'token_type_hint': 'refresh_token'})
        self.assertEqual(st, 200, body)

    def test_sign_in_revoked_on_server(self):
        dev = self.device('who-revoked')
        self.login(dev)
        r = dev.run('whoami')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.demo.email, r.stdout)
        r = dev.run('whoami', '--json')
        self.assertEqual(json.loads(r.stdout)['source'], 'sign-in')
        # revoked on the server; the local state still holds the sign-in
        # and a cached access token of it
        self.revoke(dev.state()['dcs']['us']['login']['token'])
        self.assertIn('login', dev.state()['dcs']['us'])
        self.assertTrue(dev.state().get('cache'))
        for args in (('whoami',), ('whoami', '--json')):
            with self.subTest(args=args):
                r = dev.run(*args)
                self.assertEqual(r.returncode, 4, r.stderr)
                self.assertEqual(r.stdout, '')
                self.assertIn('revoked', r.stderr)
                self.assertIn('sign-in of this device', r.stderr)
                self.assertIn("hint: run 'catalyst login --dc us --force'",
                              r.stderr)

    def test_token_revoked_on_server(self):
        token = 'm_' + h.get_cli_tokens(self.srv, self.demo)['refresh_token']
        dev = self.device('who-token')
        r = dev.run('whoami', env={'CATALYST_TOKEN': token})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.revoke(token)
        r = dev.run('whoami', env={'CATALYST_TOKEN': token})
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn('revoked', r.stderr)
        self.assertIn('CATALYST_TOKEN', r.stderr)

    def test_server_does_not_answer(self):
        dev = self.device('who-silent')
        self.login(dev)
        with silent_server() as silent:
            self.assertEqual(dev.run('config', 'set', 'servers.us',
                                     silent.url).returncode, 0)
            st = dev.state()
            st.pop('cache', None)         # the refresh has to go out
            dev.write_state(st)
            t0 = time.monotonic()
            r = dev.run('whoami', env={'CATALYST_HTTP_TIMEOUT': '2'},
                        timeout=30)
            elapsed = time.monotonic() - t0
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('no answer from %s within 2 s' % silent.url, r.stderr)
        self.assertLess(elapsed, 10)
        self.assertEqual(r.stdout, '')
        dev.run('config', 'set', 'servers.us', 'http://127.0.0.1:9')
        r = dev.run('whoami', timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('cannot connect', r.stderr)


if __name__ == '__main__':
    unittest.main()
