"""Helpers for the CLI end-to-end tests that tests/lib/harness.py lacks.

Device: one simulated machine = its own HOME (and so its own
~/.config/catalyst). .run() runs `catalyst` there to completion; .start()
starts it with pipes so a test can read the device code from stderr while
the CLI waits. silent_server(): a socket that accepts and never answers.
"""

import json
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time

import harness as h

CODE_RX = re.compile(r'enter the code\s+([A-Z]{4}-[A-Z]{4})')
TOKEN_RX = re.compile(r'^[mw]_catr_[a-z]{2}_[0-9A-Za-z]{38}$')

# variables of the test environment that would change what the CLI does
_SCRUB = ('CATALYST_TOKEN', 'ZC_TOKEN', 'CATALYST_AUTH_URL',
          'CATALYST_ADMIN_URL', 'CATALYST_ORG', 'ZC_ORG_ID',
          'CATALYST_PROJECT_ID', 'CATALYST_PROJECT', 'ZC_PROJECT_ID',
          'M_CATALYST_CLIENT_ID', 'M_CATALYST_CLIENT_SECRET',
          'W_CATALYST_CLIENT_ID', 'W_CATALYST_CLIENT_SECRET',
          'XDG_CONFIG_HOME', 'CATALYST_CONFIG_DIR', 'CATALYST_HTTP_TIMEOUT',
          'CATALYST_DEVICE_NAME', 'DISPLAY', 'WAYLAND_DISPLAY', 'BROWSER',
          'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy',
          # tests that want CI behaviour set CI themselves
          'CI', 'CONTINUOUS_INTEGRATION', 'BUILD_NUMBER', 'RUN_ID')


class Device:
    """A simulated machine: HOME=<tmp>/<name>, config.json pointing every
    DC given in `servers` at its URL, and the demo's OAuth clients."""

    def __init__(self, tmp, name, servers, demo=None, env=None):
        self.name = name
        self.home = os.path.join(tmp, name)
        self.cwd = os.path.join(self.home, 'work')
        os.makedirs(self.cwd, exist_ok=True)
        self.config_dir = os.path.join(self.home, '.config', 'catalyst')
        self.env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        self.env.update({'HOME': self.home, 'NO_PROXY': '*',
                         'CATALYST_DEVICE_NAME': name})
        self.env.update(env or {})
        settings = {'servers': dict(servers)}
        if demo is not None:
            settings['clients'] = {
                'device': {'id': demo.device_id,
                           'secret': demo.device_secret},
                'browser': {'id': demo.browser_id,
                            'secret': demo.browser_secret}}
        self.write_settings(settings)

    @property
    def state_path(self):
        return os.path.join(self.config_dir, 'credentials.json')

    def write_settings(self, settings):
        os.makedirs(self.config_dir, mode=0o700, exist_ok=True)
        with open(os.path.join(self.config_dir, 'config.json'), 'w') as f:
            json.dump(settings, f)

    def state(self):
        with open(self.state_path) as f:
            return json.load(f)

    def write_state(self, state):
        tmp = self.state_path + '.test'
        with open(tmp, 'w') as f:
            json.dump(state, f)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.state_path)

    def _env(self, extra):
        env = dict(self.env)
        for k, v in (extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def run(self, *args, env=None, timeout=60, cwd=None):
        """Runs catalyst to completion with stdin /dev/null."""
        return subprocess.run([h.CATALYST] + list(args),
                              env=self._env(env), cwd=cwd or self.cwd,
                              stdin=subprocess.DEVNULL,
                              capture_output=True, text=True,
                              timeout=timeout)

    def start(self, *args, env=None, cwd=None):
        """Starts catalyst with stdout/stderr pipes (stdin /dev/null)."""
        return Running(subprocess.Popen(
            [h.CATALYST] + list(args), env=self._env(env),
            cwd=cwd or self.cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE))


class Running:
    """A started CLI whose stderr can be read while it runs."""

    def __init__(self, proc):
        self.proc = proc
        self.err = b''
        self.out = b''

    def read_err_until(self, rx, timeout=30):
        rx = re.compile(rx) if isinstance(rx, str) else rx
        deadline = time.monotonic() + timeout
        fd = self.proc.stderr.fileno()
        while True:
            m = rx.search(self.err.decode('utf-8', 'replace'))
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise AssertionError('timeout waiting for %r; stderr:\n%s'
                                     % (rx.pattern, self.stderr))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.kill()
                    raise AssertionError('EOF before %r; stderr:\n%s'
                                         % (rx.pattern, self.stderr))
                self.err += chunk

    def user_code(self, timeout=30):
        return self.read_err_until(CODE_RX, timeout).group(1)

    def wait(self, timeout=60):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.out += out
        self.err += err
        return self.proc.returncode

    def signal(self, sig=signal.SIGINT):
        self.proc.send_signal(sig)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        out, err = self.proc.communicate()
        self.out += out or b''
        self.err += err or b''

    @property
    def stdout(self):
        return self.out.decode('utf-8', 'replace')

    @property
    def stderr(self):
        return self.err.decode('utf-8', 'replace')


def device_flow(device, browser, *args, action='approve', env=None):
    """Runs `catalyst <args>` (a device flow), answers the code in the
    browser with action, and returns the finished Running."""
    r = device.start(*args, env=env)
    code = r.user_code()
    browser.approve(code, action=action)
    r.wait(timeout=60)
    return r


class silent_server:
    """Context manager: a listening socket that accepts connections and
    never answers. .url is its origin."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(64)
        self.url = 'http://127.0.0.1:%d' % self.sock.getsockname()[1]
        self.conns = []
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)  # held open, never read or answered
            except socket.timeout:
                continue
            except OSError:
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()
        return False
