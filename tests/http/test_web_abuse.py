"""The browser pages under hostile traffic (issue 7, findings 5, 7 and 8):
sign-in limited per address across emails and per account across
addresses before any password is hashed, a cap on concurrent hashes (503),
no store write for anonymous visitors (a signed CSRF cookie instead), and
a confirmation page that says where and when a device request was made,
with wrong codes limited per account and for everyone together.

No timing thresholds: the tests assert which answers come, never how fast.
"""

import calendar
import collections
import re
import tempfile
import threading
import time
import unittest

from common import ServerCase, add_user_to_demo
from harness import Browser, Server, csrf_of, db_count, db_snapshot, http

ALPHA = 'BCDFGHJKLMNPQRSTVWXZ'


def _addr(i):
    """A distinct documentation address (RFC 5737) per i."""
    return '198.51.100.%d' % (i % 250 + 1) if i < 250 else \
        '203.0.113.%d' % (i % 250 + 1)


def _wrong_code(i):
    c = ''.join(ALPHA[(i * 7 + k * 3) % len(ALPHA)] for k in range(8))
    return c[:4] + '-' + c[4:]


def _retry_after(test, r):
    """Asserts r carries Retry-After in whole seconds; returns them."""
    v = r.headers.get('retry-after')
    test.assertIsNotNone(v, 'no Retry-After on %r' % (r,))
    test.assertTrue(re.fullmatch(r'[1-9][0-9]*', v), v)
    return int(v)


def _sign_in_post(base, email, password, headers=None):
    """A fresh browser: GET /login for the form, POST it. Returns the
    answer of the POST."""
    b = Browser(base)
    page = b.get('/login', headers=headers)
    return b.post('/login', {'email': email, 'password': password,
                             'csrf': csrf_of(page.text)}, headers=headers)


class SignInFloodTest(ServerCase):
    """Finding 5: many threads posting the sign-in form with distinct
    emails from one address. One hash may run at a time (--login-hashes 1)
    on 4 worker threads, so the others are told 503, and the address runs
    out of wrong passwords (429) whatever the emails; /healthz keeps
    answering all along."""

    server_kwargs = {'extra_args': ('--threads', '4', '--login-hashes', '1')}

    def test_flood_gets_429_and_503_and_healthz_answers(self):
        stop = threading.Event()
        lock = threading.Lock()
        seen = {}        # status -> first Response
        statuses = collections.Counter()
        health = []
        errors = []

        def poster(t):
            # one browser per thread, its form posted again and again:
            # until both answers came, or the address had far more wrong
            # passwords than its limit (then the limit is broken), or a
            # bound on requests (then the hash cap is)
            try:
                b = Browser(self.url)
                csrf = csrf_of(b.get('/login').text)
                i = 0
                # a time bound, not a request bound: a 503 comes back at
                # once while each hash that gets a slot takes ~60 ms (far
                # more on a loaded machine), and the 429 needs 30 of them
                deadline = time.monotonic() + 180
                while not stop.is_set():
                    r = b.post('/login', {
                        'email': 'flood-%d-%d@example.com' % (t, i),
                        'password': 'not the password', 'csrf': csrf})
                    i += 1
                    with lock:
                        statuses[r.status] += 1
                        seen.setdefault(r.status, r)
                        if (429 in seen and 503 in seen) or \
                                statuses[401] > 100 or \
                                time.monotonic() > deadline:
                            stop.set()
                    if r.status == 503:
                        time.sleep(0.01)  # keep the slots busy, not the CPU
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
                stop.set()

        def prober():
            while not stop.is_set():
                st, _, _ = http('GET', self.url + '/healthz', timeout=30)
                health.append(st)
                time.sleep(0.05)

        threads = [threading.Thread(target=poster, args=(t,))
                   for t in range(8)]
        probe = threading.Thread(target=prober)
        probe.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        probe.join()
        self.assertFalse(errors, errors)
        self.assertIn(429, seen, 'no 429 among %s' % statuses)
        self.assertIn(503, seen, 'no 503 among %s' % statuses)
        # both tell when to come back
        _retry_after(self, seen[429])
        _retry_after(self, seen[503])
        self.assertIn('Try again in', seen[429].text)
        # everything else was an ordinary refusal: never a 500
        self.assertLessEqual(set(statuses), {401, 429, 503}, statuses)
        self.assertLessEqual(statuses[401], 30 + 8, statuses)
        self.assertTrue(health, 'no /healthz probe finished')
        self.assertEqual(set(health), {200}, health)
        st, _, _ = http('GET', self.url + '/healthz')
        self.assertEqual(st, 200)


