"""The browser pages: sign-in, device verification, CSRF, escaping, cookies,
rate limits."""

import random
import re
import unittest

from common import CLI_SCOPES, ServerCase, sleep_past
from harness import Browser, BrowserError, csrf_of, device_code, http

ALPHA = 'BCDFGHJKLMNPQRSTVWXZ'


def random_code():
    c = ''.join(random.choice(ALPHA) for _ in range(8))
    return c[:4] + '-' + c[4:]


class WebTest(ServerCase):

    def test_root_redirects_to_device(self):
        b = Browser(self.url)
        r = b.get('/')
        self.assertIn(r.status, (301, 302, 303, 307, 308), r)
        self.assertTrue(r.location.endswith('/device'), r.location)

    def test_session_cookie_attributes(self):
        b = Browser(self.url)
        r = b.get('/device')
        self.assertEqual(r.status, 200, r)
        self.assertIn('text/html', r.headers['content-type'])
        cookies = [c for c in b.set_cookies
                   if c.startswith('catalyst_session=')]
        self.assertTrue(cookies, b.set_cookies)
        attrs = [a.strip().lower() for a in cookies[0].split(';')[1:]]
        self.assertIn('httponly', attrs)
        self.assertIn('path=/', attrs)
        self.assertTrue(any(a in ('samesite=lax', 'samesite=strict')
                            for a in attrs), attrs)
        self.assertNotIn('secure', attrs)  # plain http, no --secure-cookies
        self.assertTrue(csrf_of(r.text))

    def test_sign_in_replaces_the_session(self):
        b = self.browser(fresh=True)
        b.get('/login')
        before = b.cookies.get('catalyst_session')
        self.assertTrue(before)
        b.login()
        after = b.cookies.get('catalyst_session')
        self.assertTrue(after)
        self.assertNotEqual(before, after)
        # the old anonymous session id is not signed in
        old = Browser(self.url)
        old.cookies['catalyst_session'] = before
        r = old.follow(old.get('/device'))
        self.assertTrue(old.is_login_page(r), r)

    def test_wrong_password_and_unknown_email(self):
        for email, pw in ((self.demo.email, 'wrong password'),
                          ('nobody@example.com', self.demo.password),
                          (self.demo.email, '')):
            b = Browser(self.url)
            with self.assertRaises(BrowserError):
                b.login(email, pw)
            r = b.follow(b.get('/device'))
            self.assertTrue(b.is_login_page(r), r)
        # a code cannot be approved without signing in
        code = self.code()
        b = Browser(self.url, self.demo.email, 'wrong password')
        with self.assertRaises(BrowserError):
            b.approve(code['user_code'])
        self.assertEqual(self.poll_v3(code['device_code']),
                         (200, {'error': 'authorization_pending'}))

    def test_csrf_required_on_every_form(self):
        # sign-in without / with a wrong CSRF token
        b = Browser(self.url)
        page = b.get('/login')
        token = csrf_of(page.text)
        for bad in (None, 'wrong', token + 'x'):
            fields = {'email': self.demo.email, 'password': self.demo.password}
            if bad is not None:
                fields['csrf'] = bad
            r = b.post('/login', fields)
            self.assertEqual(r.status, 403, r)
        # a CSRF token of another session does not work either
        other = Browser(self.url)
        other_token = csrf_of(other.get('/login').text)
        r = b.post('/login', {'email': self.demo.email,
                              'password': self.demo.password,
                              'csrf': other_token})
        self.assertEqual(r.status, 403, r)
        r = b.follow(b.get('/device'))
        self.assertTrue(b.is_login_page(r), 'signed in without CSRF')

        code = self.code()
        b = self.browser()
        page = b.follow(b.get('/device?user_code=' + code['user_code']))
        r = b.post('/device', {'user_code': code['user_code']})
        self.assertEqual(r.status, 403, r)
        r = b.post('/device', {'user_code': code['user_code'],
                               'csrf': 'nope'})
        self.assertEqual(r.status, 403, r)
        confirm = b.submit(page, '/device', {'user_code': code['user_code']})
        self.assertEqual(confirm.status, 200, confirm)
        for bad in (None, 'nope'):
            fields = {'user_code': code['user_code'], 'action': 'approve'}
            if bad:
                fields['csrf'] = bad
            r = b.post('/device/decide', fields)
            self.assertEqual(r.status, 403, r)
        self.assertEqual(self.poll_v3(code['device_code']),
                         (200, {'error': 'authorization_pending'}))
        r = b.post('/logout', {})
        self.assertEqual(r.status, 403, r)
        # with the right token everything goes through
        r = b.submit(confirm, '/device/decide',
                     {'user_code': code['user_code'], 'action': 'approve'})
        self.assertLess(r.status, 400, r)
        self.assertEqual(self.poll_v3(code['device_code'])[0], 200)

    def test_code_prefilled_and_confirmation_page(self):
        st, code = device_code(self.srv, self.demo.device_id,
                               device_name='build-01')
        self.assertEqual(st, 200, code)
        b = self.browser()
        page = b.follow(b.get('/device?user_code=' + code['user_code']))
        self.assertEqual(page.status, 200, page)
        f = [f for f in page.forms() if 'user_code' in f['fields']]
        self.assertTrue(f, page)
        self.assertEqual(f[0]['fields']['user_code'], code['user_code'])
        confirm = b.submit(page, '/device', {})
        self.assertEqual(confirm.status, 200, confirm)
        self.assertIsNotNone(confirm.form('/device/decide'), confirm)
        text = confirm.text
        self.assertIn('build-01', text)
        self.assertIn('Catalyst CLI', text)  # the client's name
        self.assertIn('expire', text.lower())
        # a page without a code shows an empty entry form
        page = b.get('/device')
        f = [f for f in page.forms() if 'user_code' in f['fields']]
        self.assertTrue(f, page)
        self.assertEqual(f[0]['fields']['user_code'], '')

    def test_html_escaping(self):
        evil = '<script>alert(1)</script>"\'&'
        st, code = device_code(self.srv, self.demo.device_id,
                               device_name=evil)
        self.assertEqual(st, 200, code)
        b = self.browser()
        page = b.follow(b.get('/device?user_code=' + code['user_code']))
        confirm = b.submit(page, '/device', {'user_code': code['user_code']})
        self.assertEqual(confirm.status, 200, confirm)
        self.assertNotIn('<script>alert(1)', confirm.text)
        self.assertIn('&lt;script&gt;alert(1)&lt;/script&gt;', confirm.text)
        # reflected input is escaped too
        for url in ('/device?user_code=%3Cscript%3Ex%3C/script%3E',
                    '/login?next=%22%3E%3Cscript%3Ex%3C/script%3E'):
            r = b.get(url)
            self.assertNotIn('<script>x</script>', r.text)
        r = b.post('/device', {'user_code': '"><script>x</script>',
                               'csrf': csrf_of(page.text)})
        self.assertNotIn('<script>x</script>', r.text)


    def test_open_redirect_after_sign_in_refused(self):
        for nxt in ('http://attacker.invalid/', '//attacker.invalid/x',
                    '/\\attacker.invalid'):
            b = Browser(self.url)
            page = b.get('/login')
            r = b.post('/login', {'email': self.demo.email,
                                  'password': self.demo.password,
                                  'csrf': csrf_of(page.text), 'next': nxt})
            loc = r.location or ''
            self.assertNotIn('attacker', loc, (nxt, r))

    def test_logout(self):
        b = self.browser(fresh=True)
        r = b.login()
        page = b.follow(b.get('/device'))
        self.assertFalse(b.is_login_page(page))
        r = b.post('/logout', {'csrf': csrf_of(page.text)})
        self.assertLess(r.status, 400, r)
        r = b.follow(b.get('/device'))
        self.assertTrue(b.is_login_page(r), r)

