"""The audit trail (issue 10, item 6) against a running catalystd: the
security flows a person, a CLI and an operator go through each leave one
event, with the right actor, account, token id, client and address, in
`catalystd audit --json`, filtered by --email and --since; each handled by
the server is one log line too. Purge by retention is in the store
contract suite (test_store_audit.c): it needs events days old."""
import json
import re
import time
import unittest
import urllib.parse
from datetime import datetime, timezone

from common import CLI_SCOPES, SECRET_RE, ServerCase, add_user_to_demo
from harness import (Browser, admin, device_code, get_cli_tokens, http,
                     poll_device_token)

ISO = r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'


class Who:
    def __init__(self, email, password, device_id, device_secret):
        self.email, self.password = email, password
        self.device_id, self.device_secret = device_id, device_secret


def log_events(log, kind):
    """The fields of the text log's event lines of kind."""
    out = []
    for ln in log.splitlines():
        if ' info event=%s ' % kind not in ln + ' ':
            continue
        out.append(dict(re.findall(r'(\w+)=(\S+)', ln)))
    return out


class AuditTest(ServerCase):
    server_kwargs = {'extra_args': ('--audit-retention', '30')}
    n = 0

    def person(self, tag):
        type(self).n += 1
        email = 'audit-%s-%d@example.com' % (tag, type(self).n)
        email, password = add_user_to_demo(self, email)
        return Who(email, password, self.demo.device_id,
                   self.demo.device_secret)

    def audit(self, *args):
        p = admin(self.srv, 'audit', *args, '--json')
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)['events']

    def account_id(self, email):
        d = json.loads(admin(self.srv, 'token', 'list', '--email', email,
                             '--json').stdout)
        return d['account_id']

    def test_flows_leave_one_event_each(self):
        who = self.person('flows')
        other = self.person('other')
        d = self.demo
        secrets = []

        # a wrong password, then (a second later, for --since) the rest
        b = Browser(self.url, who.email, 'not the password')
        r = b.login(check=False)
        self.assertEqual(r.status, 401, r)
        time.sleep(1.1)
        b = Browser(self.url, who.email, who.password)
        b.login()
        t1 = get_cli_tokens(self.srv, who, browser=b)
        t2 = get_cli_tokens(self.srv, who, browser=b)
        t3 = get_cli_tokens(self.srv, who, browser=b)
        st, code = device_code(self.srv, d.device_id)
        self.assertEqual(st, 200, code)
        b.approve(code['user_code'], action='deny')
        st, body = poll_device_token(self.srv, d.device_id, d.device_secret,
                                     code['device_code'])
        self.assertNotEqual(st, 200, body)
        for t in (t1, t2, t3):
            secrets += [t['refresh_token'], t['access_token']]
        # revoked by the device (RFC 7009), then by an operator, then the
        # rest by disabling the account
        st, body = self.revoke(t1['refresh_token'])
        self.assertEqual(st, 200, body)
        # revoking it again is no new event
        st, body = self.revoke(t1['refresh_token'])
        self.assertEqual(st, 200, body)
        admin(self.srv, 'token', 'revoke', '--id', t2['token_id'])
        admin(self.srv, 'user', 'disable', '--email', who.email)
        # the other account signs in: its event is not who's
        Browser(self.url, other.email, other.password).login()

        aid = self.account_id(who.email)
        evs = self.audit('--email', who.email)
        for e in evs:
            self.assertEqual(e['account_id'], aid, e)
            self.assertEqual(e['email'], who.email, e)
            self.assertRegex(e['at'], ISO)
        # newest first
        self.assertEqual([e['id'] for e in evs],
                         sorted((e['id'] for e in evs), reverse=True))
        self.assertEqual([e['at'] for e in evs],
                         sorted((e['at'] for e in evs), reverse=True))

        def of(event, token=None):
            return [e for e in evs if e['event'] == event and
                    (token is None or e['token_id'] == token)]

        kinds = {}
        for e in evs:
            kinds[e['event']] = kinds.get(e['event'], 0) + 1
        self.assertEqual(kinds, {'signin_failed': 1, 'signin_ok': 1,
                                 'device_approved': 3, 'device_denied': 1,
                                 'token_issued': 3, 'token_revoked': 3,
                                 'user_disabled': 1}, evs)
        web = of('signin_failed') + of('signin_ok') + \
            of('device_approved') + of('device_denied')
        for e in web:
            self.assertEqual(e['actor'], 'user', e)
            self.assertEqual(e['address'], '127.0.0.1', e)
            self.assertIsNone(e['token_id'], e)
        for e in of('device_approved') + of('device_denied'):
            self.assertEqual(e['client_id'], d.device_id, e)
        for t in (t1, t2, t3):
            [e] = of('token_issued', t['token_id'])
            self.assertEqual(e['actor'], 'device', e)
            self.assertEqual(e['client_id'], d.device_id, e)
            self.assertEqual(e['address'], '127.0.0.1', e)
        [e] = of('token_revoked', t1['token_id'])
        self.assertEqual((e['actor'], e['address'], e['client_id']),
                         ('device', '127.0.0.1', d.device_id))
        for t in (t2, t3):
            [e] = of('token_revoked', t['token_id'])
            self.assertEqual(e['actor'], 'operator', e)
            self.assertEqual(e['client_id'], d.device_id, e)
            self.assertIsNone(e['address'], e)
        [e] = of('user_disabled')
        self.assertEqual(e['actor'], 'operator', e)
        self.assertIsNone(e['token_id'], e)

        # --since: an ISO time excludes what came before it; a duration
        # reaches back from now
        ok = of('signin_ok')[0]
        since = self.audit('--email', who.email, '--since', ok['at'])
        self.assertEqual(len(since), len(evs) - 1)
        self.assertNotIn('signin_failed', [e['event'] for e in since])
        self.assertEqual(len(self.audit('--email', who.email, '--since',
                                        '1h')), len(evs))
        self.assertEqual(len(self.audit('--email', who.email, '--since',
                                        '7d')), len(evs))
        self.assertEqual(self.audit('--email', who.email, '--since',
                                    '2999-01-01'), [])
        day = datetime.fromtimestamp(time.time() - 86400, timezone.utc)
        self.assertEqual(len(self.audit('--email', who.email, '--since',
                                        day.strftime('%Y-%m-%d'))),
                         len(evs))
        self.assertEqual(len(self.audit('--email', who.email, '--since',
                                        day.strftime('%Y-%m-%dT%H:%M'))),
                         len(evs))
        # --limit: the newest ones
        self.assertEqual(self.audit('--email', who.email, '--limit', '2'),
                         evs[:2])
        # --email: the other account's sign-in only there; all accounts
        # without it
        mine = self.audit('--email', other.email)
        self.assertEqual([e['event'] for e in mine], ['signin_ok'])
        every = self.audit('--since', '1h')
        ids = {e['id'] for e in every}
        self.assertTrue({e['id'] for e in evs + mine} <= ids)

        # the text table: a header, then rows with the email
        p = admin(self.srv, 'audit', '--email', who.email)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split('\t'),
                         ['TIME', 'EVENT', 'ACTOR', 'ACCOUNT', 'TOKEN',
                          'CLIENT', 'ADDRESS'])
        self.assertEqual(len(lines), len(evs) + 1)
        row = lines[1].split('\t')
        self.assertEqual(row[3], who.email)
        out = p.stdout + json.dumps(evs)
        for s in secrets:
            self.assertNotIn(s, out)
        self.assertIsNone(SECRET_RE.search(out))

        # the log: one line per event the server handled, with its actor
        log = self.srv.log()
        for kind, actor in (('signin_failed', 'user'), ('signin_ok', 'user'),
                            ('device_approved', 'user'),
                            ('device_denied', 'user'),
                            ('token_issued', 'device'),
                            ('token_revoked', 'device')):
            lines = [e for e in log_events(log, kind)
                     if e.get('account') == str(aid)]
            want = len(of(kind)) if kind != 'token_revoked' else 1
            self.assertEqual(len(lines), want, (kind, lines))
            for e in lines:
                self.assertEqual(e.get('actor'), actor, e)
                self.assertEqual(e.get('client'), '127.0.0.1', e)
        for ln in log.splitlines():
            self.assertNotIn(who.email, ln if 'event=' in ln else '')

    def test_enable_and_client_remove(self):
        who = self.person('client')
        p = admin(self.srv, 'client', 'add', '--name', 'audit client',
                  '--kind', 'device', '--json')
        c = json.loads(p.stdout)
        cid = c['client_id']
        mine = Who(who.email, who.password, cid, c['client_secret'])
        tok = get_cli_tokens(self.srv, mine)
        admin(self.srv, 'client', 'remove', '--id', cid)
        admin(self.srv, 'user', 'disable', '--email', who.email)
        admin(self.srv, 'user', 'enable', '--email', who.email)
        evs = self.audit('--email', who.email)
        self.assertEqual([e['event'] for e in evs][:3],
                         ['user_enabled', 'user_disabled', 'token_revoked'])
        self.assertEqual(evs[2]['token_id'], tok['token_id'])
        self.assertEqual(evs[2]['client_id'], cid)
        self.assertEqual({e['actor'] for e in evs[:3]}, {'operator'})

    def test_code_exchange_token_issued(self):
        """The browser flow's token: made by the code exchange."""
        who = self.person('web')
        d = self.demo
        b = Browser(self.url, who.email, who.password)
        q = {'client_id': d.browser_id, 'scope': CLI_SCOPES,
             'response_type': 'code', 'redirect_uri': 'http://localhost:9005',
             'state': 's1'}
        loc = b.consent(self.url + '/oauth/v2/auth?' +
                        urllib.parse.urlencode(q))
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        st, _, tok = http('POST', self.url + '/oauth/v2/token', data={
            'grant_type': 'authorization_code', 'code': code['code'][0],
            'client_id': d.browser_id, 'client_secret': d.browser_secret,
            'redirect_uri': 'http://localhost:9005'})
        self.assertEqual(st, 200, tok)
        evs = self.audit('--email', who.email)
        self.assertEqual([e['event'] for e in evs],
                         ['token_issued', 'signin_ok'])
        self.assertEqual((evs[0]['actor'], evs[0]['token_id'],
                          evs[0]['client_id'], evs[0]['address']),
                         ('device', tok['token_id'], d.browser_id,
                          '127.0.0.1'))
        [ln] = [e for e in log_events(self.srv.log(), 'token_issued')
                if e.get('token_id') == tok['token_id']]
        self.assertEqual((ln['actor'], ln['flow']), ('device', 'w'))

    def test_bad_options(self):
        for args in (('--since', 'yesterday'), ('--since', '2026-13-01'),
                     ('--since', '5x'), ('--since', '-3d'),
                     ('--limit', '0'), ('--limit', 'lots')):
            with self.subTest(args=args):
                p = admin(self.srv, 'audit', *args, check=False)
                self.assertEqual(p.returncode, 129, p.stderr)
                self.assertIn('usage: catalystd audit', p.stderr)
        p = admin(self.srv, 'audit', '--email', 'nobody@example.com',
                  check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        p = admin(self.srv, 'audit', '--help')
        for flag in ('--email', '--since', '--limit', '--json'):
            self.assertIn(flag, p.stdout)


if __name__ == '__main__':
    unittest.main()
