#!/usr/bin/env python3
"""The cost curve (DESIGN.md section 7): how catalystd's figures move as
its store fills.

1. Bearer validation: p99 of /oauth/user/info with 1,000 and with
   --tokens (default 1,000,000) CLI tokens in the store. Each size starts a
   release catalystd on a fresh SQLite store, adds N grants straight into
   the database in one transaction, then has wrk present 20,000 access
   tokens (signed, as catalystd signs them, for grants picked at random
   from the N), so lookups really spread over the whole index.
2. Device authorization with 10,000 codes pending (--pending): req/s of
   device authorization on a fresh server that already holds 1,000 pending
   codes, and on one that holds 10,000 (made through the endpoint itself),
   for catalystd and for its peer oidc-provider 8.8.1 (bench/peer/). The
   codes the measured run itself makes add to these.

    python3 bench/bench_scale.py [--duration 10] [--tokens 1000000]
                                 [--pending 10000] [--skip-tokens]
                                 [--skip-pending]
"""

import argparse
import hashlib
import hmac
import http.client
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
os.environ.setdefault('CATALYSTD', os.path.join(ROOT, 'build', 'src', 'server', 'catalystd'))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import bench_server  # noqa: E402
import peer_env  # noqa: E402

B62, crc62 = harness.BASE62, harness.crc62
SAMPLE = 20000


def token(prefix, dc, rnd):
    body = '%s_%s_%s' % (prefix, dc, ''.join(rnd.choice(B62) for _ in range(32)))
    return body + crc62(body)


def b62(value, width):
    out = ''
    for _ in range(width):
        out = B62[value % 62] + out
        value //= 62
    return out


def access_token(tid, expires_at, day, key, dc='us'):
    """A signed access token (layout in src/common/token.h): what catalystd
    mints for grant tid with the key of day."""
    signed = 'cata_%s_%s%s%s' % (dc, tid, b62(expires_at, 6), b62(day, 4))
    mac = hmac.new(key, signed.encode(), hashlib.sha512).digest()[:16]
    body = signed + b62(int.from_bytes(mac, 'big'), 22)
    return body + crc62(body)


def fill(db, n, account_id, client_id, rnd):
    """Adds n grants; returns access tokens of a random sample of them
    (plain text, for wrk), signed with today's key, which goes into the
    store as catalystd would have made it."""
    con = sqlite3.connect(db)
    now = int(time.time())
    day = now // 86400
    key = os.urandom(32)
    sample_at = set(rnd.sample(range(n), min(SAMPLE, n)))
    sample = []
    rows_g = []
    with con:
        con.execute('INSERT INTO server_keys VALUES (?,?,?)',
                    ('access-mac-%d' % day, key.hex(), now))
        for i in range(n):
            tid = '%012x' % rnd.getrandbits(48)
            rt = token('catr', 'us', rnd)
            rows_g.append((tid, hashlib.sha256(rt.encode()).hexdigest(),
                           account_id, client_id, ord('m'), 'ZohoCatalyst.projects.ALL',
                           'bench-%d' % i, 'us', now, now, 0))
            if i in sample_at:
                sample.append(access_token(tid, now + 3600, day, key))
            if len(rows_g) == 50000 or i == n - 1:
                con.executemany('INSERT INTO grants VALUES (?,?,?,?,?,?,?,?,?,?,?)', rows_g)
                rows_g = []
    con.close()
    return sample


def run(n, duration, rnd):
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, 'scale.db')
        harness.admin(db, 'migrate')
        demo = harness.setup_demo(db)
        acct = sqlite3.connect(db).execute(
            'SELECT id FROM accounts WHERE email = ?', (demo.email,)).fetchone()[0]
        t0 = time.time()
        sample = fill(db, n, acct, demo.device_id, rnd)
        filled = time.time() - t0
        lua = os.path.join(tmp, 'tokens.lua')
        with open(lua, 'w') as f:
            f.write('local t = {\n')
            f.write(',\n'.join('"%s"' % s for s in sample))
            f.write('}\nlocal i = 0\nrequest = function()\n'
                    '  i = i % #t + 1\n'
                    '  return wrk.format("GET", "/oauth/user/info", '
                    '{["Authorization"] = "Bearer " .. t[i]})\nend\n')
        with harness.Server(tmp, db=db, extra_args=('--log-level', 'warn')) as srv:
            # a pass over the whole sample first (it also notes each token's
            # last use, flushed in the background), as a long-running server
            # would have
            for _ in range(2):
                subprocess.run(['wrk', '-t2', '-c64', '-d5s', '-s', lua, srv.url],
                               capture_output=True, check=True)
            res = subprocess.run(['wrk', '-t2', '-c64', '-d%ds' % duration, '--latency',
                                  '-s', lua, srv.url],
                                 capture_output=True, text=True, check=True)
            if res.stderr.strip():  # a Lua error makes wrk fall back to GET /
                raise SystemExit('wrk: ' + res.stderr.strip())
            out = res.stdout
        import re
        rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
        m = re.search(r'99%\s+([\d.]+)(us|ms|s)', out)
        p99 = float(m.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000}[m.group(2)]
        m = re.search(r'50%\s+([\d.]+)(us|ms|s)', out)
        p50 = float(m.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000}[m.group(2)]
        bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)

        return rps, p99, int(bad.group(1)) if bad else 0, filled, p50


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--tokens', type=int, default=1000000,
                    help='the large store size (compared with 1,000)')
    ap.add_argument('--sizes', help='comma-separated sizes instead')
    ap.add_argument('--pending', type=int, default=10000)
    ap.add_argument('--skip-tokens', action='store_true')
    ap.add_argument('--skip-pending', action='store_true')
    args = ap.parse_args()
    print('load average before: %s (%d CPUs)' % (loadavg(), os.cpu_count()),
          flush=True)
    if not args.skip_tokens:
        bearer_curve(args)
    if not args.skip_pending:
        pending_curve(args)
    print('\nload average after: %s' % loadavg())


