"""Scale-out test helpers: PostgreSQL test servers, several catalystd
instances on one database, nginx in front of them, and our CLI pointed at
a URL. Python stdlib only; builds on harness.py without changing it.

API:

    pg = PgServer.shared()            # the ctest fixture's server (env
                                      # CATALYST_TEST_PG_STATE); raises when
                                      # it is not running: tests fail, never skip
    with PgServer.private(tmpdir) as pg:   # a server of its own (tests that
        ...                                # stop it); stopped on exit
    url = pg.fresh_db('prefix')       # a new empty database: postgres://...
    pg.pause() / pg.resume()          # pg_ctl stop -m fast / start again,
                                      # same data, same port
    pg.password                       # to check logs never show it
    pg.sql(db_url, 'SELECT ...')      # psql -At: the rows as text

    with Cluster(tmpdir, db_url, n=2, extra_args=()) as c:
        c.instances                   # harness.Server list, started
        c.lb                          # Nginx, round-robin over them
        c.url                         # the nginx URL (also every instance's
                                      # --public-url)

    Nginx(tmpdir, ports, port=0): .start(), .stop(), .url, .port, .pid,
        .access_log() -> [LogEntry(method, path, status, upstream_port)]

    cli = Cli(tmpdir, 'laptop', url, demo): our CLI (env CATALYST) with its
        own HOME, talking to url through CATALYST_AUTH_URL/ADMIN_URL and the
        demo's clients. .run(*args) -> CompletedProcess (text),
        .start(*args) -> Running with .user_code(), .wait(), .stdout, .stderr
        (both from cli_run.py, shared with the e2e tests)

Every process started here is stopped by its PID (catalystd by harness,
nginx here, PostgreSQL through pg_ctl and its postmaster.pid).
"""

import atexit
import collections
import glob
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import time

import cli_run
import harness as h
# re-exported (__all__): scale-out tests know them as scaleout's
from cli_run import USER_CODE_RX, Running  # noqa: F401

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))
PG_SCRIPT = os.path.join(_ROOT, 'tests', 'pg', 'pg_server.sh')
NGINX = os.environ.get('NGINX') or shutil.which('nginx') or '/usr/sbin/nginx'

__all__ = ['PgServer', 'Cluster', 'Nginx', 'Cli', 'Running', 'LogEntry',
           'free_port', 'USER_CODE_RX']


def free_port():
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _psql():
    bindir = os.environ.get('PG_BINDIR')
    if not bindir:
        dirs = sorted(glob.glob('/usr/lib/postgresql/*/bin'),
                      key=lambda d: int(re.sub(r'\D', '', d) or 0))
        bindir = dirs[-1] if dirs else ''
    p = os.path.join(bindir, 'psql')
    return p if os.access(p, os.X_OK) else (shutil.which('psql') or 'psql')