class SignInLimitTest(ServerCase):
    """Finding 5: the limits behind the sign-in form, one at a time."""

    server_kwargs = {'extra_args': ('--trust-proxy',)}

    def test_one_address_many_emails(self):
        # 30 wrong passwords from one address, each for another email;
        # then the address is refused before any hashing, also for the
        # right password of a real account
        hdr = {'X-Forwarded-For': '192.0.2.30'}
        statuses = [_sign_in_post(self.url, 'many-%d@example.com' % i, 'x',
                                  hdr).status for i in range(30)]
        self.assertEqual(set(statuses), {401}, statuses)
        r = _sign_in_post(self.url, 'many-30@example.com', 'x', hdr)
        self.assertEqual(r.status, 429, r)
        self.assertGreater(_retry_after(self, r), 0)
        r = _sign_in_post(self.url, self.demo.email, self.demo.password, hdr)
        self.assertEqual(r.status, 429, r)
        # another address is not affected
        r = _sign_in_post(self.url, self.demo.email, self.demo.password,
                          {'X-Forwarded-For': '192.0.2.31'})
        self.assertEqual(r.status, 303, r)

    def test_one_account_many_addresses(self):
        # a guesser spreading wrong passwords for one account over many
        # addresses is held back after 20, from any address
        email, pw = add_user_to_demo(self, 'target@example.com',
                                     'the right one 123')
        statuses = []
        for i in range(20):
            r = _sign_in_post(self.url, email.upper() if i % 2 else email,
                              'guess %d' % i,
                              {'X-Forwarded-For': _addr(i)})
            statuses.append(r.status)
        self.assertEqual(set(statuses), {401}, statuses)
        r = _sign_in_post(self.url, email, 'guess 20',
                          {'X-Forwarded-For': _addr(20)})
        self.assertEqual(r.status, 429, r)
        _retry_after(self, r)
        # even the right password, from a fresh address
        r = _sign_in_post(self.url, email, pw, {'X-Forwarded-For': _addr(21)})
        self.assertEqual(r.status, 429, r)
        # the same for an email nobody has: a 429 tells no account exists
        for i in range(20):
            _sign_in_post(self.url, 'ghost@example.com', 'g',
                          {'X-Forwarded-For': _addr(100 + i)})
        r = _sign_in_post(self.url, 'ghost@example.com', 'g',
                          {'X-Forwarded-For': _addr(120)})
        self.assertEqual(r.status, 429, r)
        # other accounts sign in as usual
        r = _sign_in_post(self.url, self.demo.email, self.demo.password,
                          {'X-Forwarded-For': _addr(130)})
        self.assertEqual(r.status, 303, r)


