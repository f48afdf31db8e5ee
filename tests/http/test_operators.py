"""The operators' admin commands against a running catalystd (issue 10,
item 5): token list/revoke, user list/disable/enable, client list/remove.
Each test works on accounts and clients of its own, so their order does
not matter; the admin commands write to the store the server is using."""
import json
import re
import unittest

from common import ServerCase, add_user_to_demo
from harness import Browser, admin, add_client, device_code, get_cli_tokens


class Who:
    """What get_cli_tokens needs of an account and a device client."""

    def __init__(self, email, password, device_id, device_secret):
        self.email, self.password = email, password
        self.device_id, self.device_secret = device_id, device_secret


class OperatorTest(ServerCase):
    n = 0

    def person(self, tag):
        type(self).n += 1
        email = 'op-%s-%d@example.com' % (tag, type(self).n)
        email, password = add_user_to_demo(self, email)
        return Who(email, password, self.demo.device_id,
                   self.demo.device_secret)

    def cli_token(self, who, device_name=None):
        return get_cli_tokens(self.srv, who, device_name=device_name)

    def assertTokenWorks(self, tok, who):
        st, body = self.user_info(tok['access_token'])
        self.assertEqual(st, 200, body)
        st, body = self.refresh(tok['refresh_token'], who.device_id,
                                who.device_secret)
        self.assertEqual(st, 200, body)
        self.assertIn('access_token', body)

    def assertTokenRefused(self, tok, who, error='invalid_grant'):
        """Its access token (at once) and its refresh token refused."""
        st, body = self.user_info(tok['access_token'])
        self.assertEqual(st, 401, body)
        self.assertOAuthError(self.refresh(tok['refresh_token'],
                                           who.device_id, who.device_secret),
                              401 if error == 'invalid_client' else 400,
                              error)

    def admin_ok(self, *args):
        p = admin(self.srv, *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def admin_json(self, *args):
        return json.loads(self.admin_ok(*args, '--json'))

    def admin_fails(self, code, *args):
        p = admin(self.srv, *args, check=False)
        self.assertEqual(p.returncode, code, (args, p.stdout, p.stderr))
        self.assertTrue(p.stderr.startswith('catalystd: '), p.stderr)
        return p.stderr

    def tokens_of(self, email):
        return {t['id']: t for t in
                self.admin_json('token', 'list', '--email', email)['tokens']}

    # token list / revoke ----------------------------------------------
    def test_token_list(self):
        who = self.person('list')
        t1 = self.cli_token(who, device_name='laptop-one')
        t2 = self.cli_token(who, device_name='laptop-two')
        other = self.cli_token(self.person('list-other'))
        self.admin_ok('token', 'revoke', '--id', t2['token_id'])

        d = self.admin_json('token', 'list', '--email', who.email)
        self.assertEqual(d['email'], who.email)
        self.assertIsInstance(d['account_id'], int)
        ids = [t['id'] for t in d['tokens']]
        # newest first (both may share a second)
        self.assertEqual(sorted(ids), sorted([t1['token_id'],
                                              t2['token_id']]), d)
        created = [t['created_at'] for t in d['tokens']]
        self.assertEqual(created, sorted(created, reverse=True))
        self.assertNotIn(other['token_id'], ids)
        byid = {t['id']: t for t in d['tokens']}
        a, b = byid[t1['token_id']], byid[t2['token_id']]
        self.assertEqual(a['client_id'], self.demo.device_id)
        self.assertEqual(a['device_name'], 'laptop-one')
        self.assertEqual(b['device_name'], 'laptop-two')
        self.assertFalse(a['revoked'])
        self.assertIsNone(a['revoked_at'])
        self.assertTrue(b['revoked'])
        self.assertRegex(b['revoked_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertRegex(a['created_at'], r'^\d{4}-\d\d-\d\dT')
        self.assertIn('last_used_at', a)

        text = self.admin_ok('token', 'list', '--email', who.email)
        lines = text.splitlines()
        self.assertEqual(lines[0].split('\t'),
                         ['ID', 'CLIENT', 'DEVICE', 'CREATED', 'LAST USED',
                          'REVOKED', 'NAME', 'EXPIRES', 'SCOPE'])
        rows = {ln.split('\t')[0]: ln.split('\t') for ln in lines[1:]}
        self.assertEqual(set(rows), {t1['token_id'], t2['token_id']})
        self.assertEqual(rows[t1['token_id']][2], 'laptop-one')
        self.assertEqual(rows[t1['token_id']][5], 'active')
        # a token of the reference CLI's kind: no terms
        self.assertEqual(rows[t1['token_id']][6:], ['unnamed', 'never',
                                                    'full'])
        self.assertIsNone(a['token_name'])
        self.assertIsNone(a['token_expires_at'])
        self.assertIsNone(a['project_id'])
        self.assertIs(a['read_only'], False)
        self.assertRegex(rows[t2['token_id']][5], r'^\d{4}-')

        self.assertIn('no account', self.admin_fails(
            1, 'token', 'list', '--email', 'nobody@example.com'))
        self.assertIn('--email is required',
                      self.admin_fails(129, 'token', 'list'))

    def test_token_revoke_by_id(self):
        who = self.person('rid')
        tok, keep = self.cli_token(who), self.cli_token(who)
        self.assertTokenWorks(tok, who)
        out = self.admin_ok('token', 'revoke', '--id', tok['token_id'])
        self.assertIn(tok['token_id'], out)
        # at once: the access token minted before and the refresh token
        self.assertTokenRefused(tok, who)
        self.assertTokenWorks(keep, who)
        # again: fine, and says so
        d = self.admin_json('token', 'revoke', '--id', tok['token_id'])
        self.assertEqual(d, {'id': tok['token_id'], 'already_revoked': True})
        self.assertIn('no token', self.admin_fails(
            1, 'token', 'revoke', '--id', 'AAAAAAAAAAAA'))

    def test_token_revoke_by_email(self):
        who = self.person('rall')
        toks = [self.cli_token(who) for _ in range(3)]
        other_who = self.person('rall-other')
        other = self.cli_token(other_who)
        d = self.admin_json('token', 'revoke', '--email', who.email, '--all')
        self.assertEqual(d['revoked'], 3, d)
        self.assertEqual(d['email'], who.email)
        for t in toks:
            self.assertTokenRefused(t, who)
        self.assertTokenWorks(other, other_who)
        self.assertTrue(all(t['revoked'] for t in
                            self.tokens_of(who.email).values()))
        out = self.admin_ok('token', 'revoke', '--email', who.email, '--all')
        self.assertIn('revoked 0 tokens', out)

    def test_token_revoke_usage(self):
        self.admin_fails(129, 'token', 'revoke')
        self.assertIn('--all', self.admin_fails(
            129, 'token', 'revoke', '--email', 'a@example.com'))
        self.admin_fails(129, 'token', 'revoke', '--id', 'x', '--email',
                         'a@example.com', '--all')
        self.admin_fails(129, 'token', 'revoke', '--bogus')
        self.assertIn('no account', self.admin_fails(
            1, 'token', 'revoke', '--email', 'nobody@example.com', '--all'))

    # user disable / enable / list ---------------------------------------
    def test_user_disable_and_enable(self):
        who = self.person('dis')
        toks = [self.cli_token(who), self.cli_token(who)]
        b = Browser(self.srv.url, who.email, who.password)
        b.login()
        self.assertFalse(b.is_login_page(b.follow(b.get('/device'))))

        d = self.admin_json('user', 'disable', '--email', who.email)
        self.assertEqual(d['email'], who.email)
        self.assertTrue(d['disabled'])
        self.assertFalse(d['already_disabled'])
        # every token refused at once, bearer and refresh
        for t in toks:
            self.assertTokenRefused(t, who)
        # the web session ended
        self.assertTrue(b.is_login_page(b.follow(b.get('/device'))))
        # sign-in refused, the same way whether the password is right
        pages = []
        for pw in (who.password, who.password + 'x'):
            r = Browser(self.srv.url).login(who.email, pw, check=False)
            self.assertEqual(r.status, 403, r.text)
            self.assertIn('disabled', r.text)
            self.assertNotIn('Wrong email or password', r.text)
            pages.append(re.sub(r'value="[^"]*"', '', r.text))
        self.assertEqual(pages[0], pages[1])
        # a new device flow cannot be approved by it
        st, code = device_code(self.srv, who.device_id)
        self.assertEqual(st, 200, code)
        with self.assertRaises(AssertionError):
            Browser(self.srv.url, who.email, who.password).approve(
                code['user_code'])

        users = {u['email']: u for u in
                 self.admin_json('user', 'list')['users']}
        self.assertTrue(users[who.email]['disabled'])
        self.assertRegex(users[who.email]['disabled_at'], r'^\d{4}-')
        again = self.admin_json('user', 'disable', '--email', who.email)
        self.assertTrue(again['already_disabled'])

        d = self.admin_json('user', 'enable', '--email', who.email)
        self.assertFalse(d['disabled'])
        self.assertTrue(d['was_disabled'])
        Browser(self.srv.url, who.email, who.password).login()
        # old tokens stay revoked; a new one works
        for t in toks:
            self.assertTokenRefused(t, who)
        self.assertTokenWorks(self.cli_token(who), who)
        users = {u['email']: u for u in
                 self.admin_json('user', 'list')['users']}
        self.assertFalse(users[who.email]['disabled'])
        self.assertIsNone(users[who.email]['disabled_at'])

    def test_user_disable_leaves_others(self):
        who, other = self.person('dis1'), self.person('dis2')
        mine, theirs = self.cli_token(who), self.cli_token(other)
        self.admin_ok('user', 'disable', '--email', who.email)
        self.assertTokenRefused(mine, who)
        self.assertTokenWorks(theirs, other)
        Browser(self.srv.url, other.email, other.password).login()

    def test_user_commands_errors(self):
        for sub in ('disable', 'enable'):
            self.assertIn('no account', self.admin_fails(
                1, 'user', sub, '--email', 'nobody@example.com'))
            self.assertIn('--email is required',
                          self.admin_fails(129, 'user', sub))
        self.admin_fails(129, 'user', 'list', 'extra')
        self.assertIn('needs a subcommand', self.admin_fails(129, 'user'))

    def test_user_list(self):
        who = self.person('ls')
        users = self.admin_json('user', 'list')['users']
        byemail = {u['email']: u for u in users}
        self.assertIn(self.demo.email, byemail)
        self.assertIn(who.email, byemail)
        u = byemail[who.email]
        self.assertEqual((u['first_name'], u['last_name']),
                         ('Other', 'Person'))
        self.assertFalse(u['disabled'])
        self.assertEqual([u['id'] for u in users],
                         sorted(u['id'] for u in users))
        lines = self.admin_ok('user', 'list').splitlines()
        self.assertEqual(lines[0].split('\t')[:2], ['ID', 'EMAIL'])
        rows = {ln.split('\t')[1]: ln.split('\t') for ln in lines[1:]}
        self.assertEqual(rows[who.email][0], str(u['id']))
        self.assertEqual(rows[who.email][5], 'active')
        self.assertNotIn('argon2', ''.join(lines))

    # client list / remove -----------------------------------------------
    def test_client_remove(self):
        cid, secret = add_client(self.srv, 'Retired CI', 'device')
        who = self.person('cl')
        who.device_id, who.device_secret = cid, secret
        toks = [self.cli_token(who), self.cli_token(who)]
        # the same account's token of another client survives
        keep_who = Who(who.email, who.password, self.demo.device_id,
                       self.demo.device_secret)
        keep = self.cli_token(keep_who)

        d = self.admin_json('client', 'remove', '--id', cid)
        self.assertEqual(d, {'client_id': cid, 'removed': True,
                             'revoked': 2})
        # its tokens refused: bearer at once, refresh because the client
        # can no longer authenticate
        for t in toks:
            st, body = self.user_info(t['access_token'])
            self.assertEqual(st, 401, body)
            self.assertOAuthError(self.refresh(t['refresh_token'], cid,
                                               secret), 401, 'invalid_client')
        self.assertTrue(all(t['revoked'] for t in
                            self.tokens_of(who.email).values()
                            if t['client_id'] == cid))
        self.assertTokenWorks(keep, keep_who)
        # it cannot start a device flow
        self.assertOAuthError(device_code(self.srv, cid), 401,
                              'invalid_client')
        # listed as removed; its id cannot be registered again
        clients = {c['client_id']: c for c in
                   self.admin_json('client', 'list')['clients']}
        self.assertTrue(clients[cid]['removed'])
        self.assertRegex(clients[cid]['removed_at'], r'^\d{4}-')
        self.assertFalse(clients[self.demo.device_id]['removed'])
        p = admin(self.srv, 'client', 'add', '--name', 'again', '--kind',
                  'device', '--id', cid, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn('already exists', p.stderr)
        out = self.admin_ok('client', 'remove', '--id', cid)
        self.assertIn('revoked 0 tokens', out)

    def test_client_list(self):
        d = self.admin_json('client', 'list')
        clients = {c['client_id']: c for c in d['clients']}
        dev = clients[self.demo.device_id]
        self.assertEqual((dev['kind'], dev['client_type'], dev['name']),
                         ('device', 'confidential', 'Catalyst CLI'))
        self.assertEqual(clients[self.demo.browser_id]['kind'], 'browser')
        self.assertIsNone(dev['removed_at'])
        self.assertFalse(any('secret' in k for c in d['clients'] for k in c))
        lines = self.admin_ok('client', 'list').splitlines()
        self.assertEqual(lines[0].split('\t'),
                         ['ID', 'KIND', 'TYPE', 'NAME', 'CREATED',
                          'REMOVED'])
        rows = {ln.split('\t')[0]: ln.split('\t') for ln in lines[1:]}
        self.assertEqual(rows[self.demo.device_id][1:4],
                         ['device', 'confidential', 'Catalyst CLI'])
        self.assertEqual(rows[self.demo.device_id][5], 'active')

    def test_client_remove_errors(self):
        self.assertIn('no client', self.admin_fails(
            1, 'client', 'remove', '--id', '1000.nobody'))
        self.assertIn('--id is required',
                      self.admin_fails(129, 'client', 'remove'))

    def test_help(self):
        for cmd in (('token', 'list'), ('token', 'revoke'),
                    ('user', 'list'), ('user', 'disable'),
                    ('user', 'enable'), ('client', 'list'),
                    ('client', 'remove')):
            p = admin(self.srv, *cmd, '--help')
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.startswith(
                'usage: catalystd %s %s' % cmd), p.stdout)
            self.assertIn('--json', p.stdout)
            self.assertIn('--db', p.stdout)


if __name__ == '__main__':
    unittest.main()
