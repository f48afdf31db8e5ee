"""Our CLI (`catalyst`, harness.CATALYST) run from a test. Python stdlib only.

The e2e tests (tests/e2e/e2e_util.py, Device) and the scale-out tests
(scaleout.py, Cli) give the CLI different environments but start it the
same way; that part lives here once.

    cp = run(args, env, cwd, overrides=None, timeout=60)
        Runs `catalyst args...` to completion with stdin /dev/null;
        a text CompletedProcess.
    r = start(args, env, cwd, overrides=None) -> Running
        Starts it with stdout/stderr on pipes (stdin /dev/null):
        r.user_code(), r.read_err_until(rx), r.wait(), r.signal(sig),
        r.kill(), r.stdout, r.stderr, r.proc.
    merge_env(env, overrides) -> env with overrides applied (None removes).

A CLI from start() gets SIGKILL when the test process dies (it may be
left waiting for a code nobody approves); run() has its timeout.
"""

import os
import re
import select
import signal
import subprocess
import time

import harness as h

__all__ = ['USER_CODE_RX', 'Running', 'merge_env', 'run', 'start']

#: The code the CLI asks the user to enter (src/client/flow_device.c),
#: in the server's user-code alphabet (src/common/token.h): anchored on the
#: prompt so that no other XXXX-XXXX in the output can be taken for it.
USER_CODE_RX = re.compile(
    r'enter the code\s+'
    r'([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})\b')


def merge_env(env, overrides):
    """A copy of env with overrides applied; an override of None removes
    the variable (to test the CLI without it)."""
    out = dict(env)
    for k, v in (overrides or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def _argv(args):
    return [h.CATALYST] + [str(a) for a in args]


def run(args, env, cwd, overrides=None, timeout=60):
    """Runs `catalyst args...` to completion, stdin /dev/null; its
    CompletedProcess with text stdout and stderr."""
    return subprocess.run(_argv(args), env=merge_env(env, overrides),
                          cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def start(args, env, cwd, overrides=None):
    """Starts `catalyst args...` with stdout/stderr on pipes (stdin
    /dev/null); read its stderr while it runs through the Running."""
    return Running(subprocess.Popen(
        _argv(args), env=merge_env(env, overrides), cwd=cwd,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, preexec_fn=h._die_with_parent))


class Running:
    """A started CLI whose stderr can be read while it waits. .out and .err
    hold the bytes read so far; .stdout and .stderr decode them."""

    def __init__(self, proc):
        self.proc = proc
        self.out = b''
        self.err = b''

    def read_err_until(self, rx, timeout=30):
        """Reads stderr until rx (a pattern or compiled regex) matches
        somewhere in what was read; returns the match. Kills the CLI and
        raises AssertionError on timeout or when stderr ends first."""
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
                    raise AssertionError('CLI exited before %r; stderr:\n%s'
                                         % (rx.pattern, self.stderr))
                self.err += chunk

    def user_code(self, timeout=30):
        """The verification code the CLI shows (XXXX-XXXX)."""
        return self.read_err_until(USER_CODE_RX, timeout).group(1)

    def wait(self, timeout=60):
        """Reads the rest of the output and waits for the exit; returns the
        exit status. Kills the CLI and re-raises on timeout."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.out += out or b''
        self.err += err or b''
        return self.proc.returncode

    def signal(self, sig=signal.SIGINT):
        """Sends sig (Ctrl-C by default) to the CLI."""
        self.proc.send_signal(sig)

    def kill(self):
        """SIGKILL unless it already exited; collects what it wrote."""
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
