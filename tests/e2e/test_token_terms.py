"""`catalyst token:generate --name --expires-in --project --read-only`
end to end (issue 10, items 1 and 2): the real CLI asks, a person approves
the terms on the page, token:list shows them, and the token is held to
them when another device uses it."""

import calendar
import json
import tempfile
import time
import unittest

import harness as h
from e2e_util import Device, TOKEN_RX, device_flow


def tsv_rows(text):
    return [line.split('\t') for line in text.splitlines() if line]


class TermsCli(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='cat-e2e-terms-')
        cls.tmp = cls._tmp.name
        cls.srv = h.Server(cls.tmp, device_interval=1,
                           extra_args=('--token-expiry-min', '1',
                                       '--last-used-flush', '1'))
        cls.srv.start()
        cls.demo = h.setup_demo(cls.srv)
        cls.browser = h.Browser(cls.srv.url, cls.demo.email,
                                cls.demo.password)
        cls.a = cls.device('terms-a')
        r = device_flow(cls.a, cls.browser, 'login', '--no-localhost')
        assert r.proc.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls._tmp.cleanup()

    @classmethod
    def device(cls, name):
        return Device(cls.tmp, name, {'us': cls.srv.url}, cls.demo)

    def generate(self, *flags):
        r = device_flow(self.a, self.browser, 'token:generate', *flags)
        self.assertEqual(r.proc.returncode, 0, r.stderr)
        token = r.stdout.strip()
        self.assertRegex(token, TOKEN_RX)
        tid = [i for i, e in self.a.state()['dcs']['us']['tokens'].items()
               if e['token'] == token][0]
        return token, tid

    def rows(self):
        r = self.a.run('token:list')
        self.assertEqual(r.returncode, 0, r.stderr)
        return {row[0]: row for row in tsv_rows(r.stdout)}

    def listed(self):
        r = self.a.run('token:list', '--json')
        self.assertEqual(r.returncode, 0, r.stderr)
        return {t['token_id']: t for t in json.loads(r.stdout)['tokens']}

    def test_name_project_read_only_and_expiry_in_the_list(self):
        _, tid = self.generate('--name', 'ci-deploy', '--expires-in', '30d',
                               '-p', 'alpha', '--read-only')
        row = self.rows()[tid]
        # ID NAME CREATED LAST-USED FROM EXPIRES SCOPE DEVICE DC HERE TOKEN
        self.assertEqual(row[1], 'ci-deploy')
        self.assertEqual(row[6], 'project %s, read-only'
                         % self.demo.project_ids[0])
        self.assertEqual(row[7], 'terms-a')
        self.assertEqual(row[9], 'yes')
        exp = time.mktime(time.strptime(row[5], '%Y-%m-%dT%H:%M:%SZ')) \
            - time.timezone
        self.assertLess(abs(exp - (time.time() + 30 * 86400)), 60)
        js = self.listed()[tid]
        self.assertEqual(js['token_name'], 'ci-deploy')
        self.assertEqual(js['project_id'], self.demo.project_ids[0])
        self.assertIs(js['read_only'], True)
        self.assertTrue(js['revocable_here'])

    def test_default_name_is_host_and_date(self):
        _, tid = self.generate()
        row = self.rows()[tid]
        today = time.strftime('%Y-%m-%d', time.gmtime())
        self.assertEqual(row[1], 'terms-a ' + today)
        self.assertEqual(row[5], 'never')
        self.assertEqual(row[6], 'full')

    def test_a_project_token_on_another_device(self):
        token, _ = self.generate('--project', 'beta', '--name', 'beta-only')
        b = self.device('terms-b')
        r = b.run('project:list', '--token', token)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [row[0] for row in tsv_rows(r.stdout)]
        self.assertEqual(names, ['beta'])
        r = b.run('project:use', 'alpha', '--token', token)
        self.assertNotEqual(r.returncode, 0)

    def test_expired_token_is_refused_with_the_date(self):
        # counted from the request: room for a slow approval under load
        token, tid = self.generate('--expires-in', '6s', '--name', 'brief')
        b = self.device('terms-c')
        r = b.run('project:list', '--token', token)
        self.assertEqual(r.returncode, 0, r.stderr)
        ends = calendar.timegm(time.strptime(
            self.listed()[tid]['token_expires_at'], '%Y-%m-%dT%H:%M:%SZ'))
        while time.time() < ends + 1.2:
            time.sleep(0.2)
        r = b.run('project:list', '--token', token)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn('expired on', r.stderr)
        row = self.rows()[tid]
        self.assertTrue(row[5].startswith('expired '), row)
        # last used: the time and the address it came from
        self.assertNotEqual(row[3], 'never')
        self.assertEqual(row[4], '127.0.0.1')

    def test_usage_errors_send_nothing(self):
        for flags in (('--expires-in', 'soon'), ('--expires-in', '11y'),
                      ('--expires-in', '0'), ('--name', ''),
                      ('--current', '--read-only'),
                      ('--current', '--name', 'x')):
            with self.subTest(flags=flags):
                r = self.a.run('token:generate', *flags)
                self.assertEqual(r.returncode, 129, r.stderr)
                self.assertNotIn('/device', r.stderr)
        r = self.a.run('token:generate', '-p', 'no-such-project')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no-such-project', r.stderr)
        self.assertNotIn('/device', r.stderr)


if __name__ == '__main__':
    unittest.main()
