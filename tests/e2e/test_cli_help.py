"""The CLI as a person meets it: help for every command, "did you mean",
`catalyst version`, the confirmation of token:revoke (on a pty, without a
terminal, in CI), plain output under NO_COLOR and TERM=dumb, and the
completion scripts loaded by bash (zsh and fish too where installed).

The command list always comes from the binary (`catalyst __complete
commands`), so a new command is checked without touching this file.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

import harness as h
from e2e_util import Device, TOKEN_RX, device_flow

CLI_DIR = os.path.dirname(os.path.abspath(h.CATALYST))


def commands():
    out = subprocess.run([h.CATALYST, '__complete', 'commands'],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def section(text, title):
    """The indented lines under `title:` in a help text."""
    m = re.search(r'^%s:\n((?:  .*\n|\n(?=  ))*)' % re.escape(title), text,
                  re.M)
    return m.group(1) if m else ''


class HelpTest(unittest.TestCase):
    """No server: everything here is decided before any request."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='cat-help-')
        self.addCleanup(self._tmp.cleanup)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(('CATALYST_', 'ZC_'))}
        self.env.update({'HOME': self._tmp.name, 'NO_PROXY': '*'})
        self.env.pop('CI', None)
        self.env.pop('XDG_CONFIG_HOME', None)

    def run_cli(self, *args, env=None):
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([h.CATALYST] + list(args), env=e,
                              cwd=self._tmp.name, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30)

    def test_every_command_has_examples_environment_and_exit_status(self):
        names = commands()
        self.assertIn('token:revoke', names)
        self.assertNotIn('__complete', names)  # hidden
        listing = self.run_cli('help')
        self.assertEqual(listing.returncode, 0, listing.stderr)
        for name in names:
            with self.subTest(command=name):
                self.assertRegex(listing.stdout, r'\n  %s ' % re.escape(name))
                r = self.run_cli('help', name)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, '')
                # the same text as <command> --help
                self.assertEqual(self.run_cli(name, '--help').stdout,
                                 r.stdout)
                self.assertTrue(r.stdout.startswith(
                    'usage: catalyst %s' % name), r.stdout)
                examples = section(r.stdout, 'examples')
                self.assertRegex(examples, r'  \$ .*catalyst %s\b'
                                 % re.escape(name))
                self.assertRegex(examples, r'  # \S')
                env = section(r.stdout, 'environment')
                self.assertTrue(env.strip(), r.stdout)
                exits = section(r.stdout, 'exit status')
                self.assertRegex(exits, r'^  0 +success', r.stdout)
                for line in r.stdout.splitlines():
                    self.assertLessEqual(len(line), 79, line)
        # the variables each command reads, as documented
        revoke = self.run_cli('help', 'token:revoke').stdout
        for var in ('CATALYST_TOKEN', 'CATALYST_CONFIG_DIR', 'CI'):
            self.assertRegex(section(revoke, 'environment'),
                             r'\n?  %s ' % var)
        self.assertRegex(section(revoke, 'exit status'),
                         r'  2 +cancelled')
        self.assertRegex(section(revoke, 'exit status'), r'  129 +usage')
        self.assertIn('  -y, --yes ', section(revoke, 'options'))
        login = self.run_cli('help', 'login').stdout
        self.assertIn('NO_COLOR', section(login, 'environment'))
        self.assertIn('BROWSER', section(login, 'environment'))

    def test_unknown_command_suggests_the_closest(self):
        r = self.run_cli('token:lst')
        self.assertEqual(r.returncode, 129)
        self.assertIn("unknown command 'token:lst'", r.stderr)
        self.assertIn('did you mean token:list?', r.stderr)
        r = self.run_cli('help', 'whoam')
        self.assertEqual(r.returncode, 129)
        self.assertIn('did you mean whoami?', r.stderr)
        r = self.run_cli('frobnicate')
        self.assertEqual(r.returncode, 129)
        self.assertNotIn('did you mean', r.stderr)
        self.assertIn("see 'catalyst help'", r.stderr)
        self.assertEqual(r.stdout, '')

    def test_unknown_option_suggests_the_closest(self):
        r = self.run_cli('token:list', '--jsn')
        self.assertEqual(r.returncode, 129)
        self.assertIn("unknown option '--jsn'", r.stderr)
        self.assertIn('did you mean --json?', r.stderr)
        r = self.run_cli('--yse', 'token:revoke', '0a1b2c3d4e5f')
        self.assertEqual(r.returncode, 129)
        self.assertIn('did you mean --yes?', r.stderr)
        r = self.run_cli('completion', 'bsh')
        self.assertEqual(r.returncode, 129)
        self.assertIn('did you mean bash?', r.stderr)

    def test_version_command_is_version_flag(self):
        a = self.run_cli('version')
        b = self.run_cli('--version')
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertRegex(a.stdout, r'^catalyst \d+\.\d+\.\d+\n$')
        self.assertEqual(a.stdout, b.stdout)
        self.assertEqual(a.stderr, '')
        # no file access: no config directory appears
        self.assertFalse(os.path.exists(os.path.join(self._tmp.name,
                                                     '.config')))


