"""The write path: requests that write run on the write pool
(--write-threads) and, on SQLite, share commits (group commit). Each must be
answered only once committed, must fail alone, and must neither hang nor be
lost across a graceful stop or a kill -9."""

import re
import threading

from common import ServerCase, USER_CODE_RE, kill9_under_load
from harness import (db_check, db_count, device_code, http, is_pg,
                     wait_until)


def metric(srv, name):
    st, _, text = http('GET', srv.url + '/metrics')
    assert st == 200, text
    m = re.search(r'(?m)^%s (\d+(?:\.\d+)?(?:e\+\d+)?)$' % name, text)
    assert m, '%s missing from /metrics' % name
    return int(float(m.group(1)))


def burst(srv, client_id, threads=32, each=8):
    """threads clients each asking for `each` device codes at once; returns
    [(status, body)]."""
    out = []
    lock = threading.Lock()
    go = threading.Barrier(threads)

    def client():
        go.wait()
        for _ in range(each):
            try:
                st, body = device_code(srv, client_id)
            except OSError as e:  # recorded, never silently dropped
                st, body = None, repr(e)
            with lock:
                out.append((st, body))

    ts = [threading.Thread(target=client) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return out


def stored_device_hashes(db):
    return db_count(db, 'device_auths')


class GroupCommitTest(ServerCase):
    """The default: a write pool of 16 on SQLite, writes on the worker
    threads (0) on PostgreSQL."""

    def test_concurrent_writes_share_commits_and_all_land(self):
        commits0 = metric(self.srv, 'catalystd_store_commits_total')
        writes0 = metric(self.srv, 'catalystd_store_writes_total')
        rows0 = stored_device_hashes(self.srv.db)
        res = burst(self.srv, self.demo.device_id)
        bad = [r for r in res if r[0] != 200]
        self.assertEqual(bad, [], 'failed device authorizations')
        codes = [b['user_code'] for _, b in res]
        devices = [b['device_code'] for _, b in res]
        for c in codes:
            self.assertRegex(c, USER_CODE_RE)
        self.assertEqual(len(set(codes)), len(codes), 'a user code twice')
        self.assertEqual(len(set(devices)), len(devices))
        # each answer was committed before it was sent
        self.assertEqual(stored_device_hashes(self.srv.db) - rows0, len(res))
        writes = metric(self.srv, 'catalystd_store_writes_total') - writes0
        commits = metric(self.srv, 'catalystd_store_commits_total') - commits0
        self.assertGreaterEqual(writes, len(res))
        if is_pg(self.srv.db):
            # docs/catalystd.md: on PostgreSQL each write is its own
            # transaction (PostgreSQL shares the WAL flushes itself)
            self.assertEqual(commits, writes)
        else:
            # 32 clients at once: some commits carried several writes
            self.assertLess(commits, writes)

    def test_a_failing_request_fails_alone(self):
        # requests that fail (an unknown client) mixed into a burst of
        # writes: each answer is its own (the store contract suite checks
        # the same for writes failing inside a shared commit)
        out, lock = [], threading.Lock()

        def client(cid):
            st, body = device_code(self.srv, cid)
            with lock:
                out.append((cid, st))

        ts = [threading.Thread(target=client,
                               args=(self.demo.device_id if i % 3
                                     else 'no-such-client',))
              for i in range(48)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(len(out), 48)
        for cid, st in out:
            if cid == 'no-such-client':
                self.assertIn(st, (400, 401))
            else:
                self.assertEqual(st, 200)

    def test_answered_writes_survive_kill9_under_load(self):
        def authorize():
            st, body = device_code(self.srv, self.demo.device_id)
            return body['device_code'] if st == 200 else None

        answered = kill9_under_load(self.srv, authorize, 300, threads=16)
        self.srv.restart()
        # every answered device code is known: pending, not invalid
        lost = []
        for dc in answered:
            st, body = self.poll_v3(dc)
            if body.get('error') != 'authorization_pending':
                lost.append((st, body))
        self.assertEqual(lost, [], '%d of %d answered device codes lost'
                         % (len(lost), len(answered)))
        self.assertEqual(db_check(self.srv.db), 'ok')

    def test_graceful_stop_answers_writes_in_flight(self):
        answered, errors, stop = [], [], threading.Event()

        def worker():
            while not stop.is_set():
                try:
                    st, body = device_code(self.srv, self.demo.device_id)
                except OSError:
                    break  # refused or reset once stopping: never a hang
                if st == 200:
                    answered.append(body['device_code'])
                elif st:
                    errors.append((st, body))

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        wait_until(lambda: len(answered) >= 100, timeout=60,
                   what='100 device authorizations answered')
        rc = self.srv.stop()
        stop.set()
        for t in threads:
            t.join(30)
            self.assertFalse(t.is_alive(), 'a client hung')
        self.assertEqual(rc, 0, self.srv.log()[-3000:])
        self.assertEqual(errors, [])
        self.srv.restart()
        for dc in answered[-50:]:
            self.assertEqual(self.poll_v3(dc)[1].get('error'),
                             'authorization_pending')


class InPlaceWritesTest(ServerCase):
    """--write-threads 0: writes run on the worker threads, as before."""

    server_kwargs = {'extra_args': ('--write-threads', '0')}

    def test_writes_without_the_pool(self):
        res = burst(self.srv, self.demo.device_id, threads=8, each=4)
        self.assertEqual([r for r in res if r[0] != 200], [])
        # the web sign-in (a write route) works in place too
        self.browser().approve(self.code()['user_code'])
