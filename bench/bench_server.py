#!/usr/bin/env python3
"""Side-by-side load figures for catalystd (DESIGN.md section 7).

Starts a release catalystd on a temporary SQLite store, an nginx serving a
fixed body as the ceiling of this machine, obtains real tokens through the
device flow, then runs wrk (2 threads, 64 connections) against each hot
endpoint in the same run and prints a table. Never a pass/fail test: the
numbers are for people to read and compare.

    python3 bench/bench_server.py [--duration 10]

Needs wrk and nginx (scripts/install-deps.sh --test) and a release build
in build/.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
os.environ.setdefault('CATALYSTD', os.path.join(ROOT, 'build', 'src', 'server', 'catalystd'))
import harness  # noqa: E402

PEERS = {  # oidc-provider 8.8.1 on this machine kind, from DESIGN.md §7
    'bearer user-info': 11200, 'bearer project list': 11200,
    'refresh grant': 9100, 'pending poll': 11900, 'revocation': 13300,
    'device authorization': 9400,
}
FACTOR = {'device authorization': 5}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wrk(url, duration, headers=(), lua=None, conns=64):
    cmd = ['wrk', '-t2', '-c%d' % conns, '-d%ds' % duration, '--latency']
    for h in headers:
        cmd += ['-H', h]
    if lua:
        cmd += ['-s', lua]
    out = subprocess.run(cmd + [url], capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    p99 = re.search(r'99%\s+([\d.]+)(us|ms|s)', out)
    scale = {'us': 0.001, 'ms': 1, 's': 1000}[p99.group(2)]
    non2xx = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
    return rps, float(p99.group(1)) * scale, int(non2xx.group(1)) if non2xx else 0


def lua_post(tmp, name, path_query, body=''):
    p = os.path.join(tmp, name + '.lua')
    with open(p, 'w') as f:
        f.write('wrk.method = "POST"\n')
        f.write('wrk.path = "%s"\n' % path_query)
        if body:
            f.write('wrk.body = "%s"\n' % body)
            f.write('wrk.headers["Content-Type"] = '
                    '"application/x-www-form-urlencoded"\n')
    return p


def start_nginx(tmp):
    port = free_port()
    conf = os.path.join(tmp, 'nginx.conf')
    with open(conf, 'w') as f:
        f.write('''worker_processes auto;
pid %(t)s/nginx.pid;
error_log %(t)s/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(t)s/ct; proxy_temp_path %(t)s/pt;
  fastcgi_temp_path %(t)s/ft; uwsgi_temp_path %(t)s/ut; scgi_temp_path %(t)s/st;
  server { listen 127.0.0.1:%(p)d; location / { return 200 "ok"; } }
}
''' % {'t': tmp, 'p': port})
    proc = subprocess.Popen(['nginx', '-c', conf, '-p', tmp, '-g', 'daemon off;'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    harness.wait_until(lambda: _up(port), what='nginx')
    return proc, port


def _up(port):
    try:
        socket.create_connection(('127.0.0.1', port), 0.2).close()
        return True
    except OSError:
        return False


def peak_rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--duration', type=int, default=10)
    args = ap.parse_args()
    d = args.duration
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        nginx, nport = start_nginx(tmp)
        try:
            ceiling = wrk('http://127.0.0.1:%d/' % nport, d)[0]
        finally:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(10)
        rows.append(('nginx fixed body (ceiling)', ceiling, None, None, ''))
        with harness.Server(tmp, extra_args=('--log-level', 'warn')) as srv:
            demo = harness.setup_demo(srv)
            tok = harness.get_cli_tokens(srv, demo)
            bearer = 'Authorization: Bearer ' + tok['access_token']
            base = srv.url

            def row(name, res, target):
                rps, p99, bad = res
                note = '' if not bad else '%d non-2xx' % bad
                rows.append((name, rps, p99, target, note))

            row('bearer user-info', wrk(base + '/oauth/user/info', d, [bearer]),
                max(10 * PEERS['bearer user-info'], 0.5 * ceiling))
            row('bearer project list', wrk(base + '/baas/v1/project', d, [bearer]),
                max(10 * PEERS['bearer project list'], 0.5 * ceiling))
            body = 'grant_type=refresh_token&client_id=%s&client_secret=%s&refresh_token=%s' % (
                demo.device_id, demo.device_secret, tok['refresh_token'])
            row('refresh grant', wrk(base, d, lua=lua_post(tmp, 'refresh', '/oauth/v2/token', body)),
                10 * PEERS['refresh grant'])
            code = harness.device_code(srv, demo.device_id)[1]
            q = '/oauth/v3/device/token?client_id=%s&client_secret=%s&grant_type=device_token&code=%s' % (
                demo.device_id, demo.device_secret, code['device_code'])
            row('pending poll', wrk(base, d, lua=lua_post(tmp, 'poll', q)),
                10 * PEERS['pending poll'])
            row('device authorization',
                wrk(base, d, lua=lua_post(tmp, 'devcode', '/oauth/v3/device/code?client_id=%s&scope=ZohoCatalyst.projects.ALL' % demo.device_id)),
                5 * PEERS['device authorization'])
            # revoking an already revoked token: a read and a 200 answer
            other = harness.get_cli_tokens(srv, demo)
            harness.http('POST', base + '/oauth/v2/token/revoke',
                         params={'token': other['refresh_token']})
            row('revocation', wrk(base, d, lua=lua_post(
                tmp, 'revoke', '/oauth/v2/token/revoke?token=' + other['refresh_token'])),
                10 * PEERS['revocation'])
            rss = peak_rss_kib(srv.pid)
    print('\n| what | req/s | p99 ms | target req/s | note |')
    print('| --- | ---: | ---: | ---: | --- |')
    for name, rps, p99, target, note in rows:
        print('| %s | %.0f | %s | %s | %s |' % (
            name, rps, '' if p99 is None else '%.2f' % p99,
            '' if target is None else '%.0f%s' % (target, ' ok' if rps >= target else ' MISSED'),
            note))
    print('\ncatalystd peak RSS: %.1f MiB' % (rss / 1024.0))


if __name__ == '__main__':
    main()
