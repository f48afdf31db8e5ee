"""The man pages built from docs/man/*.scd: catalyst(1) and catalystd(8)
render without a single groff or man warning, and name every command,
option, environment variable and exit status the binaries themselves list
(`catalyst __complete`, `catalyst help`, `catalystd ... --help`), so a new
flag without its documentation fails here.
"""

import os
import re
import shutil
import subprocess
import unittest

import harness as h

MAN_DIR = os.environ.get('CATALYST_MAN_DIR') or os.path.join(
    os.path.dirname(os.path.abspath(h.CATALYST)), '..', '..', 'docs', 'man')


def run(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def page(name):
    path = os.path.join(MAN_DIR, name)
    if not os.path.exists(path):
        raise AssertionError(
            '%s was not built: install scdoc (scripts/install-deps.sh) and '
            'reconfigure, so that the `man` target builds it' % path)
    return path


def roff_words(path):
    """The page's text with font changes dropped, words intact (the
    rendered text hyphenates long flags at line ends)."""
    with open(path) as f:
        text = f.read()
    return re.sub(r'\\f[BIRP]', '', text).replace('\\-', '-')


class ManTest(unittest.TestCase):

    def assertMentions(self, words, rx, what):
        if not re.search(rx, words):
            self.fail('the page does not mention %s' % what)

    def render_clean(self, path):
        # -ww: every warning groff has; anything on stderr is a failure
        r = subprocess.run(['groff', '-man', '-Tutf8', '-ww', path],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, '')
        self.assertGreater(len(r.stdout), 1000)
        if shutil.which('man'):
            r = subprocess.run(['man', '-l', path], capture_output=True,
                               text=True, timeout=60,
                               env=dict(os.environ, MANWIDTH='80',
                                        MANPAGER='cat', PAGER='cat'))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, '')
            self.assertIn('NAME', r.stdout)
        return r.stdout

    def test_tools(self):
        self.assertTrue(shutil.which('groff'),
                        'groff is missing (scripts/install-deps.sh --test)')

    def test_catalyst_1(self):
        path = page('catalyst.1')
        text = self.render_clean(path)
        for title in ('SYNOPSIS', 'COMMANDS', 'OPTIONS', 'ENVIRONMENT',
                      'FILES', 'EXIT STATUS', 'EXAMPLES'):
            self.assertIn('\n' + title + '\n', text)
        words = roff_words(path)
        cmds = run([h.CATALYST, '__complete', 'commands']).split()
        self.assertIn('token:revoke', cmds)
        for cmd in cmds:
            with self.subTest(command=cmd):
                # each command has its own entry, in bold
                self.assertMentions(words, r'\n%s\b' % re.escape(cmd), cmd)
                for opt in run([h.CATALYST, '__complete', 'options',
                                cmd]).split():
                    self.assertMentions(words, r'(?<![\w-])%s(?![\w-])'
                                        % re.escape(opt), opt)
        help_all = run([h.CATALYST, 'help'])
        env = re.search(r'\nenvironment:\n((?:  .*\n)+)', help_all).group(1)
        names = re.findall(r'^  ([A-Z][A-Z0-9_]+) ', env, re.M)
        self.assertIn('NO_COLOR', names)
        for var in names:
            self.assertMentions(words, r'\b%s\b' % var, var)
        exits = re.search(r'\nexit status:\n((?:  .*\n)+)',
                          help_all).group(1)
        codes = re.findall(r'^  (\d+) ', exits, re.M)
        self.assertEqual(codes, ['0', '1', '2', '4', '129'])
        status = text[text.index('\nEXIT STATUS\n'):]
        status = status[:status.index('\nEXAMPLES\n')]
        self.assertEqual(re.findall(r'^ {7}(\d+)\n', status, re.M), codes)

    def test_catalystd_8(self):
        path = page('catalystd.8')
        text = self.render_clean(path)
        for title in ('SYNOPSIS', 'SERVE', 'ADMIN COMMANDS', 'ENVIRONMENT',
                      'FILES', 'EXIT STATUS', 'CONFIGURATION FILE'):
            self.assertIn('\n' + title + '\n', text)
        words = roff_words(path)
        top = run([h.CATALYSTD, '--help'])
        cmds = re.findall(r'^  (\S+(?: [a-z]+)?)  ', top, re.M)
        self.assertIn('serve', cmds)
        self.assertIn('client add', cmds)
        for cmd in cmds:
            with self.subTest(command=cmd):
                self.assertIn(cmd, words)
                if cmd in ('help', 'version'):
                    continue
                usage = run([h.CATALYSTD] + cmd.split() + ['--help'])
                flags = set(re.findall(r'(?<![\w-])--[a-z][a-z-]*', usage))
                self.assertIn('--db', flags)
                for flag in flags:
                    self.assertMentions(words, r'(?<![\w-])%s(?![\w-])'
                                        % re.escape(flag), flag)
        for code in ('0', '1', '129'):
            self.assertRegex(text[text.index('\nEXIT STATUS\n'):],
                             r'\n {7}%s\n' % code)


if __name__ == '__main__':
    unittest.main()
