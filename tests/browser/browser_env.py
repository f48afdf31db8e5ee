"""The real-browser test's tools: Debian's Chromium and npm playwright-core.

    python3 browser_env.py [DIR]     # install (or reuse) playwright-core

playwright-core (the library only: it downloads no browser) is installed
into a cache directory outside the tracked tree: env CATALYST_BROWSER_DIR
(CMake sets <build>/browser-node), else ~/.cache/catalyst-browser. It is
reused when the installed version is the pinned one. The browser is always
/usr/bin/chromium (env CATALYST_CHROMIUM overrides), Debian package
`chromium` (scripts/install-deps.sh --test).

Anything missing raises EnvError: the test fails with the reason, it never
skips.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile

import npm_cache

VERSION = '1.65.1'
NODE_MIN = 20  # what playwright-core VERSION asks for (engines)
PACKAGE_JSON = {
    'name': 'catalyst-browser-test',
    'private': True,
    'description': 'playwright-core for the real-browser test of the pages',
    'dependencies': {'playwright-core': VERSION},
}
CHROMIUM = '/usr/bin/chromium'


class EnvError(AssertionError):
    pass


def cache_dir():
    return os.environ.get('CATALYST_BROWSER_DIR') or os.path.join(
        os.path.expanduser('~'), '.cache', 'catalyst-browser')


def chromium():
    """The Chromium executable; EnvError when it is not installed."""
    exe = os.environ.get('CATALYST_CHROMIUM') or CHROMIUM
    if not os.access(exe, os.X_OK):
        raise EnvError('%s not found: the browser test needs Debian\'s '
                       'Chromium (apt-get install chromium, or '
                       'scripts/install-deps.sh --test)' % exe)
    return exe


def node():
    """The node executable; EnvError when missing or older than 20."""
    exe = shutil.which('node')
    if not exe:
        raise EnvError('node not found: the browser test needs Node.js '
                       '(Debian packages nodejs and npm)')
    try:
        v = subprocess.run([exe, '--version'], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30,
                           check=True).stdout.decode().strip()
        major = int(v.lstrip('v').split('.')[0])
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        raise EnvError('cannot run %s --version: %s' % (exe, e))
    if major < NODE_MIN:
        raise EnvError('node %s is too old: playwright-core %s needs node '
                       '>= %d' % (v, VERSION, NODE_MIN))
    return exe


def ensure_installed(d=None, timeout=300):
    """Installs playwright-core VERSION into d unless it is there already.
    Returns d. Raises EnvError (with npm's output) when node/npm are missing
    or npm fails, e.g. when the registry cannot be reached."""
    d = d or cache_dir()
    node()
    try:
        # playwright-core has no install script; the variable is a guard
        # should a later version get one: the browser is Debian's, never a
        # download
        return npm_cache.ensure(
            d, 'playwright-core', VERSION, PACKAGE_JSON, 'the browser test',
            timeout=timeout, extra_args=('--ignore-scripts',),
            extra_env={'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD': '1'})
    except npm_cache.NpmError as e:
        raise EnvError(str(e))


# What the browser tests share: one catalystd per test class, a clean
# environment for node, and a run of a driver (*.mjs).

PROXY_VARS = ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY',
              'ALL_PROXY', 'all_proxy', 'NODE_OPTIONS')


def set_up_class(cls, prefix, out='', demo=None, **server):
    """setUpClass of a browser test: the tools (cls.chromium, cls.node,
    cls.modules; EnvError when missing, never a skip), cls.out (the
    screenshot directory CATALYST_BROWSER_OUT, or out/, joined with out),
    cls.tmp, and a started catalystd cls.srv (Server(**server)) with the
    demo account cls.demo (setup_demo(**demo)), stopped by stop_server at
    class cleanup."""
    from harness import Server, setup_demo
    cls.chromium = chromium()
    cls.node = node()
    cls.modules = ensure_installed()
    cls.out = os.environ.get('CATALYST_BROWSER_OUT') or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'out')
    if out:
        cls.out = os.path.join(cls.out, out)
    os.makedirs(cls.out, exist_ok=True)
    cls._tmp = tempfile.TemporaryDirectory(prefix=prefix)
    cls.addClassCleanup(cls._tmp.cleanup)
    cls.tmp = cls._tmp.name
    cls.srv = Server(cls.tmp, **server)
    cls.demo = setup_demo(cls.srv.db, **(demo or {}))
    cls.srv.start()
    cls.addClassCleanup(stop_server, cls)
    cls._failed = False


def stop_server(cls):
    """Stops cls.srv; prints the end of its log when a test of the class
    failed (cls._failed, harness.FailureFlag) or the server did not stop
    cleanly, and raises AssertionError in that last case (a sanitizer build
    reports memory errors and leaks at exit)."""
    rc = cls.srv.stop()
    log = cls.srv.log()
    bad = rc != 0 or 'Sanitizer' in log or 'runtime error:' in log
    if cls._failed or bad:
        sys.stderr.write('\n--- end of the catalystd log ---\n%s\n---\n'
                         % log[-6000:])
    if bad:
        raise AssertionError('catalystd did not stop cleanly (exit %s)'
                             % rc)


def clean_env(home, drop=(), no_proxy='127.0.0.1', **extra):
    """os.environ for a program run in the fresh home directory home
    (created): no proxy (none needed for no_proxy), no NODE_OPTIONS, none
    of drop, plus extra."""
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home,
               XDG_CONFIG_HOME=os.path.join(home, '.config'),
               XDG_CACHE_HOME=os.path.join(home, '.cache'),
               NO_PROXY=no_proxy, no_proxy=no_proxy, **extra)
    for k in PROXY_VARS + tuple(drop):
        env.pop(k, None)
    return env


def run_driver(test, argv, env, cwd, timeout, what):
    """Runs a driver (argv: node, the script, its options) in its own
    process group; fails test with its output when it hangs for timeout
    seconds (node and its chromium are killed) or exits non-zero (what
    names the run in the message). Echoes its stdout, indented, to stderr
    and returns it."""
    name = os.path.basename(argv[1])
    p = subprocess.Popen(argv, env=env, cwd=cwd,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # node and its chromium
        out, err = p.communicate()
        test.fail('%s hung for %ds\n%s\n%s' % (
            name, timeout, out.decode('utf-8', 'replace'),
            err.decode('utf-8', 'replace')))
    out = out.decode('utf-8', 'replace')
    err = err.decode('utf-8', 'replace')
    sys.stderr.write('\n' + ''.join('    ' + line for line in
                                    out.splitlines(True)))
    test.assertEqual(p.returncode, 0, '%s failed (exit %d):\n%s\n%s'
                     % (what, p.returncode, out, err))
    return out


if __name__ == '__main__':
    try:
        print(ensure_installed(sys.argv[1] if len(sys.argv) > 1 else None))
        print(chromium())
    except EnvError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