class AnonymousSessionTest(ServerCase):
    """Finding 7: no store write for a visitor who never signs in; the CSRF
    value lives in a signed cookie, which forged, missing or garbage is
    refused, and which a second instance sharing the store accepts."""

    def sessions(self):
        return db_count(self.srv.db, 'sessions')

    def test_anonymous_pages_write_no_session(self):
        before = self.sessions()
        snap = db_snapshot(self.srv.db, skip=None)
        for i in range(40):
            b = Browser(self.url)
            r = b.get('/device' if i % 2 else '/login')
            self.assertEqual(r.status, 200, r)
            self.assertTrue(csrf_of(r.text), r)
            self.assertTrue(b.cookies.get('catalyst_session'), r)
        r = Browser(self.url).get('/device?user_code=BCDF-GHJK')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.sessions(), before)
        # nothing else either, not even the signing key: made at start
        self.assertEqual(db_snapshot(self.srv.db, skip=None), snap)
        self.assertEqual(len(snap.get('server_keys', ())), 1, snap.keys())
        # a sign-in makes one
        b = Browser(self.url)
        page = b.get('/login')
        r = b.post('/login', {'email': self.demo.email,
                              'password': self.demo.password,
                              'csrf': csrf_of(page.text)})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.sessions(), before + 1)
        r = b.follow(b.get('/device'))
        self.assertFalse(b.is_login_page(r), r)

    def _form(self, srv=None):
        b = Browser((srv or self.srv).url)
        page = b.get('/login')
        self.assertEqual(page.status, 200, page)
        return b.cookies['catalyst_session'], csrf_of(page.text)

    def _post(self, cookie, csrf, srv=None):
        b = Browser((srv or self.srv).url)
        if cookie is not None:
            b.cookies['catalyst_session'] = cookie
        fields = {'email': self.demo.email, 'password': self.demo.password}
        if csrf is not None:
            fields['csrf'] = csrf
        return b.post('/login', fields)

    def test_csrf_cookie_checked(self):
        cookie, csrf = self._form()
        other_cookie, other_csrf = self._form()
        flipped = cookie[:-1] + ('0' if cookie[-1] != '0' else '1')
        # the value before the MAC, changed: the MAC no longer fits
        parts = cookie.split('.')
        retimed = '.'.join([parts[0], str(int(parts[1]) + 1)] + parts[2:]) \
            if len(parts) > 2 and parts[1].isdigit() else flipped
        refused = [
            ('no cookie', None, csrf),
            ('no csrf field', cookie, None),
            ('empty csrf', cookie, ''),
            ('wrong csrf', cookie, csrf[:-1] + ('A' if csrf[-1] != 'A'
                                                else 'B')),
            ('another visitor\'s csrf', cookie, other_csrf),
            ('forged MAC', flipped, csrf),
            ('changed time', retimed, csrf),
            ('garbage cookie', 'garbage', csrf),
            ('csrf-shaped garbage', 'csrf.1.%s.%s' % (csrf, '0' * 64), csrf),
            ('empty cookie', '', csrf),
            ('huge cookie', 'x' * 3000, csrf),
        ]
        for what, c, f in refused:
            r = self._post(c, f)
            self.assertEqual(r.status, 403, '%s: %r' % (what, r))
            self.assertNotIn('catalyst_session=cats_', ' '.join(
                r.headers.get_all('set-cookie')), what)
        # the real pair signs in
        r = self._post(other_cookie, other_csrf)
        self.assertEqual(r.status, 303, r)

    def test_cookie_works_on_a_second_instance(self):
        # two instances on one store (as behind a load balancer): the form
        # comes from one, the post goes to the other
        with tempfile.TemporaryDirectory() as tmp:
            with Server(tmp, name='second', db=self.srv.db) as second:
                before = self.sessions()
                cookie, csrf = self._form(second)
                r = self._post(cookie, csrf, self.srv)
                self.assertEqual(r.status, 303, r)
                cookie, csrf = self._form(self.srv)
                r = self._post(cookie, csrf, second)
                self.assertEqual(r.status, 303, r)
                # a forged one is refused there too
                r = self._post(cookie[:-1] + ('0' if cookie[-1] != '0'
                                              else '1'), csrf, second)
                self.assertEqual(r.status, 403, r)
                self.assertEqual(self.sessions(), before + 2)


