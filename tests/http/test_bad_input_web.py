"""Bad input on the browser pages (issue 7, the bad-input suite): forms
posted with a missing, forged, expired or foreign CSRF value, cookie
garbage, huge forms and fields, wrong methods, and broken authorization
requests at /oauth/v2/auth.

Every refusal is a page (HTML) with a 4xx, or, for what the dispatcher
refuses before any page runs (a repeated parameter, a body over 64 KiB, a
wrong method, a control byte in a header), a 4xx with a JSON body. An
authorization request whose client and redirect_uri are good hears about
its other errors by a redirect to that loopback (RFC 6749 4.1.2.1), never
with a code. No refused form may store anything, sign anybody in, or
count against the limits of anyone but the sender; the server keeps
answering and its RSS stays flat (see test_bad_input.BadInputBase).
"""

import hashlib
import hmac
import json
import time
import unittest
import urllib.parse

from common import exchange, forge_token
from harness import (Browser, csrf_of, db_query, device_code, http,
                     raw_request)
from test_bad_input import FORM, BadInputBase, flip_crc, with_crc

REDIRECT = 'http://localhost:9005'


class _NoHeaders(dict):
    def get_all(self, name):
        return []


_NO_HEADERS = _NoHeaders()


class WebBadInputTest(BadInputBase):
    """One server; a signed-in browser (b), a second signed-in session of
    the same account (other), and a pending device code to post at."""

    @classmethod
    def prepare(cls):
        d = cls.demo
        cls.b = Browser(cls.url, d.email, d.password)
        cls.b.login()
        cls.other = Browser(cls.url, d.email, d.password)
        cls.other.login()
        st, cls.code = device_code(cls.srv, d.device_id)
        assert st == 200, cls.code
        cls.user_code = cls.code['user_code']
        page = cls.b.follow(cls.b.get('/device'))
        cls.csrf = csrf_of(page.text)
        cls.cookie = cls.b.cookies['catalyst_session']
        cls.other_csrf = csrf_of(cls.other.follow(
            cls.other.get('/device')).text)
        anon = Browser(cls.url)
        cls.anon_csrf = csrf_of(anon.get('/login').text)
        cls.anon_cookie = anon.cookies['catalyst_session']
        cls.key = bytes.fromhex(db_query(
            cls.srv.db, "SELECT key_hex FROM server_keys"
            " WHERE name = 'web-csrf-v1'")[0][0])
        assert cls.csrf and cls.other_csrf and cls.anon_csrf

    def signed(self, issued, csrf):
        """An anonymous cookie signed with the server's own key (crypto_auth
        is HMAC-SHA-512-256): only its time or value is wrong."""
        msg = ('%s.%s' % (issued, csrf)).encode()
        mac = hmac.new(self.key, msg, hashlib.sha512).digest()[:32].hex()
        return 'csrf.%s.%s.%s' % (issued, csrf, mac)

    def forms(self):
        """(path, fields without csrf) of every form, each with fields
        that would change something if a forged post got through: deny the
        code, sign out, issue an authorization code."""
        return [
            ('/device', {'user_code': self.user_code}),
            ('/device/decide', {'user_code': self.user_code,
                                'action': 'deny'}),
            ('/logout', {}),
            ('/oauth/v2/auth', {'client_id': self.demo.browser_id,
                                'redirect_uri': REDIRECT,
                                'response_type': 'code', 'state': 's',
                                'action': 'allow'}),
        ]

    def page(self, label, path, status, method='POST', fields=None,
             cookie=None, cookie_header=None, body=None, headers=None,
             query=None):
        """One request as a browser sends it (cookie: the value of
        catalyst_session; cookie_header: a whole Cookie header instead);
        asserts status and, for a 4xx, a page of the right kind: HTML from
        a page handler, JSON from the dispatcher (400 repeated parameter,
        405, 413). Also that no refusal starts a session. Returns
        (headers, text)."""
        type(self).cases += 1
        hdrs, doc = _NO_HEADERS, ''
        with self.subTest(label, path=path):
            h = {'Accept': 'text/html'}
            if cookie is not None:
                h['Cookie'] = 'catalyst_session=' + cookie
            if cookie_header is not None:
                h['Cookie'] = cookie_header
            h.update(headers or {})
            url = self.url + path
            if query is not None:
                url += '?' + (query if isinstance(query, str) else
                              urllib.parse.urlencode(query))
            st, hdrs, doc = http(method, url, data=fields, body=body,
                                 headers=h)
            statuses = status if isinstance(status, tuple) else (status,)
            self.assertIn(st, statuses, (label, st, str(doc)[:300]))
            ctype = hdrs.get('content-type', '')
            if 400 <= st < 500:
                if st in (405, 413, 431) or (st == 400 and 'json' in ctype):
                    self.assertIn('application/json', ctype)
                    self.assertIsInstance(doc, dict, doc)
                    self.assertIsInstance(doc.get('error'), str, doc)
                    self.assertTrue(doc.get('error_description'), doc)
                else:
                    self.assertIn('text/html', ctype, (st, str(doc)[:200]))
                    self.assertIn('<!doctype html>', doc[:200])
            for sc in hdrs.get_all('set-cookie'):
                self.assertNotIn('catalyst_session=cats_', sc,
                                 'a refused request started a session')
        return hdrs, doc if isinstance(doc, str) else json.dumps(doc)

    def assertRedirectError(self, hdrs, error):
        """An error sent back to the loopback redirect_uri, with no code."""
        loc = hdrs.get('location', '')
        self.assertTrue(loc.startswith(REDIRECT), loc)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        self.assertEqual(q.get('error'), [error], loc)
        self.assertNotIn('code', q, loc)

    # -- CSRF ---------------------------------------------------------------

    def test_csrf_on_every_form(self):
        good = self.csrf
        wrong = good[:-1] + ('A' if good[-1] != 'A' else 'B')
        for path, fields in self.forms():
            for label, csrf, cookie in (
                    ('no csrf field', None, self.cookie),
                    ('empty csrf', '', self.cookie),
                    ('wrong csrf', wrong, self.cookie),
                    ('csrf cut short', good[:-1], self.cookie),
                    ('csrf and one more character', good + 'A', self.cookie),
                    ('csrf lower-cased', good.lower(), self.cookie),
                    ('csrf with spaces around', ' %s ' % good, self.cookie),
                    ('csrf of 60 KB', 'c' * 60000, self.cookie),
                    ('csrf of an anonymous visitor', self.anon_csrf,
                     self.cookie),
                    ('csrf of another session of the same account',
                     self.other_csrf, self.cookie),
                    ('right csrf, no cookie', good, None),
                    ('right csrf, another session\'s cookie', good,
                     self.other.cookies['catalyst_session']),
                    ('right csrf, an anonymous cookie', good,
                     self.anon_cookie),
                    ('csrf of another visitor\'s signed cookie',
                     self.anon_csrf, self.signed(int(time.time()),
                                                 'Q' * 32))):
                f = dict(fields)
                if csrf is not None:
                    f['csrf'] = csrf
                self.page('%s: %s' % (path, label), path, 403, fields=f,
                          cookie=cookie)
            # the dispatcher refuses a repeated parameter first (JSON)
            self.page('%s: csrf repeated' % path, path, 400,
                      fields=list(fields.items()) + [('csrf', good)] * 2,
                      cookie=self.cookie)
            self.page('%s: csrf with a NUL' % path, path, 400,
                      body=urllib.parse.urlencode(fields).encode()
                      + b'&csrf=' + good.encode() + b'%00',
                      headers=FORM, cookie=self.cookie)

    def test_signed_cookie_out_of_its_time(self):
        """Anonymous cookies with a valid MAC whose time is wrong, and
        well-formed ones whose MAC is not ours: the sign-in form is
        refused (403) before any password is looked at."""
        cs = 'Q' * 32
        now = int(time.time())
        fields = {'csrf': cs, 'email': self.demo.email,
                  'password': self.demo.password}
        for label, cookie in (
                ('expired an hour ago', self.signed(now - 3600 - 5, cs)),
                ('issued a day ago', self.signed(now - 86400, cs)),
                ('issued an hour ahead', self.signed(now + 3600, cs)),
                ('issued at 1', self.signed(1, cs)),
                ('issued past 2^63', self.signed('9' * 20, cs)),
                ('a leading zero', self.signed('0%d' % now, cs)),
                ('a sign', self.signed('+%d' % now, cs)),
                ('MAC of another key', 'csrf.%d.%s.%s' % (
                    now, cs, hmac.new(b'k' * 32, b'%d.%s' % (now, cs.encode()),
                                      hashlib.sha512).digest()[:32].hex())),
                ('MAC cut short', self.signed(now, cs)[:-2]),
                ('MAC one nibble off, upper-cased',
                 flip_crc(self.signed(now, cs)).upper()),
                ('csrf not base62', self.signed(now, 'Q' * 31 + '.')),
                ('csrf too short', self.signed(now, 'Q' * 31))):
            f = dict(fields)
            if label in ('csrf not base62', 'csrf too short'):
                f['csrf'] = cookie.split('.')[2]
            self.page('signed cookie: ' + label, '/login', 403, fields=f,
                      cookie=cookie)
        # and a good one is taken (a control: the forging is right), to a
        # form that fails for its fields instead
        self.page('signed cookie: control', '/login', 400,
                  fields={'csrf': cs, 'email': self.demo.email},
                  cookie=self.signed(now, cs))

    # -- cookies ------------------------------------------------------------

    def test_cookie_garbage(self):
        """The right csrf field with a cookie that is not the session's:
        refused (403) whatever the cookie holds."""
        good = self.csrf
        fields = {'user_code': self.user_code, 'action': 'deny',
                  'csrf': good}
        sess = self.cookie
        many = '; '.join('c%d=%d' % (i, i) for i in range(300))
        for label, cookie in (
                ('empty value', 'catalyst_session='),
                ('no value', 'catalyst_session'),
                ('7 KB value', 'catalyst_session=' + 'x' * 7000),
                ('not base62', 'catalyst_session=%%%***!!'),
                ('JSON', 'catalyst_session={"csrf":"%s"}' % good),
                ('the csrf value as the cookie', 'catalyst_session=' + good),
                ('session token, checksum off',
                 'catalyst_session=' + flip_crc(sess)),
                ('session token cut short', 'catalyst_session=' + sess[:-1]),
                ('session token of another DC',
                 'catalyst_session=' + with_crc('cats_eu_' + sess[8:40])),
                ('session token never issued',
                 'catalyst_session=' + forge_token('cats')),
                ('an access token', 'catalyst_session=' + forge_token('cata')),
                ('garbage first, the session second',
                 'catalyst_session=garbage; catalyst_session=' + sess),
                ('session under another name', 'session=' + sess),
                ('UTF-8 bytes', 'catalyst_session=\u00e9\u00e9'.encode()),
                ('0xff bytes', b'catalyst_session=\xff\xfe'),
                ('semicolons only', ';;;;;')):
            self.page('cookie: ' + label, '/device/decide', 403,
                      fields=fields, cookie_header=cookie)
        # many cookies in a head well under 8 KiB: served like any other
        # (here: refused for the cookie) or one clean 431 with our JSON,
        # never libmicrohttpd's own answer (its memory pool holds each
        # cookie, and overflows at about 200 of them)
        for n in (100, 200, 300, 1000):
            many = '; '.join('c%d=%d' % (i, i) for i in range(n))
            self.page('cookie: %d other cookies' % n, '/device/decide',
                      (403, 431), fields=fields, cookie_header=many)
            self.page('cookie: %d other cookies, then garbage' % n,
                      '/device/decide', (403, 431), fields=fields,
                      cookie_header=many + '; catalyst_session=garbage')
            self.page('page view: %d cookies' % n, '/device', (200, 431),
                      method='GET', cookie_header=many)
            type(self).cases += 1
            with self.subTest('cookie: %d cookies, one answer' % n):
                data, closed = exchange(
                    self.srv.port, b'GET /device HTTP/1.1\r\nHost: x\r\n'
                    b'Cookie: %s\r\nConnection: close\r\n\r\n'
                    % many.encode())
                self.assertEqual(data.count(b'HTTP/1.1 '), 1, data[:400])
                self.assertRegex(data, rb'^HTTP/1\.1 (200|431) ')
                if data.startswith(b'HTTP/1.1 431'):
                    self.assertTrue(closed)
                    self.assertIn(b'application/json', data.split(
                        b'\r\n\r\n')[0])
        # a control byte is refused with 400 before any page runs
        for label, raw in (
                ('a control byte', b'catalyst_session=a\x01b'),
                ('a bare CR', b'catalyst_session=a\rb'),
                ('DEL', b'catalyst_session=a\x7f')):
            type(self).cases += 1
            with self.subTest('cookie: ' + label):
                body = urllib.parse.urlencode(fields).encode()
                st, h, resp = raw_request(
                    self.srv.port,
                    b'POST /device/decide HTTP/1.1\r\nHost: x\r\n'
                    b'Content-Type: application/x-www-form-urlencoded\r\n'
                    b'Content-Length: %d\r\nCookie: %s\r\n'
                    b'Connection: close\r\n\r\n%s' % (len(body), raw, body))
                self.assertEqual(st, 400, resp)
                self.assertIn('json', h.get('content-type', ''))
                self.assertEqual(json.loads(resp)['error'],
                                 'invalid_request')

    def test_pages_ignore_cookie_garbage(self):
        """A page view with a cookie that is no session is an anonymous
        view: the page, and a fresh signed CSRF cookie (no session)."""
        now = int(time.time())
        for label, path, cookie in (
                ('7 KB cookie', '/device', 'catalyst_session=' + 'x' * 7000),
                ('forged session', '/login',
                 'catalyst_session=' + forge_token('cats')),
                ('expired signed cookie', '/login',
                 'catalyst_session=' + self.signed(now - 7200, 'Q' * 32)),
                ('signed cookie of another key', '/device',
                 'catalyst_session=csrf.%d.%s.%s' % (now, 'Q' * 32,
                                                     '0' * 64))):
            hdrs, text = self.page('page view: ' + label, path, 200,
                                   method='GET', cookie_header=cookie)
            with self.subTest('page view: ' + label):
                self.assertTrue(csrf_of(text), text[:300])
                self.assertTrue(any(sc.startswith('catalyst_session=csrf.')
                                    for sc in hdrs.get_all('set-cookie')),
                                hdrs.get_all('set-cookie'))

    # -- huge and wrong fields ------------------------------------------------

    def test_huge_and_wrong_fields(self):
        d = self.demo
        c = self.cookie
        good = self.csrf
        login = lambda **kw: dict({'csrf': good}, **kw)
        auth = lambda **kw: dict({'csrf': good, 'client_id': d.browser_id,
                                  'redirect_uri': REDIRECT,
                                  'response_type': 'code', 'state': 's',
                                  'action': 'allow'}, **kw)
        for label, path, status, fields in (
                # the sign-in form: refused before any password hash
                ('email of 60 KB', '/login', 400,
                 login(email='e' * 60000, password='x')),
                ('password of 60 KB', '/login', 400,
                 login(email=d.email, password='p' * 60000)),
                ('next of 60 KB, no password', '/login', 400,
                 login(email=d.email, next='/' + 'n' * 60000)),
                ('no email', '/login', 400, login(password='x')),
                ('empty password', '/login', 400,
                 login(email=d.email, password='')),
                # code entry and decision (each wrong code counts against
                # this session: at most a few here)
                ('user_code of 60 KB', '/device', 400,
                 {'csrf': good, 'user_code': 'B' * 60000}),
                ('no user_code', '/device', 400, {'csrf': good}),
                ('no action', '/device/decide', 400,
                 {'csrf': good, 'user_code': self.user_code}),
                ('action upper case', '/device/decide', 400,
                 {'csrf': good, 'user_code': self.user_code,
                  'action': 'DENY'}),
                ('action of 60 KB', '/device/decide', 400,
                 {'csrf': good, 'user_code': self.user_code,
                  'action': 'a' * 60000}),
                ('user_code of 60 KB, deny', '/device/decide', 400,
                 {'csrf': good, 'user_code': 'B' * 60000, 'action': 'deny'}),
                # consent
                ('no action', '/oauth/v2/auth', 400, auth(action=None)),
                ('action "Allow"', '/oauth/v2/auth', 400,
                 auth(action='Allow')),
                ('no client_id', '/oauth/v2/auth', 400, auth(client_id=None)),
                ('a device client', '/oauth/v2/auth', 400,
                 auth(client_id=d.device_id)),
                ('client_id of 60 KB', '/oauth/v2/auth', 400,
                 auth(client_id='c' * 60000)),
                ('redirect_uri elsewhere', '/oauth/v2/auth', 400,
                 auth(redirect_uri='http://evil.example:9005')),
                ('redirect_uri of 60 KB', '/oauth/v2/auth', 400,
                 auth(redirect_uri=REDIRECT + '/' + 'r' * 60000)),
                ('state of 60 KB', '/oauth/v2/auth', 400,
                 auth(state='s' * 60000))):
            self.page('%s: %s' % (path, label), path, status, cookie=c,
                      fields={k: v for k, v in fields.items()
                              if v is not None})
        # errors the client hears about: a redirect, with no code
        for label, fields, error in (
                ('response_type token', auth(response_type='token'),
                 'unsupported_response_type'),
                ('no response_type', auth(response_type=None),
                 'invalid_request'),
                ('plain PKCE', auth(code_challenge='c' * 43,
                                    code_challenge_method='plain'),
                 'invalid_request'),
                ('scope of 60 KB', auth(scope='s' * 60000), 'invalid_scope')):
            hdrs, _ = self.page('/oauth/v2/auth: ' + label, '/oauth/v2/auth',
                                302, cookie=c,
                                fields={k: v for k, v in fields.items()
                                        if v is not None})
            with self.subTest('/oauth/v2/auth: ' + label):
                self.assertRedirectError(hdrs, error)
        # what the dispatcher refuses: too much
        self.page('/login: 65 fields', '/login', 413, cookie=c,
                  fields=[('csrf', good)] + [('f%d' % i, 'v')
                                             for i in range(64)])
        self.page('/device/decide: over 64 KiB', '/device/decide', 413,
                  cookie=c, fields={'csrf': good, 'user_code': 'x' * 66000,
                                    'action': 'deny'})
        self.page('/oauth/v2/auth: action repeated', '/oauth/v2/auth', 400,
                  cookie=c, fields=list(auth().items()) + [('action',
                                                            'deny')])

    def test_authorization_requests(self):
        """GET /oauth/v2/auth with a bad request: an error page when the
        client or redirect_uri cannot be trusted, else a redirect back with
        the error; either way no code. Signed in and signed out."""
        d = self.demo
        q = lambda **kw: {k: v for k, v in dict(
            {'client_id': d.browser_id, 'redirect_uri': REDIRECT,
             'response_type': 'code', 'state': 'st'}, **kw).items()
            if v is not None}
        pages = [
            ('no client_id', q(client_id=None)),
            ('empty client_id', q(client_id='')),
            ('unknown client', q(client_id='1000.NOPE')),
            ('client_id of 100 bytes', q(client_id='c' * 100)),
            ('a device client', q(client_id=d.device_id)),
            ('no redirect_uri', q(redirect_uri=None)),
            ('https redirect_uri', q(redirect_uri='https://localhost:9005')),
            ('another host', q(redirect_uri='http://evil.example:9005')),
            ('a loopback look-alike',
             q(redirect_uri='http://localhost.evil.example:9005')),
            ('userinfo', q(redirect_uri='http://localhost:9005@evil.example')),
            ('no port', q(redirect_uri='http://localhost')),
            ('port 0', q(redirect_uri='http://localhost:0')),
            ('port 65536', q(redirect_uri='http://localhost:65536')),
            ('a fragment', q(redirect_uri=REDIRECT + '/#x')),
            ('a backslash', q(redirect_uri=REDIRECT + '\\@evil.example')),
            ('javascript:', q(redirect_uri='javascript:alert(1)')),
            ('redirect_uri of 600 bytes',
             q(redirect_uri=REDIRECT + '/' + 'r' * 600)),
            ('state of 1025 bytes', q(state='s' * 1025)),
        ]
        redirects = [
            ('no response_type', q(response_type=None), 'invalid_request'),
            ('response_type token', q(response_type='token'),
             'unsupported_response_type'),
            ('response_type "code token"', q(response_type='code token'),
             'unsupported_response_type'),
            ('method without challenge', q(code_challenge_method='S256'),
             'invalid_request'),
            ('challenge without method', q(code_challenge='c' * 43),
             'invalid_request'),
            ('plain PKCE', q(code_challenge='c' * 43,
                             code_challenge_method='plain'),
             'invalid_request'),
            ('challenge too short', q(code_challenge='c' * 42,
                                      code_challenge_method='S256'),
             'invalid_request'),
            ('challenge with "+"', q(code_challenge='c+' * 22,
                                     code_challenge_method='S256'),
             'invalid_request'),
            ('scope of 4096 bytes', q(scope='s' * 4096), 'invalid_scope'),
        ]
        for who, cookie in (('signed in', self.cookie), ('signed out', None)):
            for label, query in pages:
                self.page('GET /oauth/v2/auth %s: %s' % (who, label),
                          '/oauth/v2/auth', 400, method='GET',
                          query=query, cookie=cookie)
            for label, query, error in redirects:
                hdrs, _ = self.page(
                    'GET /oauth/v2/auth %s: %s' % (who, label),
                    '/oauth/v2/auth', 302, method='GET', query=query,
                    cookie=cookie)
                with self.subTest('GET /oauth/v2/auth %s: %s' % (who, label)):
                    self.assertRedirectError(hdrs, error)
        # signed out, a request too long to come back to after sign-in
        # (escaped, 3000 spaces are 9000 bytes): a bad link, never a 500
        base = urllib.parse.urlencode(q(state=None))
        for label, query in (
                ('scope of 3000 spaces', q(scope=' ' * 3000)),
                ('scope of 2800 "!", state of 1000 "\'"',
                 base + '&scope=' + '!' * 2800 + '&state=' + "'" * 1000)):
            hdrs, text = self.page('GET /oauth/v2/auth signed out: ' + label,
                                   '/oauth/v2/auth', 400, method='GET',
                                   query=query)
        # the same posted to the consent form by a signed-out browser
        self.page('POST /oauth/v2/auth signed out: scope of 4000 spaces',
                  '/oauth/v2/auth', 400, cookie=self.anon_cookie,
                  fields={'csrf': self.anon_csrf,
                          'client_id': d.browser_id,
                          'redirect_uri': REDIRECT, 'response_type': 'code',
                          'scope': ' ' * 4000, 'action': 'allow'})

    def test_wrong_methods(self):
        for method, path in (('GET', '/logout'), ('GET', '/device/decide'),
                             ('PUT', '/login'), ('DELETE', '/device'),
                             ('PATCH', '/oauth/v2/auth'), ('POST', '/'),
                             ('DELETE', '/logout'), ('OPTIONS', '/device'),
                             ('PUT', '/oauth/v2/auth')):
            self.page('%s %s' % (method, path), path, 405, method=method,
                      cookie=self.cookie, fields={'csrf': self.csrf})


if __name__ == '__main__':
    unittest.main()
