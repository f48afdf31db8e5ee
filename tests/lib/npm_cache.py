"""npm packages that tests need (the reference CLI, playwright-core),
installed into a cache directory outside the tracked tree and reused while
the installed version is the one asked for. Stdlib only."""

import json
import os
import shutil
import subprocess


class NpmError(AssertionError):
    """npm is missing or the install failed; tests fail, never skip."""


def installed_version(d, package):
    """The version of package installed in d, or None."""
    try:
        with open(os.path.join(d, 'node_modules', package,
                               'package.json')) as f:
            return json.load(f).get('version')
    except (OSError, ValueError):
        return None


def ensure(d, package, version, package_json, purpose, timeout=540,
           extra_args=(), extra_env=None):
    """Installs package@version into d (package_json is written there)
    unless it is there already. Raises NpmError with npm's output when npm
    is missing or fails, e.g. when the registry cannot be reached."""
    if installed_version(d, package) == version:
        return d
    npm = shutil.which('npm')
    if not npm:
        raise NpmError('npm not found: %s installs %s with it (Debian '
                       'package npm)' % (purpose, package))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'package.json'), 'w') as f:
        json.dump(package_json, f, indent=2)
        f.write('\n')
    env = dict(os.environ, NO_UPDATE_NOTIFIER='1', **(extra_env or {}))
    try:
        p = subprocess.run([npm, 'install', '--no-audit', '--no-fund'] +
                           list(extra_args),
                           cwd=d, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise NpmError('npm install of %s@%s timed out after %ds (is the '
                       'npm registry reachable?)\n%s'
                       % (package, version, timeout,
                          (e.output or b'').decode('utf-8', 'replace')))
    out = p.stdout.decode('utf-8', 'replace')
    if p.returncode != 0 or installed_version(d, package) != version:
        raise NpmError('npm install of %s@%s failed (exit %d); %s needs the '
                       'npm registry.\n%s'
                       % (package, version, p.returncode, purpose,
                          out[-6000:]))
    return d
