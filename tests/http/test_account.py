"""The account page (/account, issue 10 item 4) over HTTP: what it lists,
that its forms need the session's CSRF value and revoke only the signed-in
account's tokens, that what it shows is escaped, that each revocation is
an audit event by actor "user", and the password asked again (here with
--reauth-after 0, so every action asks). The real-browser walk through is
tests/browser/test_account_page.py."""
import json
import re
import time

from common import ServerCase, add_user_to_demo, bearer
from harness import (Browser, admin, get_cli_tokens, http,
                     poll_device_token)

SCRIPT_NAME = '<script>alert("pwned")</script>'


class Who:
    """An account of the demo org, for get_cli_tokens."""

    def __init__(self, demo, email, password):
        self.email, self.password = email, password
        self.device_id, self.device_secret = \
            demo.device_id, demo.device_secret


class AccountCase(ServerCase):
    n = 0

    def person(self, tag):
        type(self).n += 1
        email = 'acct-%s-%d@example.com' % (tag, type(self).n)
        email, password = add_user_to_demo(self, email)
        return Who(self.demo, email, password)

    def token(self, who, device='laptop'):
        b = Browser(self.url, who.email, who.password)
        return get_cli_tokens(self.srv, who, browser=b, device_name=device)

    def token_with(self, who, device, **terms):
        """A token asked for with terms (token:generate's flags), as the
        device authorization carries them."""
        params = {'client_id': who.device_id,
                  'scope': 'ZohoCatalyst.projects.ALL',
                  'grant_type': 'device_request', 'device_name': device}
        params.update({k: str(v) for k, v in terms.items()})
        st, _, code = http('POST', self.url + '/oauth/v3/device/code',
                           params=params)
        self.assertEqual(st, 200, code)
        Browser(self.url, who.email, who.password).approve(code['user_code'])
        st, tok = poll_device_token(self.srv, who.device_id,
                                    who.device_secret, code['device_code'])
        self.assertEqual(st, 200, tok)
        return tok

    def works(self, tok):
        st, _, _ = http('GET', self.url + '/oauth/user/info',
                        headers=bearer(tok['access_token']))
        self.assertIn(st, (200, 401))
        return st == 200

    def signed_in(self, who):
        b = Browser(self.url, who.email, who.password)
        b.login(next='/account')
        return b

    def post_form(self, b, page, action, token_id=None, extra=None):
        """Posts page's form whose action is exactly action (for one
        token: the one carrying token_id), as a browser would."""
        forms = [f for f in page.forms() if f['action'] == action and
                 (token_id is None or
                  f['fields'].get('token_id') == token_id)]
        self.assertEqual(len(forms), 1, page.forms())
        fields = dict(forms[0]['fields'])
        fields.update(extra or {})
        return b.post(action, fields)

    def audit(self, email):
        p = admin(self.srv, 'audit', '--email', email, '--json')
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)['events']


