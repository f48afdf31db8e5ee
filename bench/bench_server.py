#!/usr/bin/env python3
"""Side-by-side load figures for catalystd (DESIGN.md section 7), one run.

Starts, at the same time, a release catalystd on a temporary SQLite store,
its peer oidc-provider 8.8.1 (Node, in-memory adapter; bench/peer/) and an
nginx serving a fixed body (this machine's HTTP ceiling). Each server gets
its tokens through its own real device flow. Then wrk (2 threads, 64
connections) runs the same operations against catalystd and against
oidc-provider, one after the other, operation by operation, and prints the
req/s of each, the ratios catalystd / oidc-provider and catalystd / nginx,
and the peak RSS (VmHWM) of each server. Never a pass/fail test: the numbers
are for people to read; the DESIGN.md section 7 targets are shown next to
them.

    python3 bench/bench_server.py [--duration 10]

Needs wrk, nginx, node and npm (scripts/install-deps.sh --test) and a
release build (build/, or CATALYSTD=<build>/src/server/catalystd).
oidc-provider is installed by npm into <build>/bench-peer on first use
(CATALYST_BENCH_PEER_DIR overrides it).
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
sys.path.insert(0, HERE)
os.environ.setdefault('CATALYSTD', os.path.join(ROOT, 'build', 'src', 'server', 'catalystd'))
import harness  # noqa: E402
import peer_env  # noqa: E402



def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wrk(url, duration, headers=(), lua=None, conns=64, warmup=0):
    """(req/s, p99 ms, non-2xx answers, answers) of one wrk run; a warm-up
    run of warmup seconds first, unmeasured (Node's JIT, caches)."""
    cmd = ['wrk', '-t2', '-c%d' % conns, '--latency']
    for h in headers:
        cmd += ['-H', h]
    if lua:
        cmd += ['-s', lua]
    if warmup:
        subprocess.run(cmd + ['-d%ds' % warmup, url], capture_output=True,
                       check=True)
    res = subprocess.run(cmd + ['-d%ds' % duration, url], capture_output=True,
                         text=True, check=True)
    if res.stderr.strip():  # a Lua error makes wrk fall back to GET /
        raise SystemExit('wrk: ' + res.stderr.strip())
    out = res.stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    total = int(re.search(r'(\d+) requests in', out).group(1))
    p99 = re.search(r'99%\s+([\d.]+)(us|ms|s)', out)
    scale = {'us': 0.001, 'ms': 1, 's': 1000}[p99.group(2)]
    non2xx = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
    return (rps, float(p99.group(1)) * scale,
            int(non2xx.group(1)) if non2xx else 0, total)


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


def peak_rss_kib(pid, key='VmHWM'):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return 0


def tree_peak_rss_kib(pid, key='VmHWM'):
    """VmHWM of pid plus its children's (nginx: master and workers)."""
    total = peak_rss_kib(pid, key)
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        kids = []
    return total + sum(peak_rss_kib(k, key) for k in kids)


def loadavg():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


# DESIGN.md section 7: (min catalystd / oidc-provider, min catalystd / nginx)
TARGETS = {
    'bearer user-info': (10, 0.6),
    'bearer project list': (None, 0.4),
    'refresh grant': (5, None),
    'pending poll': (8, None),
    'revocation': (8, None),
    'device authorization': (3, None),
}


def verdict(value, target):
    if target is None or value is None:
        return ''
    return ' (>= %g: %s)' % (target, 'met' if value >= target else 'NOT met')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=3,
                    help='unmeasured seconds of the same load before each run')
    args = ap.parse_args()
    d = args.duration
    w = args.warmup
    print('load average before: %s (%d CPUs)' % (loadavg(), os.cpu_count()),
          flush=True)
    res = {}  # name -> {'catalystd': (rps, p99, bad), 'oidc-provider': ...}
    with tempfile.TemporaryDirectory() as tmp, \
            peer_env.Peer(harness.CATALYSTD, tmp) as peer, \
            harness.Server(tmp, device_ttl=1800,
                           extra_args=('--log-level', 'warn')) as srv:
        nginx, nport = start_nginx(tmp)
        try:
            print('oidc-provider %s tokens: %s' % (peer_env.VERSION,
                                                   peer.info['tokens_from']))
            ceil1 = wrk('http://127.0.0.1:%d/' % nport, d)
            demo = harness.setup_demo(srv)
            tok = harness.get_cli_tokens(srv, demo)
            # the refresh token to revoke: another whole flow, revoked once
            other = harness.get_cli_tokens(srv, demo)
            harness.http('POST', srv.url + '/oauth/v2/token/revoke',
                         params={'token': other['refresh_token']})
            code = harness.device_code(srv, demo.device_id)[1]
            pi = peer.info
            pcred = 'client_id=%s&client_secret=%s' % (pi['client_id'],
                                                      pi['client_secret'])
            cat = {
                'bearer user-info': lambda: wrk(
                    srv.url + '/oauth/user/info', d, warmup=w,
                    headers=['Authorization: Bearer ' + tok['access_token']]),
                'bearer project list': lambda: wrk(
                    srv.url + '/baas/v1/project', d, warmup=w,
                    headers=['Authorization: Bearer ' + tok['access_token']]),
                'refresh grant': lambda: wrk(srv.url, d, warmup=w, lua=lua_post(
                    tmp, 'c-refresh', '/oauth/v2/token',
                    'grant_type=refresh_token&client_id=%s&client_secret=%s'
                    '&refresh_token=%s' % (demo.device_id, demo.device_secret,
                                           tok['refresh_token']))),
                'pending poll': lambda: wrk(srv.url, d, warmup=w, lua=lua_post(
                    tmp, 'c-poll',
                    '/oauth/v3/device/token?client_id=%s&client_secret=%s'
                    '&grant_type=device_token&code=%s' % (
                        demo.device_id, demo.device_secret,
                        code['device_code']))),
                'revocation': lambda: wrk(srv.url, d, warmup=w, lua=lua_post(
                    tmp, 'c-revoke', '/oauth/v2/token/revoke?token='
                    + other['refresh_token'])),
                'device authorization': lambda: wrk(srv.url, d, warmup=w, lua=lua_post(
                    tmp, 'c-devcode', '/oauth/v3/device/code?client_id=%s'
                    '&scope=ZohoCatalyst.projects.ALL' % demo.device_id)),
            }
            oidc = {
                'bearer user-info': lambda: wrk(
                    peer.url + '/me', d, warmup=w,
                    headers=['Authorization: Bearer ' + pi['access_token']]),
                'refresh grant': lambda: wrk(peer.url, d, warmup=w, lua=lua_post(
                    tmp, 'p-refresh', '/token',
                    'grant_type=refresh_token&%s&refresh_token=%s'
                    '&scope=offline_access' % (pcred, pi['refresh_token']))),
                'pending poll': lambda: wrk(peer.url, d, warmup=w, lua=lua_post(
                    tmp, 'p-poll', '/token',
                    'grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type'
                    '%%3Adevice_code&%s&device_code=%s' % (
                        pcred, pi['pending_device_code']))),
                'revocation': lambda: wrk(peer.url, d, warmup=w, lua=lua_post(
                    tmp, 'p-revoke', '/token/revocation',
                    '%s&token=%s' % (pcred, pi['revoked_refresh_token']))),
                'device authorization': lambda: wrk(peer.url, d, warmup=w, lua=lua_post(
                    tmp, 'p-devcode', '/device/auth',
                    '%s&scope=openid%%20offline_access' % pcred)),
            }
            for name in TARGETS:
                res[name] = {'catalystd': cat[name]()}
                if name in oidc:
                    res[name]['oidc-provider'] = oidc[name]()
                print('  %s done (load %s)' % (name, loadavg()), flush=True)
            ceil2 = wrk('http://127.0.0.1:%d/' % nport, d)
            rss = {'catalystd': peak_rss_kib(srv.pid),
                   'oidc-provider': peak_rss_kib(peer.pid),
                   'nginx': tree_peak_rss_kib(nginx.pid)}
            now = {'catalystd': peak_rss_kib(srv.pid, 'VmRSS'),
                   'oidc-provider': peak_rss_kib(peer.pid, 'VmRSS'),
                   'nginx': tree_peak_rss_kib(nginx.pid, 'VmRSS')}
        finally:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(10)
    ceiling = (ceil1[0] + ceil2[0]) / 2
    load_after = loadavg()

    print('\n| operation | catalystd req/s | p99 ms | oidc-provider req/s | p99 ms '
          '| catalystd ÷ oidc-provider | catalystd ÷ nginx |')
    print('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
    notes = []
    for name, (t_peer, t_nginx) in TARGETS.items():
        c = res[name]['catalystd']
        p = res[name].get('oidc-provider')
        rp = c[0] / p[0] if p else None
        rn = c[0] / ceiling
        print('| %s | %.0f | %.2f | %s | %s | %s | %s |' % (
            name, c[0], c[1],
            '%.0f' % p[0] if p else '—', '%.2f' % p[1] if p else '—',
            '%.2f×%s' % (rp, verdict(rp, t_peer)) if p else '—',
            '%.2f×%s' % (rn, verdict(rn, t_nginx))))
        for who, r in res[name].items():
            if r[2]:
                notes.append('%s %s: %d non-2xx answers of %d' % (
                    who, name, r[2], r[3]))
    print('| nginx fixed body (ceiling) | %.0f (first %.0f, last %.0f) | %.2f | | | | 1× |'
          % (ceiling, ceil1[0], ceil2[0], max(ceil1[1], ceil2[1])))
    print('\npeak RSS (VmHWM): catalystd %.1f MiB, oidc-provider %.1f MiB, '
          'nginx %.1f MiB (master + workers); catalystd ÷ oidc-provider %.2f%s'
          % (rss['catalystd'] / 1024.0, rss['oidc-provider'] / 1024.0,
             rss['nginx'] / 1024.0, rss['catalystd'] / rss['oidc-provider'],
             ' (<= 0.25: %s)' % ('met' if rss['catalystd'] <= rss['oidc-provider'] / 4
                                 else 'NOT met')))
    print('RSS at the end (VmRSS): catalystd %.1f MiB, oidc-provider %.1f MiB, '
          'nginx %.1f MiB. catalystd\'s peak includes Argon2id\'s 64 MiB while '
          'the benchmark signs in on its web page (freed after).'
          % (now['catalystd'] / 1024.0, now['oidc-provider'] / 1024.0,
             now['nginx'] / 1024.0))
    print('load average after: %s' % load_after)
    if notes:
        print('\nnon-2xx (expected for the pending poll, an error answer by '
              'design):\n  ' + '\n  '.join(notes))


if __name__ == '__main__':
    main()