class DeviceScopeTest(ServerCase):
    """The v3 code endpoint with the reference CLI's full query."""

    def test_reference_cli_query_encoding(self):
        # spaces as %20 and ':' '/' percent-encoded, as the CLI sends them
        q = ('client_id=%s&scope=%s&grant_type=device_request'
             '&access_type=offline&prompt=consent'
             % (self.demo.device_id, CLI_SCOPES.replace(' ', '%20')))
        st, _, body = http('POST', self.url + '/oauth/v3/device/code?' + q)
        self.assertEqual(st, 200, body)
        self.assertTrue(re.match(r'^http://127\.0\.0\.1:\d+/device\?user_code'
                                 r'=[A-Z]{4}-[A-Z]{4}$',
                                 body['verification_url']), body)

class ExpiredCodeTest(ServerCase):
    """Own server with 2-second codes: an expired code is said to be
    expired, a mistyped one not found; both count as misses."""

    server_kwargs = {'device_ttl': 2}

    def test_expired_code_says_expired(self):
        b = self.browser(fresh=True)
        b.login()
        page = b.follow(b.get('/device'))
        token = csrf_of(page.text)
        code = self.code()
        sleep_past(2.5)
        for path in ('/device', '/device/decide'):
            form = {'user_code': code['user_code'], 'csrf': token}
            if path == '/device/decide':
                form['action'] = 'approve'
            r = b.post(path, form)
            self.assertEqual(r.status, 400, r)
            self.assertIn('has expired', r.text)
            self.assertNotIn('not found', r.text)
            self.assertIsNone(r.form('/device/decide'))
            token = csrf_of(r.text) or token
        # the poller hears the same
        self.assertOAuthError(self.poll_v3(code['device_code']), 400,
                              'expired_token')

    def test_mistyped_code_says_not_found(self):
        b = self.browser(fresh=True)
        b.login()
        page = b.follow(b.get('/device'))
        r = b.post('/device', {'user_code': random_code(),
                               'csrf': csrf_of(page.text)})
        self.assertEqual(r.status, 400, r)
        self.assertIn('not found', r.text)
        self.assertNotIn('expired', r.text)


