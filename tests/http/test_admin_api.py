"""The Catalyst admin API (/baas/v1) the reference CLI's project commands
call."""

import http.client as httpclient
import unittest
import urllib.parse

from common import CLI_HEADERS, ServerCase, bearer, forge_token
from harness import admin_json, admin, db_snapshot, http


class AdminApiTest(ServerCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from harness import get_cli_tokens
        cls.tok = get_cli_tokens(cls.srv, cls.demo)
        cls.h = bearer(cls.tok['access_token'])
        # an org the demo user is not a member of, with a project
        org = admin_json(cls.srv, 'org', 'add', '--name', 'Foreign Org',
                         '--json')
        cls.foreign_org = str(org.get('id') or org.get('org_id'))
        out = admin(cls.srv, 'project', 'add', '--org', cls.foreign_org,
                    '--name', 'secret').stdout
        import re
        m = re.search(r'\b(\d{3,})\b', out)
        cls.foreign_project = m.group(1)

    def get(self, path, headers=None):
        h = dict(self.h)
        h.update(headers or {})
        return http('GET', self.url + path, headers=h)

    def test_orgs(self):
        st, hdrs, body = self.get('/baas/v1/orgs')
        self.assertEqual(st, 200, body)
        self.assertIn('json', hdrs['content-type'])
        self.assertEqual(body['status'], 'success')
        orgs = {str(o['id']): o for o in body['data']}
        self.assertIn(self.demo.org_id, orgs)
        self.assertNotIn(self.foreign_org, orgs)
        self.assertEqual(orgs[self.demo.org_id]['name'], self.demo.org_name)
        self.assertIs(orgs[self.demo.org_id]['is_default'], True)

    def check_project(self, p):
        self.assertIn(p['project_type'], ('Live', 'Demo'))
        self.assertIsInstance(p['timezone'], str)
        self.assertIsInstance(p.get('project_domain_details', {}), dict)
        env = p['env_details'][0]
        self.assertEqual(str(env['env_zgid']), self.demo.org_id)
        self.assertEqual(env['env_name'], 'Development')
        self.assertEqual(env['env_type'], 3)
        self.assertEqual(str(env['project_details']['id']), str(p['id']))

    def test_project_list(self):
        for extra in ({}, {'CATALYST-ORG': self.demo.org_id}):
            st, _, body = self.get('/baas/v1/project', extra)
            self.assertEqual(st, 200, body)
            self.assertEqual(body['status'], 'success')
            names = {p['project_name']: str(p['id']) for p in body['data']}
            for name, pid in zip(self.demo.project_names,
                                 self.demo.project_ids):
                self.assertEqual(names.get(name), pid, body)
            self.assertNotIn('secret', names)
            for p in body['data']:
                self.check_project(p)

    def test_project_by_id_and_environments(self):
        pid = self.demo.project_ids[0]
        st, _, body = self.get('/baas/v1/project/' + pid,
                               {'CATALYST-ORG': self.demo.org_id})
        self.assertEqual(st, 200, body)
        self.assertEqual(str(body['data']['id']), pid)
        self.assertEqual(body['data']['project_name'],
                         self.demo.project_names[0])
        self.check_project(body['data'])
        st, _, body = self.get('/baas/v1/project/%s/environment' % pid)
        self.assertEqual(st, 200, body)
        devs = [e for e in body['data'] if e['env_name'] == 'Development']
        self.assertEqual(len(devs), 1, body)
        self.assertEqual(str(devs[0]['env_zgid']), self.demo.org_id)
        self.assertEqual(devs[0]['env_status'], 'Active')
        self.assertIsInstance(devs[0]['env_type'], int)
        self.assertEqual(str(devs[0]['project_details']['id']), pid)

    def test_project_not_found_and_foreign(self):
        self.assertAdminError(self.get('/baas/v1/project/999999999999'), 404)
        self.assertAdminError(self.get('/baas/v1/project/nonsense'), 404)
        self.assertAdminError(
            self.get('/baas/v1/project/999999999999/environment'), 404)
        self.assertAdminError(
            self.get('/baas/v1/project/' + self.foreign_project), 404)
        self.assertAdminError(
            self.get('/baas/v1/project/%s/environment'
                     % self.foreign_project), 404)
        self.assertAdminError(
            self.get('/baas/v1/project',
                     {'CATALYST-ORG': self.foreign_org}), 403)
        self.assertAdminError(
            self.get('/baas/v1/project', {'CATALYST-ORG': '123456789'}), 403)

    def raw_get(self, path, headers):
        """(status, content type, body bytes) of a GET, undecoded."""
        h = dict(self.h)
        h.update(headers)
        u = urllib.parse.urlsplit(self.url)
        conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=10)
        try:
            conn.request('GET', path, headers=h)
            r = conn.getresponse()
            return r.status, r.getheader('Content-Type'), r.read()
        finally:
            conn.close()

    def test_foreign_project_same_as_unknown(self):
        """Issue 7, finding 9: project ids are sequential, so a project of
        another org must answer exactly what an id that does not exist
        answers, or the difference tells which ids exist."""
        unknown = str(int(self.foreign_project) + 100000)
        self.assertEqual(self.get('/baas/v1/project/' + unknown)[0], 404)
        for fmt in ('/baas/v1/project/%s', '/baas/v1/project/%s/environment'):
            for extra in ({}, {'CATALYST-ORG': self.demo.org_id},
                          {'CATALYST-ORG': self.foreign_org}):
                foreign = self.raw_get(fmt % self.foreign_project, extra)
                missing = self.raw_get(fmt % unknown, extra)
                self.assertEqual(foreign[0], 404, (fmt, extra, foreign))
                self.assertEqual(foreign, missing, (fmt, extra))
                self.assertNotIn(self.foreign_project.encode(), foreign[2])

    def test_auth_required(self):
        for path in ('/baas/v1/orgs', '/baas/v1/project',
                     '/baas/v1/project/' + self.demo.project_ids[0],
                     '/baas/v1/project/%s/environment'
                     % self.demo.project_ids[0]):
            st, hdrs, body = http('GET', self.url + path,
                                  headers=CLI_HEADERS)
            self.assertAdminError((st, body), 401)
            st, _, body = http('GET', self.url + path,
                               headers=bearer(forge_token('cata')))
            self.assertAdminError((st, body), 401)
        st, _, body = http('POST', self.url + '/baas/v1/cli/logs',
                           json_body=[], headers=CLI_HEADERS)
        self.assertAdminError((st, body), 401)

    def test_create_project(self):
        st, _, body = http('POST', self.url + '/baas/v1/project',
                           json_body={'project_name': 'gamma',
                                      'project_type': 'Live'},
                           headers=self.h)
        self.assertIn(st, (200, 201), body)
        self.assertEqual(body['status'], 'success')
        self.assertEqual(body['data']['project_name'], 'gamma')
        pid = str(body['data']['id'])
        st, _, body = self.get('/baas/v1/project')
        self.assertIn(pid, [str(p['id']) for p in body['data']])
        st, _, body = self.get('/baas/v1/project/%s/environment' % pid)
        self.assertEqual(st, 200, body)
        self.assertIn('Development', [e['env_name'] for e in body['data']])

    def test_create_project_bad_input(self):
        before = db_snapshot(self.srv.db)
        bad = [b'{"project_name":', b'not json', b'[]', b'"gamma"',
               b'{"project_name": 5}', b'{"project_name": null}',
               b'{"project_type": "Live"}', b'{"project_name": ""}',
               b'{"project_name": "x", "project_type": "Bogus"}',
               b'{"project_name": "x", "project_type": 7}',
               b'{"project_name": "' + b'n' * 300 + b'"}',
               b'{"project_name": "\xc3\x28"}',
               b'{"project_name": "a\\u0000b"}', b'']
        for raw in bad:
            h = dict(self.h)
            h['Content-Type'] = 'application/json'
            st, _, body = http('POST', self.url + '/baas/v1/project',
                               body=raw, headers=h)
            self.assertAdminError((st, body), 400)
        self.assertEqual(db_snapshot(self.srv.db), before)
        self.assertServing()

    def test_cli_logs_accepted(self):
        st, _, body = http('POST', self.url + '/baas/v1/cli/logs',
                           json_body=[{'level': 'info', 'message': 'x',
                                       'label': 'CatalystCLI/'}],
                           headers=self.h)
        self.assertEqual((st, body), (200, {'status': 'success', 'data': {}}))

    def test_wrong_method(self):
        st, _, body = http('DELETE', self.url + '/baas/v1/orgs',
                           headers=self.h)
        self.assertAdminError((st, body), 405)
        st, _, body = http('GET', self.url + '/baas/v1/nothing',
                           headers=self.h)
        self.assertAdminError((st, body), 404)


if __name__ == '__main__':
    unittest.main()
