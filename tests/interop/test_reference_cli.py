"""Interop: the unmodified reference Catalyst CLI (npm zcatalyst-cli 1.25.3)
against a real catalystd.

The reference CLI exits 0 even when a command fails, so every step asserts
on its output and on the server's state (introspection, token API).
Each CLI run has its own HOME, no CI variables and a timeout.
"""

import re
import unittest
import urllib.parse

from harness import Browser, http
from refcli_case import ERR, RefCliCase


class ReferenceCliTest(RefCliCase):
    """One server and one login for the whole flow; the tests run in name
    order (test_1_..., test_2_...) and build on each other."""

    # the flow --------------------------------------------------------------
    def test_1_login_device_flow(self):
        home = self.home('main')
        out = self.ref_login(home)
        self.assertIn('Success! Logged in as : ' + self.demo.email, out)
        self.assertIsNone(ERR.search(out), out)
        out = self.run_cli(home, 'whoami')
        self.assertIn('Logged as: ' + self.demo.email, out)
        self.state['login_home'] = home

    def test_2_token_generate(self):
        home = self.state.get('login_home')
        if not home:
            self.fail('login failed earlier')
        token = self.ref_token_generate(home)
        self.assertRegex(token, r'^m_catr_us_[0-9A-Za-z]{38}$')
        self.state['token'] = token
        info = self.introspect(token[2:])
        self.assertIs(info['active'], True, info)
        self.assertEqual(info['username'], self.demo.email)
        self.assertEqual(info['client_id'], self.demo.device_id)
        self.state['token_id_server'] = info['token_id']

    def test_3_token_list(self):
        token = self.state.get('token')
        if not token:
            self.fail('token:generate failed earlier')
        out = self.run_cli(self.state['login_home'], 'token:list')
        self.assertIn('Token ID', out)
        self.assertIsNone(ERR.search(out), out)
        ids = re.findall(r'[│|]\s*([0-9a-f]{6})\s*[│|]', out)
        self.assertEqual(len(ids), 1, out)
        # the table may wrap a long token: compare without the borders
        flat = re.sub(r'[\s│|─┌┐└┘├┤┬┴┼]', '', out)
        self.assertIn(token, flat, out)
        self.state['token_id'] = ids[0]

    def test_4_project_list_with_token_elsewhere(self):
        token = self.state.get('token')
        if not token:
            self.fail('token:generate failed earlier')
        home = self.home('other')
        out = self.run_cli(home, 'project:list', '--token', token, '--org',
                           self.demo.org_id)
        self.assertIsNone(ERR.search(out), out)
        for name, pid in zip(self.demo.project_names, self.demo.project_ids):
            self.assertRegex(out, r'%s[^\n]*%s' % (re.escape(name), pid), out)
        self.state['other_home'] = home
        # the server saw the token used
        st, _, body = http('POST', self.srv.url + '/oauth/v2/token',
                           data={'refresh_token': token[2:],
                                 'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret,
                                 'grant_type': 'refresh_token'})
        self.assertEqual(st, 200, body)
        st, _, listing = http('GET', self.srv.url + '/api/v1/tokens',
                              headers={'Authorization':
                                       'Bearer ' + body['access_token']})
        self.assertEqual(st, 200, listing)
        row = [t for t in listing['tokens']
               if t['token_id'] == self.state.get('token_id_server')]
        self.assertEqual(len(row), 1, listing)
        self.assertTrue(row[0]['last_used_at'], row)
        # the reference CLI asks for no terms: unnamed, never expiring,
        # every project, read and write
        self.assertIsNone(row[0]['token_name'], row)
        self.assertIsNone(row[0]['token_expires_at'], row)
        self.assertIsNone(row[0]['project_id'], row)
        self.assertIs(row[0]['read_only'], False, row)
        self.assertIs(row[0]['expired'], False, row)

    def test_5_revoke_then_refused(self):
        tid = self.state.get('token_id')
        if not tid or not self.state.get('other_home'):
            self.fail('earlier steps failed')
        token = self.state['token']
        out = self.run_cli(self.state['login_home'], 'token:revoke', tid)
        self.assertIn('Token revoked successfully', out)
        self.assertEqual(self.introspect(token[2:]), {'active': False})
        # the HOME that used it has a cached access token: refused at once
        out = self.run_cli(self.state['other_home'], 'project:list',
                           '--token', token, '--org', self.demo.org_id)
        self.assertRegex(out, r'HTTP Error: 401', out)
        for name in self.demo.project_names:
            self.assertNotIn(name, out)
        # a fresh HOME has to refresh: the refresh is refused
        out = self.run_cli(self.home('third'), 'project:list', '--token',
                           token, '--org', self.demo.org_id)
        self.assertRegex(out, r'HTTP Error: 400', out)
        self.assertIn('Error when refreshing the access token', out)
        for name in self.demo.project_names:
            self.assertNotIn(name, out)
        out = self.run_cli(self.state['login_home'], 'token:list')
        self.assertIn('tokens basket is empty', out)

    def test_6_login_browser_flow(self):
        home = self.home('browser')
        p = self.spawn(home, 'login', '--dc', 'us')
        try:
            p.expect(r'Allow Catalyst to collect CLI error reporting', 60)
            p.send('n\r')
            m = p.expect(r'Visit this URL on this device to log in:\s*(\S+)\n',
                         60)
            auth_url = m.group(1)
            self.assertTrue(auth_url.startswith(self.srv.url +
                                                '/oauth/v2/auth?'), auth_url)
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(auth_url).query)
            loc = Browser(self.srv.url, self.demo.email,
                          self.demo.password).consent(auth_url)
            u = urllib.parse.urlsplit(loc)
            self.assertEqual('%s://%s' % (u.scheme, u.netloc),
                             q['redirect_uri'][0], loc)
            lq = urllib.parse.parse_qs(u.query)
            self.assertEqual(lq['state'], q['state'], loc)
            # deliver the redirect to the CLI's loopback listener
            st, _, page = http('GET', 'http://127.0.0.1:%d%s?%s' % (
                u.port, u.path or '/', u.query))
            self.assertEqual(st, 200, page)
            p.expect(r'Logged in as : (\S+)', 60)
            p.wait(30)
        finally:
            p.kill()
        self.assertIn('Success! Logged in as : ' + self.demo.email, p.output)
        self.assertIsNone(ERR.search(p.output), p.output)
        # the w_ credential works for a project command
        out = self.run_cli(home, 'project:list', '--org', self.demo.org_id)
        self.assertIsNone(ERR.search(out), out)
        self.assertIn(self.demo.project_names[0], out)


if __name__ == '__main__':
    unittest.main()
