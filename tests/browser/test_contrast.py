"""The colours of the browser pages: WCAG AA contrast, computed from the
stylesheet a running catalystd serves.

Every text/background pair of the pages is written down in PAIRS by the
CSS rules it comes from; the test reads those colours out of the served
<style>, computes the WCAG 2 contrast ratio of each pair and wants 4.5:1
for text (3:1 for large text: 24 px, or 18.66 px bold) and 3:1 for what
marks a control (input and button borders, a button's fill, the focus
ring; WCAG 1.4.11). Every colour in the stylesheet must be in a pair or
in DECORATIVE with the reason it needs no contrast, so a new colour cannot
slip in unchecked. The page must keep working under its CSP: one inline
<style>, no scripts, no style attributes.

(phone.mjs checks the same in a real Chromium, on the colours the browser
computes for every visible element of every page.)
"""

import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))

from harness import Server, http  # noqa: E402

TEXT, LARGE, UI = 4.5, 3.0, 3.0

# (what, (selector, property) of the foreground, (selector, property) of
# the background it is drawn on, the ratio it needs)
PAIRS = [
    ('body text on the page', ('body', 'color'), ('body', 'background'),
     TEXT),
    ('body text on the card', ('body', 'color'), ('main', 'background'),
     TEXT),
    ('product name in the header', ('.brand', 'color'),
     ('.top', 'background'), TEXT),
    ('data center pill', ('.dc', 'color'), ('.dc', 'background'), TEXT),
    ('signed-in email in the header', ('.who', 'color'),
     ('.top', 'background'), TEXT),
    ('lead paragraph', ('.lead', 'color'), ('main', 'background'), TEXT),
    ('fact labels', ('dt', 'color'), ('main', 'background'), TEXT),
    ('muted text (client id, hints)', ('.muted', 'color'),
     ('main', 'background'), TEXT),
    ('scope list', ('.scopes', 'color'), ('main', 'background'), TEXT),
    ('"and N more" scopes', ('summary', 'color'), ('main', 'background'),
     TEXT),
    ('footer', ('.foot', 'color'), ('body', 'background'), TEXT),
    ('error message', ('.error', 'color'), ('.error', 'background'), TEXT),
    ('warning note', ('body', 'color'), ('.note', 'background'), TEXT),
    ('code to check', ('body', 'color'), ('.bigcode', 'background'), TEXT),
    # .ok colours only the "Device verified" heading (large) but is held to
    # the text ratio, should it ever colour body text
    ('success heading', ('.ok', 'color'), ('main', 'background'), TEXT),
    ('button label', ('button', 'color'), ('button', 'background'), TEXT),
    ('primary button label', ('.primary', 'color'),
     ('.primary', 'background'), TEXT),
    ('Deny button label', ('.danger', 'color'), ('button', 'background'),
     TEXT),
    ('typed text', ('body', 'color'), ('input', 'background'), TEXT),
    ('placeholder', ('::placeholder', 'color'), ('input', 'background'),
     TEXT),
    ('input border on the card', ('input', 'border'),
     ('main', 'background'), UI),
    ('button border on the card', ('button', 'border'),
     ('main', 'background'), UI),
    ('Sign out button border in the header', ('button', 'border'),
     ('.top', 'background'), UI),
    ('Deny button border', ('.danger', 'border-color'),
     ('main', 'background'), UI),
    ('primary button fill', ('.primary', 'background'),
     ('main', 'background'), UI),
    ('focus ring', ('input:focus', 'outline'), ('main', 'background'), UI),
]

# colours that carry no information, so WCAG asks no contrast of them
DECORATIVE = {
    '#e1e5eb': 'the header rule and the card outline: decoration, not '
               'controls',
    '#f3c2bd': 'the error box outline: its text carries the message',
    '#f0dd9c': 'the note box outline: its text carries the warning',
}

HEX = re.compile(r'#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b')


def normal_hex(h):
    h = h.lower()
    if len(h) == 4:
        h = '#' + ''.join(c * 2 for c in h[1:])
    return h


