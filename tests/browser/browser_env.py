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
import subprocess
import sys

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


if __name__ == '__main__':
    try:
        print(ensure_installed(sys.argv[1] if len(sys.argv) > 1 else None))
        print(chromium())
    except EnvError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
