/* Stripping of control and bidi characters (see textclean.h). */
#include "textclean.h"

#include <string.h>

#include "err.h"
#include "banned.h"

/*
 * Length of the valid UTF-8 sequence at s (1-4) and its code point in *cp,
 * or 0 when s does not start one: overlongs, surrogates and values past
 * U+10FFFF are invalid, as in cat_utf8_valid.
 */
static size_t utf8_seq(const unsigned char *s, unsigned long *cp)
{
	size_t len, i;
	unsigned long c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	/* a NUL ends the string before any continuation byte is missed */
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int unwanted(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
	       cp == 0x061c;
}

int cat_text_clean(char *dst, size_t n, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, len;
	unsigned long cp;

	if (n == 0)
		return cat_error_set(CAT_EINVAL, "no room for the text");
	while (*s) {
		if (!(len = utf8_seq(s, &cp))) {
			s++;
			continue;
		}
		if (!unwanted(cp)) {
			if (o + len >= n) {
				dst[0] = '\0';
				return cat_error_set(CAT_EINVAL,
						     "text too long (at most "
						     "%zu bytes)",
						     n - 1);
			}
			memmove(dst + o, s, len);
			o += len;
		}
		s += len;
	}
	dst[o] = '\0';
	return 0;
}
