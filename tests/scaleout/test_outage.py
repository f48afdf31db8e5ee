"""PostgreSQL goes away under two catalystd instances behind nginx.

This test runs its own PostgreSQL server (the fixture's is shared with
other tests), stops it with `pg_ctl stop -m fast` while requests keep
coming, and starts it again. While it is down every request that needs
the store answers 503 (a JSON error, or an HTML page on the browser pages)
and the instances stay up; once it is back they
reconnect by themselves, and every token committed before the outage
still works (and every revocation still holds).
"""

import collections
import tempfile
import threading
import time
import unittest

import harness as h
from scaleout import Cluster, PgServer

# a request that found its connection dead waits this long before the
# handle tries again (RECONNECT_BACKOFF_MS in store_pg_db.c, with margin)
RECONNECT_SLACK = 1.0


def bearer(access):
    return {'Authorization': 'Bearer ' + access}


class Load(threading.Thread):
    """Bearer requests through nginx in a loop; counts the statuses (0 for
    a connection that failed: nothing should ever fail that way)."""

    def __init__(self, url, access):
        super().__init__(daemon=True)
        self.url, self.access = url, access
        self.stop = threading.Event()
        self.statuses = collections.Counter()

    def run(self):
        while not self.stop.is_set():
            try:
                st, _, _ = h.http('GET', self.url + '/oauth/user/info',
                                  headers=bearer(self.access), timeout=10)
            except OSError:
                st = 0
            self.statuses[st] += 1
            time.sleep(0.005)


class TestPostgresOutage(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='cat-outage-')
        cls.tmp = cls._tmp.name
        cls.pg = PgServer.private(cls.tmp)
        cls.db = cls.pg.fresh_db('outage')
        cls.demo = h.setup_demo(cls.db)
        cls.cluster = Cluster(cls.tmp, cls.db, n=2).start()
        cls.a, cls.b = cls.cluster.instances
        cls.lb = cls.cluster.lb

    @classmethod
    def tearDownClass(cls):
        try:
            codes = cls.cluster.stop()
            cls.pg.stop()
            assert codes == [0, 0], 'unclean stop %r:\n%s' % (
                codes, '\n'.join(s.log() for s in cls.cluster.instances))
        finally:
            cls._tmp.cleanup()

    def tokens(self, server):
        return h.get_cli_tokens(server, self.demo, browser=h.Browser(
            server.url, self.demo.email, self.demo.password))

    def refresh(self, server, refresh_token):
        return h.http('POST', server.url + '/oauth/v2/token',
                      data={'grant_type': 'refresh_token',
                            'refresh_token': refresh_token,
                            'client_id': self.demo.device_id,
                            'client_secret': self.demo.device_secret})

    def assert_unavailable(self, st, hdrs, body, what):
        self.assertEqual(st, 503, (what, body))
        self.assertIn('application/json', hdrs.get('content-type', ''),
                      what)
        self.assertIsInstance(body, dict, what)
        self.assertNotIn(self.pg.password, str(body))

    def test_outage_and_recovery(self):
        servers = (self.a, self.b, self.lb)
        # committed before the outage: live tokens on both instances, and
        # one revocation
        kept = [self.tokens(s) for s in (self.a, self.b, self.a)]
        gone = self.tokens(self.b)
        st, _, _ = h.http('POST', self.a.url + '/oauth/v2/token/revoke',
                          data={'token': gone['refresh_token']})
        self.assertEqual(st, 200)
        load = Load(self.lb.url, kept[0]['access_token'])
        load.start()
        try:
            time.sleep(0.3)
            self.pg.pause()
            for _ in range(2):  # again after the reconnect back-off
                for s in servers:
                    what = s.url
                    st, hd, body = h.http(
                        'GET', s.url + '/oauth/user/info',
                        headers=bearer(kept[1]['access_token']))
                    self.assert_unavailable(st, hd, body, what + ' user')
                    self.assertEqual(body.get('error'),
                                     'temporarily_unavailable', body)
                    st, hd, body = self.refresh(s, kept[2]['refresh_token'])
                    self.assert_unavailable(st, hd, body, what + ' refresh')
                    self.assertEqual(body.get('error'),
                                     'temporarily_unavailable', body)
                    st, hd, body = h.http(
                        'POST', s.url + '/oauth/v3/device/code',
                        params={'client_id': self.demo.device_id,
                                'scope': 'ZohoCatalyst.projects.ALL'})
                    self.assert_unavailable(st, hd, body, what + ' code')
                    st, hd, body = h.http('GET', s.url + '/healthz')
                    self.assert_unavailable(st, hd, body, what + ' health')
                    st, hd, body = h.http(
                        'GET', s.url + '/baas/v1/project',
                        headers=bearer(kept[1]['access_token']))
                    self.assert_unavailable(st, hd, body, what + ' admin')
                    # the sign-in form itself needs no store (its CSRF
                    # value is signed), so it may still come; signing
                    # in never does
                    b = h.Browser(s.url)
                    page = b.get('/login')
                    self.assertIn(page.status, (200, 503), what + ' page')
                    if page.status == 200:
                        r = b.post('/login', {
                            'email': self.demo.email,
                            'password': self.demo.password,
                            'csrf': h.csrf_of(page.text)})
                        self.assertEqual(r.status, 503, what + ' sign-in')
                time.sleep(RECONNECT_SLACK)
            for s in (self.a, self.b):
                self.assertTrue(s.running(), s.log())
            self.pg.resume()
            h.wait_until(lambda: all(
                h.http('GET', s.url + '/healthz')[0] == 200
                for s in (self.a, self.b)), timeout=30,
                what='both instances healthy again')
            time.sleep(RECONNECT_SLACK)
            during = sum(load.statuses.values())
        finally:
            load.stop.set()
            load.join(15)

        # every worker of every instance is back: no 503 any more
        for _ in range(3):
            for s in servers:
                for t in kept:
                    st, _, body = h.http('GET', s.url + '/oauth/user/info',
                                         headers=bearer(t['access_token']))
                    self.assertEqual(st, 200, (s.url, body))
                    self.assertEqual(body['Email'], self.demo.email)
                    st, _, body = self.refresh(s, t['refresh_token'])
                    self.assertEqual(st, 200, (s.url, body))
                st, _, body = h.http('GET', s.url + '/oauth/user/info',
                                     headers=bearer(gone['access_token']))
                self.assertEqual(st, 401, body)
                st, _, body = self.refresh(s, gone['refresh_token'])
                self.assertEqual(st, 400, body)
        # and new state can be made again, through nginx
        self.tokens(self.lb)

        self.assertGreater(during, 20, load.statuses)
        self.assertEqual(set(load.statuses) - {200, 503}, set(),
                         load.statuses)
        self.assertGreater(load.statuses[503], 0, load.statuses)
        for s in (self.a, self.b):
            self.assertTrue(s.running(), s.log())
            # (the harness logs its command line, --db URL included)
            log = '\n'.join(line for line in s.log().splitlines()
                            if not line.startswith('== '))
            self.assertNotIn(self.pg.password, log)
            self.assertIn('PostgreSQL', s.log())  # the outage was logged


if __name__ == '__main__':
    unittest.main()
