"""Logs and metrics (issue 11 items 6 and 7): the access line of every
request, token events, JSON lines, no secret in any log line, and /metrics
as promtool and an operator see it."""

import json
import os
import re
import shutil
import subprocess
import time
import unittest

from common import SECRET_RE, ServerCase, bearer
from harness import (CATALYSTD, Browser, Server, http, raw_request,
                     setup_demo, wait_until)

# what a secret we mint looks like (common.SECRET_RE), and the m_/w_
# shapes of the reference service's tokens
SECRET_RE = re.compile(SECRET_RE.pattern + r'|\b[mw]_[0-9A-Za-z]{20,}')
TEXT_FIELD_RE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
TEXT_ACCESS_RE = re.compile(
    r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info access '
    r'request_id=[0-9a-f]{16} method=\S+ route=\S+ status=\d{3} '
    r'duration_ms=\d+\.\d{3} client=\S+ bytes=\d+$')
# a head that the gate refuses: two Host fields
BAD_HEAD = b'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'


def server_lines(log):
    """What catalystd wrote (the harness adds "== argv" lines)."""
    return [ln for ln in log.splitlines()
            if ln.strip() and not ln.startswith('== ')]


def text_fields(line):
    out = {}
    for k, v in TEXT_FIELD_RE.findall(line):
        out[k] = json.loads(v) if v.startswith('"') else v
    return out


def text_access(log):
    """{request_id: fields} of the text access lines, and their count."""
    lines = [ln for ln in server_lines(log) if ' info access ' in ln]
    return {text_fields(ln)['request_id']: text_fields(ln)
            for ln in lines}, lines


def text_events(log, kind):
    return [text_fields(ln) for ln in server_lines(log)
            if ' info event=%s ' % kind in ln + ' ']


def scrape(url):
    st, h, text = http('GET', url + '/metrics')
    assert st == 200, (st, text)
    return text


def samples(text):
    """{'name{labels}': value} with labels in the order served."""
    out = {}
    for line in text.splitlines():
        if line.startswith('#') or not line.strip():
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$',
                     line)
        assert m, 'not Prometheus text: %r' % line
        out[m.group(1)] = float(m.group(2))
    return out


def delta(m0, m1, key):
    return m1.get(key, 0) - m0.get(key, 0)


def req_key(route, method, code):
    return ('catalystd_http_requests_total{route="%s",method="%s",code="%s"}'
            % (route, method, code))


