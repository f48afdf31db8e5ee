#!/usr/bin/env python3
"""catalystd on PostgreSQL: the operations of bench_server.py against one
instance, then against two instances behind nginx, on a private PostgreSQL
server this script starts (tests/pg/pg_server.sh) and stops.

    python3 bench/bench_pg.py [--duration 10] [--warmup 3]

Needs wrk, nginx and the PostgreSQL server packages
(scripts/install-deps.sh --test). CATALYSTD picks the binary, as for the
other scripts. Figures only: no target is checked here.
"""

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'lib'))
sys.path.insert(0, HERE)

import bench_server as B  # noqa: E402
import harness  # noqa: E402
from scaleout import Cluster, PgServer  # noqa: E402


def operations(tmp, url, server, demo, d, w):
    """name -> a wrk run of that operation against url (one instance or
    the load balancer); tokens come from a real device flow on server."""
    tok = harness.get_cli_tokens(server, demo)
    other = harness.get_cli_tokens(server, demo)
    harness.http('POST', server.url + '/oauth/v2/token/revoke',
                 params={'token': other['refresh_token']})
    code = harness.device_code(server, demo.device_id)[1]
    auth = ['Authorization: Bearer ' + tok['access_token']]
    cred = 'client_id=%s&client_secret=%s' % (demo.device_id,
                                              demo.device_secret)
    return {
        'bearer user-info': lambda: B.wrk(url + '/oauth/user/info', d,
                                          warmup=w, headers=auth),
        'bearer project list': lambda: B.wrk(url + '/baas/v1/project', d,
                                             warmup=w, headers=auth),
        'refresh grant': lambda: B.wrk(url, d, warmup=w, lua=B.lua_post(
            tmp, 'pg-refresh', '/oauth/v2/token?%s&grant_type=refresh_token'
            '&refresh_token=%s' % (cred, tok['refresh_token']))),
        'pending poll': lambda: B.wrk(url, d, warmup=w, lua=B.lua_post(
            tmp, 'pg-poll', '/oauth/v3/device/token?%s&grant_type='
            'device_token&code=%s' % (cred, code['device_code']))),
        'revocation': lambda: B.wrk(url, d, warmup=w, lua=B.lua_post(
            tmp, 'pg-revoke', '/oauth/v2/token/revoke?token='
            + other['refresh_token'])),
        'device authorization': lambda: B.wrk(url, d, warmup=w, lua=B.lua_post(
            tmp, 'pg-devcode', '/oauth/v3/device/code?client_id=%s'
            '&scope=ZohoCatalyst.projects.ALL' % demo.device_id)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=3)
    args = ap.parse_args()
    print('load average before: %s (%d CPUs)' % (B.loadavg(), os.cpu_count()),
          flush=True)
    res = {}
    with tempfile.TemporaryDirectory(prefix='cat-bench-pg-') as tmp:
        with PgServer.private(tmp) as pg:
            for label, n in (('one instance', 1), ('two instances + nginx', 2)):
                db = pg.fresh_db('bench')
                demo = harness.setup_demo(db)
                with Cluster(tmp, db, n=n, device_interval=1,
                             access_log=False,
                             extra_args=('--log-level', 'warn')) as c:
                    first = c.instances[0]
                    url = first.url if n == 1 else c.url
                    for name, run in operations(tmp, url, first, demo,
                                                args.duration,
                                                args.warmup).items():
                        res.setdefault(name, {})[label] = run()
                        print('  %s, %s done (load %s)'
                              % (label, name, B.loadavg()), flush=True)
    print()
    print('| operation | one instance req/s | p99 ms | two instances + '
          'nginx req/s | p99 ms |')
    print('| --- | ---: | ---: | ---: | ---: |')
    for name, by in res.items():
        one = by['one instance']
        two = by['two instances + nginx']
        print('| %s | %.0f | %.2f | %.0f | %.2f |'
              % (name, one[0], one[1], two[0], two[1]))
    print()
    print('load average after: %s' % B.loadavg())


if __name__ == '__main__':
    main()