def _run_script(*args, timeout=120):
    p = subprocess.run(['bash', PG_SCRIPT] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError('pg_server.sh %s failed (exit %d):\n%s%s' % (
            ' '.join(map(str, args)), p.returncode, p.stdout, p.stderr))
    return p.stdout.strip()


# --------------------------------------------------------------------------
# PostgreSQL


class PgServer:
    """A PostgreSQL test server run by tests/pg/pg_server.sh."""

    _private = set()

    def __init__(self, state_dir, owned=False):
        self.state = state_dir
        self.owned = owned

    @classmethod
    def shared(cls):
        """The server of the ctest fixture `pg`."""
        state = os.environ.get('CATALYST_TEST_PG_STATE')
        if not state:
            raise RuntimeError('CATALYST_TEST_PG_STATE is not set: run this '
                               'through ctest (fixture pg_start)')
        pg = cls(state)
        pg.dsn  # noqa: B018 - raises when the fixture did not start it
        return pg

    @classmethod
    def private(cls, tmpdir):
        """Starts a server of its own under tmpdir/pg."""
        pg = cls(os.path.join(tmpdir, 'pg'), owned=True)
        _run_script('start', pg.state)
        cls._private.add(pg)
        return pg

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.owned:
            self.stop()
        return False

    @property
    def dsn(self):
        """postgres://USER:PASSWORD@127.0.0.1:PORT (no database)."""
        try:
            with open(os.path.join(self.state, 'dsn')) as f:
                return f.read().strip()
        except OSError as e:
            raise RuntimeError('no PostgreSQL test server in %s: %s'
                               % (self.state, e)) from e

    @property
    def password(self):
        return re.match(r'postgres://[^:]+:([^@]+)@', self.dsn).group(1)

    @property
    def port(self):
        return int(self.dsn.rsplit(':', 1)[1])

    def fresh_db(self, prefix='t'):
        """Creates an empty database with a unique name; its URL."""
        name = '%s_%s' % (prefix, ''.join(
            random.choice(string.ascii_lowercase) for _ in range(8)))
        return _run_script('createdb', self.state, name)

    def sql(self, db_url, query):
        """Runs constant SQL with psql on db_url; its rows, '|'-separated."""
        p = subprocess.run([_psql(), db_url, '-X', '-A', '-t', '-q',
                            '-v', 'ON_ERROR_STOP=1', '-c', query],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError('psql failed: %s' % p.stderr.replace(
                self.password, '***'))
        return p.stdout.strip()

    def pause(self):
        """Stops the server (pg_ctl stop -m fast): clients are cut off."""
        _run_script('pause', self.state)

    def resume(self):
        """Starts it again on the same data directory and port."""
        _run_script('resume', self.state)

    def stop(self):
        _run_script('stop', self.state)
        PgServer._private.discard(self)


@atexit.register
def _stop_private_servers():
    for pg in list(PgServer._private):
        try:
            pg.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


# --------------------------------------------------------------------------
# nginx

LogEntry = collections.namedtuple('LogEntry',
                                  'method path status upstream_port')

_NGINX_CONF = """\
# written by tests/lib/scaleout.py: one process, everything under {prefix}
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    log_format upstream '$request_method $uri $status $upstream_addr';
    access_log {access_log};
    upstream catalystd {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64k;
        location / {{
            proxy_pass http://catalystd;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


class Nginx:
    """nginx on 127.0.0.1, round-robin over catalystd on `ports`."""

    def __init__(self, tmpdir, ports, port=0, access_log=True):
        self.prefix = os.path.join(tmpdir, 'nginx')
        self.ports = list(ports)
        self.port = port or free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log_path = os.path.join(self.prefix, 'access.log')
        self.access_log_on = access_log
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def _write_conf(self):
        for d in ('tmp', 'tmp/body', 'tmp/proxy', 'tmp/fastcgi',
                  'tmp/uwsgi', 'tmp/scgi'):
            os.makedirs(os.path.join(self.prefix, d), exist_ok=True)
        conf = os.path.join(self.prefix, 'nginx.conf')
        with open(conf, 'w') as f:
            f.write(_NGINX_CONF.format(
                prefix=self.prefix, port=self.port,
                access_log=('%s upstream' % self.log_path
                            if self.access_log_on else 'off'),
                servers='\n'.join('        server 127.0.0.1:%d;' % p
                                  for p in self.ports)))
        return conf

    def start(self, timeout=10):
        conf = self._write_conf()
        err = open(os.path.join(self.prefix, 'stderr.log'), 'ab')
        try:
            self.proc = subprocess.Popen(
                [NGINX, '-p', self.prefix, '-c', conf, '-e',
                 os.path.join(self.prefix, 'error.log')],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                preexec_fn=h._die_with_parent)
        finally:
            err.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError('nginx exited with %s:\n%s' % (
                    self.proc.returncode, self.errors()))
            try:
                socket.create_connection(('127.0.0.1', self.port), 0.5) \
                    .close()
                return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('nginx never listened:\n' + self.errors())
            time.sleep(0.05)

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def errors(self):
        out = ''
        for name in ('stderr.log', 'error.log'):
            try:
                with open(os.path.join(self.prefix, name)) as f:
                    out += f.read()
            except OSError:
                pass
        return out

    def access_log(self):
        """The requests nginx finished so far, oldest first."""
        out = []
        try:
            with open(self.log_path) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return out
        for line in lines:
            parts = line.split()
            if len(parts) < 4:
                continue
            # several upstreams tried: "a:1, b:2"; the last one answered
            up = parts[-1].rsplit(':', 1)[-1]
            out.append(LogEntry(parts[0], parts[1], int(parts[2]),
                                int(up) if up.isdigit() else None))
        return out

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


# --------------------------------------------------------------------------
# several catalystd instances behind nginx


class Cluster:
    """n catalystd instances on db_url, behind one nginx. The instances
    know the nginx URL as their public URL and trust its X-Forwarded-For."""

    def __init__(self, tmpdir, db_url, n=2, extra_args=(),
                 device_interval=1, access_log=True):
        self.tmpdir = tmpdir
        self.db = db_url
        self.lb_port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.lb_port
        args = ['--public-url', self.url, '--trust-proxy'] + list(extra_args)
        self.instances = [
            h.Server(tmpdir, db=db_url, name='instance-%c' % (ord('a') + i),
                     device_interval=device_interval, extra_args=args)
            for i in range(n)]
        self.lb = None
        self.access_log = access_log

    def start(self):
        try:
            for s in self.instances:
                s.start()
            self.lb = Nginx(self.tmpdir, [s.port for s in self.instances],
                            port=self.lb_port, access_log=self.access_log)
            self.lb.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.lb:
            self.lb.stop()
        return [s.stop() for s in self.instances]

    def by_port(self, port):
        for s in self.instances:
            if s.port == port:
                return s
        return None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


# --------------------------------------------------------------------------
# our CLI

# variables of the test environment that would change what the CLI does
_SCRUB = ('CATALYST_TOKEN', 'ZC_TOKEN', 'CATALYST_AUTH_URL',
          'CATALYST_ADMIN_URL', 'CATALYST_ORG', 'ZC_ORG_ID',
          'CATALYST_PROJECT_ID', 'CATALYST_PROJECT', 'ZC_PROJECT_ID',
          'M_CATALYST_CLIENT_ID', 'M_CATALYST_CLIENT_SECRET',
          'W_CATALYST_CLIENT_ID', 'W_CATALYST_CLIENT_SECRET',
          'XDG_CONFIG_HOME', 'CATALYST_CONFIG_DIR', 'CATALYST_DEVICE_NAME',
          'DISPLAY', 'WAYLAND_DISPLAY', 'BROWSER', 'CI',
          'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy')


class Cli:
    """Our CLI on one simulated machine: its own HOME, the server at url
    (CATALYST_AUTH_URL and CATALYST_ADMIN_URL), the demo's OAuth clients
    (M_/W_CATALYST_CLIENT_ID/SECRET)."""

    def __init__(self, tmpdir, name, url, demo):
        self.name = name
        self.home = os.path.join(tmpdir, 'home-' + name)
        self.cwd = os.path.join(self.home, 'work')
        os.makedirs(self.cwd, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        self.env.update({
            'HOME': self.home, 'NO_PROXY': '*',
            'CATALYST_AUTH_URL': url, 'CATALYST_ADMIN_URL': url,
            'CATALYST_DEVICE_NAME': name,
            'M_CATALYST_CLIENT_ID': demo.device_id,
            'M_CATALYST_CLIENT_SECRET': demo.device_secret,
            'W_CATALYST_CLIENT_ID': demo.browser_id,
            'W_CATALYST_CLIENT_SECRET': demo.browser_secret})

    def run(self, *args, env=None, timeout=60):
        """Runs `catalyst args...` to completion, stdin /dev/null."""
        return cli_run.run(args, self.env, self.cwd, overrides=env,
                           timeout=timeout)

    def start(self, *args, env=None):
        """Starts `catalyst args...`; read its stderr while it runs (a
        cli_run.Running)."""
        return cli_run.start(args, self.env, self.cwd, overrides=env)
