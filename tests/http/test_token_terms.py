"""A CLI token's terms (issue 10, item 1): name, expiry, one project and
read-only, asked for in the device authorization, shown on the approval
page, carried by the token answer, the listing and introspection, and
enforced by the bearer check, the refresh grant and the admin API."""

import calendar
import json
import time
import unittest

from common import CLI_HEADERS, ServerCase, add_user_to_demo, bearer
from harness import Browser, admin, http, poll_device_token


def epoch(iso):
    return calendar.timegm(time.strptime(iso, '%Y-%m-%dT%H:%M:%SZ'))


def sleep_until(t):
    while time.time() < t:
        time.sleep(min(0.2, max(0.0, t - time.time())))


class TermsCase(ServerCase):
    # seconds-long tokens for the expiry tests; a quick last-used flush
    server_kwargs = {'extra_args': ('--token-expiry-min', '1',
                                    '--last-used-flush', '1')}

    def ask(self, bearer_token=None, **terms):
        """A device code request carrying terms; (status, body)."""
        params = {'client_id': self.demo.device_id,
                  'scope': 'ZohoCatalyst.projects.ALL',
                  'grant_type': 'device_request',
                  'device_name': 'ci-runner-7'}
        params.update({k: str(v) for k, v in terms.items()})
        headers = {'Authorization': 'Bearer ' + bearer_token} \
            if bearer_token else None
        st, _, body = http('POST', self.url + '/oauth/v3/device/code',
                           params=params, headers=headers)
        return st, body

    def confirm_page(self, browser, user_code):
        """The page shown before Verify, for user_code."""
        r = browser.follow(browser.get('/device?user_code=' + user_code))
        if not r.form('/device/decide'):
            r = browser.follow(browser.submit(r, '/device',
                                              {'user_code': user_code}))
        self.assertTrue(r.form('/device/decide'), r.text[-2000:])
        return r

    def token_with(self, **terms):
        st, code = self.ask(**terms)
        self.assertEqual(st, 200, code)
        self.browser().approve(code['user_code'])
        st, tok = poll_device_token(self.srv, self.demo.device_id,
                                    self.demo.device_secret,
                                    code['device_code'])
        self.assertEqual(st, 200, tok)
        self.assertIn('refresh_token', tok)
        return tok

    def listing(self, access):
        st, _, body = http('GET', self.url + '/api/v1/tokens',
                           headers=bearer(access))
        self.assertEqual(st, 200, body)
        return {t['token_id']: t for t in body['tokens']}

    def admin_api(self, method, path, access, **kw):
        h = dict(CLI_HEADERS)
        h.update(bearer(access))
        st, _, body = http(method, self.url + path, headers=h, **kw)
        return st, body