def luminance(h):
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    h = normal_hex(h)
    r, g, b = (int(h[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b):
    x, y = luminance(a), luminance(b)
    return (max(x, y) + 0.05) / (min(x, y) + 0.05)


def parse_css(css):
    """[(selectors, {property: value}, media or None)] of the stylesheet,
    one level of @media nesting."""
    rules = []

    def block(text, media):
        i = 0
        while True:
            open_ = text.find('{', i)
            if open_ < 0:
                return
            head = text[i:open_].strip()
            depth, j = 1, open_ + 1
            while depth:
                depth += {'{': 1, '}': -1}.get(text[j], 0)
                j += 1
            inner = text[open_ + 1:j - 1]
            if head.startswith('@media'):
                block(inner, head)
            else:
                decls = {}
                for d in inner.split(';'):
                    if ':' in d:
                        k, v = d.split(':', 1)
                        decls[k.strip()] = v.strip()
                rules.append(([s.strip() for s in head.split(',')], decls,
                              media))
            i = j

    block(css, None)
    return rules


class ContrastTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='catalyst-contrast-')
        cls.addClassCleanup(cls._tmp.cleanup)
        srv = Server(cls._tmp.name, dc='us')
        srv.start()
        try:
            st, cls.headers, body = http('GET', srv.url + '/login')
        finally:
            srv.stop()
        assert st == 200, (st, body)
        cls.page = body if isinstance(body, str) else body.decode()
        styles = re.findall(r'<style>(.*?)</style>', cls.page, re.S)
        assert len(styles) == 1, styles
        cls.css = styles[0]
        cls.rules = parse_css(cls.css)

    def lookup(self, selector, prop):
        """The colour of prop in the last rule (outside @media) naming
        selector; for a shorthand (border, outline, background) the colour
        in it. None when there is none."""
        value = None
        for sels, decls, media in self.rules:
            if media is None and selector in sels and prop in decls:
                value = decls[prop]
        m = HEX.search(value or '')
        return normal_hex(m.group(0)) if m else None

    def colour(self, selector, prop):
        c = self.lookup(selector, prop)
        self.assertIsNotNone(c, 'no #hex %s in a rule for %s'
                             % (prop, selector))
        return c

    def test_pairs_meet_wcag_aa(self):
        rows, bad = [], []
        for what, fg, bg, need in PAIRS:
            f, b = self.lookup(*fg), self.lookup(*bg)
            if not f or not b:
                rows.append('  %-38s no #hex colour in %s{%s}'
                            % ((what,) + (fg if not f else bg)))
                bad.append(rows[-1])
                continue
            r = contrast(f, b)
            rows.append('  %-38s %s on %s  %5.2f:1 (needs %.1f)'
                        % (what, f, b, r, need))
            if r < need:
                bad.append(rows[-1])
        # the measured ratios, for the record
        sys.stderr.write('\n' + '\n'.join(rows) + '\n')
        self.assertEqual(bad, [], 'below WCAG AA:\n' + '\n'.join(bad))

    def test_every_colour_is_checked(self):
        checked = set()
        for _, fg, bg, _ in PAIRS:
            checked.add(self.colour(*fg))
            checked.add(self.colour(*bg))
        found = {normal_hex(h) for h in HEX.findall(self.css)}
        unchecked = found - checked - set(DECORATIVE)
        self.assertEqual(unchecked, set(),
                         'colours in the stylesheet that no pair checks')
        # named colours and rgb() text colours would escape the list above;
        # the only rgba() is the card's shadow
        for sels, decls, _ in self.rules:
            for k, v in decls.items():
                if k in ('color', 'background', 'background-color',
                         'border', 'border-color', 'outline'):
                    self.assertTrue(HEX.search(v) or v == 'inherit',
                                    '%s{%s:%s}: write colours as #hex so '
                                    'this test sees them' % (sels, k, v))
        self.assertEqual(re.findall(r'rgba?\([^)]*\)', self.css),
                         ['rgba(20,30,50,.06)'])

    def test_inputs_inherit_the_checked_text_colour(self):
        # "typed text" above is body's colour because inputs inherit it
        for sels, decls, media in self.rules:
            if media is None and 'input' in sels and 'color' in decls:
                self.assertEqual(decls['color'], 'inherit')

    def test_page_works_under_its_csp(self):
        csp = self.headers['content-security-policy']
        self.assertIn("default-src 'none'", csp)
        self.assertIn("style-src 'unsafe-inline'", csp)
        self.assertNotIn('script-src', csp)
        self.assertNotIn('<script', self.page.lower())
        self.assertIsNone(re.search(r'\sstyle\s*=', self.page),
                          'a style attribute')
        self.assertRegex(self.page, r'<meta name="viewport" '
                         r'content="width=device-width,initial-scale=1">')


if __name__ == '__main__':
    unittest.main()
