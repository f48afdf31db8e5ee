#!/usr/bin/env python3
"""Bearer validation as the store grows (DESIGN.md section 7): p99 of
/oauth/user/info with 1,000 and with 1,000,000 CLI tokens in the store.

Each run starts a release catalystd on a fresh SQLite store, adds N grants
(each with one access token) straight into the database in one transaction,
then has wrk present 20,000 different access tokens picked at random from
the N, so lookups really spread over the whole index.

    python3 bench/bench_scale.py [--duration 10] [--sizes 1000,1000000]
"""

import argparse
import hashlib
import os
import random
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
os.environ.setdefault('CATALYSTD', os.path.join(ROOT, 'build', 'src', 'server', 'catalystd'))
import harness  # noqa: E402

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
SAMPLE = 20000


def crc62(s):
    c = zlib.crc32(s.encode()) & 0xffffffff
    out = ''
    for _ in range(6):
        out = B62[c % 62] + out
        c //= 62
    return out


def token(prefix, dc, rnd):
    body = '%s_%s_%s' % (prefix, dc, ''.join(rnd.choice(B62) for _ in range(32)))
    return body + crc62(body)


def fill(db, n, account_id, client_id, rnd):
    """Adds n grants with an unexpired access token each; returns a random
    sample of the access tokens (plain text, for wrk)."""
    con = sqlite3.connect(db)
    now = int(time.time())
    sample_at = set(rnd.sample(range(n), min(SAMPLE, n)))
    sample = []
    rows_g, rows_a = [], []
    with con:
        for i in range(n):
            tid = '%012x' % rnd.getrandbits(48)
            rt = token('catr', 'us', rnd)
            at = token('cata', 'us', rnd)
            rows_g.append((tid, hashlib.sha256(rt.encode()).hexdigest(),
                           account_id, client_id, ord('m'), 'ZohoCatalyst.projects.ALL',
                           'bench-%d' % i, 'us', now, now, 0))
            rows_a.append((hashlib.sha256(at.encode()).hexdigest(), tid, now + 86400))
            if i in sample_at:
                sample.append(at)
            if len(rows_g) == 50000 or i == n - 1:
                con.executemany('INSERT INTO grants VALUES (?,?,?,?,?,?,?,?,?,?,?)', rows_g)
                con.executemany('INSERT INTO access_tokens VALUES (?,?,?)', rows_a)
                rows_g, rows_a = [], []
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
            # a pass over the whole sample first (it also records each token's
            # once-a-minute last-used write), as a long-running server would have
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
        bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)

        return rps, p99, int(bad.group(1)) if bad else 0, filled


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--sizes', default='1000,1000000')
    args = ap.parse_args()
    rnd = random.Random(7)
    print('| CLI tokens in store | req/s | p99 ms | non-2xx | fill s |')
    print('| ---: | ---: | ---: | ---: | ---: |')
    res = []
    for n in [int(x) for x in args.sizes.split(',')]:
        rps, p99, bad, filled = run(n, args.duration, rnd)
        res.append(p99)
        print('| %d | %.0f | %.2f | %d | %.0f |' % (n, rps, p99, bad, filled), flush=True)
    if len(res) >= 2:
        print('\np99 ratio largest/smallest: %.2f (target <= 1.5)' % (res[-1] / res[0]))


if __name__ == '__main__':
    main()
