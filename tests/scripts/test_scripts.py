"""The README's two commands must work on a fresh Debian machine by
themselves (issue 7, finding 12): `bash scripts/setup.sh` then
`bash scripts/test.sh`. On the old tree 4 tests failed there because nginx
and Chromium were installed only by .ci/run. These checks read the scripts
and the test tree: every tool a test starts is installed by
`install-deps.sh --test`, and test.sh runs that before anything needs it."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

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


# what must never be in the demo's CLI environment or output (issue 9, 8)
CLIENT_RX = re.compile(r'CLIENT_ID|CLIENT_SECRET|client_secret|catk_|'
                       r'CATALYST_AUTH_URL|CATALYST_ADMIN_URL')
CATALYSTD = os.environ.get('CATALYSTD')
CATALYST = os.environ.get('CATALYST')


@unittest.skipUnless(CATALYSTD and CATALYST, 'CATALYSTD/CATALYST not set')
class DemoTest(unittest.TestCase):
    """The demo: demo-setup.sh seeds public CLI clients and prints
    CATALYST_DIRECTORY only; setup.sh (its install and build stubbed out)
    starts one catalystd without --directory, prints the URL it really
    listens on (here a port picked by the kernel), and writes
    var/catalyst.env with CATALYST_DIRECTORY alone."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='catalyst-demo-')
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def test_demo_setup_prints_the_directory_only(self):
        db = os.path.join(self.tmp, 'var', 'catalyst.db')
        argv = ['bash', os.path.join(ROOT, 'scripts', 'demo-setup.sh'),
                '--db', db, '--catalystd', CATALYSTD,
                '--url', 'http://127.0.0.1:9123']
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('export CATALYST_DIRECTORY=http://127.0.0.1:9123',
                      r.stdout)
        self.assertIn('http://127.0.0.1:9123/device', r.stdout)
        with open(os.path.join(self.tmp, 'var', 'demo.env')) as f:
            marker = f.read()
        for text in (r.stdout, r.stderr, marker):
            self.assertNotRegex(text, CLIENT_RX)
        # the two clients are public: no secret anywhere
        r2 = subprocess.run([CATALYSTD, 'client', 'list', '--db', db,
                             '--json'], capture_output=True, text=True,
                            timeout=30)
        self.assertEqual(r2.returncode, 0, r2.stderr)
        self.assertNotRegex(r2.stdout, 'catk_')
        clients = json.loads(r2.stdout)['clients']
        self.assertEqual(sorted((c['kind'], c['client_type'])
                                for c in clients),
                         [('browser', 'public'), ('device', 'public')])
        # again: nothing changes, the same hints
        r3 = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        self.assertEqual(r3.returncode, 0, r3.stderr)
        self.assertIn('already set up', r3.stdout)
        self.assertNotRegex(r3.stdout, CLIENT_RX)

    def sandbox(self):
        """A copy of scripts/ with install-deps.sh and cmake stubbed and
        the built binaries where setup.sh expects them."""
        box = os.path.join(self.tmp, 'tree')
        shutil.copytree(os.path.join(ROOT, 'scripts'),
                        os.path.join(box, 'scripts'))
        with open(os.path.join(box, 'scripts', 'install-deps.sh'), 'w') as f:
            f.write('exit 0\n')
        bindir = os.path.join(self.tmp, 'bin')
        os.makedirs(bindir)
        with open(os.path.join(bindir, 'cmake'), 'w') as f:
            f.write('#!/bin/sh\nexit 0\n')
        os.chmod(os.path.join(bindir, 'cmake'), 0o755)
        for sub, path in (('server', CATALYSTD), ('client', CATALYST)):
            d = os.path.join(box, 'build', 'src', sub)
            os.makedirs(d)
            os.symlink(path, os.path.join(d, os.path.basename(path)))
        return box, bindir

    def test_setup_prints_the_url_it_serves_on(self):
        box, bindir = self.sandbox()
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ['PATH'],
                   CATALYST_LISTEN='127.0.0.1:0', NO_PROXY='*')
        for k in ('http_proxy', 'HTTP_PROXY'):
            env.pop(k, None)
        r = subprocess.run(['bash', 'scripts/setup.sh'], cwd=box, env=env,
                           capture_output=True, text=True, timeout=120)
        pid_path = os.path.join(box, 'var', 'catalystd.pid')
        if os.path.exists(pid_path):
            with open(pid_path) as f:
                pid = int(f.read())
            self.addCleanup(self.stop, pid)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(box, 'var', 'catalystd.port')) as f:
            port = int(f.read())
        self.assertNotEqual(port, 0)
        url = 'http://127.0.0.1:%d' % port
        self.assertIn('catalystd is running on %s ' % url, r.stdout)
        self.assertIn('export CATALYST_DIRECTORY=%s\n' % url, r.stdout)
        self.assertIn('%s/device' % url, r.stdout)
        self.assertNotIn(':0/', r.stdout)
        with open(os.path.join(box, 'var', 'catalyst.env')) as f:
            env_text = f.read()
        self.assertEqual(env_text, 'CATALYST_DIRECTORY=%s\n' % url)
        self.assertNotRegex(r.stdout + r.stderr, CLIENT_RX)
        # the server describes itself with the public CLI clients
        with urllib.request.urlopen(
                url + '/.well-known/catalyst-directory', timeout=10) as resp:
            d = json.load(resp)
        us = d['data_centers']['us']
        self.assertEqual(us['url'], url)
        self.assertTrue(us['device_client_id'])
        self.assertTrue(us['browser_client_id'])

    @staticmethod
    def stop(pid):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


if __name__ == '__main__':
    unittest.main()
