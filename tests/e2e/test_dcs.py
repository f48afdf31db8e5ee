"""Several data centers on one device, with the CLI's public clients
(issue 9, items 3, 4 and 8).

Two catalystd (us, eu), each with its own store, its own account and its
own public device and browser clients, share one directory file. From a
HOME holding nothing but CATALYST_DIRECTORY: sign in to us and to eu and
use both; each sign-in refreshes with its own DC's client even where
config.json names another; `whoami --all` lists both, and once the eu
sign-in is revoked on its server says so and exits 4. A token refreshes
only with the public client it was issued to (the server refuses a device
client's token presented with the browser client's id); the browser flow
uses PKCE S256 with the browser client from the directory and its w_ token
refreshes with that client.
"""

import json
import os
import re
import socket
import tempfile
import unittest
import urllib.parse

import harness as h
from e2e_util import Device, device_flow

DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def bare_home(tmp, name, directory):
    """A fresh HOME: no config.json; only CATALYST_DIRECTORY set."""
    dev = Device(tmp, name, {}, env={'CATALYST_DIRECTORY': directory})
    os.unlink(os.path.join(dev.config_dir, 'config.json'))
    return dev


def drop_cache(dev):
    """Forgets the cached access tokens, so the next command refreshes."""
    st = dev.state()
    st['cache'] = {}
    dev.write_state(st)


def public_client(srv, kind):
    return h.admin_json(srv.db, 'client', 'add', '--name',
                        'Catalyst CLI (%s)' % kind, '--kind', kind,
                        '--public', '--json')['client_id']


class DataCentersTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalyst-dcs-')
        cls.addClassCleanup(cls._tmp.cleanup)
        cls.tmp = cls._tmp.name
        path = os.path.join(cls.tmp, 'directory.json')
        cls.srv, cls.demo, cls.device_id, cls.browser_id = {}, {}, {}, {}
        for dc in ('us', 'eu'):
            srv = h.Server(cls.tmp, dc=dc, name=dc, device_interval=1,
                           extra_args=['--directory', path])
            srv.port = free_port()
            srv.url = 'http://127.0.0.1:%d' % srv.port
            cls.demo[dc] = h.setup_demo(
                srv.db, email='%s.user@example.com' % dc,
                projects=('%s-alpha' % dc,))
            cls.device_id[dc] = public_client(srv, 'device')
            cls.browser_id[dc] = public_client(srv, 'browser')
            cls.srv[dc] = srv
        with open(path, 'w') as f:
            json.dump({'data_centers': {
                dc: {'url': srv.url, 'device_client_id': cls.device_id[dc],
                     'browser_client_id': cls.browser_id[dc]}
                for dc, srv in cls.srv.items()}}, f)
        for srv in cls.srv.values():
            srv.start(port=srv.port)
            cls.addClassCleanup(srv.stop)
        cls.directory = cls.srv['us'].url
        cls.browser = {dc: h.Browser(cls.srv[dc].url, cls.demo[dc].email,
                                     cls.demo[dc].password)
                       for dc in cls.srv}

    def login(self, dev, dc):
        r = device_flow(dev, self.browser[dc], 'login', '--no-localhost',
                        '--dc', dc)
        self.assertEqual(r.proc.returncode, 0, r.stderr)
        self.assertIn(self.demo[dc].email, r.stderr)

    def whoami_all(self, dev):
        r = dev.run('whoami', '--all')
        j = dev.run('whoami', '--all', '--json')
        self.assertEqual(r.returncode, j.returncode, j.stderr)
        rows = {s['dc']: s for s in json.loads(j.stdout)['signins']}
        return r, rows

    def test_sign_in_to_two_dcs_side_by_side(self):
        dev = bare_home(self.tmp, 'laptop', self.directory)
        self.login(dev, 'us')
        self.login(dev, 'eu')
        dcs = dev.state()['dcs']
        for dc in ('us', 'eu'):
            login = dcs[dc]['login']
            self.assertTrue(login['token'].startswith('m_catr_%s_' % dc))
            self.assertEqual(login['client_id'], self.device_id[dc])
        # both are used, each on its own server
        for dc in ('us', 'eu'):
            r = dev.run('project:list', '--dc', dc)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('%s-alpha' % dc, r.stdout)
        # one client setting for every DC (what broke the second DC): each
        # sign-in still refreshes with the client it was issued to
        dev.write_settings({'clients': {'device': {
            'id': self.device_id['us']}}})
        drop_cache(dev)
        for dc in ('us', 'eu'):
            r = dev.run('project:list', '--dc', dc)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('%s-alpha' % dc, r.stdout)
        os.unlink(os.path.join(dev.config_dir, 'config.json'))

        r, rows = self.whoami_all(dev)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        for dc in ('us', 'eu'):
            self.assertIn('%s\t%s\tvalid\t-' % (dc, self.demo[dc].email),
                          lines)
            self.assertEqual(rows[dc]['email'], self.demo[dc].email)
            self.assertEqual(rows[dc]['state'], 'valid')
            self.assertIsNone(rows[dc]['error'])

        # the eu sign-in revoked on the eu server (as `logout` elsewhere or
        # an operator would): whoami --all asks each server and says so
        rt = dcs['eu']['login']['token'][2:]
        st, _, body = h.http('POST', self.srv['eu'].url +
                             '/oauth/v2/token/revoke',
                             data={'token': rt,
                                   'token_type_hint': 'refresh_token'})
        self.assertEqual(st, 200, body)
        r, rows = self.whoami_all(dev)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertEqual(rows['us']['state'], 'valid')
        self.assertEqual(rows['eu']['state'], 'refused')
        self.assertIn('revoked', rows['eu']['error'])
        self.assertEqual(rows['eu']['email'], self.demo['eu'].email)
        self.assertRegex(r.stdout, r'(?m)^eu\t%s\trefused\t.*revoked'
                         % re.escape(self.demo['eu'].email))
        self.assertRegex(r.stdout, r'(?m)^us\t.*\tvalid\t-$')
        # the plain whoami of eu says so too; us is untouched
        r = dev.run('whoami', '--dc', 'eu')
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn('revoked', r.stderr)
        self.assertEqual(dev.run('whoami', '--dc', 'us').returncode, 0)

    def test_whoami_all_needs_a_sign_in(self):
        dev = bare_home(self.tmp, 'empty', self.directory)
        r = dev.run('whoami', '--all')
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn('not signed in', r.stderr)
        r = dev.run('whoami', '--all', '--token', 'm_x')
        self.assertEqual(r.returncode, 129, r.stderr)

    def device_token(self, dc):
        """A device-flow grant of dc's public device client (no secret)."""
        srv = self.srv[dc]
        st, code = h.device_code(srv, self.device_id[dc])
        self.assertEqual(st, 200, code)
        self.browser[dc].approve(code['user_code'])
        st, _, tok = h.http('POST', srv.url + '/oauth/v2/token', data={
            'grant_type': DEVICE_GRANT, 'device_code': code['device_code'],
            'client_id': self.device_id[dc]})
        self.assertEqual(st, 200, tok)
        return tok['refresh_token']

    def test_token_refreshes_with_its_own_client(self):
        rt = self.device_token('us')
        url = self.srv['us'].url + '/oauth/v2/token'
        form = {'grant_type': 'refresh_token', 'refresh_token': rt}
        # the browser client's id (public too): refused by the server
        st, _, body = h.http('POST', url, data=dict(
            form, client_id=self.browser_id['us']))
        self.assertEqual(st, 400, body)
        self.assertEqual(body['error'], 'invalid_grant')
        # the client it was issued to, with no secret: a new access token
        st, _, body = h.http('POST', url, data=dict(
            form, client_id=self.device_id['us']))
        self.assertEqual(st, 200, body)
        # the CLI picks the device client for an m_ token from the
        # directory alone
        dev = bare_home(self.tmp, 'ci-refresh', self.directory)
        r = dev.run('whoami', '--json', env={'CATALYST_TOKEN': 'm_' + rt})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['email'], self.demo['us'].email)
        # a device-flow token presented as a browser-flow one (w_) goes
        # with the browser client: the server refuses it
        dev = bare_home(self.tmp, 'ci-refresh-w', self.directory)
        r = dev.run('whoami', env={'CATALYST_TOKEN': 'w_' + rt})
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn('another client', r.stderr)

    def test_browser_flow_public_client(self):
        dev = bare_home(self.tmp, 'desk', self.directory)
        # no display in the test environment: --web forces the browser flow
        p = h.PtyProcess([h.CATALYST, 'login', '--web', '--dc', 'eu'],
                         env=dev.env, cwd=dev.cwd)
        url = p.expect(r'(http://127\.0\.0\.1:\d+/oauth/v2/auth\?\S+)\s',
                       timeout=30).group(1)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertTrue(url.startswith(self.srv['eu'].url))
        self.assertEqual(q['client_id'], self.browser_id['eu'])
        self.assertEqual(q['code_challenge_method'], 'S256')
        loc = self.browser['eu'].consent(url)
        st, _, _ = h.http('GET', loc)
        self.assertEqual(st, 200)
        self.assertEqual(p.wait(30), 0, p.output)
        login = dev.state()['dcs']['eu']['login']
        self.assertTrue(login['token'].startswith('w_catr_eu_'))
        self.assertEqual(login['client_id'], self.browser_id['eu'])
        drop_cache(dev)
        r = dev.run('whoami', '--dc', 'eu')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.demo['eu'].email, r.stdout)
        # the w_ token elsewhere, with only the directory: browser client
        other = bare_home(self.tmp, 'desk-ci', self.directory)
        r = other.run('project:list', env={'CATALYST_TOKEN': login['token']})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('eu-alpha', r.stdout)


if __name__ == '__main__':
    unittest.main()