def write_state(home, ids):
    d = os.path.join(home, '.config', 'catalyst')
    os.makedirs(d, mode=0o700, exist_ok=True)
    tokens = {i: {'token': 'm_catr_us_' + 'A' * 38,
                  'created_at': '2026-11-30T07:00:00Z',
                  'device_name': 'here'} for i in ids}
    path = os.path.join(d, 'credentials.json')
    with open(path, 'w') as f:
        json.dump({'version': 1, 'dcs': {'us': {'tokens': tokens}}}, f)
    os.chmod(path, 0o600)


def bash_complete(words, env, cword=None):
    """COMPREPLY of the script from `catalyst completion bash` for the
    words (as bash would have split them), the cursor on the last one."""
    cword = len(words) - 1 if cword is None else cword
    script = ('source <(catalyst completion bash) || exit 3\n'
              'complete -p catalyst >/dev/null || exit 4\n'
              'COMP_WORDS=(%s)\nCOMP_CWORD=%d\nCOMPREPLY=()\n'
              '_catalyst\nprintf "%%s\\n" "${COMPREPLY[@]}"\n'
              % (' '.join(shlex.quote(w) for w in words), cword))
    r = subprocess.run(['bash', '-c', script], env=env,
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError('bash failed (%d): %s' % (r.returncode,
                                                       r.stderr))
    return [w for w in r.stdout.split('\n') if w]


class CompletionTest(unittest.TestCase):

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='cat-compl-')
        self.addCleanup(self._tmp.cleanup)
        self.home = self._tmp.name
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(('CATALYST_', 'XDG_'))}
        self.env.update({'HOME': self.home,
                         'PATH': CLI_DIR + os.pathsep +
                         os.environ.get('PATH', '')})
        self.pwned = os.path.join(self.home, 'pwned')
        # a hostile server's token ID never reaches a command line
        write_state(self.home, ['0a1b2c3d4e5f', '5e6f7a8b9c0d',
                                '$(touch %s)' % self.pwned, 'a b'])

    def script(self, shell):
        r = subprocess.run([h.CATALYST, 'completion', shell],
                           capture_output=True, text=True, check=True)
        path = os.path.join(self.home, 'catalyst.' + shell)
        with open(path, 'w') as f:
            f.write(r.stdout)
        return path

    def test_bash_completes_commands(self):
        self.assertEqual(bash_complete(['catalyst', 'tok'], self.env),
                         ['token:generate', 'token:list', 'token:revoke',
                          'token:rotate'])
        self.assertEqual(sorted(bash_complete(['catalyst', ''], self.env)),
                         sorted(commands()))
        # bash splits at ':' (COMP_WORDBREAKS); the reply replaces what
        # follows it
        self.assertEqual(bash_complete(['catalyst', 'token', ':', 'l'],
                                       self.env), ['list'])
        self.assertEqual(bash_complete(['catalyst', '--dc', 'eu', 'who'],
                                       self.env), ['whoami'])
        self.assertEqual(bash_complete(['catalyst', 'help', 'proj'],
                                       self.env),
                         ['project:list', 'project:reset', 'project:use'])
        self.assertEqual(bash_complete(['catalyst', 'completion', ''],
                                       self.env), ['bash', 'zsh', 'fish'])

    def test_bash_completes_each_commands_options(self):
        for name in commands():
            with self.subTest(command=name):
                words = subprocess.run(
                    [h.CATALYST, '__complete', 'options', name],
                    capture_output=True, text=True, check=True).stdout
                want = sorted(w for w in words.split()
                              if w.startswith('--'))
                got = bash_complete(['catalyst', name, '--'], self.env)
                self.assertEqual(sorted(got), want)
        got = bash_complete(['catalyst', 'token:revoke', '--y'], self.env)
        self.assertEqual(got, ['--yes'])
        got = bash_complete(['catalyst', 'whoami', '--y'], self.env)
        self.assertEqual(got, [])
        self.assertEqual(bash_complete(['catalyst', '--dc', 'e'], self.env),
                         ['eu'])

    def test_bash_completes_config(self):
        self.assertEqual(bash_complete(['catalyst', 'config', ''], self.env),
                         ['get', 'list', 'set', 'unset'])
        self.assertEqual(bash_complete(['catalyst', 'config', 'u'],
                                       self.env), ['unset'])
        keys = bash_complete(['catalyst', 'config', 'set', ''], self.env)
        self.assertIn('http_timeout', keys)
        self.assertIn('servers.eu', keys)
        self.assertIn('clients.device.secret', keys)
        self.assertEqual(bash_complete(['catalyst', 'config', 'get',
                                        'serv'], self.env),
                         ['servers.us', 'servers.eu', 'servers.in',
                          'servers.au', 'servers.ca', 'servers.sa',
                          'servers.jp', 'servers.ae'])
        # list takes no key; a value is not a key
        self.assertEqual(bash_complete(['catalyst', 'config', 'list', ''],
                                       self.env), [])
        self.assertEqual(bash_complete(['catalyst', 'config', 'set', 'dc',
                                        ''], self.env), [])

    def test_bash_completes_stored_token_ids(self):
        got = bash_complete(['catalyst', 'token:revoke', ''], self.env)
        self.assertEqual(sorted(got), ['0a1b2c3d4e5f', '5e6f7a8b9c0d'])
        got = bash_complete(['catalyst', 'token:rotate', ''], self.env)
        self.assertEqual(sorted(got), ['0a1b2c3d4e5f', '5e6f7a8b9c0d'])
        self.assertEqual(bash_complete(['catalyst', 'token:rotate', '--g'],
                                       self.env), ['--grace'])
        got = bash_complete(['catalyst', 'token', ':', 'revoke', '5'],
                            self.env)
        self.assertEqual(got, ['5e6f7a8b9c0d'])
        self.assertFalse(os.path.exists(self.pwned))
        # only the first argument is an ID
        self.assertEqual(bash_complete(
            ['catalyst', 'token:revoke', '0a1b2c3d4e5f', ''], self.env), [])
        # the helper itself: local state only, no network, one ID a line
        r = subprocess.run([h.CATALYST, '__complete', 'token-ids'],
                           env=dict(self.env, CATALYST_AUTH_URL=
                                    'http://127.0.0.1:9'),
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.split('\n')),
                         ['', '0a1b2c3d4e5f', '5e6f7a8b9c0d'])

    def test_zsh_script(self):
        if not shutil.which('zsh'):
            self.skipTest('zsh is not installed '
                          '(scripts/install-deps.sh --test installs it)')
        path = self.script('zsh')
        r = subprocess.run(['zsh', '-n', path], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        # run _catalyst with zsh's completion builtins replaced by echoes
        probe = '''
compdef() { : }
source %s
_describe() { local arr=$4; print -r -- "${(P)arr}" }
compadd() { [[ $1 == -a ]] && print -r -- "${(P)2}" || { shift; print -r -- "$*" } }
_message() { : }
t() { words=("$@"); CURRENT=${#words}; PREFIX=${words[CURRENT]}; _catalyst }
t catalyst tok
t catalyst token:revoke ''
t catalyst --dc ''
t catalyst token:revoke --y
t catalyst config ''
t catalyst config unset http
''' % shlex.quote(path)
        r = subprocess.run(['zsh', '-f', '-c', probe], env=self.env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn('token\\:revoke:Revoke a token generated on this '
                      'device', lines[0])
        self.assertEqual(lines[1], '0a1b2c3d4e5f 5e6f7a8b9c0d')
        self.assertEqual(lines[2], 'us eu in au ca sa jp ae')
        self.assertIn('--yes:revoke without asking', lines[3])
        self.assertEqual(lines[4], 'get list set unset')
        self.assertIn('http_timeout', lines[5].split())
        self.assertFalse(os.path.exists(self.pwned))

    def test_fish_script(self):
        if not shutil.which('fish'):
            self.skipTest('fish is not installed '
                          '(scripts/install-deps.sh --test installs it)')
        path = self.script('fish')
        r = subprocess.run(['fish', '-n', path], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

        def complete(line):
            r = subprocess.run(
                ['fish', '--no-config', '-c',
                 'source %s; complete -C %s' % (shlex.quote(path),
                                                shlex.quote(line))],
                env=self.env, capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            return [l.split('\t')[0] for l in r.stdout.splitlines()]

        self.assertEqual(complete('catalyst tok'),
                         ['token:generate', 'token:list', 'token:revoke',
                          'token:rotate'])
        self.assertEqual(sorted(complete('catalyst token:revoke ')),
                         ['0a1b2c3d4e5f', '5e6f7a8b9c0d'])
        self.assertEqual(complete('catalyst token:revoke --y'), ['--yes'])
        self.assertEqual(sorted(complete('catalyst token:rotate ')),
                         ['0a1b2c3d4e5f', '5e6f7a8b9c0d'])
        self.assertNotIn('--yes', complete('catalyst whoami --'))
        self.assertEqual(complete('catalyst config '),
                         ['get', 'list', 'set', 'unset'])
        self.assertIn('servers.eu', complete('catalyst config set serv'))
        self.assertIn('--token-file', complete('catalyst whoami --tok'))
        self.assertFalse(os.path.exists(self.pwned))


class RevokeConfirmTest(unittest.TestCase):
    """token:revoke asks on a terminal, never without one, and --yes
    skips the question; against a real server."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='cat-revoke-')
        cls.tmp = cls._tmp.name
        cls.srv = h.Server(cls.tmp, device_interval=1)
        cls.srv.start()
        cls.demo = h.setup_demo(cls.srv)
        cls.browser = h.Browser(cls.srv.url, cls.demo.email,
                                cls.demo.password)
        cls.dev = Device(cls.tmp, 'laptop', {'us': cls.srv.url}, cls.demo)
        r = device_flow(cls.dev, cls.browser, 'login', '--no-localhost')
        assert r.proc.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls._tmp.cleanup()

    def generate(self):
        before = set(self.ids())
        r = device_flow(self.dev, self.browser, 'token:generate')
        self.assertEqual(r.proc.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), TOKEN_RX)
        new = set(self.ids()) - before
        self.assertEqual(len(new), 1)
        return new.pop()

    def ids(self):
        return list(self.dev.state().get('dcs', {}).get('us', {})
                    .get('tokens', {}))

    def pty(self, *args, env=None):
        e = dict(self.dev.env)
        e.update(env or {})
        return h.PtyProcess([h.CATALYST] + list(args), env=e,
                            cwd=self.dev.cwd)

    def test_pty_asks_and_no_cancels(self):
        tid = self.generate()
        p = self.pty('token:revoke', tid)
        p.expect(r'Revoke token %s .*\? .*\[y/N\]: ' % tid)
        p.send('n\n')
        self.assertEqual(p.wait(30), 2, p.output)
        self.assertIn('cancelled', p.output)
        self.assertIn(tid, self.ids())
        # Enter alone is no as well
        p = self.pty('token:revoke', tid)
        p.expect(r'\[y/N\]: ')
        p.send('\n')
        self.assertEqual(p.wait(30), 2, p.output)
        self.assertIn(tid, self.ids())
        # the token still works on the server
        r = self.dev.run('token:list')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(tid, r.stdout)
        # and y revokes it
        p = self.pty('token:revoke', tid)
        p.expect(r'\[y/N\]: ')
        p.send('y\n')
        self.assertEqual(p.wait(30), 0, p.output)
        self.assertIn('Token %s revoked' % tid, p.output)
        self.assertNotIn(tid, self.ids())

    def test_yes_does_not_ask(self):
        tid = self.generate()
        # the stored ID completes in bash (the script reads the same state)
        env = dict(self.dev.env, PATH=CLI_DIR + os.pathsep +
                   os.environ.get('PATH', ''))
        self.assertIn(tid, bash_complete(['catalyst', 'token:revoke', ''],
                                         env))
        p = self.pty('token:revoke', tid, '--yes')
        self.assertEqual(p.wait(30), 0, p.output)
        self.assertNotIn('[y/N]', p.output)
        self.assertIn('Token %s revoked' % tid, p.output)
        self.assertNotIn(tid, self.ids())

    def test_never_asks_without_a_terminal(self):
        """Not a terminal, or CI: nothing is revoked without --yes, and
        the message names the flag (exit 129, like every question that
        cannot be asked)."""
        tid = self.generate()
        r = self.dev.run('token:revoke', tid)
        self.assertEqual(r.returncode, 129, r.stderr)
        self.assertIn('needs confirmation', r.stderr)
        self.assertIn('pass --yes', r.stderr)
        self.assertIn('stdin is not a terminal', r.stderr)
        self.assertIn(tid, self.ids())
        p = self.pty('token:revoke', tid, env={'CI': 'true'})
        self.assertEqual(p.wait(30), 129, p.output)
        self.assertNotIn('[y/N]', p.output)
        self.assertIn('CI is set', p.output)
        self.assertIn(tid, self.ids())
        r = self.dev.run('token:revoke', '-y', tid, env={'CI': 'true'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(tid, self.ids())

    def test_plain_terminal_has_no_escapes(self):
        """NO_COLOR and TERM=dumb: the wait indicator is one plain line,
        with no escape sequence; otherwise it redraws in place."""
        for env, plain in (({'TERM': 'xterm'}, False),
                           ({'TERM': 'dumb'}, True),
                           ({'TERM': 'xterm', 'NO_COLOR': '1'}, True)):
            with self.subTest(env=env):
                p = self.pty('token:generate', env=env)
                try:
                    p.expect(r'enter the code\s+\S+')
                    p.expect(r'waiting for approval')
                    time.sleep(1.5)  # several ticks of the indicator
                    p._read(0.2)
                finally:
                    p.kill()
                raw = p.raw.decode('utf-8', 'replace')
                if plain:
                    self.assertNotIn('\x1b', raw)
                    self.assertEqual(raw.count('waiting for approval'), 1,
                                     raw)
                else:
                    self.assertIn('\x1b[K', raw)


if __name__ == '__main__':
    unittest.main()