class AccessLogTest(ServerCase):
    """Text format, at debug: everything the server can log is on."""
    server_kwargs = {'extra_args': ('--log-level', 'debug')}

    def test_one_line_per_request_with_the_documented_fields(self):
        calls = [
            ('GET', '/healthz', '/healthz', 200),
            ('HEAD', '/healthz', '/healthz', 200),
            ('GET', '/baas/v1/project/4242424242?q=hidden-query-1',
             '/baas/v1/project/{id}', 401),
            ('GET', '/no/such/path?q=hidden-query-2', 'unmatched', 404),
            ('POST', '/healthz', 'unmatched', 405),
            ('GET', '/.well-known/oauth-authorization-server',
             '/.well-known/oauth-authorization-server', 200),
        ]
        _, before = text_access(self.srv.log())
        seen = []
        for method, path, route, status in calls:
            st, h, _ = http(method, self.url + path)
            self.assertEqual(st, status, path)
            rid = h.get('x-request-id')
            self.assertRegex(rid or '', r'^[0-9a-f]{16}$', path)
            seen.append((rid, method, route, status,
                         int(h.get('content-length') or 0)))
        st, h, _ = raw_request(self.srv.port, BAD_HEAD)
        self.assertEqual(st, 400)
        time.sleep(0.2)
        log = self.srv.log()
        by_id, lines = text_access(log)
        self.assertEqual(len(lines) - len(before), len(calls) + 1,
                         lines[len(before):])
        for line in lines:
            self.assertRegex(line, TEXT_ACCESS_RE)
        for rid, method, route, status, length in seen:
            self.assertEqual(sum(rid in ln for ln in lines), 1, rid)
            f = by_id[rid]
            self.assertEqual(f['method'], method)
            self.assertEqual(f['route'], route)
            self.assertEqual(int(f['status']), status)
            self.assertEqual(f['client'], '127.0.0.1')
            if method != 'HEAD':
                self.assertEqual(int(f['bytes']), length)
            self.assertGreaterEqual(float(f['duration_ms']), 0)
        refused = [text_fields(ln) for ln in lines[len(before):]
                   if 'route=refused' in ln]
        self.assertEqual(len(refused), 1, lines[len(before):])
        self.assertEqual(refused[0]['status'], '400')
        # never the query, never the raw path's id
        self.assertNotIn('hidden-query', log)
        self.assertNotIn('4242424242', log)

    def test_a_refused_later_head_on_a_kept_alive_connection(self):
        # the gate sees only a connection's first head; the dispatcher
        # refuses later ones, and each is still one access line
        _, before = text_access(self.srv.log())
        st, h, _ = raw_request(
            self.srv.port,
            b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
            b'GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n')
        self.assertEqual(st, 200)

        def two_more():
            _, lines = text_access(self.srv.log())
            return len(lines) >= len(before) + 2 and lines
        lines = wait_until(two_more, what='two access lines')
        self.assertEqual(len(lines), len(before) + 2, lines[len(before):])
        first, second = (text_fields(ln) for ln in lines[len(before):])
        self.assertEqual((first['route'], first['status']),
                         ('/healthz', '200'))
        self.assertEqual(first['request_id'], h['x-request-id'])
        self.assertEqual((second['route'], second['method'],
                          second['status']), ('refused', 'GET', '400'))

    def test_a_bad_log_format_is_refused_naming_the_flag(self):
        p = subprocess.run([CATALYSTD, 'serve', '--log-format', 'xml',
                            '--db', os.path.join(self.tmp, 'bad.db')],
                           capture_output=True, text=True, timeout=30,
                           cwd=self.tmp)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('--log-format', p.stderr)

    def test_events_and_no_secret_in_any_line(self):
        d = self.demo
        secrets = {d.password, d.device_secret, d.browser_secret}
        b = Browser(self.url, d.email, d.password)
        # wrong password first: the failure event names no email typed
        wrong = 'not-the-password-%d' % os.getpid()
        secrets.add(wrong)
        r = b.login(password=wrong, check=False)
        self.assertIn(r.status, (200, 401))
        b.password = d.password
        tok = self.tokens(browser=b)
        secrets |= {tok['access_token'], tok['refresh_token']}
        st, body = self.refresh(tok['refresh_token'])
        self.assertEqual(st, 200, body)
        secrets.add(body['access_token'])
        # the admin API and the token list with the bearer
        for path in ('/baas/v1/project', '/baas/v1/orgs', '/api/v1/tokens',
                     '/oauth/user/info'):
            st, _, _ = http('GET', self.url + path,
                            headers=bearer(body['access_token']))
            self.assertEqual(st, 200, path)
        self.introspect(tok['access_token'])
        # a code denied, and one left pending
        for action in ('deny', None):
            code = self.code()
            secrets |= {code['device_code'], code['user_code'],
                        code['user_code'].replace('-', '')}
            if action:
                b.approve(code['user_code'], action=action)
            st, _ = self.poll_v3(code['device_code'])
        st, _ = self.revoke(tok['refresh_token'])
        self.assertEqual(st, 200)
        # bearer and secrets where they do not belong
        http('GET', self.url + '/oauth/user/info',
             headers=bearer(tok['refresh_token']))
        http('GET', self.url + '/healthz',
             params={'token': tok['refresh_token']})
        raw_request(self.srv.port, BAD_HEAD)
        raw_request(self.srv.port,
                    b'GET /oauth/user/info HTTP/1.1\r\nHost: x\r\n'
                    b'Authorization: Bearer ' + tok['access_token'].encode() +
                    b'\r\nAuthorization: Bearer x\r\n\r\n')
        time.sleep(0.2)
        log = self.srv.log()
        lines = server_lines(log)
        for line in lines:
            self.assertIsNone(SECRET_RE.search(line), line)
            for s in secrets:
                self.assertNotIn(s, line)
        # the events, with the token's public id
        tid = tok['token_id']
        for kind, field, value in (
                ('signin_failed', 'client', '127.0.0.1'),
                ('signin_ok', 'client', '127.0.0.1'),
                ('device_code_issued', 'client_id', d.device_id),
                ('device_approved', 'client_id', d.device_id),
                ('device_denied', 'client_id', d.device_id),
                ('token_issued', 'token_id', tid),
                ('token_refreshed', 'token_id', tid),
                ('token_revoked', 'token_id', tid)):
            ev = text_events(log, kind)
            self.assertTrue(any(e.get(field) == value for e in ev),
                            (kind, ev))
            self.assertTrue(all(re.match(r'^[0-9a-f]{16}$',
                                         e.get('request_id', ''))
                                for e in ev), ev)
        ok = text_events(log, 'signin_ok')[-1]
        failed = text_events(log, 'signin_failed')[-1]
        self.assertEqual(failed.get('account'), ok['account'])
        self.assertNotIn(d.email, '\n'.join(ln for ln in lines
                                            if 'event=' in ln))

    def test_trust_proxy_address(self):
        srv = Server(self.tmp, name='proxied',
                     extra_args=('--trust-proxy',))
        setup_demo(srv.db)
        with srv:
            st, h, _ = http('GET', srv.url + '/healthz',
                            headers={'X-Forwarded-For':
                                     '203.0.113.7, 10.0.0.1'})
            self.assertEqual(st, 200)
            rid = h['x-request-id']
            time.sleep(0.1)
            by_id, _ = text_access(srv.log())
        self.assertEqual(by_id[rid]['client'], '203.0.113.7')