class TermsShownAndReported(TermsCase):

    def test_terms_on_the_page_in_the_answer_listing_and_introspection(self):
        alpha = self.demo.project_ids[0]
        ttl = 30 * 86400
        st, code = self.ask(token_name='ci-deploy', token_expires_in=ttl,
                            project_id=alpha, read_only='true')
        self.assertEqual(st, 200, code)
        asked = int(time.time())
        b = self.browser()
        page = self.confirm_page(b, code['user_code'])
        when = time.strftime('%d %b %Y', time.gmtime(asked + ttl)) \
            .lstrip('0')
        self.assertIn('ci-deploy \u00b7 project alpha only \u00b7 '
                      'read-only \u00b7 expires ' + when, page.text)
        self.assertNotIn('does not expire', page.text)
        b.approve(code['user_code'])
        st, tok = poll_device_token(self.srv, self.demo.device_id,
                                    self.demo.device_secret,
                                    code['device_code'])
        self.assertEqual(st, 200, tok)
        self.assertEqual(tok['token_name'], 'ci-deploy')
        self.assertEqual(tok['project_id'], alpha)
        self.assertIs(tok['read_only'], True)
        exp = epoch(tok['token_expires_at'])
        self.assertLessEqual(abs(exp - (asked + ttl)), 5)
        for t in (tok['refresh_token'], tok['access_token']):
            intro = self.introspect(t)
            self.assertTrue(intro['active'], intro)
            words = intro['scope'].split()
            self.assertIn('ZohoCatalyst.projects.ALL', words)
            self.assertIn('project:' + alpha, words)
            self.assertIn('read-only', words)
            self.assertEqual(intro['token_name'], 'ci-deploy')
        self.assertEqual(self.introspect(tok['refresh_token'])['exp'], exp)
        # the access token's own expiry, an hour at most
        self.assertLessEqual(self.introspect(tok['access_token'])['exp'],
                             asked + 3600 + 5)
        # the operator sees the same terms
        p = admin(self.srv, 'token', 'list', '--email', self.demo.email,
                  '--json')
        op = {t['id']: t for t in json.loads(p.stdout)['tokens']}
        self.assertEqual(op[tok['token_id']]['token_name'], 'ci-deploy')
        self.assertEqual(op[tok['token_id']]['project_id'], alpha)
        self.assertIs(op[tok['token_id']]['read_only'], True)
        text = admin(self.srv, 'token', 'list', '--email',
                     self.demo.email).stdout
        cols = [ln.split('\t') for ln in text.splitlines()
                if ln.startswith(tok['token_id'])][0]
        self.assertEqual(cols[6], 'ci-deploy')
        self.assertEqual(cols[8], 'project %s, read-only' % alpha)
        row = self.listing(tok['access_token'])[tok['token_id']]
        self.assertEqual(row['token_name'], 'ci-deploy')
        self.assertEqual(row['project_id'], alpha)
        self.assertIs(row['read_only'], True)
        self.assertIs(row['expired'], False)
        self.assertEqual(epoch(row['token_expires_at']), exp)

    def test_a_reference_cli_token_has_no_terms(self):
        tok = self.tokens()
        for k in ('token_name', 'token_expires_at', 'project_id'):
            self.assertIsNone(tok[k], k)
        self.assertIs(tok['read_only'], False)
        intro = self.introspect(tok['refresh_token'])
        self.assertEqual(intro['scope'], 'ZohoCatalyst.projects.ALL')
        self.assertNotIn('exp', intro)
        st, code = self.ask()
        page = self.confirm_page(self.browser(), code['user_code'])
        self.assertIn('unnamed \u00b7 every project \u00b7 read and write '
                      '\u00b7 never expires', page.text)
        self.assertIn('does not expire', page.text)

    def test_scope_words_without_an_oauth_scope(self):
        # a client may ask for no scope: the limits alone, no empty word
        alpha = self.demo.project_ids[0]
        tok = self.token_with(scope='', project_id=alpha, read_only='true')
        intro = self.introspect(tok['refresh_token'])
        self.assertEqual(intro['scope'], 'project:%s read-only' % alpha)

    def test_names_are_escaped_and_cleaned(self):
        st, code = self.ask(token_name='<b>x</b>\x1b[31m')
        self.assertEqual(st, 200, code)
        page = self.confirm_page(self.browser(), code['user_code'])
        self.assertNotIn('<b>x</b>', page.text)
        self.assertIn('&lt;b&gt;x&lt;/b&gt;', page.text)
        self.assertNotIn('\x1b', page.text)

    def test_last_use_time_and_address(self):
        tok = self.token_with(token_name='addr')
        st, _ = self.user_info(tok['access_token'])
        self.assertEqual(st, 200)
        deadline = time.time() + 15
        while time.time() < deadline:
            row = self.listing(tok['access_token'])[tok['token_id']]
            if row.get('last_used_addr'):
                break
            time.sleep(0.3)
        self.assertEqual(row['last_used_addr'], '127.0.0.1', row)
        self.assertIsNotNone(row['last_used_at'])


