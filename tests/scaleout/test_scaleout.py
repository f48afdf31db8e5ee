"""Two catalystd instances on one PostgreSQL behind nginx (round-robin).

Nothing may live in only one process: a code approved on one instance is
redeemed on the other, a browser session made on one is used on the other,
rate-limit counters add up across them, a revocation on one is refused at
once by the other, and two pollers racing on different instances get
exactly one token. The whole CLI flow runs through nginx with our CLI.
The PostgreSQL outage test is in test_outage.py (it stops its own server).
"""

import json
import tempfile
import threading
import unittest

import harness as h
from scaleout import Cli, Cluster, PgServer

DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
# our CLI polls the RFC 8628 grant, the reference CLI the v3 endpoint
POLL_PATHS = ('/oauth/v2/token', '/oauth/v3/device/token')


def bearer(access):
    return {'Authorization': 'Bearer ' + access}


class ClusterCase(unittest.TestCase):
    """A fresh database on the fixture's PostgreSQL, the demo data, and two
    instances behind nginx. At the end both instances must still run and
    stop cleanly, and their logs must not hold the database password."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='cat-scaleout-')
        cls.tmp = cls._tmp.name
        cls.pg = PgServer.shared()
        cls.db = cls.pg.fresh_db('scaleout')
        cls.demo = h.setup_demo(cls.db)
        # polls 4 s apart: the approval (an Argon2id sign-in, slow under
        # ASan) must land before the next poll for nginx's alternation to
        # put the redeeming poll on the other instance
        cls.cluster = Cluster(cls.tmp, cls.db, n=2, device_interval=4).start()
        cls.a, cls.b = cls.cluster.instances
        cls.lb = cls.cluster.lb

    @classmethod
    def tearDownClass(cls):
        try:
            running = [s.running() for s in cls.cluster.instances]
            codes = cls.cluster.stop()
            logs = [s.log() for s in cls.cluster.instances]
            # the harness writes each command line ("== ...") into the
            # log, --db URL included; what catalystd wrote must not
            ours = ['\n'.join(line for line in log.splitlines()
                              if not line.startswith('== '))
                    for log in logs]
            assert all(running), 'an instance died:\n' + '\n'.join(logs)
            assert codes == [0, 0], 'unclean stop %r:\n%s' % (
                codes, '\n'.join(logs))
            for log in ours:
                assert cls.pg.password not in log, 'password in a log'
        finally:
            cls._tmp.cleanup()

    def browser(self, server):
        return h.Browser(server.url, self.demo.email, self.demo.password)

    def poll(self, server, device_code):
        return h.poll_device_token(server, self.demo.device_id,
                                   self.demo.device_secret, device_code)

    def tokens(self, server):
        """A CLI token's server side: (refresh_token, access_token, id)."""
        tok = h.get_cli_tokens(server, self.demo,
                               browser=self.browser(server))
        return tok['refresh_token'], tok['access_token'], tok['token_id']

    def user_info(self, server, access):
        st, _, body = h.http('GET', server.url + '/oauth/user/info',
                             headers=bearer(access))
        return st, body

    def refresh(self, server, refresh_token):
        st, _, body = h.http('POST', server.url + '/oauth/v2/token',
                             data={'grant_type': 'refresh_token',
                                   'refresh_token': refresh_token,
                                   'client_id': self.demo.device_id,
                                   'client_secret': self.demo.device_secret})
        return st, body


