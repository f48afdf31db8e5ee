"""Test harness for catalystd and the CLIs: a real server on a free port.

Python stdlib only. Every test drives the real `catalystd` binary (env
`CATALYSTD`, set by CMake); nothing here mocks the server.

API (keep it small):

    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(tmp)
        demo = setup_demo(srv.db)       # org, user, projects, clients
        with srv:                       # starts; stops on exit / errors
            st, code = device_code(srv, demo.device_id)
            b = Browser(srv.url, demo.email, demo.password)
            b.approve(code['user_code'])    # signs in when asked, Verify
            st, tok = poll_device_token(srv, demo.device_id,
                                        demo.device_secret,
                                        code['device_code'])
            # or all of it at once: tok = get_cli_tokens(srv, demo)

Server(tmpdir, dc='us', device_ttl=300, device_interval=None,
       access_ttl=None, extra_args=(), db=None, name='catalyst')
    Context manager. `.url`, `.port`, `.db`, `.pid`, `.log_path`, `.dc`;
    `.start()`, `.stop()` (SIGTERM, SIGKILL only after a timeout),
    `.kill9()`, `.restart()` (same DB; same port when still free),
    `.log()` (the server's output so far), `.running()`.
    A server never outlives the test process (atexit + PR_SET_PDEATHSIG).

admin(server_or_db, *args, stdin=None, check=True) -> CompletedProcess
    Runs `catalystd <args> --db <db>`; raises AdminError on failure when
    check is true. `admin_json(...)` parses the output (JSON or `key: value`).

setup_demo(server_or_db, ...) -> Demo with .email .password .first_name
    .last_name .org_id .org_name .project_ids .project_names .device_id
    .device_secret .browser_id .browser_secret (works before or after the
    server starts). add_user(server_or_db, email, password, org_id=None)
    adds one more account; add_client(server_or_db, name, kind) -> (id,
    secret).

Browser(base_url, email=None, password=None)
    A cookie-keeping client that behaves like a browser on the web pages:
    .get(url) / .post(url, fields) -> Response (no automatic redirects),
    .follow(resp) follows same-origin redirects, .submit(page, action,
    extra) posts a form of a page, .is_login_page(resp), .login(email,
    password) (raises BrowserError when refused),
    .approve(user_code, action='approve'|'deny') -> Response of the last
    step, .consent(auth_url, action='allow'|'deny') -> Location (str) of the
    redirect to the loopback redirect_uri, not followed. Forms are parsed
    with html.parser; `csrf_of(html)` extracts the CSRF token.

http(method, url, params=None, data=None, headers=None, body=None,
     json_body=None, timeout=10) -> (status, headers, json-or-text)
    Never raises on 4xx/5xx. params go to the query string, data is sent as
    a form body, json_body as JSON, body as raw bytes.

raw_request(port, data, timeout=10) -> (status, headers, body bytes)
    Sends raw bytes on a new connection and parses the first response
    (status 0 and empty headers when the server closed without answering).

Flow helpers: device_code(server, client_id, scope=..., bearer=None,
    device_name=None) -> (status, json); poll_device_token(server,
    client_id, client_secret, device_code) -> (status, json);
    get_cli_tokens(server, demo, browser=None, bearer=None,
    device_name=None) -> token answer dict; pkce_pair() -> (verifier,
    challenge); wait_until(pred, timeout).
Backends: env CATALYST_TEST_BACKEND=pg (set by the http_pg_* ctest
    entries) gives every Server without an explicit db a fresh database on
    the ctest fixture's PostgreSQL (scaleout.PgServer.shared()); the default
    is an SQLite file <tmpdir>/<name>.db. BACKEND is 'sqlite' or 'pg';
    `sqlite_only(reason)` is a class decorator for a test that is about the
    SQLite file itself: under pg it is left out (and says so on stderr),
    never a pass. `fresh_db(tmpdir, name)` -> a new db of the backend.
DB helpers (read-only, both backends: a file path is SQLite, a postgres://
    URL goes through psql): db_snapshot(db, skip=...) -> {table: sorted
    rows}, db_count(db, table), db_tables(db), db_columns(db, table),
    db_query(db, sql, params=()) -> [row tuples] (`?` placeholders),
    db_check(db) -> 'ok' (SQLite's integrity_check; on PostgreSQL every
    table reads), WriteWatch(db).mark() -> changes whenever anything
    commits a write to the store (PRAGMA data_version / row versions).
TTY: PtyProcess(argv, env=None, cwd=None, use_pty=True) with
    .expect(regex, timeout), .send(text), .wait(timeout) -> exit status,
    .output (ANSI stripped, CRs dropped), .kill(). use_pty=False runs it
    with stdin /dev/null and output on a pipe (still streamed).
unittest: FailureFlag, a TestCase mixin setting cls._failed when a test of
    the class failed (to show the server log in the class cleanup).
"""

import atexit
import base64
import ctypes
import hashlib
import html.parser
import http.client as _httpclient
import json
import os
import re
import select
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import time
import urllib.parse
import zlib

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def crc62(text):
    """The checksum that ends every token: CRC32 in 6 base62 digits."""
    crc = zlib.crc32(text.encode()) & 0xffffffff
    out = ''
    for _ in range(6):
        out = BASE62[crc % 62] + out
        crc //= 62
    return out


