"""The README's two commands must work on a fresh Debian machine by
themselves (issue 7, finding 12): `bash scripts/setup.sh` then
`bash scripts/test.sh`. On the old tree 4 tests failed there because nginx
and Chromium were installed only by .ci/run. These checks read the scripts
and the test tree: every tool a test starts is installed by
`install-deps.sh --test`, and test.sh runs that before anything needs it."""

import os
import re
import subprocess
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

# tool a test uses -> (how to spot it in tests/, the Debian package)
TOOLS = {
    'nginx': (r"['\"]nginx['\"]|/usr/sbin/nginx", 'nginx'),
    'chromium': (r'/usr/bin/chromium|[\'"]chromium[\'"]', 'chromium'),
    'postgres': (r'pg_ctl|initdb|postgresql', 'postgresql'),
    'node': (r"['\"]node['\"]", 'nodejs'),
    'npm': (r"['\"]npm['\"]", 'npm'),
    'clang': (r'CMAKE_C_COMPILER=clang|fsanitize=fuzzer', 'clang'),
    'clang-format': (r'clang-format', 'clang-format'),
    'lintian': (r"['\"]lintian['\"]", 'lintian'),
    'systemd-analyze': (r'systemd-analyze', 'systemd'),
    'promtool': (r'promtool', 'prometheus'),
    'scdoc': (r'scdoc', 'scdoc'),
    'groff': (r"['\"]groff['\"]", 'groff-base'),
    'zsh': (r"['\"]zsh['\"]", 'zsh'),
    'fish': (r"['\"]fish['\"]", 'fish'),
    'wrk': (r"['\"]wrk['\"]", 'wrk'),
}


def read(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as f:
        return f.read()


def test_tree_text():
    out = []
    for base in ('tests', 'scripts'):
        for dirpath, _, files in os.walk(os.path.join(ROOT, base)):
            if 'corpus' in dirpath:
                continue
            for name in files:
                if name.endswith(('.py', '.sh', '.txt', '.mjs', '.js')):
                    with open(os.path.join(dirpath, name),
                              encoding='utf-8', errors='replace') as f:
                        out.append(f.read())
    return '\n'.join(out)


def test_packages():
    """The packages install-deps.sh --test would install, as it lists them."""
    text = read('scripts/install-deps.sh')
    pkgs = set()
    for m in re.finditer(r'packages(?:\+)?=\(([^)]*)\)', text):
        pkgs.update(m.group(1).split())
    return pkgs


class ScriptsTest(unittest.TestCase):

    def test_test_sh_installs_test_tools_first(self):
        # top-level commands only: a function body runs where it is called
        lines, in_fn = [], False
        for raw in read('scripts/test.sh').splitlines():
            l = raw.strip()
            if re.match(r'^[A-Za-z_]\w*\(\)\s*\{', l):
                in_fn = True
            elif in_fn and l == '}':
                in_fn = False
            elif l and not l.startswith('#') and not in_fn:
                lines.append(l)
        install = [i for i, l in enumerate(lines)
                   if re.search(r'scripts/install-deps\.sh\s+--test\b', l)]
        self.assertTrue(install, 'scripts/test.sh does not run '
                        'install-deps.sh --test')
        first_use = [i for i, l in enumerate(lines)
                     if re.search(r'\b(run_suite|cmake|ctest|clang-format)\b',
                                  l)
                     and 'install-deps' not in l]
        self.assertLess(install[0], min(first_use),
                        'test.sh uses a tool before installing the test '
                        'tools')

    def test_every_test_tool_is_installed(self):
        tree = test_tree_text()
        pkgs = test_packages()
        for tool, (pattern, pkg) in TOOLS.items():
            with self.subTest(tool=tool):
                if re.search(pattern, tree):
                    self.assertIn(pkg, pkgs, '%s is used by the tests but '
                                  'install-deps.sh --test does not install '
                                  '%s' % (tool, pkg))

    def test_setup_installs_build_dependencies(self):
        self.assertRegex(read('scripts/setup.sh'),
                         r'bash scripts/install-deps\.sh(?!\s+--test)')

    def test_scripts_parse(self):
        for script in ('scripts/setup.sh', 'scripts/test.sh',
                       'scripts/install-deps.sh', '.ci/run'):
            with self.subTest(script=script):
                r = subprocess.run(['bash', '-n', os.path.join(ROOT, script)],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == '__main__':
    unittest.main()