class TestCliThroughNginx(ClusterCase):
    """Our CLI, pointed at nginx, from sign-in to revocation."""

    def last_poll_upstream(self, since):
        polls = [e for e in self.lb.access_log()[since:]
                 if e.path in POLL_PATHS]
        return polls[-1].upstream_port if polls else None, len(polls)

    def device_flow(self, cli, *args):
        """Runs a device-flow command and approves its code on the instance
        that answered the latest poll; nginx alternates, so the poll that
        redeems the code lands on the other instance. Returns (Running,
        approving instance, redeeming instance)."""
        mark = len(self.lb.access_log())
        run = cli.start(*args)
        code = run.user_code()
        h.wait_until(lambda: self.last_poll_upstream(mark)[1] >= 2,
                     timeout=20, what='two polls through nginx')
        approver = self.cluster.by_port(self.last_poll_upstream(mark)[0])
        self.browser(approver).approve(code)
        self.assertEqual(run.wait(60), 0, run.stderr)
        redeemer = self.cluster.by_port(self.last_poll_upstream(mark)[0])
        return run, approver, redeemer

    def test_whole_flow(self):
        laptop = Cli(self.tmp, 'laptop', self.lb.url, self.demo)
        ci = Cli(self.tmp, 'ci-runner', self.lb.url, self.demo)

        # login: device flow, approved on one instance, polled on both
        run, approver, redeemer = self.device_flow(laptop, 'login',
                                                   '--no-localhost')
        self.assertIsNot(approver, redeemer)
        who = laptop.run('whoami')
        self.assertEqual(who.returncode, 0, who.stderr)
        self.assertIn(self.demo.email, who.stdout)

        # token:generate: the same, and the token is printed alone
        run, approver, redeemer = self.device_flow(laptop, 'token:generate')
        self.assertIsNot(approver, redeemer)
        token = run.stdout.strip()
        self.assertRegex(token, r'^m_catr_us_[0-9A-Za-z]{38}$')
        self.assertNotIn(token, run.stderr)

        lst = laptop.run('token:list', '--json')
        self.assertEqual(lst.returncode, 0, lst.stderr)
        mine = [t for t in json.loads(lst.stdout)['tokens']
                if t.get('revocable_here')
                and t.get('device_name') == 'laptop']
        self.assertTrue(mine, lst.stdout)
        token_id = mine[0]['token_id']

        # --token on another machine that never signed in: every request
        # of these runs is spread over both instances
        for _ in range(2):
            r = ci.run('project:list', '--token', token)
            self.assertEqual(r.returncode, 0, r.stderr)
            for name in self.demo.project_names:
                self.assertIn(name, r.stdout)
            r = ci.run('token:list', '--token', token)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(token_id, r.stdout)

        # an access token from this CLI token, used on each instance
        refresh_token = token.split('_', 1)[1]
        st, body = self.refresh(self.a, refresh_token)
        self.assertEqual(st, 200, body)
        access = body['access_token']
        for s in (self.a, self.b):
            self.assertEqual(self.user_info(s, access)[0], 200)

        # revoke through nginx: whichever instance took it, both refuse
        # the token and its access token at once
        mark = len(self.lb.access_log())
        r = laptop.run('token:revoke', token_id, '--yes')
        self.assertEqual(r.returncode, 0, r.stderr)
        revokers = {e.upstream_port for e in self.lb.access_log()[mark:]
                    if 'revoke' in e.path}
        self.assertTrue(revokers, self.lb.access_log()[mark:])
        for s in (self.a, self.b):
            st, body = self.user_info(s, access)
            self.assertEqual(st, 401, (s.name, body))
            st, body = self.refresh(s, refresh_token)
            self.assertEqual(st, 400, (s.name, body))
            self.assertEqual(body['error'], 'invalid_grant')
        r = ci.run('project:list', '--token', token)
        self.assertNotEqual(r.returncode, 0, r.stdout)

        # nginx spread the CLI's requests over both instances
        used = {e.upstream_port for e in self.lb.access_log()}
        self.assertEqual(used, {self.a.port, self.b.port})
        logout = laptop.run('logout')
        self.assertEqual(logout.returncode, 0, logout.stderr)


