"""Operations and discovery: /healthz, /metrics, RFC 8414 metadata."""

import re
import tempfile
import unittest

from common import ServerCase
from harness import admin, db_query, db_script, fresh_db, http


def metrics(url):
    st, h, text = http('GET', url + '/metrics')
    assert st == 200, (st, text)
    assert h['content-type'].startswith('text/plain'), h
    out = {}
    for line in text.splitlines():
        if line.startswith('#') or not line.strip():
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$',
                     line)
        assert m, 'not Prometheus text: %r' % line
        out[m.group(1) + (m.group(2) or '')] = float(m.group(3))
    return out


class OpsTest(ServerCase):

    def test_healthz(self):
        st, h, body = http('GET', self.url + '/healthz')
        self.assertEqual(st, 200, body)
        self.assertEqual(body['status'], 'ok')
        self.assertEqual(body['dc'], 'us')
        self.assertIsInstance(body['store'], str)
        self.assertTrue(body['store'])
        self.assertEqual(h.get('cache-control'), 'no-store')
        st, h, body = http('HEAD', self.url + '/healthz')
        self.assertEqual(st, 200)
        st, _, body = http('POST', self.url + '/healthz')
        self.assertOAuthError((st, body), 405, 'method_not_allowed')

    def test_metrics_count(self):
        def total(m, name, code=None):
            return sum(v for k, v in m.items() if k.startswith(name + '{')
                       and (code is None or 'code="%s"' % code in k))
        m0 = metrics(self.url)
        for name in ('catalystd_device_codes_issued_total',
                     'catalystd_tokens_issued_total'):
            self.assertIn(name, m0)
        self.code()
        http('GET', self.url + '/no/such/path')
        self.tokens()
        m1 = metrics(self.url)
        self.assertEqual(m1['catalystd_device_codes_issued_total'] -
                         m0['catalystd_device_codes_issued_total'], 2)
        self.assertEqual(m1['catalystd_tokens_issued_total'] -
                         m0['catalystd_tokens_issued_total'], 1)
        req = 'catalystd_http_requests_total'
        self.assertGreaterEqual(total(m1, req, '4xx') -
                                total(m0, req, '4xx'), 1)
        self.assertGreater(total(m1, req), total(m0, req) + 3)

    def test_metadata(self):
        st, _, md = http('GET', self.url +
                         '/.well-known/oauth-authorization-server')
        self.assertEqual(st, 200, md)
        self.assertEqual(md['issuer'], self.url)
        self.assertEqual(md['token_endpoint'], self.url + '/oauth/v2/token')
        self.assertEqual(md['device_authorization_endpoint'],
                         self.url + '/oauth/device_authorization')
        self.assertEqual(md['authorization_endpoint'],
                         self.url + '/oauth/v2/auth')
        self.assertEqual(md['revocation_endpoint'], self.url + '/oauth/revoke')
        self.assertEqual(md['introspection_endpoint'],
                         self.url + '/oauth/introspect')
        self.assertIn('urn:ietf:params:oauth:grant-type:device_code',
                      md['grant_types_supported'])
        self.assertIn('refresh_token', md['grant_types_supported'])
        self.assertIn('authorization_code', md['grant_types_supported'])
        self.assertEqual(md['code_challenge_methods_supported'], ['S256'])
        # every advertised POST endpoint exists (an empty request is a 4xx
        # that is not 404/405)
        for key in ('token_endpoint', 'device_authorization_endpoint',
                    'revocation_endpoint', 'introspection_endpoint'):
            st, _, body = http('POST', md[key])
            self.assertIn(st, (400, 401), (key, st, body))

    def test_public_url_is_used_in_links(self):
        from harness import Server, setup_demo, device_code
        srv = Server(self.tmp, name='pub', extra_args=(
            '--public-url', 'https://login.example.test/'))
        demo = setup_demo(srv.db)
        with srv:
            st, body = device_code(srv, demo.device_id)
            self.assertEqual(st, 200, body)
            self.assertEqual(body['verification_uri'],
                             'https://login.example.test/device')
            self.assertEqual(body['verification_url'],
                             'https://login.example.test/device?user_code='
                             + body['user_code'])
            st, _, md = http('GET', srv.url +
                             '/.well-known/oauth-authorization-server')
            self.assertEqual(md['issuer'], 'https://login.example.test')
            # an https public URL makes cookies Secure
            st, h, _ = http('GET', srv.url + '/device')
            cookies = h.get_all('set-cookie')
            self.assertTrue(cookies, h)
            self.assertTrue(any('secure' in c.lower() for c in cookies),
                            cookies)


