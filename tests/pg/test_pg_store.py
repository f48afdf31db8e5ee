"""The PostgreSQL store through catalystd's own commands, for what the
backend-neutral contract suite cannot check: several instances migrating
one empty database at once, the id ranges of the reference service, and
messages that never show the password of the database URL.
"""

import subprocess
import tempfile
import threading
import unittest

import harness as h
from scaleout import PgServer


def catalystd(*args, timeout=60):
    return subprocess.run([h.CATALYSTD] + list(args), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL,
                          timeout=timeout)


class TestPgStore(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = PgServer.shared()

    def test_concurrent_migrations(self):
        # every catalystd migrates at start: four start at once, thrice
        for _ in range(3):
            db = self.pg.fresh_db('migrate')
            barrier = threading.Barrier(4)
            results = [None] * 4

            def run(i):
                barrier.wait()
                results[i] = catalystd('migrate', '--db', db)

            threads = [threading.Thread(target=run, args=(i,))
                       for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            for r in results:
                self.assertEqual(r.returncode, 0, r.stderr)
            versions = {r.stdout.strip() for r in results}
            self.assertEqual(len(versions), 1, versions)
            self.assertRegex(versions.pop(), r'\d+')

    def test_reference_id_ranges(self):
        db = self.pg.fresh_db('ids')
        demo = h.setup_demo(db)
        self.assertEqual(demo.org_id, '60001234')
        self.assertEqual(demo.project_ids[0], '4000000000001')
        with tempfile.TemporaryDirectory() as tmp, \
                h.Server(tmp, db=db) as srv:
            tok = h.get_cli_tokens(srv, demo)
            st, _, info = h.http('GET', srv.url + '/oauth/user/info',
                                 headers={'Authorization': 'Bearer '
                                          + tok['access_token']})
            self.assertEqual(st, 200, info)
            self.assertEqual(str(info['ZUID']), '70000001')
            st, _, envs = h.http(
                'GET', srv.url + '/baas/v1/project/%s/environment'
                % demo.project_ids[0],
                headers={'Authorization': 'Bearer ' + tok['access_token']})
            self.assertEqual(st, 200, envs)
            self.assertIn(demo.org_id, str(envs))

    def test_db_pool_bounds_connections(self):
        db = self.pg.fresh_db('pool')
        dbname = db.rsplit('/', 1)[1]
        h.setup_demo(db)
        with tempfile.TemporaryDirectory() as tmp, \
                h.Server(tmp, db=db, extra_args=['--db-pool', '3']) as srv:
            self.assertIn('3 threads', srv.log())
            results = []

            def hammer():
                for _ in range(20):
                    results.append(h.http('GET', srv.url + '/healthz')[0])

            threads = [threading.Thread(target=hammer) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(set(results), {200})
            n = int(self.pg.sql(db, "SELECT count(*) FROM pg_stat_activity"
                                    " WHERE application_name = 'catalystd'"
                                    " AND datname = '%s'" % dbname))
            # three request workers and the background purge
            self.assertGreaterEqual(n, 2)
            self.assertLessEqual(n, 4)

    def test_password_never_shown(self):
        dsn = self.pg.dsn
        port = self.pg.port
        user = dsn.split('//', 1)[1].split(':', 1)[0]
        secret = 'Sekr3t-Pa55word'
        urls = [
            # wrong password
            'postgres://%s:%s@127.0.0.1:%d/postgres' % (user, secret, port),
            # nobody listening
            'postgres://%s:%s@127.0.0.1:1/postgres' % (user, secret),
            # malformed (bad escape inside the password)
            'postgres://%s:%s%%zz@127.0.0.1:%d/x' % (user, secret, port),
            'postgresql://%s:%s@127.0.0.1:%d/x?nosuchparam=1'
            % (user, secret, port),
        ]
        for url in urls:
            r = catalystd('migrate', '--db', url)
            self.assertNotEqual(r.returncode, 0, url)
            self.assertNotIn(secret, r.stdout + r.stderr)
            self.assertTrue(r.stderr.strip(), url)
        with tempfile.TemporaryDirectory() as tmp:
            r = catalystd('serve', '--listen', '127.0.0.1:0', '--db', urls[0],
                          '--port-file', tmp + '/port')
            self.assertNotEqual(r.returncode, 0)
            self.assertNotIn(secret, r.stdout + r.stderr)
            self.assertIn('127.0.0.1', r.stderr)


if __name__ == '__main__':
    unittest.main()