class RateLimitTest(ServerCase):
    """Own server: the limits count per session, address and email."""

    def test_wrong_codes_rate_limited(self):
        b = self.browser()
        page = b.follow(b.get('/device'))
        token = csrf_of(page.text)
        statuses = []
        for _ in range(10):
            r = b.post('/device', {'user_code': random_code(),
                                   'csrf': token})
            statuses.append(r.status)
            self.assertIsNone(r.form('/device/decide'), r)
            token = csrf_of(r.text) or token
        self.assertNotIn(429, statuses)
        r = b.post('/device', {'user_code': random_code(), 'csrf': token})
        self.assertEqual(r.status, 429, r)
        # even a right code is refused while the limit holds
        code = self.code()
        r = b.post('/device', {'user_code': code['user_code'],
                               'csrf': token})
        self.assertEqual(r.status, 429, r)
        self.assertIsNone(r.form('/device/decide'))

    def test_right_codes_are_not_limited(self):
        # only wrong codes count: one person approving a dozen codes in a
        # few minutes from one browser session is not throttled
        b = self.browser(fresh=True)
        b.login()
        for i in range(12):
            code = self.code()
            try:
                b.approve(code['user_code'])
            except BrowserError as e:
                self.fail('approval %d of 12 refused: %s' % (i + 1, e))
            self.assertEqual(self.poll_v3(code['device_code'])[0], 200)

    def test_successful_sign_ins_are_not_limited(self):
        from common import add_user_to_demo
        email, pw = add_user_to_demo(self, 'often@example.com',
                                     'often signs in 123')
        for i in range(12):
            b = Browser(self.url)
            try:
                b.login(email, pw)
            except BrowserError as e:
                self.fail('sign-in %d of 12 refused: %s' % (i + 1, e))

    def test_wrong_passwords_rate_limited(self):
        email = 'ratelimit@example.com'
        from common import add_user_to_demo
        add_user_to_demo(self, email, 'the right one 123')
        statuses = []
        for _ in range(11):
            b = Browser(self.url)
            page = b.get('/login')
            r = b.post('/login', {'email': email, 'password': 'bad',
                                  'csrf': csrf_of(page.text)})
            statuses.append(r.status)
        self.assertNotIn(429, statuses[:10], statuses)
        self.assertEqual(statuses[10], 429, statuses)
        # locked out for now, even with the right password
        b = Browser(self.url)
        with self.assertRaises(BrowserError):
            b.login(email, 'the right one 123')


if __name__ == '__main__':
    unittest.main()