class AdminWhileServingTest(ServerCase):
    """The admin commands work on the database of a running server, and the
    server keeps working (reads and writes) after them."""
    demo_setup = False

    def test_admin_commands_while_serving(self):
        from harness import Browser, get_cli_tokens, setup_demo
        demo = setup_demo(self.srv)  # every admin command, server running
        self.demo = demo
        for _ in range(3):
            tok = get_cli_tokens(self.srv, demo)
            self.assertEqual(self.user_info(tok['access_token'])[0], 200)
            self.assertEqual(self.refresh(tok['refresh_token'])[0], 200)
            self.assertEqual(self.revoke(tok['refresh_token'])[0], 200)
        b = Browser(self.url, demo.email, demo.password)
        b.login()
        self.assertServing()
        self.assertNotIn('disk I/O error', self.srv.log())


if __name__ == '__main__':
    unittest.main()


class UpgradeTest(unittest.TestCase):
    """Migration 10 on a store of migration 9 that holds what the old
    insert allowed: one user code on several rows, all but the newest
    expired. The upgrade keeps the newest and makes the code unique."""

    def test_duplicate_user_codes_upgrade(self):
        with tempfile.TemporaryDirectory(prefix='catalystd-up-') as tmp:
            db = fresh_db(tmp, 'upgrade')
            p = admin(db, 'migrate')
            self.assertEqual(p.returncode, 0, p.stderr)
            # back to migration 9: the index as it was, then the rows
            rows = ', '.join(
                "('%s', 'BCDFGHJK', 'c1', '', '', 0, 0, 0, 5, %d, %d, 0,"
                " '', '', 0, '', 0)" % (h * 64, at, at + 300)
                for h, at in (('a', 1000), ('b', 2000), ('c', 3000)))
            db_script(db, "DELETE FROM schema_version WHERE version = 10;"
                      "DROP INDEX device_auths_user_code;"
                      "CREATE INDEX device_auths_user_code"
                      " ON device_auths (user_code, expires_at);"
                      "INSERT INTO device_auths (device_hash, user_code,"
                      " client_id, scope, device_name, bound_account_id,"
                      " account_id, status, poll_interval, created_at,"
                      " expires_at, last_poll_at, client_addr, token_name,"
                      " token_expires_at, project_id, read_only) VALUES "
                      + rows + ";")
            self.assertEqual(db_query(
                db, "SELECT count(*) FROM device_auths"
                " WHERE user_code = 'BCDFGHJK'")[0][0], 3)
            p = admin(db, 'migrate')
            self.assertEqual(p.returncode, 0, p.stderr)
            left = db_query(db, "SELECT device_hash FROM device_auths"
                            " WHERE user_code = 'BCDFGHJK'")
            self.assertEqual(left, [('c' * 64,)])
            # unique now: the same code again is refused by the index
            with self.assertRaises(Exception):
                db_script(db, "INSERT INTO device_auths (device_hash,"
                          " user_code, client_id, scope, device_name,"
                          " bound_account_id, account_id, status,"
                          " poll_interval, created_at, expires_at,"
                          " last_poll_at, client_addr, token_name,"
                          " token_expires_at, project_id, read_only)"
                          " VALUES ('%s', 'BCDFGHJK', 'c1', '', '', 0, 0, 0,"
                          " 5, 4000, 4300, 0, '', '', 0, '', 0);" % ('d' * 64))
