"""A unittest base for tests that drive the reference Catalyst CLI (npm
zcatalyst-cli) and, beside it, our `catalyst`, against one real catalystd.

The reference CLI exits 0 even when a command fails: tests assert on its
output and on the server's state. Every run has its own HOME, no CI
variables and a timeout.
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))

from harness import (CATALYST, Browser, FailureFlag, PtyProcess,  # noqa: E402
                     Server, http, setup_demo, strip_ansi)
import reference_cli  # noqa: E402

# what the reference CLI prints when something failed
ERR = re.compile(r'HTTP Error|Error when|✖')
# the code our CLI shows: ...device?user_code=BCDF-GHJK
OUR_CODE = re.compile(r'user_code=([B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4})')


class RefCliCase(FailureFlag, unittest.TestCase):
    """One server with the demo data for the whole class."""

    @classmethod
    def setUpClass(cls):
        # fails (does not skip) when npm cannot install the CLI
        cls.cli = reference_cli.ensure_installed()
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalyst-interop-')
        cls.addClassCleanup(cls._tmp.cleanup)
        cls.tmp = cls._tmp.name
        cls.srv = Server(cls.tmp)
        cls.demo = setup_demo(cls.srv.db)
        cls.srv.start()
        cls.addClassCleanup(cls._stop)
        cls._failed = False
        cls.work = os.path.join(cls.tmp, 'work')  # cwd: no catalyst.json
        os.makedirs(cls.work)
        cls.state = {}

    @classmethod
    def _stop(cls):
        if cls._failed:
            sys.stderr.write('\n--- end of the catalystd log ---\n%s\n---\n'
                             % cls.srv.log()[-6000:])
        cls.srv.stop()

    def home(self, name):
        h = os.path.join(self.tmp, 'home-' + name)
        os.makedirs(h, exist_ok=True)
        return h

    # the reference CLI -----------------------------------------------------
    def env(self, home):
        d = self.demo
        return reference_cli.cli_env(home, self.srv.url,
                                     (d.device_id, d.device_secret),
                                     (d.browser_id, d.browser_secret))

    def run_cli(self, home, *args, timeout=90):
        """A non-interactive run: stdin /dev/null; returns the output."""
        try:
            p = subprocess.run([self.cli] + list(args), env=self.env(home),
                               cwd=self.work, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout,
                               start_new_session=True)
        except subprocess.TimeoutExpired as e:
            self.fail('catalyst %s hung for %ds; output:\n%s' % (
                ' '.join(args), timeout,
                strip_ansi((e.output or b'').decode('utf-8', 'replace'))))
        return strip_ansi(p.stdout.decode('utf-8', 'replace'))

    def spawn(self, home, *args, use_pty=True):
        return PtyProcess([self.cli] + list(args), env=self.env(home),
                          cwd=self.work, use_pty=use_pty)

    def approve_printed_code(self, proc):
        """Reads the device code the reference CLI prints and approves it
        as a browser would; returns the user code."""
        m = proc.expect(r'Visit this URL on any device:\s*(\S+)\n', 60)
        url = m.group(1)
        self.assertTrue(url.startswith(self.srv.url + '/device'), url)
        m = proc.expect(r'Enter the device verification code:\s*(\S+)\s', 30)
        code = m.group(1)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertEqual(q.get('user_code'), [code])
        Browser(self.srv.url, self.demo.email,
                self.demo.password).approve(code)
        return code

    def ref_login(self, home):
        """`login --no-localhost` of the reference CLI, through a pty."""
        p = self.spawn(home, 'login', '--no-localhost', '--dc', 'us')
        try:
            p.expect(r'Allow Catalyst to collect CLI error reporting', 60)
            p.send('n\r')
            self.approve_printed_code(p)
            p.expect(r'Logged in as : (\S+)', 90)
            p.wait(30)
        finally:
            p.kill()
        return p.output

    def ref_token_generate(self, home):
        """`token:generate` of the reference CLI; returns the m_ token."""
        p = self.spawn(home, 'token:generate', use_pty=False)
        try:
            self.approve_printed_code(p)
            m = p.expect(r'Token generated successfully : (\S+)\n', 90)
            p.wait(30)
        finally:
            p.kill()
        return m.group(1)

    def introspect(self, token):
        st, _, body = http('POST', self.srv.url + '/oauth/introspect',
                           data={'token': token,
                                 'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret})
        self.assertEqual(st, 200, body)
        return body

    # our CLI ---------------------------------------------------------------
    def our_env(self, home):
        d = self.demo
        env = {k: v for k, v in os.environ.items()
               if not re.match(r'^(CATALYST_|ZC_|[MW]_CATALYST_|XDG_)', k)}
        env.update({
            'HOME': home,
            'CATALYST_AUTH_URL': self.srv.url,
            'CATALYST_ADMIN_URL': self.srv.url,
            'M_CATALYST_CLIENT_ID': d.device_id,
            'M_CATALYST_CLIENT_SECRET': d.device_secret,
            'W_CATALYST_CLIENT_ID': d.browser_id,
            'W_CATALYST_CLIENT_SECRET': d.browser_secret,
        })
        return env

    def ours(self, home, *args, timeout=60):
        """Runs our CLI to completion: (exit status, stdout, stderr)."""
        p = subprocess.run([CATALYST] + list(args), env=self.our_env(home),
                           cwd=self.work, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def ours_device_flow(self, home, *args, timeout=60):
        """Runs a device-flow command of our CLI (login --no-localhost,
        token:generate), approving the code it shows on stderr."""
        p = subprocess.Popen([CATALYST] + list(args), env=self.our_env(home),
                             cwd=self.work, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            err = ''
            while not OUR_CODE.search(err):
                line = p.stderr.readline()
                if not line:
                    self.fail('%s ended before showing a code: %s'
                              % (' '.join(args), err))
                err += line
            Browser(self.srv.url, self.demo.email, self.demo.password) \
                .approve(OUR_CODE.search(err).group(1))
            out, rest = p.communicate(timeout=timeout)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        return p.returncode, out, err + rest