class JsonLogTest(ServerCase):
    server_kwargs = {'extra_args': ('--log-format', 'json')}

    def test_every_line_is_a_json_object(self):
        ids = []
        for path in ('/healthz', '/nope?x=1', '/baas/v1/project/77'):
            st, h, _ = http('GET', self.url + path)
            ids.append((h['x-request-id'], st))
        tok = self.tokens()
        raw_request(self.srv.port, BAD_HEAD)
        time.sleep(0.2)
        recs = []
        for line in server_lines(self.srv.log()):
            rec = json.loads(line)
            self.assertIsInstance(rec, dict, line)
            self.assertRegex(rec['time'],
                             r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
            self.assertIn(rec['level'], ('error', 'warn', 'info', 'debug'))
            self.assertIsNone(SECRET_RE.search(line), line)
            recs.append(rec)
        access = [r for r in recs if r.get('kind') == 'access']
        for r in access:
            self.assertEqual(set(r), {'time', 'level', 'kind', 'request_id',
                                      'method', 'route', 'status',
                                      'duration_ms', 'client', 'bytes'})
            self.assertIsInstance(r['status'], int)
            self.assertIsInstance(r['bytes'], int)
            self.assertIsInstance(r['duration_ms'], (int, float))
        for rid, st in ids:
            mine = [r for r in access if r['request_id'] == rid]
            self.assertEqual(len(mine), 1, rid)
            self.assertEqual(mine[0]['status'], st)
        routes = {r['route'] for r in access}
        self.assertTrue({'/healthz', 'unmatched', '/baas/v1/project/{id}',
                         '/oauth/v3/device/code', 'refused'} <= routes,
                        routes)
        issued = [r for r in recs if r.get('event') == 'token_issued']
        self.assertEqual(issued[-1]['kind'], 'event')
        self.assertEqual(issued[-1]['token_id'], tok['token_id'])
        self.assertTrue(any(r.get('msg', '').startswith('catalystd listening')
                            for r in recs))


class MetricsTest(ServerCase):

    def test_promtool_accepts_metrics_after_a_mix_of_requests(self):
        promtool = shutil.which('promtool')
        # installed by scripts/install-deps.sh --test: missing is a failure
        self.assertIsNotNone(promtool, 'promtool not found (Debian package '
                             'prometheus; scripts/install-deps.sh --test)')
        tok = self.tokens()
        self.refresh(tok['refresh_token'])
        self.user_info(tok['access_token'])
        http('GET', self.url + '/baas/v1/project',
             headers=bearer(tok['access_token']))
        http('GET', self.url + '/nope')
        http('DELETE', self.url + '/healthz')
        raw_request(self.srv.port, BAD_HEAD)
        self.revoke(tok['refresh_token'])
        text = scrape(self.url)
        p = subprocess.run([promtool, 'check', 'metrics'], input=text,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr + text)
        self.assertEqual((p.stdout + p.stderr).strip(), '', text)
        for fam in ('catalystd_http_requests_total',
                    'catalystd_http_request_duration_seconds',
                    'catalystd_store_duration_seconds',
                    'catalystd_http_connections_open',
                    'catalystd_device_codes_pending',
                    'catalystd_build_info', 'process_cpu_seconds_total',
                    'process_resident_memory_bytes', 'process_open_fds',
                    'process_start_time_seconds'):
            self.assertIn('# TYPE %s ' % fam, text)

    def test_docs_list_every_metric_and_valid_alert_rules(self):
        promtool = shutil.which('promtool')
        self.assertIsNotNone(promtool, 'promtool not found')
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               '..', '..', 'docs', 'catalystd.md')) as f:
            doc = f.read()
        ops = doc[doc.index('## Operations'):]
        for fam in re.findall(r'^# TYPE (\S+) ', scrape(self.url), re.M):
            self.assertIn('`%s`' % fam, ops)
        rules = re.search(r'```yaml\n(.*?)```', ops, re.S).group(1)
        path = os.path.join(self.tmp, 'rules.yml')
        with open(path, 'w') as f:
            f.write(rules)
        p = subprocess.run([promtool, 'check', 'rules', path],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_per_route_counts_and_histogram(self):
        m0 = samples(scrape(self.url))
        for _ in range(5):
            self.assertEqual(http('GET', self.url + '/healthz')[0], 200)
        for pid in ('1', '22', '333'):
            st, _, _ = http('GET', self.url + '/baas/v1/project/' + pid)
            self.assertEqual(st, 401)
        http('GET', self.url + '/nope')
        http('POST', self.url + '/healthz')
        st, _, _ = raw_request(self.srv.port, BAD_HEAD)
        self.assertEqual(st, 400)
        time.sleep(0.1)
        m1 = samples(scrape(self.url))
        made = 5 + 3 + 2 + 1 + 1  # ... and the first scrape
        self.assertEqual(delta(m0, m1, req_key('/healthz', 'GET', '2xx')), 5)
        self.assertEqual(delta(m0, m1, req_key('/baas/v1/project/{id}',
                                               'GET', '4xx')), 3)
        self.assertEqual(delta(m0, m1, req_key('unmatched', 'other', '4xx')),
                         2)
        self.assertEqual(delta(m0, m1, req_key('refused', 'other', '4xx')),
                         1)
        self.assertEqual(delta(m0, m1, req_key('/metrics', 'GET', '2xx')), 1)
        # no raw path ever becomes a label
        self.assertFalse([k for k in m1 if '333' in k])
        def total(m, prefix):
            return sum(v for k, v in m.items() if k.startswith(prefix))
        count = 'catalystd_http_request_duration_seconds_count'
        reqs = 'catalystd_http_requests_total{'
        self.assertEqual(total(m1, count) - total(m0, count), made)
        self.assertEqual(total(m1, reqs) - total(m0, reqs), made)
        h = 'catalystd_http_request_duration_seconds'
        self.assertEqual(delta(m0, m1, h + '_count{route="/healthz"}'), 5)
        self.assertEqual(m1[h + '_bucket{route="/healthz",le="+Inf"}'],
                         m1[h + '_count{route="/healthz"}'])
        self.assertGreater(delta(m0, m1, 'catalystd_store_duration_seconds'
                                         '_count'), 0)

    def test_gauges_and_process(self):
        m0 = samples(scrape(self.url))
        self.code()
        m1 = samples(scrape(self.url))
        self.assertEqual(delta(m0, m1, 'catalystd_device_codes_pending'), 1)
        self.assertGreaterEqual(m1['catalystd_http_connections_open'], 1)
        version = subprocess.run([CATALYSTD, '--version'],
                                 capture_output=True, text=True,
                                 check=True).stdout.split()[-1]
        self.assertEqual(m1['catalystd_build_info{version="%s"}' % version],
                         1)
        self.assertGreater(m1['process_resident_memory_bytes'], 1 << 20)
        self.assertGreater(m1['process_open_fds'], 3)
        self.assertGreaterEqual(m1['process_cpu_seconds_total'],
                                m0['process_cpu_seconds_total'])
        self.assertLess(abs(m1['process_start_time_seconds'] - time.time()),
                        3600)


if __name__ == '__main__':
    unittest.main()