class AccountPageTest(AccountCase):
    # last-used times (and addresses) in the store within a second
    server_kwargs = {'extra_args': ('--last-used-flush', '1')}

    def test_signed_out_goes_to_sign_in_and_back(self):
        st, h, _ = http('GET', self.url + '/account')
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/login?next=%2Faccount')
        who = self.person('back')
        b = Browser(self.url, who.email, who.password)
        r = b.login(next='/account')
        self.assertEqual(r.status, 200, r)
        self.assertIn('<h1>Your account</h1>', r.text)
        # and every signed-in page links to it
        self.assertIn('href="/account"', b.get('/device').text)

    def test_lists_every_active_token_escaped(self):
        who = self.person('list')
        t1 = self.token(who, device='desk-one')
        t2 = self.token(who, device=SCRIPT_NAME)
        b = self.signed_in(who)
        r = b.get('/account')
        self.assertEqual(r.status, 200, r)
        for t in (t1, t2):
            self.assertIn(t['token_id'], r.text)
            self.assertIsNotNone(r.form('/account/revoke'))
        self.assertNotIn('<script>', r.text)
        self.assertIn('&lt;script&gt;alert(', r.text)
        self.assertIn('desk-one', r.text)
        self.assertIn('2 active', r.text)
        # a device with no name on the token list is "never" used yet, full
        self.assertIn('full', r.text)
        self.assertIn('Recent security events', r.text)
        self.assertIn('Token created', r.text)

    def test_every_column_of_a_token_with_terms(self):
        who = self.person('terms')
        alpha = self.demo.project_ids[0]
        tok = self.token_with(who, 'ci-runner-7', token_name='ci-deploy',
                              token_expires_in=30 * 86400, project_id=alpha,
                              read_only='true')
        plain = self.token_with(who, 'laptop', token_name='<b>mine</b>')
        self.assertTrue(self.works(tok))
        b = self.signed_in(who)
        deadline = time.time() + 15
        while True:
            text = b.get('/account').text
            card = text[text.index(tok['token_id'] + '</h3>'):]
            card = card[:card.index('</section>')]
            if 'from 127.0.0.1' in card or time.time() > deadline:
                break
            time.sleep(0.3)
        self.assertIn('<dd>ci-deploy</dd>', card)
        self.assertIn('project alpha only \u00b7 read-only', card)
        self.assertIn(time.strftime('%Y-%m-%d', time.gmtime(
            time.time() + 30 * 86400)), card)
        self.assertIn('from 127.0.0.1', card)
        self.assertIn('ci-runner-7', card)
        self.assertIn('CLI token', card)
        card = text[text.index(plain['token_id'] + '</h3>'):]
        card = card[:card.index('</section>')]
        self.assertIn('&lt;b&gt;mine&lt;/b&gt;', card)
        self.assertNotIn('<b>mine', text)
        self.assertIn('<dt>Expires</dt><dd>never</dd>', card)
        self.assertIn('<dt>Last used</dt><dd>never</dd>', card)
        self.assertIn('<dt>Scope</dt><dd>full</dd>', card)

    def test_csrf_missing_or_wrong_revokes_nothing(self):
        who = self.person('csrf')
        t = self.token(who)
        b = self.signed_in(who)
        for fields in ({'token_id': t['token_id']},
                       {'token_id': t['token_id'], 'csrf': 'x' * 32}):
            r = b.post('/account/revoke', fields)
            self.assertEqual(r.status, 403, r)
            r = b.post('/account/revoke-all',
                       {k: v for k, v in fields.items() if k != 'token_id'})
            self.assertEqual(r.status, 403, r)
        # a form posted from another browser (its own CSRF cookie)
        other = Browser(self.url)
        page = other.get('/login')
        r = other.post('/account/revoke', {
            'token_id': t['token_id'],
            'csrf': re.search(r'name="csrf" value="([^"]+)"',
                              page.text).group(1)})
        self.assertIn(r.status, (401, 403), r)
        self.assertTrue(self.works(t))
        self.assertEqual([e for e in self.audit(who.email)
                          if e['event'] == 'token_revoked'], [])

    def test_another_accounts_token_is_not_found(self):
        me, them = self.person('me'), self.person('them')
        theirs = self.token(them)
        b = self.signed_in(me)
        page = b.get('/account')
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        for tid in (theirs['token_id'], '0' * 12, 'nonsense'):
            r = b.post('/account/revoke', {'token_id': tid, 'csrf': csrf})
            self.assertEqual(r.status, 404, r)
            self.assertIn('Token not found', r.text)
        self.assertTrue(self.works(theirs))
        self.assertEqual([e for e in self.audit(them.email)
                          if e['event'] == 'token_revoked'], [])

    def test_revoke_one_then_all_refused_at_once_and_audited(self):
        who = self.person('revoke')
        t1, t2, t3 = (self.token(who, device=d) for d in ('a', 'b', 'c'))
        b = self.signed_in(who)
        page = b.get('/account')
        r = self.post_form(b, page, '/account/revoke', t1['token_id'])
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location, '/account?done=revoked')
        self.assertFalse(self.works(t1))
        self.assertTrue(self.works(t2))
        # its refresh token is dead too
        st, _, _ = http('POST', self.url + '/oauth/v2/token', data=[
            ('grant_type', 'refresh_token'),
            ('refresh_token', t1['refresh_token']),
            ('client_id', who.device_id),
            ('client_secret', who.device_secret)])
        self.assertNotEqual(st, 200)
        page = b.follow(r)
        self.assertIn('The token was revoked', page.text)
        self.assertNotIn(t1['token_id'] + '</h3>', page.text)
        r = self.post_form(b, page, '/account/revoke-all')
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location, '/account?done=all')
        self.assertFalse(self.works(t2))
        self.assertFalse(self.works(t3))
        page = b.follow(r)
        self.assertIn('0 active', page.text)
        evs = [e for e in self.audit(who.email)
               if e['event'] == 'token_revoked']
        self.assertEqual(sorted(e['token_id'] for e in evs),
                         sorted(t['token_id'] for t in (t1, t2, t3)), evs)
        for e in evs:
            self.assertEqual(e['actor'], 'user', e)
        [one] = [e for e in evs if e['token_id'] == t1['token_id']]
        self.assertEqual(one['address'], '127.0.0.1', one)
        # the page says so in words
        self.assertIn('Token revoked', page.text)


