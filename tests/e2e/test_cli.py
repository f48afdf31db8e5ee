"""End-to-end tests of `catalyst` against a real catalystd.

Separate HOME directories stand for separate devices: device A signs in and
generates a token; device B never signs in and uses the token. Browser
approvals go over HTTP through harness.Browser, exactly as a person's
browser would post the forms.
"""

import json
import os
import re
import signal
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import harness as h
from e2e_util import Device, TOKEN_RX, device_flow, silent_server


def tsv_rows(text):
    return [line.split('\t') for line in text.splitlines() if line]


class CliCase(unittest.TestCase):
    """A server (device polling interval 1 s) and its demo account."""

    server_args = {}

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='cat-e2e-')
        cls.tmp = cls._tmp.name
        cls.srv = h.Server(cls.tmp, device_interval=1, **cls.server_args)
        cls.srv.start()
        cls.demo = h.setup_demo(cls.srv)
        cls.browser = h.Browser(cls.srv.url, cls.demo.email,
                                cls.demo.password)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls._tmp.cleanup()

    def device(self, name, **kw):
        return Device(self.tmp, name, {'us': self.srv.url}, self.demo, **kw)

    def login(self, dev):
        r = device_flow(dev, self.browser, 'login', '--no-localhost')
        self.assertEqual(r.proc.returncode, 0, r.stderr)
        return r

    def generate(self, dev):
        r = device_flow(dev, self.browser, 'token:generate')
        self.assertEqual(r.proc.returncode, 0, r.stderr)
        token = r.stdout.strip()
        self.assertRegex(token, TOKEN_RX)
        return token, r