class TermsEnforced(TermsCase):

    def test_expiry_refuses_bearer_refresh_and_introspection(self):
        # counted from the request: room for a slow approval under load
        tok = self.token_with(token_name='short', token_expires_in=6)
        st, _ = self.user_info(tok['access_token'])
        self.assertEqual(st, 200)
        # the first access token ends with the CLI token, not an hour on
        self.assertLessEqual(tok['expires_in'], 6)
        sleep_until(epoch(tok['token_expires_at']) + 1.2)
        st, body = self.user_info(tok['access_token'])
        self.assertEqual(st, 401, body)
        for _ in range(3):   # a CI job retrying
            resp = self.refresh(tok['refresh_token'])
            body = self.assertOAuthError(resp, 400, 'invalid_grant')
            self.assertIn('expired on', body['error_description'])
            self.assertIn('UTC', body['error_description'])
        self.assertFalse(self.introspect(tok['refresh_token'])['active'])
        p = admin(self.srv, 'audit', '--email', self.demo.email, '--json')
        evs = [e for e in json.loads(p.stdout)['events']
               if e['token_id'] == tok['token_id']
               and e['event'] == 'token_expired']
        self.assertEqual(len(evs), 1, evs)
        self.assertEqual(evs[0]['actor'], 'system')
        # listed as expired, still there to be seen and revoked
        fresh = self.tokens()
        row = self.listing(fresh['access_token'])[tok['token_id']]
        self.assertIs(row['expired'], True)

    def rotate(self, refresh_token):
        st, _, body = http('POST', self.url + '/oauth/v2/token/rotate',
                           data={'refresh_token': refresh_token,
                                 'client_id': self.demo.device_id,
                                 'client_secret': self.demo.device_secret},
                           headers=CLI_HEADERS)
        return st, body

    def test_rotation_keeps_the_terms_and_an_expired_token_cannot_rotate(
            self):
        alpha = self.demo.project_ids[0]
        tok = self.token_with(token_name='rot', token_expires_in=6,
                              project_id=alpha, read_only='1')
        st, body = self.rotate(tok['refresh_token'])
        self.assertEqual(st, 200, body)
        for k in ('token_name', 'token_expires_at', 'project_id',
                  'read_only'):
            self.assertEqual(body[k], tok[k], k)
        sleep_until(epoch(tok['token_expires_at']) + 1.2)
        body = self.assertOAuthError(self.rotate(body['refresh_token']),
                                     400, 'invalid_grant')
        self.assertIn('expired on', body['error_description'])

    def test_project_scope(self):
        alpha, beta = self.demo.project_ids[:2]
        tok = self.token_with(project_id=alpha)
        acc = tok['access_token']
        st, body = self.admin_api('GET', '/baas/v1/project', acc)
        self.assertEqual(st, 200, body)
        self.assertEqual([str(p['id']) for p in body['data']], [alpha])
        st, body = self.admin_api('GET', '/baas/v1/project/' + alpha, acc)
        self.assertEqual(st, 200, body)
        for path in ('/baas/v1/project/' + beta,
                     '/baas/v1/project/%s/environment' % beta):
            self.assertAdminError(self.admin_api('GET', path, acc), 404)
        # the same 404 as a project that does not exist
        st404, _ = self.admin_api('GET', '/baas/v1/project/999999999', acc)
        self.assertEqual(st404, 404)
        self.assertAdminError(
            self.admin_api('POST', '/baas/v1/project', acc,
                           json_body={'project_name': 'gamma'}), 403)
        # an unlimited token still sees both
        full = self.tokens()['access_token']
        st, body = self.admin_api('GET', '/baas/v1/project', full)
        self.assertEqual(sorted(str(p['id']) for p in body['data']),
                         sorted([alpha, beta]))

    def test_read_only(self):
        tok = self.token_with(read_only='true')
        acc = tok['access_token']
        st, body = self.admin_api('GET', '/baas/v1/project', acc)
        self.assertEqual(st, 200, body)
        body = self.assertAdminError(
            self.admin_api('POST', '/baas/v1/project', acc,
                           json_body={'project_name': 'ro-made'}), 403)
        self.assertIn('read-only', body['data']['message'])
        # telemetry changes nothing: allowed
        st, body = self.admin_api('POST', '/baas/v1/cli/logs', acc,
                                  json_body=[])
        self.assertEqual(st, 200, body)
        st, body = self.admin_api('GET', '/baas/v1/project', acc)
        self.assertNotIn('ro-made', [p['project_name'] for p in body['data']])
        # the same request with a full token creates it
        full = self.tokens()['access_token']
        st, body = self.admin_api('POST', '/baas/v1/project', full,
                                  json_body={'project_name': 'rw-made'})
        self.assertEqual(st, 200, body)


class TermsRefused(TermsCase):

    def test_bad_terms_are_refused_and_nothing_is_stored(self):
        cases = [dict(token_expires_in='abc'), dict(token_expires_in='-5'),
                 dict(token_expires_in='1e9'),
                 dict(token_expires_in=str(11 * 366 * 86400)),
                 dict(read_only='maybe'), dict(project_id='alpha'),
                 dict(project_id='1' * 80), dict(token_name='n' * 200)]
        for terms in cases:
            with self.subTest(terms=terms):
                st, body = self.ask(**terms)
                self.assertOAuthError((st, body), 400, 'invalid_request')
                self.assertTrue(body['error_description'])

    def test_a_project_the_account_cannot_see(self):
        # another org's project: refused at once when the code is bound
        # to the account (token:generate), at the page otherwise
        other = admin(self.srv, 'org', 'add', '--name', 'Other Org',
                      '--json')
        org = json.loads(other.stdout)['id']
        p = admin(self.srv, 'project', 'add', '--org', org, '--name',
                  'secret-proj', '--json')
        pid = json.loads(p.stdout)['id']
        full = self.tokens()['access_token']
        st, body = self.ask(bearer_token=full, project_id=pid)
        body = self.assertOAuthError((st, body), 400, 'invalid_request')
        self.assertNotIn('secret-proj', body['error_description'])
        st, code = self.ask(project_id=pid)
        self.assertEqual(st, 200, code)
        b = self.browser()
        page = self.confirm_page(b, code['user_code'])
        r = b.follow(b.submit(page, '/device/decide',
                              {'user_code': code['user_code'],
                               'action': 'approve'}))
        self.assertEqual(r.status, 403, r.text[-1500:])
        st, body = poll_device_token(self.srv, self.demo.device_id,
                                     self.demo.device_secret,
                                     code['device_code'])
        self.assertNotIn('refresh_token', body)
        self.assertEqual(body.get('error'), 'authorization_pending')


class MinimumExpiry(TermsCase):
    server_kwargs = {}   # the default: an hour at least

    def test_shorter_than_the_minimum_is_refused(self):
        st, body = self.ask(token_expires_in=60)
        body = self.assertOAuthError((st, body), 400, 'invalid_request')
        self.assertIn('3600', body['error_description'])
        st, body = self.ask(token_expires_in=3600)
        self.assertEqual(st, 200, body)


if __name__ == '__main__':
    unittest.main()