class ReauthTest(AccountCase):
    """--reauth-after 0: every destructive action asks for the password."""
    server_kwargs = {'extra_args': ('--reauth-after', '0',
                                    '--login-limit-account', '3')}

    def test_password_asked_wrong_refused_right_proceeds(self):
        who = self.person('reauth')
        t = self.token(who)
        b = self.signed_in(who)
        page = b.get('/account')
        r = self.post_form(b, page, '/account/revoke', t['token_id'])
        self.assertEqual(r.status, 200, r)
        self.assertIn('Confirm your password', r.text)
        self.assertTrue(self.works(t))
        cookie = dict(b.cookies)
        # wrong, then right
        wrong = b.submit(r, '/account/reauth', {'password': 'nope nope'})
        self.assertEqual(wrong.status, 401, wrong)
        self.assertIn('Wrong password', wrong.text)
        self.assertTrue(self.works(t))
        ok = b.submit(wrong, '/account/reauth', {'password': who.password})
        self.assertEqual(ok.status, 303, ok)
        self.assertEqual(ok.location, '/account?done=revoked')
        self.assertFalse(self.works(t))
        # a fresh session: new cookie, the old one signed out
        self.assertNotEqual(b.cookies, cookie)
        old = Browser(self.url)
        old.cookies = cookie
        self.assertEqual(old.get('/account').status, 303)
        evs = self.audit(who.email)
        self.assertEqual([e['event'] for e in evs][:3],
                         ['token_revoked', 'signin_ok', 'signin_failed'],
                         evs)

    def test_an_unknown_action_does_nothing(self):
        who = self.person('action')
        t = self.token(who)
        b = self.signed_in(who)
        page = b.get('/account')
        r = self.post_form(b, page, '/account/revoke', t['token_id'])
        r = b.submit(r, '/account/reauth', {'password': who.password,
                                            'action': 'delete-account'})
        self.assertEqual(r.status, 400, r)
        self.assertTrue(self.works(t))

    def test_wrong_passwords_meet_the_sign_in_limit(self):
        who = self.person('limit')
        t = self.token(who)
        b = self.signed_in(who)
        page = b.get('/account')
        r = self.post_form(b, page, '/account/revoke-all')
        self.assertIn('Confirm your password', r.text)
        statuses = []
        for _ in range(5):
            r2 = b.submit(r, '/account/reauth', {'password': 'bad guess'})
            statuses.append(r2.status)
        self.assertEqual(statuses[-1], 429, statuses)
        # the right password is refused too until the window ends
        r2 = b.submit(r, '/account/reauth', {'password': who.password})
        self.assertEqual(r2.status, 429, r2)
        self.assertTrue(self.works(t))


if __name__ == '__main__':
    import unittest
    unittest.main()
