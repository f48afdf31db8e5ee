/* Input checks shared by the store backends, so both refuse the same input. */
#include "store_util.h"

#include <string.h>

#include "err.h"
#include "store.h"
#include "banned.h"

int cat_store_check(const char *s, size_t max, const char *what)
{
	if (!s)
		return cat_error_set(CAT_EINVAL, "%s is missing", what);
	if (strnlen(s, max + 1) > max)
		return cat_error_set(CAT_EINVAL,
				     "%s is too long (at most %zu bytes)", what,
				     max);
	return 0;
}

int cat_store_check_key(const char *s, size_t max, const char *what)
{
	int err = cat_store_check(s, max, what);

	if (err == 0 && !*s)
		err = cat_error_set(CAT_EINVAL, "%s is empty", what);
	return err;
}

int cat_store_parse_id(const char *s, int64_t *out, const char *what)
{
	int64_t v = 0;
	size_t i;
	int err;

	*out = 0;
	if ((err = cat_store_check(s, CAT_ID_MAX, what)) < 0)
		return err;
	/* 18 digits always fit in int64_t; no id of ours has a leading 0 */
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 18 ||
		    (i == 0 && s[i] == '0'))
			return cat_error_set(CAT_ENOTFOUND, "unknown %s", what);
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown %s", what);
	*out = v;
	return 0;
}