class TestStory(CliCase):
    """The seed's story in order: sign in on A, generate, use on B, list on
    both, revoke refused on B and done on A, the revoked token refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = Device(cls.tmp, 'device-a', {'us': cls.srv.url}, cls.demo)
        cls.b = Device(cls.tmp, 'device-b', {'us': cls.srv.url}, cls.demo)
        cls.token = None
        cls.token_id = None

    def test_01_login_no_localhost(self):
        r = self.a.start('login', '--no-localhost')
        code = r.user_code()
        self.assertIn('/device', r.stderr)
        self.browser.approve(code)
        self.assertEqual(r.wait(), 0, r.stderr)
        self.assertEqual(r.stdout, '')
        self.assertIn(self.demo.email, r.stderr)
        st = os.stat(self.a.state_path)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.a.config_dir).st_mode),
                         0o700)
        login = self.a.state()['dcs']['us']['login']
        self.assertRegex(login['token'], TOKEN_RX)
        self.assertTrue(login['token'].startswith('m_'))
        who = self.a.run('whoami')
        self.assertEqual(who.returncode, 0, who.stderr)
        self.assertIn(self.demo.email, who.stdout)
        again = self.a.run('login', '--no-localhost')
        self.assertEqual(again.returncode, 0)
        self.assertIn('Already signed in', again.stderr)

    def test_02_generate(self):
        token, r = self.generate(self.a)
        self.assertEqual(r.stdout, token + '\n')   # the token alone
        self.assertNotIn(token, r.stderr)
        tokens = self.a.state()['dcs']['us']['tokens']
        self.assertEqual(len(tokens), 1)
        (tid, entry), = tokens.items()
        self.assertRegex(tid, r'^[0-9a-f]{12}$')
        self.assertEqual(entry['token'], token)
        self.assertEqual(entry['device_name'], 'device-a')
        type(self).token, type(self).token_id = token, tid

    def test_03_list_on_a(self):
        r = self.a.run('token:list')
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {row[0]: row for row in tsv_rows(r.stdout)}
        self.assertIn(self.token_id, rows)
        row = rows[self.token_id]
        self.assertEqual(row[7], 'device-a')
        self.assertEqual(row[8], 'us')
        self.assertEqual(row[9], 'yes')
        self.assertNotIn(self.token, r.stdout)       # masked only
        self.assertTrue(self.token.startswith(row[10].rstrip('.')))
        js = json.loads(self.a.run('token:list', '--json').stdout)
        mine = [t for t in js['tokens'] if t['token_id'] == self.token_id]
        self.assertTrue(mine[0]['revocable_here'])
        # the sign-in's own grant is listed as this device's session
        self.assertIn('logout', [row[9] for row in rows.values()])

    def test_04_list_on_b_with_token(self):
        r = self.b.run('token:list', '--token', self.token)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {row[0]: row for row in tsv_rows(r.stdout)}
        self.assertEqual(rows[self.token_id][9], 'no')
        self.assertNotIn(self.token, r.stdout)
        # CATALYST_TOKEN works the same; B still has no sign-in
        r = self.b.run('token:list', env={'CATALYST_TOKEN': self.token})
        self.assertEqual(r.returncode, 0, r.stderr)
        # with the whitespace a file, a heredoc or a paste leaves around it
        # (issue 7, finding 10: a trailing newline made it "malformed")
        r = self.b.run('token:list',
                       env={'CATALYST_TOKEN': self.token + '\n'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.token_id, r.stdout)
        r = self.b.run('token:list', '--token', ' \t%s\r\n' % self.token)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.token_id, r.stdout)
        self.assertNotIn('login', self.b.state().get('dcs', {}).get('us', {}))

    def test_05_project_list_with_token_on_b(self):
        r = self.b.run('project:list', '--token', self.token)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [row[0] for row in tsv_rows(r.stdout)]
        self.assertEqual(sorted(names), sorted(self.demo.project_names))
        # the access token is cached (0600) and reused: no refresh needed
        cache = self.b.state()['cache']
        self.assertEqual(len(cache), 1)
        self.assertNotIn(self.token[2:], json.dumps(self.b.state()))
        self.assertEqual(stat.S_IMODE(os.stat(self.b.state_path).st_mode),
                         0o600)

    def test_06_revoke_refused_on_b(self):
        r = self.b.run('token:revoke', self.token_id, '--token', self.token)
        self.assertEqual(r.returncode, 1)
        self.assertIn('another device', r.stderr)
        self.assertIn('device-a', r.stderr)
        self.assertIn('hint:', r.stderr)
        # the way out for a lost device: the account page of its server
        self.assertIn(self.srv.url + '/account', r.stderr)
        # without any credential it still refuses clearly
        r = self.b.run('token:revoke', self.token_id)
        self.assertEqual(r.returncode, 1)
        self.assertIn('not generated on this device', r.stderr)
        # and the token still works
        self.assertEqual(self.b.run('project:list', '--token',
                                    self.token).returncode, 0)

    def test_07_revoke_on_a(self):
        r = self.a.run('token:revoke', self.token_id, '--yes')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.a.state()['dcs']['us']['tokens'], {})
        ids = [row[0] for row in tsv_rows(self.a.run('token:list').stdout)]
        self.assertNotIn(self.token_id, ids)

    def test_08_revoked_token_refused(self):
        # B still holds a cached access token of the revoked grant
        r = self.b.run('project:list', '--token', self.token)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn('refused', r.stderr)
        self.assertEqual(r.stdout, '')
        r = self.b.run('token:list', env={'CATALYST_TOKEN': self.token})
        self.assertEqual(r.returncode, 4)

    def test_09_current(self):
        r = self.a.run('token:generate', '--current')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(),
                         self.a.state()['dcs']['us']['login']['token'])
        r = self.b.run('token:generate', '--current')
        self.assertEqual(r.returncode, 4)
        self.assertIn('catalyst login', r.stderr)
        # a token cannot stand in for the sign-in of token:generate
        r = self.b.run('token:generate', env={
            'CATALYST_TOKEN': self.a.state()['dcs']['us']['login']['token']})
        self.assertEqual(r.returncode, 4)

    def test_10_stale_cache_refreshes_once(self):
        st = self.a.state()
        for entry in st['cache'].values():
            entry['access_token'] = 'cata_us_' + 'A' * 38   # not a live token
        self.a.write_state(st)
        r = self.a.run('token:list', '--verbose')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('refreshing once', r.stderr)
        self.assertNotIn('A' * 38, json.dumps(self.a.state()))

    def test_11_logout(self):
        login_token = self.a.state()['dcs']['us']['login']['token']
        r = self.a.run('logout')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('login', self.a.state()['dcs']['us'])
        r = self.b.run('whoami', '--token', login_token)
        self.assertEqual(r.returncode, 4)
        r = self.a.run('token:list')
        self.assertEqual(r.returncode, 4)
        self.assertIn('not signed in', r.stderr)


class TestRotate(CliCase):
    """token:rotate: on the generating device only; a new token for the
    same ID, the old one refused at once or after --grace."""

    def ids(self, dev, token):
        r = dev.run('token:list', '--token', token)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [row[0] for row in tsv_rows(r.stdout)]

    def test_rotate(self):
        a, b = self.device('rot-a'), self.device('rot-b')
        self.login(a)
        old, _ = self.generate(a)
        (tid, entry), = a.state()['dcs']['us']['tokens'].items()
        self.assertIn(tid, self.ids(b, old))
        # another device: refused like token:revoke, naming the device
        r = b.run('token:rotate', tid, '--token', old)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('another device', r.stderr)
        self.assertIn('rot-a', r.stderr)
        self.assertIn('token:rotate', r.stderr)
        r = b.run('token:rotate', tid)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('not generated on this device', r.stderr)
        # this device's sign-in is not a generated token
        login_id = a.state()['dcs']['us']['login']['token_id']
        r = a.run('token:rotate', login_id)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('sign-in', r.stderr)

        r = a.run('token:rotate', tid)
        self.assertEqual(r.returncode, 0, r.stderr)
        new = r.stdout.strip()
        self.assertEqual(r.stdout, new + '\n')   # the token alone
        self.assertRegex(new, TOKEN_RX)
        self.assertNotEqual(new, old)
        self.assertNotIn(new, r.stderr)
        self.assertIn(tid, r.stderr)
        # the local store holds the new token under the same ID
        entry2 = a.state()['dcs']['us']['tokens'][tid]
        self.assertEqual(entry2['token'], new)
        self.assertEqual(entry2['created_at'], entry['created_at'])
        # the new token works on a fresh device and lists the same ID;
        # the old one is refused at once
        self.assertIn(tid, self.ids(self.device('rot-c'), new))
        r = self.device('rot-d').run('project:list', '--token', old)
        self.assertEqual(r.returncode, 4, r.stderr)
        rows = {row[0]: row for row in
                tsv_rows(a.run('token:list').stdout)}
        self.assertEqual(rows[tid][9], 'yes')
        # rotating again from the new token, with a grace
        r = a.run('token:rotate', tid, '--grace', '1h')
        self.assertEqual(r.returncode, 0, r.stderr)
        newer = r.stdout.strip()
        self.assertRegex(newer, TOKEN_RX)
        self.assertIn(tid, self.ids(self.device('rot-e'), new))
        self.assertIn(tid, self.ids(self.device('rot-f'), newer))
        # and it is still revocable here
        r = a.run('token:revoke', tid, '--yes')
        self.assertEqual(r.returncode, 0, r.stderr)
        for t in (new, newer):
            r = self.device('rot-g').run('token:list', '--token', t)
            self.assertEqual(r.returncode, 4, r.stderr)

    def test_grace_usage(self):
        dev = self.device('rot-usage')
        for bad in ('8d', '2w', '1y', 'abc', '-1', '', '10x', '604801'):
            r = dev.run('token:rotate', '0a1b2c3d4e5f', '--grace', bad)
            self.assertEqual(r.returncode, 129, (bad, r.stderr))
        self.assertEqual(dev.run('token:rotate').returncode, 129)


class TestBrowserLogin(CliCase):
    """`login` on a terminal: PKCE to a loopback listener; the test plays
    the browser (consent over HTTP, then the redirect to 127.0.0.1)."""

    URL_RX = r'(http://127\.0\.0\.1:\d+/oauth/v2/auth\?\S+)\s'

    def start_login(self, dev, *args):
        # no display in the test environment: --web forces the browser flow
        p = h.PtyProcess([h.CATALYST, 'login'] + list(args or ['--web']),
                         env=dev.env, cwd=dev.cwd)
        url = p.expect(self.URL_RX, timeout=30).group(1)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(q['code_challenge_method'], 'S256')
        self.assertEqual(len(q['code_challenge']), 43)
        self.assertTrue(q['redirect_uri'].startswith('http://127.0.0.1:'))
        self.assertIn('ZohoCatalyst.projects.ALL', q['scope'])
        return p, url, q

    def test_browser_login(self):
        dev = self.device('laptop')
        p, url, q = self.start_login(dev)
        loc = self.browser.consent(url)
        self.assertTrue(loc.startswith(q['redirect_uri']))
        st, _, body = h.http('GET', loc)
        self.assertEqual(st, 200)
        self.assertIn('Signed in', body)
        self.assertEqual(p.wait(30), 0, p.output)
        self.assertIn(self.demo.email, p.output)
        self.assertIn('waiting for the browser', p.output)  # live indicator
        login = dev.state()['dcs']['us']['login']
        self.assertTrue(login['token'].startswith('w_'))
        self.assertEqual(login['flow'], 'browser')
        # on a terminal token:list is a table with a header
        t = h.PtyProcess([h.CATALYST, 'token:list'], env=dev.env)
        self.assertEqual(t.wait(30), 0, t.output)
        self.assertRegex(t.output, r'ID +NAME +CREATED +LAST USED +FROM +EXPIRES +SCOPE +DEVICE +DC')
        self.assertIn('logout', t.output)

    def test_wrong_state_and_deny(self):
        dev = self.device('laptop2')
        p, url, q = self.start_login(dev)
        st, _, _ = h.http('GET', q['redirect_uri'] + '/?code=x&state=forged')
        self.assertEqual(st, 400)
        self.assertEqual(p.wait(30), 1)
        self.assertIn('wrong state', p.output)
        self.assertFalse(os.path.exists(dev.state_path))

        p, url, q = self.start_login(dev)
        loc = self.browser.consent(url, action='deny')
        self.assertIn('error=access_denied', loc)
        h.http('GET', loc)
        self.assertEqual(p.wait(30), 1)
        self.assertIn('denied', p.output)


class TestFailures(CliCase):
    """Denied codes, offline checks, Ctrl-C, prompts refused without a TTY."""

    def test_denied(self):
        dev = self.device('denier')
        r = device_flow(dev, self.browser, 'login', '--no-localhost',
                        action='deny')
        self.assertEqual(r.proc.returncode, 1)
        self.assertIn('denied', r.stderr)
        self.assertIn('hint:', r.stderr)
        self.assertFalse(os.path.exists(dev.state_path))

    def test_login_force_revokes_previous(self):
        dev = self.device('twice')
        self.login(dev)
        first = dev.state()['dcs']['us']['login']['token']
        r = device_flow(dev, self.browser, 'login', '--no-localhost',
                        '--force')
        self.assertEqual(r.proc.returncode, 0, r.stderr)
        second = dev.state()['dcs']['us']['login']['token']
        self.assertNotEqual(first, second)
        other = self.device('elsewhere')
        self.assertEqual(other.run('whoami', '--token', first).returncode, 4)
        r = other.run('whoami', '--token', second, '--json')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['email'], self.demo.email)

    def test_malformed_token_checked_offline(self):
        with silent_server() as silent:
            dev = Device(self.tmp, 'offline', {'us': silent.url}, self.demo)
            good = h.get_cli_tokens(self.srv, self.demo)['refresh_token']
            bad = list('m_' + good)
            bad[15] = 'b' if bad[15] == 'a' else 'a'
            t0 = time.monotonic()
            r = dev.run('project:list', '--token', ''.join(bad))
            self.assertLess(time.monotonic() - t0, 2)   # no request made
        self.assertEqual(r.returncode, 1)
        self.assertIn('malformed', r.stderr)
        self.assertIn('checksum', r.stderr)
        self.assertNotIn(''.join(bad), r.stderr)
        r = dev.run('project:list', '--token', 'hello')
        self.assertEqual(r.returncode, 1)
        self.assertIn('m_ or w_', r.stderr)

    def test_ctrl_c_cancels_wait(self):
        dev = self.device('impatient')
        r = dev.start('login', '--no-localhost')
        r.user_code()
        t0 = time.monotonic()
        r.signal(signal.SIGINT)
        self.assertEqual(r.wait(timeout=10), 2)
        self.assertLess(time.monotonic() - t0, 3)
        self.assertIn('cancelled', r.stderr)

    def test_no_prompt_without_tty(self):
        dev = self.device('ci')
        self.login(dev)
        r = dev.run('project:use')
        self.assertEqual(r.returncode, 129, r.stderr)
        self.assertIn('project:use <name|id>', r.stderr)
        r = dev.run('init', env={'CI': 'true'})
        self.assertEqual(r.returncode, 129, r.stderr)
        self.assertIn('-p <name|id>', r.stderr)
        self.assertIn('CI', r.stderr)

    def test_usage_and_version(self):
        dev = self.device('usage')
        r = dev.run('--version')
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r'^catalyst \d+\.\d+\.\d+\n$')
        self.assertEqual(dev.run('token:revoke').returncode, 129)
        self.assertEqual(dev.run('nope').returncode, 129)
        self.assertEqual(dev.run('whoami', '--current').returncode, 129)
        r = dev.run('token:generate', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--current', r.stdout)
        self.assertEqual(dev.run('token:list').returncode, 4)

    def test_corrupt_state_named(self):
        dev = self.device('corrupt')
        os.makedirs(dev.config_dir, exist_ok=True)
        with open(dev.state_path, 'w') as f:
            f.write('{"dcs": {')
        r = dev.run('token:list')
        self.assertEqual(r.returncode, 1)
        self.assertIn(dev.state_path, r.stderr)
        self.assertIn('corrupt', r.stderr)
        self.assertIn('hint:', r.stderr)


class TestProjects(CliCase):
    """project:use / project:list / project:reset / init, with a token."""

    def test_project_commands(self):
        dev = self.device('projects')
        token = 'm_' + h.get_cli_tokens(self.srv, self.demo)['refresh_token']
        env = {'CATALYST_TOKEN': token}
        proj = os.path.join(dev.home, 'proj')
        sub = os.path.join(proj, 'sub')
        os.makedirs(sub)
        r = dev.run('init', '-p', 'alpha', env=env, cwd=proj)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(proj, 'catalyst.json')) as f:
            self.assertEqual(f.read(), '{}\n')
        with open(os.path.join(proj, '.catalystrc')) as f:
            text = f.read()
        self.assertTrue(text.startswith('{\n  "defaults": {'))
        self.assertTrue(text.endswith('}\n'))
        rc = json.loads(text)
        self.assertEqual(rc['projects'][0]['name'], 'alpha')
        self.assertEqual(rc['projects'][0]['env'][0]['id'], self.demo.org_id)
        # from a subdirectory: the root is where catalyst.json is
        r = dev.run('project:use', 'beta', env=env, cwd=sub)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(sub, '.catalystrc')))
        r = dev.run('project:list', env=env, cwd=sub)
        self.assertEqual(r.returncode, 0, r.stderr)
        state = {row[0]: row[3] for row in tsv_rows(r.stdout)}
        self.assertEqual(state['beta'], 'active')
        self.assertEqual(state['alpha'], 'default')
        r = dev.run('project:reset', cwd=sub)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = dev.run('project:list', '--json', env=env, cwd=proj)
        active = [p['project_name']
                  for p in json.loads(r.stdout)['projects'] if p['active']]
        self.assertEqual(active, ['alpha'])
        r = dev.run('project:use', 'gamma', env=env, cwd=proj)
        self.assertEqual(r.returncode, 1)
        self.assertIn('alpha', r.stderr)       # the hint lists the names
        r = dev.run('project:list', '--org', '99999999', env=env, cwd=proj)
        self.assertEqual(r.returncode, 1)
        self.assertIn('99999999', r.stderr)
        r = dev.run('project:reset', cwd=dev.home)
        self.assertEqual(r.returncode, 1)


class TestExpiry(CliCase):
    """A device code that nobody approves expires (server --device-ttl 3)."""

    server_args = {'device_ttl': 3}

    def test_expired_code(self):
        dev = self.device('slow')
        t0 = time.monotonic()
        r = dev.run('login', '--no-localhost', timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('expired', r.stderr)
        self.assertIn('hint:', r.stderr)
        self.assertLess(time.monotonic() - t0, 15)


class TestNetwork(CliCase):
    """A server that stops answering; another DC's server."""

    def test_timeout(self):
        token = 'm_' + h.get_cli_tokens(self.srv, self.demo)['refresh_token']
        with silent_server() as silent:
            dev = Device(self.tmp, 'stuck', {'us': silent.url}, self.demo)
            t0 = time.monotonic()
            r = dev.run('project:list', '--token', token,
                        env={'CATALYST_HTTP_TIMEOUT': '2'}, timeout=30)
            elapsed = time.monotonic() - t0
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no answer', r.stderr)
        self.assertIn('within 2 s', r.stderr)
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 10)

    def test_connection_refused(self):
        dev = Device(self.tmp, 'refused', {'us': 'http://127.0.0.1:9'},
                     self.demo)
        r = dev.run('login', '--no-localhost')
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot connect', r.stderr)

    def test_token_of_other_dc(self):
        token = 'm_' + h.get_cli_tokens(self.srv, self.demo)['refresh_token']
        with h.Server(self.tmp, dc='eu', name='eu') as eu:
            # one client pair for every DC, as the reference CLI has
            h.admin(eu, 'client', 'add', '--name', 'cli', '--kind', 'device',
                    '--id', self.demo.device_id, '--secret-stdin', '--dc',
                    'eu', stdin=self.demo.device_secret + '\n')
            # routed by its own DC, the us token goes to the us server ...
            dev = Device(self.tmp, 'two-dcs',
                         {'us': self.srv.url, 'eu': eu.url}, self.demo)
            r = dev.run('project:list', '--token', token, '--dc', 'eu')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('belongs to data center us', r.stderr)
            # ... and forced to the eu server it is refused, naming both
            r = dev.run('project:list', '--token', token,
                        env={'CATALYST_AUTH_URL': eu.url,
                             'CATALYST_ADMIN_URL': eu.url})
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn('eu', r.stderr)
            self.assertIn('us', r.stderr)
            self.assertIn('hint: the token belongs to data center us',
                          r.stderr)


class TestParallel(CliCase):
    """Twenty token:list runs at once, each refreshing and writing the
    access-token cache, leave a valid state file."""

    def test_parallel_token_list(self):
        dev = self.device('busy')
        self.login(dev)
        self.generate(dev)
        before = dev.state()
        st = dict(before)
        st.pop('cache', None)          # every run has to refresh and write
        dev.write_state(st)
        procs = [dev.start('token:list') for _ in range(20)]
        codes = [p.wait(timeout=120) for p in procs]
        self.assertEqual(codes, [0] * 20, [p.stderr for p in procs])
        after = dev.state()
        self.assertEqual(after['dcs'], before['dcs'])
        self.assertEqual(len(after['cache']), 1)
        leftovers = [f for f in os.listdir(dev.config_dir)
                     if f not in ('config.json', 'credentials.json', '.lock')]
        self.assertEqual(leftovers, [])
        self.assertEqual(stat.S_IMODE(os.stat(dev.state_path).st_mode),
                         0o600)


if __name__ == '__main__':
    unittest.main()
