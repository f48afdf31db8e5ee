"""Last-used times: a bearer check notes them in memory and a background
thread writes them in batches (--last-used-flush), so no request with a
token writes to the store, and a graceful stop writes what is left."""

import tempfile
import unittest

from common import ISO_RE, ServerCase, bearer
from harness import (Server, WriteWatch, db_query, get_cli_tokens, http,
                     setup_demo, wait_until)


def stored_last_used(db, token_id):
    rows = db_query(db, 'SELECT last_used_at FROM grants WHERE token_id = ?',
                    (token_id,))
    return rows[0][0] if rows else None


class FlushTest(ServerCase):
    server_kwargs = {'extra_args': ('--last-used-flush', '1')}

    def list_tokens(self, access):
        st, _, body = http('GET', self.url + '/api/v1/tokens',
                           headers=bearer(access))
        self.assertEqual(st, 200, body)
        return {t['token_id']: t for t in body['tokens']}

    def test_bearer_use_reaches_the_store(self):
        a = self.tokens(device_name='lister')
        b = self.tokens(device_name='used')
        self.assertEqual(stored_last_used(self.srv.db, b['token_id']), 0)
        self.assertEqual(self.user_info(b['access_token'])[0], 200)
        # the instance that saw the use lists it before any flush
        row = self.list_tokens(a['access_token'])[b['token_id']]
        self.assertRegex(row['last_used_at'] or '', ISO_RE)
        wait_until(lambda: stored_last_used(self.srv.db, b['token_id']),
                   what='the last-used time in the store')

    def test_refresh_use_reaches_the_store(self):
        t = self.tokens(device_name='refreshed')
        st, body = self.refresh(t['refresh_token'])
        self.assertEqual(st, 200, body)
        wait_until(lambda: stored_last_used(self.srv.db, t['token_id']),
                   what='the last-used time in the store')


class NoWriteOnBearerTest(unittest.TestCase):
    """harness.WriteWatch: on SQLite PRAGMA data_version, read on a
    connection of our own, changes when any other connection commits to
    the file, whatever the journal mode and whether or not a checkpoint
    ran; on PostgreSQL every row's version (xmin) shows. Either counts
    every write of the server's, not only the last-used ones. The flush
    interval is an hour, so only the stop can write the times."""

    N = 8

    def test_bearer_checks_write_nothing_and_stop_flushes(self):
        with tempfile.TemporaryDirectory(prefix='catalystd-http-') as tmp:
            srv = Server(tmp, extra_args=('--last-used-flush', '3600'))
            demo = setup_demo(srv.db)
            with srv:
                toks = [get_cli_tokens(srv, demo, device_name='t%d' % i)
                        for i in range(self.N)]
                con = WriteWatch(srv.db)
                try:
                    v0 = con.mark()
                    for t in toks:
                        st, _, body = http(
                            'GET', srv.url + '/oauth/user/info',
                            headers=bearer(t['access_token']))
                        self.assertEqual(st, 200, body)
                    v1 = con.mark()
                    self.assertEqual(v0, v1, 'a bearer check wrote to the '
                                     'store')
                    for t in toks:
                        self.assertEqual(
                            stored_last_used(srv.db, t['token_id']), 0)
                    # right after the uses: the stop must flush them
                    self.assertEqual(srv.stop(), 0, srv.log()[-3000:])
                    v2 = con.mark()
                    self.assertNotEqual(v1, v2, 'the stop wrote nothing')
                finally:
                    con.close()
                for t in toks:
                    self.assertTrue(stored_last_used(srv.db, t['token_id']),
                                    t['token_id'])


if __name__ == '__main__':
    unittest.main()
