"""The benchmark's peer, oidc-provider (bench/peer/): installs the pinned
version with npm into the build directory (tests/lib/npm_cache.py, reused
while the installed version is the pinned one) and starts
bench/peer/oidc_peer.mjs, which obtains its tokens through the provider's
real device flow and prints them as one JSON line."""

import json
import os
import select
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
import npm_cache  # noqa: E402

PEER_DIR = os.path.join(HERE, 'peer')
with open(os.path.join(PEER_DIR, 'package.json')) as _f:
    PACKAGE_JSON = json.load(_f)
VERSION = PACKAGE_JSON['dependencies']['oidc-provider']


def install_dir(catalystd):
    """<build dir>/bench-peer, the build dir being the one holding
    src/server/catalystd; CATALYST_BENCH_PEER_DIR overrides it."""
    env = os.environ.get('CATALYST_BENCH_PEER_DIR')
    if env:
        return env
    build = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(catalystd))))
    return os.path.join(build, 'bench-peer')


class Peer:
    """oidc-provider on 127.0.0.1 with real tokens: .url, .pid, .info."""

    def __init__(self, catalystd, logdir):
        self.dir = npm_cache.ensure(install_dir(catalystd), 'oidc-provider',
                                    VERSION, PACKAGE_JSON, 'the benchmark')
        self.logdir = logdir
        self.proc = None

    def __enter__(self):
        node = shutil.which('node')
        if not node:
            raise SystemExit('node not found: the benchmark runs oidc-provider '
                             '(Debian packages nodejs, npm)')
        self.log_path = os.path.join(self.logdir, 'oidc-peer.log')
        log = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(
            [node, os.path.join(PEER_DIR, 'oidc_peer.mjs'), self.dir],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        log.close()
        line = b''
        deadline = time.monotonic() + 60
        fd = self.proc.stdout.fileno()
        while not line.endswith(b'\n'):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self._fail('said nothing in 60 s')
            b = os.read(fd, 4096)
            if not b:
                self._fail('exited with %s' % self.proc.wait())
            line += b
        self.info = json.loads(line)
        self.url = 'http://127.0.0.1:%d' % self.info['port']
        return self

    def _fail(self, why):
        self.__exit__()
        with open(self.log_path, errors='replace') as f:
            raise SystemExit('oidc-provider peer %s:\n%s' % (why, f.read()[-4000:]))

    @property
    def pid(self):
        return self.proc.pid

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False
