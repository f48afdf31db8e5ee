"""Installs and runs the reference Catalyst CLI (npm zcatalyst-cli 1.25.3)
for the interop test.

    python3 reference_cli.py [DIR]     # install (or reuse) into DIR

The install lives in a cache directory outside the tracked tree: env
CATALYST_INTEROP_DIR (CMake sets <build>/interop-node), else
~/.cache/catalyst-interop. It is reused when the installed version is right.
The dependency tags `@zcatalyst/container-plugin@alpha` and
`@zcatalyst/cli-utils@alpha` of the CLI do not resolve, so npm `overrides`
pin them.
"""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import npm_cache  # noqa: E402

VERSION = '1.25.3'
PACKAGE_JSON = {
    'name': 'catalyst-interop',
    'private': True,
    'description': 'the reference Catalyst CLI, for the interop test',
    'dependencies': {'zcatalyst-cli': VERSION},
    'overrides': {
        '@zcatalyst/container-plugin': '0.0.1-alpha.8',
        '@zcatalyst/cli-utils': '0.0.1-alpha.3',
    },
}

# variables that make the reference CLI believe it runs in CI, or that
# would point it elsewhere than the test server
_DROP = re.compile(r'^(CI|CONTINUOUS_INTEGRATION|BUILD_NUMBER|RUN_ID|'
                   r'CATALYST_.*|ZC_.*|X_ZC_.*|[MW]_CATALYST_.*|'
                   r'https?_proxy|HTTPS?_PROXY|ALL_PROXY|all_proxy|'
                   r'NO_PROXY|no_proxy|XDG_CONFIG_HOME|DEBUG|NODE_ENV|'
                   r'NODE_OPTIONS|npm_.*)$')


class InstallError(AssertionError):
    pass


def cache_dir():
    return os.environ.get('CATALYST_INTEROP_DIR') or os.path.join(
        os.path.expanduser('~'), '.cache', 'catalyst-interop')


def cli_path(d=None):
    return os.path.join(d or cache_dir(), 'node_modules', '.bin', 'catalyst')


def ensure_installed(d=None, timeout=540):
    """Installs the reference CLI into d unless it is there already.
    Returns the path of its `catalyst` executable. Raises InstallError
    (with npm's output) when node/npm are missing or npm fails, e.g. when
    the registry cannot be reached."""
    d = d or cache_dir()
    if not shutil.which('node'):
        raise InstallError('node is needed for the interop test (Debian '
                           'package nodejs)')
    try:
        npm_cache.ensure(d, 'zcatalyst-cli', VERSION, PACKAGE_JSON,
                         'the interop test', timeout=timeout)
    except npm_cache.NpmError as e:
        raise InstallError(str(e))
    return cli_path(d)


def cli_env(home, server_url, device_client, browser_client):
    """The reference CLI's environment: its own HOME, no CI variables, no
    update check, no colours, not a primary shell, our server and clients."""
    env = {k: v for k, v in os.environ.items() if not _DROP.match(k)}
    env.update({
        'HOME': home,
        'NO_UPDATE_NOTIFIER': '1',
        'FORCE_COLOR': '0',
        'SHLVL': '2',
        'NO_PROXY': '127.0.0.1,localhost',
        'CATALYST_AUTH_URL': server_url,
        'CATALYST_ADMIN_URL': server_url,
        'M_CATALYST_CLIENT_ID': device_client[0],
        'M_CATALYST_CLIENT_SECRET': device_client[1],
        'W_CATALYST_CLIENT_ID': browser_client[0],
        'W_CATALYST_CLIENT_SECRET': browser_client[1],
        'TERM': 'dumb',
    })
    return env


if __name__ == '__main__':
    try:
        print(ensure_installed(sys.argv[1] if len(sys.argv) > 1 else None))
    except InstallError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
