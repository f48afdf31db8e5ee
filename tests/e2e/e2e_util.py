"""Helpers for the CLI end-to-end tests that tests/lib/harness.py lacks.

Device: one simulated machine = its own HOME (and so its own
~/.config/catalyst). .run() runs `catalyst` there to completion; .start()
starts it with pipes so a test can read the device code from stderr while
the CLI waits (both through tests/lib/cli_run.py). silent_server(): a
socket that accepts and never answers.
"""

import json
import os
import re
import socket
import threading

import cli_run

TOKEN_RX = re.compile(r'^[mw]_catr_[a-z]{2}_[0-9A-Za-z]{38}$')

# variables of the test environment that would change what the CLI does
_SCRUB = ('CATALYST_TOKEN', 'ZC_TOKEN', 'CATALYST_AUTH_URL',
          'CATALYST_ADMIN_URL', 'CATALYST_ORG', 'ZC_ORG_ID',
          'CATALYST_PROJECT_ID', 'CATALYST_PROJECT', 'ZC_PROJECT_ID',
          'M_CATALYST_CLIENT_ID', 'M_CATALYST_CLIENT_SECRET',
          'W_CATALYST_CLIENT_ID', 'W_CATALYST_CLIENT_SECRET',
          'XDG_CONFIG_HOME', 'CATALYST_CONFIG_DIR', 'CATALYST_HTTP_TIMEOUT',
          'CATALYST_DEVICE_NAME', 'DISPLAY', 'WAYLAND_DISPLAY', 'BROWSER',
          # a test run over SSH must not make `login` pick the device flow
          'SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY',
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

    def run(self, *args, env=None, timeout=60, cwd=None):
        """Runs catalyst to completion with stdin /dev/null."""
        return cli_run.run(args, self.env, cwd or self.cwd, overrides=env,
                           timeout=timeout)

    def start(self, *args, env=None, cwd=None):
        """Starts catalyst with stdout/stderr pipes (stdin /dev/null); a
        cli_run.Running."""
        return cli_run.start(args, self.env, cwd or self.cwd, overrides=env)


def device_flow(device, browser, *args, action='approve', env=None):
    """Runs `catalyst <args>` (a device flow), answers the code in the
    browser with action, and returns the finished cli_run.Running."""
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