__all__ = [
    'CATALYSTD', 'CATALYST', 'Server', 'ServerError', 'admin', 'admin_json',
    'AdminError', 'setup_demo', 'add_user', 'add_client', 'Demo',
    'Browser', 'Response',
    'BrowserError', 'csrf_of', 'http', 'raw_request', 'device_code',
    'poll_device_token', 'get_cli_tokens', 'pkce_pair', 'db_snapshot',
    'db_count', 'db_tables', 'PtyProcess', 'strip_ansi', 'wait_until',
    'FailureFlag',
]

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))


def _default_bin(name, sub):
    for build in ('build-tests', 'build'):
        p = os.path.join(_ROOT, build, 'src', sub, name)
        if os.access(p, os.X_OK):
            return p
    return os.path.join(_ROOT, 'build', 'src', sub, name)


#: Path of the server binary (env CATALYSTD, else a build dir of the tree).
CATALYSTD = os.environ.get('CATALYSTD') or _default_bin('catalystd', 'server')
#: Path of our CLI binary (env CATALYST).
CATALYST = os.environ.get('CATALYST') or _default_bin('catalyst', 'client')

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - best effort, atexit still applies
        pass


# --------------------------------------------------------------------------
# plain HTTP


class _Headers(dict):
    """Case-insensitive header dict; .get_all(name) lists repeated ones."""

    def __init__(self, pairs=()):
        super().__init__()
        self._all = []
        for k, v in pairs:
            self._all.append((k, v))
            lk = k.lower()
            if lk in self:
                super().__setitem__(lk, self[lk] + ', ' + v)
            else:
                super().__setitem__(lk, v)

    def __getitem__(self, k):
        return super().__getitem__(k.lower())

    def __contains__(self, k):
        return super().__contains__(k.lower())

    def get(self, k, default=None):
        return super().get(k.lower(), default)

    def get_all(self, k):
        return [v for n, v in self._all if n.lower() == k.lower()]