class DeviceApprovalTest(ServerCase):
    """Finding 8: where and when on the confirmation page; wrong codes
    limited per account however often one signs in again."""

    server_kwargs = {'extra_args': ('--trust-proxy',)}

    def test_confirmation_shows_address_and_time(self):
        st, _, code = http('POST', self.url + '/oauth/v3/device/code',
                           params={'client_id': self.demo.device_id,
                                   'scope': 'ZohoCatalyst.projects.ALL',
                                   'grant_type': 'device_request',
                                   'device_name': 'build-07'},
                           headers={'X-Forwarded-For': '203.0.113.77'})
        self.assertEqual(st, 200, code)
        b = self.browser()
        page = b.follow(b.get('/device?user_code=' + code['user_code']))
        confirm = b.submit(page, '/device', {})
        self.assertEqual(confirm.status, 200, confirm)
        self.assertIsNotNone(confirm.form('/device/decide'), confirm)
        text = confirm.text
        self.assertIn('build-07', text)
        self.assertIn('203.0.113.77', text)
        m = re.search(r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC', text)
        self.assertTrue(m, 'no request time on the page')
        asked = calendar.timegm(time.strptime(m.group(1),
                                              '%Y-%m-%d %H:%M:%S'))
        self.assertLess(abs(asked - time.time()), 120, m.group(1))

    def test_signing_in_again_buys_no_more_wrong_codes(self):
        email, pw = add_user_to_demo(self, 'codes@example.com',
                                     'codes password 123')
        statuses = []
        n = 0
        # 5 wrong codes per sign-in, each sign-in from a new address:
        # neither the session (10) nor the address (30) limit is reached
        for s in range(6):
            hdr = {'X-Forwarded-For': _addr(200 + s)}
            b = Browser(self.url)
            page = b.get('/login', headers=hdr)
            r = b.post('/login', {'email': email, 'password': pw,
                                  'csrf': csrf_of(page.text)}, headers=hdr)
            self.assertEqual(r.status, 303, r)
            page = b.follow(b.get('/device', headers=hdr))
            token = csrf_of(page.text)
            for _ in range(5):
                r = b.post('/device', {'user_code': _wrong_code(n),
                                       'csrf': token}, headers=hdr)
                n += 1
                statuses.append(r.status)
        self.assertNotIn(429, statuses[:20], statuses)
        self.assertEqual(statuses[20], 429, statuses)
        _retry_after(self, r)
        # the demo user, from yet another address, is not held back
        b = self.browser()
        page = b.follow(b.get('/device'))
        r = b.post('/device', {'user_code': _wrong_code(999),
                               'csrf': csrf_of(page.text)},
                   headers={'X-Forwarded-For': _addr(240)})
        self.assertEqual(r.status, 400, r)


class GlobalCodeLimitTest(ServerCase):
    """Finding 8: wrong codes of everyone together are limited too
    (--code-limit-global), so guessers spread over accounts and addresses
    are held back."""

    server_kwargs = {'extra_args': ('--trust-proxy', '--code-limit-global',
                                    '12')}

    def test_wrong_codes_of_everyone(self):
        statuses = []
        for a in range(4):
            email, pw = add_user_to_demo(self, 'g%d@example.com' % a,
                                         'global password %d' % a)
            hdr = {'X-Forwarded-For': _addr(a)}
            b = Browser(self.url)
            page = b.get('/login', headers=hdr)
            r = b.post('/login', {'email': email, 'password': pw,
                                  'csrf': csrf_of(page.text)}, headers=hdr)
            self.assertEqual(r.status, 303, r)
            token = csrf_of(b.follow(b.get('/device', headers=hdr)).text)
            for i in range(4):
                r = b.post('/device', {'user_code': _wrong_code(a * 10 + i),
                                       'csrf': token}, headers=hdr)
                statuses.append(r.status)
        self.assertNotIn(429, statuses[:12], statuses)
        self.assertEqual(set(statuses[12:]), {429}, statuses)
        _retry_after(self, r)


if __name__ == '__main__':
    unittest.main()
