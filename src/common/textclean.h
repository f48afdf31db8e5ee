/*
 * Cleaning of short text a client chooses and a person later reads (device
 * names on the approval page, in token lists and terminals).
 */
#ifndef CAT_TEXTCLEAN_H
#define CAT_TEXTCLEAN_H

#include <stddef.h>

/*
 * Copies src into dst (n bytes) without C0 and C1 control characters, DEL,
 * the Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069) and
 * marks (U+200E, U+200F, U+061C), or bytes that are not valid UTF-8. A
 * control character can move a terminal's cursor or retitle it; a bidi
 * control can make "evil-box" display as something else entirely.
 * Returns 0, or CAT_EINVAL when the cleaned text needs more than n - 1
 * bytes (dst is then ""). dst may be src: it is cleaned in place.
 */
int cat_text_clean(char *dst, size_t n, const char *src);

#endif