def bearer_curve(args):
    sizes = args.sizes or '1000,%d' % args.tokens
    rnd = random.Random(7)
    print('| CLI tokens in store | req/s | p50 ms | p99 ms | non-2xx | fill s |')
    print('| ---: | ---: | ---: | ---: | ---: | ---: |')
    res = []
    for n in [int(x) for x in sizes.split(',')]:
        rps, p99, bad, filled, p50 = run(n, args.duration, rnd)
        res.append(p99)
        print('| %d | %.0f | %.2f | %.2f | %d | %.0f |' % (n, rps, p50, p99, bad, filled),
              flush=True)
        print('  (load %s)' % loadavg(), flush=True)
    if len(res) >= 2:
        r = res[-1] / res[0]
        print('\np99 ratio largest/smallest: %.2f (target <= 1.5: %s)'
              % (r, 'met' if r <= 1.5 else 'NOT met'))


def loadavg():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def post_many(url, path_body_pairs_fn, n):
    """n POSTs over one keep-alive connection; returns how many got 200."""
    u = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    ok = 0
    for i in range(n):
        path, body = path_body_pairs_fn(i)
        hdr = {'Content-Type': 'application/x-www-form-urlencoded'} if body else {}
        con.request('POST', path, body=body, headers=hdr)
        r = con.getresponse()
        r.read()
        ok += r.status == 200
        if r.getheader('Connection', '').lower() == 'close':
            con.close()
            con = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    con.close()
    return ok


def pending_curve(args):
    """Device authorization req/s with 1,000 and with args.pending codes
    pending at the start, each on a fresh server, catalystd and
    oidc-provider. The codes are made through the endpoint itself, over
    one connection, which also warms each server up (Node's JIT)."""
    d = args.duration
    print('\n| server | codes pending at start | device authorization req/s '
          '| p99 ms | non-2xx |')
    print('| --- | ---: | ---: | ---: | ---: |')
    out = {}
    base = 1000
    for pending in (base, args.pending):
        with tempfile.TemporaryDirectory() as tmp:
            with harness.Server(tmp, device_ttl=1800,
                                extra_args=('--log-level', 'warn')) as srv:
                demo = harness.setup_demo(srv)
                q = ('/oauth/v3/device/code?client_id=%s'
                     '&scope=ZohoCatalyst.projects.ALL' % demo.device_id)
                made = post_many(srv.url, lambda i: (q, None), pending)
                assert made == pending, made
                r = bench_server.wrk(srv.url, d, lua=bench_server.lua_post(
                    tmp, 'devcode', q))
                out[('catalystd', pending)] = r
                print('| catalystd | %d | %.0f | %.2f | %d |'
                      % (pending, r[0], r[1], r[2]), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            with peer_env.Peer(harness.CATALYSTD, tmp) as peer:
                pi = peer.info
                body = 'client_id=%s&client_secret=%s&scope=openid%%20offline_access' % (
                    pi['client_id'], pi['client_secret'])
                made = post_many(peer.url, lambda i: ('/device/auth', body),
                                 pending)
                assert made == pending, made
                r = bench_server.wrk(peer.url, d, lua=bench_server.lua_post(
                    tmp, 'devcode', '/device/auth', body))
                out[('oidc-provider', pending)] = r
                print('| oidc-provider %s | %d | %.0f | %.2f | %d |'
                      % (peer_env.VERSION, pending, r[0], r[1], r[2]), flush=True)
    n = args.pending
    for who in ('catalystd', 'oidc-provider'):
        print('%s: req/s with %d pending / with %d: %.2f' % (
            who, n, base, out[(who, n)][0] / out[(who, base)][0]))
    print('catalystd ÷ oidc-provider with %d pending: %.2f (target >= 3: %s)' % (
        n, out[('catalystd', n)][0] / out[('oidc-provider', n)][0],
        'met' if out[('catalystd', n)][0] >= 3 * out[('oidc-provider', n)][0]
        else 'NOT met'))


if __name__ == '__main__':
    main()