class TestSharedState(ClusterCase):
    """Every piece of state an instance needs comes from the store."""

    def test_approved_on_one_polled_on_the_other(self):
        st, code = h.device_code(self.a, self.demo.device_id,
                                 device_name='split-brain')
        self.assertEqual(st, 200, code)
        # the verification link names nginx, not the instance
        self.assertTrue(code['verification_uri'].startswith(self.lb.url))
        st, body = self.poll(self.b, code['device_code'])
        self.assertEqual((st, body.get('error')),
                         (200, 'authorization_pending'))
        self.browser(self.b).approve(code['user_code'])
        st, tok = self.poll(self.a, code['device_code'])
        self.assertEqual(st, 200, tok)
        self.assertIn('refresh_token', tok)
        # redeemed once: the other instance knows
        st, body = self.poll(self.b, code['device_code'])
        self.assertEqual((st, body.get('error')), (400, 'invalid_grant'))
        st, info = self.user_info(self.b, tok['access_token'])
        self.assertEqual(st, 200, info)
        self.assertEqual(info['Email'], self.demo.email)

    def test_rfc8628_poll_on_the_other_instance(self):
        st, _, code = h.http('POST', self.a.url + '/oauth/device_authorization',
                             data={'client_id': self.demo.device_id,
                                   'scope': 'ZohoCatalyst.projects.ALL'})
        self.assertEqual(st, 200, code)
        form = {'grant_type': DEVICE_GRANT, 'client_id': self.demo.device_id,
                'client_secret': self.demo.device_secret,
                'device_code': code['device_code']}
        st, _, body = h.http('POST', self.b.url + '/oauth/v2/token',
                             data=form)
        self.assertEqual((st, body['error']), (400, 'authorization_pending'))
        self.browser(self.a).approve(code['user_code'])
        st, _, body = h.http('POST', self.b.url + '/oauth/v2/token',
                             data=form)
        self.assertEqual(st, 200, body)

    def test_two_pollers_race_for_one_code(self):
        rounds, wins = 10, []
        for _ in range(rounds):
            st, code = h.device_code(self.a, self.demo.device_id)
            self.assertEqual(st, 200, code)
            self.browser(self.b).approve(code['user_code'])
            barrier = threading.Barrier(2)
            results = [None, None]

            def poller(i, server):
                barrier.wait()
                results[i] = self.poll(server, code['device_code'])

            threads = [threading.Thread(target=poller, args=(i, s))
                       for i, s in enumerate((self.a, self.b))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            winners = [r for r in results
                       if r and r[0] == 200 and 'refresh_token' in r[1]]
            losers = [r for r in results
                      if r and r[0] == 400 and
                      r[1].get('error') == 'invalid_grant']
            self.assertEqual((len(winners), len(losers)), (1, 1), results)
            wins.append(results.index(winners[0]))
            # the one token is real and the code is spent everywhere
            st, _ = self.user_info(self.b, winners[0][1]['access_token'])
            self.assertEqual(st, 200)
        # both instances took part (each won at least once, most likely)
        self.assertEqual(len(wins), rounds)

    def test_revocation_is_seen_at_once(self):
        refresh_token, access, _ = self.tokens(self.a)
        self.assertEqual(self.user_info(self.b, access)[0], 200)
        st, _, body = h.http('POST', self.a.url + '/oauth/v2/token/revoke',
                             data={'token': refresh_token})
        self.assertEqual(st, 200, body)
        st, body = self.user_info(self.b, access)
        self.assertEqual(st, 401, body)
        st, body = self.refresh(self.b, refresh_token)
        self.assertEqual((st, body['error']), (400, 'invalid_grant'))

    def test_browser_session_moves_between_instances(self):
        b = self.browser(self.a)
        b.login()
        st, code = h.device_code(self.a, self.demo.device_id)
        self.assertEqual(st, 200)
        # same cookie jar, other instance: the session is in the store
        b.base = self.b.url
        r = b.get('/device?user_code=' + code['user_code'])
        self.assertFalse(b.is_login_page(r), r)
        b.approve(code['user_code'])
        st, tok = self.poll(self.a, code['device_code'])
        self.assertEqual(st, 200, tok)

    def test_browser_through_nginx(self):
        # each page of the flow may be served by a different instance
        st, code = h.device_code(self.lb, self.demo.device_id)
        self.assertEqual(st, 200, code)
        h.Browser(self.lb.url, self.demo.email,
                  self.demo.password).approve(code['user_code'])
        st, tok = self.poll(self.lb, code['device_code'])
        self.assertEqual(st, 200, tok)

    def test_rate_limits_add_up_across_instances(self):
        email, pw = 'ratelimit.scaleout@example.com', 'the right one 123'
        h.add_user(self.db, email, pw, org_id=self.demo.org_id)
        statuses = []
        for i in range(11):
            server = (self.a, self.b)[i % 2]
            b = h.Browser(server.url)
            page = b.get('/login')
            r = b.post('/login', {'email': email, 'password': 'wrong',
                                  'csrf': h.csrf_of(page.text)})
            statuses.append(r.status)
        self.assertNotIn(429, statuses[:10], statuses)
        self.assertEqual(statuses[10], 429, statuses)


if __name__ == '__main__':
    unittest.main()