def _parse_body(headers, raw):
    ctype = headers.get('content-type', '') or ''
    text = raw.decode('utf-8', 'replace')
    if 'json' in ctype:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def http(method, url, params=None, data=None, headers=None, body=None,
         json_body=None, timeout=10):
    """One HTTP request on a fresh connection; never raises on 4xx/5xx.

    params: dict or list of pairs, appended to the query string.
    data: dict or list of pairs, sent as application/x-www-form-urlencoded.
    json_body: any JSON value, sent as application/json.
    body: raw bytes (or str), sent as is (set Content-Type in headers).
    Returns (status, headers, parsed) where parsed is the decoded JSON when
    the Content-Type says JSON and the body parses, else the text.
    """
    u = urllib.parse.urlsplit(url)
    path = u.path or '/'
    query = u.query
    if params:
        extra = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        query = query + '&' + extra if query else extra
    if query:
        path += '?' + query
    hdrs = {'Accept': 'application/json'}
    if headers:
        hdrs.update(headers)
    payload = None
    if data is not None:
        payload = urllib.parse.urlencode(data).encode()
        hdrs.setdefault('Content-Type', 'application/x-www-form-urlencoded')
    elif json_body is not None:
        payload = json.dumps(json_body).encode()
        hdrs.setdefault('Content-Type', 'application/json')
    elif body is not None:
        payload = body.encode() if isinstance(body, str) else body
    conn = _httpclient.HTTPConnection(u.hostname, u.port or 80,
                                      timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        h = _Headers(r.getheaders())
        return r.status, h, _parse_body(h, raw)
    finally:
        conn.close()


def _read_response(sock, deadline):
    buf = b''
    while b'\r\n\r\n' not in buf:
        chunk = _recv(sock, deadline)
        if not chunk:
            return 0, _Headers(), buf
        buf += chunk
    head, rest = buf.split(b'\r\n\r\n', 1)
    lines = head.decode('latin-1').split('\r\n')
    parts = lines[0].split(' ', 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    pairs = []
    for line in lines[1:]:
        if ':' in line:
            k, v = line.split(':', 1)
            pairs.append((k.strip(), v.strip()))
    h = _Headers(pairs)
    if 'chunked' in (h.get('transfer-encoding') or '').lower():
        body = b''
        while True:
            while b'\r\n' not in rest:
                chunk = _recv(sock, deadline)
                if not chunk:
                    return status, h, body + rest
                rest += chunk
            size_line, rest = rest.split(b'\r\n', 1)
            size = int(size_line.split(b';')[0] or b'0', 16)
            while len(rest) < size + 2:
                chunk = _recv(sock, deadline)
                if not chunk:
                    return status, h, body + rest
                rest += chunk
            body += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                return status, h, body
    n = h.get('content-length')
    if n is not None:
        n = int(n)
        while len(rest) < n:
            chunk = _recv(sock, deadline)
            if not chunk:
                break
            rest += chunk
        return status, h, rest[:n]
    while True:
        chunk = _recv(sock, deadline)
        if not chunk:
            return status, h, rest
        rest += chunk


def _recv(sock, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError('no complete answer from the server in time')
    sock.settimeout(left)
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b''


def raw_request(port, data, timeout=10, host='127.0.0.1'):
    """Sends raw bytes and parses the first response.

    Returns (status, headers, body bytes); status is 0 when the server closed
    the connection without answering. Raises TimeoutError when nothing
    complete arrives within timeout seconds.
    """
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return _read_response(s, deadline)


# --------------------------------------------------------------------------
# the server


class ServerError(RuntimeError):
    pass


_LIVE = set()


def _reap_all():
    for srv in list(_LIVE):
        try:
            srv.stop(timeout=5)
        except Exception:  # noqa: BLE001
            pass


atexit.register(_reap_all)


def _prev_sigterm_handler():
    # a SIGTERM to the test process (ctest TIMEOUT) still stops the servers
    prev = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        _reap_all()
        if callable(prev):
            prev(signum, frame)
        sys.exit(128 + signum)
    return handler


try:
    signal.signal(signal.SIGTERM, _prev_sigterm_handler())
except ValueError:  # not the main thread
    pass


# --------------------------------------------------------------------------
# the store backend of the tests

BACKEND = os.environ.get('CATALYST_TEST_BACKEND') or 'sqlite'
if BACKEND not in ('sqlite', 'pg'):
    raise RuntimeError('CATALYST_TEST_BACKEND must be sqlite or pg, not %r'
                       % BACKEND)


def fresh_db(tmpdir, name='catalyst'):
    """A new empty database of the backend under test: <tmpdir>/<name>.db,
    or (CATALYST_TEST_BACKEND=pg) a new database on the fixture's
    PostgreSQL server, its postgres:// URL."""
    if BACKEND != 'pg':
        return os.path.join(tmpdir, name + '.db')
    import scaleout  # imports this module: not at the top
    prefix = re.sub(r'[^a-z0-9_]', '_', name.lower())[:24]
    return scaleout.PgServer.shared().fresh_db('h_' + prefix)


def sqlite_only(reason):
    """Class decorator: the class is about SQLite itself (a file, a
    PRAGMA), so under CATALYST_TEST_BACKEND=pg it is not loaded at all
    (unittest finds no tests in it; the exclusion is listed in
    tests/http/CMakeLists.txt). Never a skip that reports as a pass."""
    def wrap(cls):
        if BACKEND == 'sqlite':
            return cls
        sys.stderr.write('%s: SQLite only, not run on %s: %s\n'
                         % (cls.__name__, BACKEND, reason))
        # no TestCase base and no test methods left: nothing to load
        return type(cls.__name__, (), {'__doc__': 'SQLite only: ' + reason,
                                       'sqlite_only': reason})
    return wrap


class Server:
    """A real `catalystd serve` on 127.0.0.1 with a database in tmpdir.

    Use as a context manager (stopped on exit, also on exceptions).
    device_interval / access_ttl default to the server's own defaults
    (5 s / 3600 s). extra_args are appended to the serve command line.
    Several servers may share a tmpdir: give each its own `name` (the DB
    file is <tmpdir>/<name>.db unless db is given).
    """

    def __init__(self, tmpdir, dc='us', device_ttl=300, device_interval=None,
                 access_ttl=None, extra_args=(), db=None, name='catalyst'):
        self.tmpdir = tmpdir
        self.dc = dc
        self.name = name
        self.db = db or fresh_db(tmpdir, name)
        self.log_path = os.path.join(tmpdir, name + '.log')
        self.port_file = os.path.join(tmpdir, name + '.port')
        self.args = ['--dc', dc, '--device-ttl', str(device_ttl)]
        if device_interval is not None:
            self.args += ['--device-interval', str(device_interval)]
        if access_ttl is not None:
            self.args += ['--access-ttl', str(access_ttl)]
        self.args += list(extra_args)
        self.proc = None
        self.port = None
        self.url = None

    # lifecycle -----------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, port=0, timeout=20):
        """Starts the server and waits until /healthz answers 200."""
        if self.running():
            raise ServerError('server already running')
        try:
            os.unlink(self.port_file)
        except FileNotFoundError:
            pass
        argv = [CATALYSTD, 'serve', '--listen', '127.0.0.1:%d' % port,
                '--port-file', self.port_file, '--db', self.db] + self.args
        logf = open(self.log_path, 'ab')
        logf.write(('\n== %s\n' % ' '.join(argv)).encode())
        logf.flush()
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=logf,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                cwd=self.tmpdir)
        finally:
            logf.close()
        _LIVE.add(self)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.proc.poll() is not None:
                    raise ServerError('catalystd exited with %s at start:\n%s'
                                      % (self.proc.returncode, self.log()))
                if os.path.exists(self.port_file):
                    with open(self.port_file) as f:
                        txt = f.read().strip()
                    if txt.isdigit():
                        self.port = int(txt)
                        break
                if time.monotonic() > deadline:
                    raise ServerError('catalystd wrote no port file:\n'
                                      + self.log())
                time.sleep(0.02)
            self.url = 'http://127.0.0.1:%d' % self.port
            while True:
                try:
                    st, _, _ = http('GET', self.url + '/healthz', timeout=2)
                    if st == 200:
                        return self
                except OSError:
                    pass
                if self.proc.poll() is not None or \
                        time.monotonic() > deadline:
                    raise ServerError('catalystd /healthz never answered 200:'
                                      '\n' + self.log())
                time.sleep(0.05)
        except BaseException:
            self.kill9()
            raise

    def stop(self, timeout=10):
        """SIGTERM, wait; SIGKILL only if it is still running after timeout.

        Returns the exit status (None if it was not running)."""
        if not self.proc:
            return None
        rc = self.proc.poll()
        if rc is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = 'killed after SIGTERM timeout'
        _LIVE.discard(self)
        return rc

    def kill9(self):
        """SIGKILL the server (a crash) and reap it."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _LIVE.discard(self)

    def restart(self, timeout=20):
        """Stops (if running) and starts again on the same DB, keeping the
        port when possible so .url stays valid."""
        self.stop()
        old = self.port
        try:
            return self.start(port=old or 0, timeout=timeout)
        except ServerError:
            if not old:
                raise
            return self.start(port=0, timeout=timeout)

    def log(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''


# --------------------------------------------------------------------------
# admin commands


class AdminError(RuntimeError):
    pass


def _db_of(server_or_db):
    return server_or_db.db if isinstance(server_or_db, Server) \
        else server_or_db


def admin(server_or_db, *args, stdin=None, check=True, timeout=60):
    """Runs `catalystd <args> --db <db>`; stdin is a str/bytes fed to it."""
    argv = [CATALYSTD] + [str(a) for a in args] + \
        ['--db', _db_of(server_or_db)]
    if isinstance(stdin, str):
        stdin = stdin.encode()
    p = subprocess.run(argv, input=stdin if stdin is not None else b'',
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    p.stdout = p.stdout.decode('utf-8', 'replace')
    p.stderr = p.stderr.decode('utf-8', 'replace')
    if check and p.returncode != 0:
        raise AdminError('%s -> exit %d\nstdout: %s\nstderr: %s' % (
            ' '.join(argv), p.returncode, p.stdout, p.stderr))
    return p


def _parse_kv(text):
    """JSON object if the text is JSON, else the `key: value` lines."""
    text = text.strip()
    try:
        v = json.loads(text)
        if isinstance(v, dict):
            return v
    except ValueError:
        pass
    out = {}
    for line in text.splitlines():
        m = re.match(r'\s*([A-Za-z_][\w .-]*?)\s*[:=]\s*(.+?)\s*$', line)
        if m:
            out.setdefault(m.group(1).strip().lower().replace(' ', '_'),
                           m.group(2))
    return out


def admin_json(server_or_db, *args, stdin=None):
    """admin() and parse its stdout (JSON object, else `key: value` lines)."""
    return _parse_kv(admin(server_or_db, *args, stdin=stdin).stdout)


def _pick(d, *keys):
    for k in keys:
        if k in d and d[k] not in (None, ''):
            return str(d[k])
    nested = d.get('data') if isinstance(d.get('data'), dict) else None
    if nested:
        return _pick(nested, *keys)
    raise AdminError('none of %s in admin output %r' % (keys, d))


class Demo:
    """What setup_demo created (plain attributes, see setup_demo)."""

    def __repr__(self):
        return 'Demo(%r)' % self.__dict__


def add_user(server_or_db, email, password, first='Test', last='User',
             org_id=None):
    """`catalystd user add` (password on stdin); adds it to org_id when
    given (with --org, falling back to nothing else)."""
    args = ['user', 'add', '--email', email, '--first-name', first,
            '--last-name', last]
    if org_id:
        args += ['--org', org_id]
    admin(server_or_db, *args, stdin=password + '\n')


def add_client(server_or_db, name, kind):
    """`catalystd client add --kind device|browser --json` -> (id, secret)."""
    d = admin_json(server_or_db, 'client', 'add', '--name', name, '--kind',
                   kind, '--json')
    return _pick(d, 'client_id', 'id'), _pick(d, 'client_secret', 'secret')


def setup_demo(server_or_db, email='demo.user@example.com',
               password='correct horse battery staple', first='Demo',
               last='User', org_name='Demo Org',
               projects=('alpha', 'beta')):
    """Creates a user, an org with that member, projects, and one device
    and one browser client. Returns a Demo with: email, password,
    first_name, last_name, org_id, org_name, project_ids (list, same order
    as projects), project_names, device_id, device_secret, browser_id,
    browser_secret."""
    d = Demo()
    d.email, d.password, d.first_name, d.last_name = \
        email, password, first, last
    add_user(server_or_db, email, password, first, last)
    org = admin_json(server_or_db, 'org', 'add', '--name', org_name,
                     '--member', email, '--json')
    d.org_id = _pick(org, 'id', 'org_id')
    d.org_name = org_name
    d.project_names = list(projects)
    d.project_ids = []
    for name in projects:
        p = admin(server_or_db, 'project', 'add', '--org', d.org_id, '--name',
                  name).stdout
        kv = _parse_kv(p)
        try:
            pid = _pick(kv, 'id', 'project_id')
        except AdminError:
            m = re.search(r'\b(\d{3,})\b', p)
            if not m:
                raise AdminError('no project id in %r' % p)
            pid = m.group(1)
        d.project_ids.append(pid)
    d.device_id, d.device_secret = add_client(server_or_db, 'Catalyst CLI',
                                              'device')
    d.browser_id, d.browser_secret = add_client(server_or_db,
                                                'Catalyst CLI (browser)',
                                                'browser')
    return d


# --------------------------------------------------------------------------
# the browser


class BrowserError(AssertionError):
    pass


class Response:
    """A page or answer seen by Browser: status, headers, text, url."""

    def __init__(self, status, headers, text, url):
        self.status, self.headers, self.text, self.url = \
            status, headers, text, url

    @property
    def location(self):
        return self.headers.get('location')

    def json(self):
        return json.loads(self.text)

    def forms(self):
        return parse_forms(self.text)

    def form(self, action_contains):
        for f in self.forms():
            if action_contains in (f['action'] or ''):
                return f
        return None

    def __repr__(self):
        return '<Response %s %s: %s>' % (self.status, self.url,
                                         self.text[:300])


class _FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'form':
            self._cur = {'action': a.get('action'),
                         'method': (a.get('method') or 'get').lower(),
                         'fields': {}, 'buttons': []}
            self.forms.append(self._cur)
        elif self._cur is not None and tag in ('input', 'button', 'textarea',
                                               'select'):
            name = a.get('name')
            typ = (a.get('type') or ('submit' if tag == 'button' else
                                     'text')).lower()
            if not name:
                return
            if typ == 'submit' or tag == 'button':
                self._cur['buttons'].append((name, a.get('value') or ''))
            else:
                self._cur['fields'][name] = a.get('value') or ''

    def handle_endtag(self, tag):
        if tag == 'form':
            self._cur = None


def parse_forms(text):
    """[{'action','method','fields':{name:value},'buttons':[(name,value)]}]"""
    p = _FormParser()
    p.feed(text)
    p.close()
    return p.forms


def csrf_of(text):
    """The CSRF token of a page (`name="csrf" value="..."`), or None."""
    for f in parse_forms(text):
        if 'csrf' in f['fields']:
            return f['fields']['csrf']
    m = re.search(r'name="csrf"\s+value="([^"]*)"', text) or \
        re.search(r'value="([^"]*)"\s+name="csrf"', text)
    return m.group(1) if m else None


class Browser:
    """Plays a browser on the web pages of one server: keeps cookies, never
    follows a redirect on its own (use .follow), posts forms with their CSRF
    field. email/password are used when a page asks to sign in."""

    def __init__(self, base_url, email=None, password=None, timeout=10):
        self.base = base_url.rstrip('/')
        self.email, self.password = email, password
        self.timeout = timeout
        self.cookies = {}
        self.set_cookies = []  # every Set-Cookie header seen, raw
        self.history = []

    # transport -------------------------------------------------------------
    def _abs(self, url):
        return urllib.parse.urljoin(self.base + '/', url)

    def request(self, method, url, fields=None, headers=None, body=None):
        url = self._abs(url)
        h = {'Accept': 'text/html,application/json'}
        if self.cookies:
            h['Cookie'] = '; '.join('%s=%s' % kv
                                    for kv in self.cookies.items())
        if headers:
            h.update(headers)
        data = None
        if fields is not None:
            data = fields if isinstance(fields, (list, tuple)) else \
                list(fields.items())
        st, hdrs, parsed = http(method, url, data=data, headers=h, body=body,
                                timeout=self.timeout)
        for sc in hdrs.get_all('set-cookie'):
            self.set_cookies.append(sc)
            name, _, rest = sc.partition('=')
            value = rest.split(';', 1)[0]
            attrs = rest.lower()
            if 'max-age=0' in attrs or 'expires=thu, 01 jan 1970' in attrs \
                    or value == '':
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        text = parsed if isinstance(parsed, str) else json.dumps(parsed)
        r = Response(st, hdrs, text, url)
        self.history.append(r)
        return r

    def get(self, url, headers=None):
        return self.request('GET', url, headers=headers)

    def post(self, url, fields, headers=None):
        return self.request('POST', url, fields=fields, headers=headers)

    def same_origin(self, url):
        a = urllib.parse.urlsplit(self._abs(url))
        b = urllib.parse.urlsplit(self.base)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def follow(self, r, limit=5):
        """Follows same-origin redirects (GET); stops at a foreign one."""
        while r.status in (301, 302, 303, 307) and limit > 0 and \
                r.location and self.same_origin(r.location):
            r = self.get(r.location)
            limit -= 1
        return r

    def submit(self, page, form_action, extra=None):
        """Posts the form of `page` whose action contains form_action, with
        all its fields (CSRF included) updated by `extra`."""
        f = page.form(form_action)
        if f is None:
            raise BrowserError('no form %r on page %r' % (form_action, page))
        fields = dict(f['fields'])
        fields.update(extra or {})
        return self.post(f['action'] or page.url, fields)

    # flows -----------------------------------------------------------------
    @staticmethod
    def is_login_page(r):
        return any('password' in f['fields'] for f in r.forms())

    def login(self, email=None, password=None, next=None, check=True):
        """GET /login, POST the sign-in form. Returns the answer (after
        same-origin redirects). With check, raises BrowserError unless the
        sign-in was accepted."""
        email = email or self.email
        password = password if password is not None else self.password
        self.email, self.password = email, password
        page = self.get('/login' + ('?next=' + urllib.parse.quote(next, '')
                                    if next else ''))
        page = self.follow(page)
        return self._post_login(page, email, password, next, check)

    def _post_login(self, page, email, password, next, check):
        f = None
        for form in page.forms():
            if 'password' in form['fields']:
                f = form
        if f is None:
            raise BrowserError('no sign-in form on %r' % page)
        fields = dict(f['fields'])
        fields.update({'email': email, 'password': password})
        if next:
            fields['next'] = next
        r = self.post(f['action'] or '/login', fields)
        if check and (r.status >= 400 or (r.status == 200 and
                                          self.is_login_page(r))):
            raise BrowserError('sign-in as %s refused: %r' % (email, r))
        return self.follow(r)

    def approve(self, user_code, action='approve'):
        """The whole verification page flow for user_code, as a person would
        do it: open /device?user_code=..., sign in if asked, submit the
        code, then press Verify (action='approve') or Deny ('deny').
        Returns the final Response; raises BrowserError if a step shows an
        error status or an unexpected page."""
        path = '/device?user_code=' + urllib.parse.quote(user_code)
        r = self.follow(self.get(path))
        if self.is_login_page(r):
            if not self.email:
                raise BrowserError('sign-in needed but no credentials')
            r = self._post_login(r, self.email, self.password, path, True)
            if not (r.form('/device') or r.form('/device/decide')):
                r = self.follow(self.get(path))
        if r.status >= 400:
            raise BrowserError('verification page failed: %r' % r)
        if not r.form('/device/decide'):
            f = None
            for form in r.forms():
                if form['action'] and form['action'].rstrip('/') \
                        .endswith('/device'):
                    f = form
            if f is None:
                raise BrowserError('no code entry form: %r' % r)
            fields = dict(f['fields'])
            fields['user_code'] = user_code
            r = self.follow(self.post(f['action'], fields))
            if r.status >= 400 or not r.form('/device/decide'):
                raise BrowserError('code entry refused: %r' % r)
        r = self.follow(self.submit(r, '/device/decide',
                                    {'user_code': user_code,
                                     'action': action}))
        if r.status >= 400:
            raise BrowserError('decision refused: %r' % r)
        return r

    def consent(self, auth_url, action='allow'):
        """Opens an /oauth/v2/auth URL, signs in if asked, answers the
        consent form, and returns the Location of the redirect to the
        loopback redirect_uri (not followed)."""
        r = self.follow(self.get(auth_url))
        if self.is_login_page(r):
            u = urllib.parse.urlsplit(self._abs(auth_url))
            nxt = u.path + ('?' + u.query if u.query else '')
            r = self._post_login(r, self.email, self.password, nxt, True)
            if not r.form('/oauth/v2/auth'):
                r = self.follow(self.get(auth_url))
        f = r.form('/oauth/v2/auth')
        if f is None or r.status >= 400:
            raise BrowserError('no consent form: %r' % r)
        fields = dict(f['fields'])
        fields['action'] = action
        r2 = self.post(f['action'], fields)
        if r2.status not in (301, 302, 303, 307) or not r2.location:
            raise BrowserError('consent gave no redirect: %r' % r2)
        return r2.location


# --------------------------------------------------------------------------
# OAuth flow helpers


def device_code(server, client_id, scope='ZohoCatalyst.projects.ALL',
                bearer=None, device_name=None, path='/oauth/v3/device/code'):
    """POST a device code request the way the reference CLI does (params in
    the query of a body-less POST). Returns (status, json)."""
    params = {'client_id': client_id, 'scope': scope,
              'grant_type': 'device_request', 'access_type': 'offline',
              'prompt': 'consent'}
    if device_name is not None:
        params['device_name'] = device_name
    headers = {'Authorization': 'Bearer ' + bearer} if bearer else None
    st, _, body = http('POST', server.url + path, params=params,
                       headers=headers)
    return st, body


def poll_device_token(server, client_id, client_secret, code,
                      scope='ZohoCatalyst.projects.ALL'):
    """One reference-CLI-style v3 poll. Returns (status, json)."""
    st, _, body = http('POST', server.url + '/oauth/v3/device/token',
                       params={'client_id': client_id,
                               'client_secret': client_secret,
                               'scope': scope, 'grant_type': 'device_token',
                               'code': code})
    return st, body


def get_cli_tokens(server, demo, browser=None, bearer=None,
                   device_name=None):
    """Runs a whole device flow (v3) for demo's user and returns the token
    answer (access_token, refresh_token, token_id, ...). browser defaults
    to a fresh Browser signed in as demo.email."""
    st, code = device_code(server, demo.device_id, bearer=bearer,
                           device_name=device_name)
    if st != 200:
        raise AssertionError('device code: %s %r' % (st, code))
    b = browser or Browser(server.url, demo.email, demo.password)
    b.email = b.email or demo.email
    b.password = b.password or demo.password
    b.approve(code['user_code'])
    st, tok = poll_device_token(server, demo.device_id, demo.device_secret,
                                code['device_code'])
    if st != 200 or 'refresh_token' not in tok:
        raise AssertionError('device token: %s %r' % (st, tok))
    return tok


def pkce_pair(verifier=None):
    """(code_verifier, S256 code_challenge)."""
    verifier = verifier or base64.urlsafe_b64encode(os.urandom(32)) \
        .decode().rstrip('=')
    ch = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode())
                                  .digest()).decode().rstrip('=')
    return verifier, ch


# --------------------------------------------------------------------------
# database inspection (read-only)


def is_pg(db):
    return db.startswith(('postgres://', 'postgresql://'))


def _ro(path):
    return sqlite3.connect('file:%s?mode=ro' % urllib.parse.quote(path),
                           uri=True, timeout=10)


def _pg_literal(v):
    if v is None:
        return 'NULL'
    if isinstance(v, bool):
        return 'TRUE' if v else 'FALSE'
    if isinstance(v, int):
        return str(v)
    return "'%s'" % str(v).replace("'", "''")


def _psql(db, sql, *flags):
    """psql on the URL db running sql; its stdout. A failure's message
    never shows the database password."""
    import scaleout  # imports this module: not at the top
    p = subprocess.run([scaleout._psql(), db, '-X', '-q', '-v',
                        'ON_ERROR_STOP=1'] + list(flags) + ['-c', sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        m = re.match(r'postgres(?:ql)?://[^:/@]+:([^@]+)@', db)
        err = p.stderr.replace(m.group(1), '***') if m else p.stderr
        raise RuntimeError('psql failed on %r: %s' % (sql[:200], err))
    return p.stdout


def _pg_json(db, query):
    """Runs one query with psql on the URL db; its one JSON value."""
    out = _psql(db, query, '-A', '-t').strip()
    # every JSON object here is a row: a tuple of its values in column
    # order (duplicate names kept)
    return json.loads(out, object_pairs_hook=lambda kv: tuple(
        v for _, v in kv)) if out else None


def _pg_rows(db, query):
    """The rows of a query as tuples of Python values (through JSON:
    integers stay integers, text stays text, as sqlite3 gives them)."""
    return list(_pg_json(db, "SELECT coalesce(json_agg(q), '[]') "
                         'FROM (%s) q' % query) or ())


def db_query(db, sql, params=()):
    """Read-only query on either backend; `?` placeholders; [row tuples]."""
    if not is_pg(db):
        c = _ro(db)
        try:
            return c.execute(sql, tuple(params)).fetchall()
        finally:
            c.close()
    parts = sql.split('?')
    if len(parts) != len(params) + 1:
        raise ValueError('%d placeholders, %d parameters'
                         % (len(parts) - 1, len(params)))
    text = parts[0]
    for v, rest in zip(params, parts[1:]):
        text += _pg_literal(v) + rest
    return _pg_rows(db, text)


def db_tables(path):
    if is_pg(path):
        return sorted(r[0] for r in _pg_rows(
            path, "SELECT table_name::text FROM information_schema.tables "
            "WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'"))
    with _ro(path) as c:
        return [r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type='table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def db_columns(db, table):
    """The column names of a table, in order (the order of SELECT *)."""
    if is_pg(db):
        return [r[0] for r in db_query(
            db, 'SELECT column_name::text FROM information_schema.columns '
            'WHERE table_schema = current_schema() AND table_name = ? '
            'ORDER BY ordinal_position', (table,))]  # json_agg keeps it
    return [r[1] for r in db_query(db, 'PRAGMA table_info("%s")'
                                   % table.replace('"', '""'))]


def _quote(table):
    return '"%s"' % table.replace('"', '""')


def _pg_tables_json(db, tables, select):
    """{table: [row tuples]} for all tables in one psql run; select is the
    select list over the table aliased q."""
    if not tables:
        return {}
    parts = ', '.join(
        "(SELECT coalesce(json_agg(r), '[]') FROM (SELECT %s FROM %s q) r)"
        % (select, _quote(t)) for t in tables)
    got = _pg_json(db, 'SELECT json_build_array(%s)' % parts)
    return dict(zip(tables, got))


def db_snapshot(path, skip=r'(rate|limit|session|throttle|attempt)'):
    """{table: sorted list of rows} of every table whose name does not match
    the regex `skip` (state that legitimately changes on any request).
    Compare two snapshots to prove a request changed nothing stored."""
    tables = [t for t in db_tables(path)
              if not (skip and re.search(skip, t, re.I))]
    if is_pg(path):
        got = _pg_tables_json(path, tables, 'q.*')
        return {t: sorted(got[t], key=repr) for t in tables}
    out = {}
    c = _ro(path)
    try:
        for t in tables:
            rows = c.execute('SELECT * FROM %s' % _quote(t)).fetchall()
            out[t] = sorted(rows, key=repr)
    finally:
        c.close()
    return out


def db_script(db, sql):
    """Runs SQL statements that write (tests crafting an old store): the
    sqlite3 module on a file, psql on a postgres:// URL."""
    if not is_pg(db):
        c = sqlite3.connect(db)
        try:
            c.executescript(sql)
        finally:
            c.close()
        return
    _psql(db, sql)


def db_count(path, table):
    return db_query(path, 'SELECT count(*) FROM %s' % _quote(table))[0][0]


def db_check(db):
    """'ok' when the store is sound: SQLite's PRAGMA integrity_check; on
    PostgreSQL (whose own WAL is not ours to test) every table reads."""
    if is_pg(db):
        _pg_tables_json(db, db_tables(db), 'count(*) AS n')
        return 'ok'
    return db_query(db, 'PRAGMA integrity_check')[0][0]


class WriteWatch:
    """mark() changes whenever anything commits a write to the store.
    SQLite: PRAGMA data_version on a connection of our own (it changes when
    another connection commits, whatever the journal mode). PostgreSQL:
    every row of every table with its xmin (the transaction that wrote that
    version of it), so an insert, an update (even to the same values) and
    a delete all show. close() when done."""

    def __init__(self, db):
        self.db = db
        self.con = None if is_pg(db) else sqlite3.connect(db, timeout=10)

    def mark(self):
        if self.con is None:
            got = _pg_tables_json(self.db, db_tables(self.db),
                                  'q.xmin::text AS xmin_, q.*')
            return {t: sorted(rows, key=repr) for t, rows in got.items()}
        return self.con.execute('PRAGMA data_version').fetchone()[0]

    def close(self):
        if self.con is not None:
            self.con.close()
            self.con = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def wait_until(pred, timeout=10, interval=0.05, what='condition'):
    """Polls pred() until truthy; returns its value or raises
    AssertionError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(interval)


class FailureFlag:
    """unittest.TestCase mixin (list it before TestCase): sets the class
    attribute _failed once a test of the class fails or errors, so that a
    class cleanup prints the server's log only when someone needs it.
    setUpClass should reset cls._failed, as a subclass inherits the flag."""

    _failed = False

    def run(self, result=None):
        before = result and len(result.failures) + len(result.errors)
        out = super().run(result)
        if result is not None and \
                len(result.failures) + len(result.errors) != before:
            type(self)._failed = True
        return out


# --------------------------------------------------------------------------
# driving a program through a pseudo-terminal

_ANSI = re.compile(r'\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r')


def strip_ansi(text):
    return _ANSI.sub('', text)


class PtyProcess:
    """Runs argv in its own process group, on a new pty (stdin, stdout and
    stderr) or, with use_pty=False, with stdin /dev/null and stdout+stderr
    on a pipe. .output is everything read so far, ANSI stripped.
    Always finish with .wait(timeout) or .kill()."""

    def __init__(self, argv, env=None, cwd=None, cols=200, rows=50,
                 use_pty=True):
        self.raw = b''
        self._pos = 0
        self._pipe = None
        if not use_pty:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, env=env,
                                         cwd=cwd, start_new_session=True)
            self._pipe = self.proc.stdout
            self.master = self._pipe.fileno()
            return
        import pty
        import fcntl
        import struct
        import termios
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack('HHHH', rows, cols, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave,
                                     stderr=slave, env=env, cwd=cwd,
                                     start_new_session=True,
                                     close_fds=True)
        os.close(slave)

    @property
    def output(self):
        return strip_ansi(self.raw.decode('utf-8', 'replace'))

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], max(0, timeout))
        if not r:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            chunk = b''
        if not chunk:
            return None
        self.raw += chunk
        return True

    def expect(self, pattern, timeout=30):
        """Waits until regex `pattern` matches the output after the last
        match; returns the match. Raises AssertionError on timeout/EOF.
        Output arrives in pieces: end a pattern like `(\\S+)` with `\\n`
        so that it cannot match half a line."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.output, self._pos)
            if m:
                self._pos = m.end()
                return m
            got = self._read(deadline - time.monotonic())
            if got is None:
                m = rx.search(self.output, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                raise AssertionError('EOF before %r; output:\n%s'
                                     % (pattern, self.output))
            if time.monotonic() > deadline:
                raise AssertionError('timeout waiting for %r; output:\n%s'
                                     % (pattern, self.output))

    def send(self, text):
        if self._pipe is not None:
            raise ValueError('send() needs use_pty=True')
        os.write(self.master, text.encode() if isinstance(text, str)
                 else text)

    def wait(self, timeout=60):
        """Reads until EOF and the exit; returns the exit status. Kills the
        process group and raises AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = self._read(min(0.2, max(0, deadline - time.monotonic())))
            if got is None and self.proc.poll() is not None:
                break
            if got is False and self.proc.poll() is not None:
                # drain what is left
                while self._read(0.05):
                    pass
                break
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError('timeout; output:\n' + self.output)
        rc = self.proc.wait()
        self.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.close()

    def close(self):
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
            self.master = None
        if self.master is not None:
            try:
                os.close(self.master)
            except OSError:
                pass
            self.master = None
