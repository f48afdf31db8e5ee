/*
 * The keys of config.json: one table of what the CLI reads, checked when
 * the file is loaded so that a typo ("sever", a number as a string) is an
 * error naming the file and the key instead of a setting silently ignored
 * (and a credential sent to the default server). `catalyst config` reads
 * and edits the file through the same table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "io.h"
#include "banned.h"

const struct cat_setting cat_settings[] = {
	{ "dc", CAT_SET_DC,
	  "the data center used when neither --dc nor a sign-in names one" },
	{ "directory", CAT_SET_URL,
	  "URL of the deployment directory, which names the server of every "
	  "data center (CATALYST_DIRECTORY overrides it)" },
	{ "http_timeout", CAT_SET_SECONDS,
	  "total timeout of each request in seconds (30; "
	  "CATALYST_HTTP_TIMEOUT overrides it)" },
	{ "servers.us", CAT_SET_URL, "the server of data center us" },
	{ "servers.eu", CAT_SET_URL, "the server of data center eu" },
	{ "servers.in", CAT_SET_URL, "the server of data center in" },
	{ "servers.au", CAT_SET_URL, "the server of data center au" },
	{ "servers.ca", CAT_SET_URL, "the server of data center ca" },
	{ "servers.sa", CAT_SET_URL, "the server of data center sa" },
	{ "servers.jp", CAT_SET_URL, "the server of data center jp" },
	{ "servers.ae", CAT_SET_URL, "the server of data center ae" },
	{ "clients.device.id", CAT_SET_STRING,
	  "OAuth client of the device flow (M_CATALYST_CLIENT_ID overrides "
	  "it)" },
	{ "clients.device.secret", CAT_SET_SECRET,
	  "its secret (M_CATALYST_CLIENT_SECRET)" },
	{ "clients.browser.id", CAT_SET_STRING,
	  "OAuth client of the browser flow (W_CATALYST_CLIENT_ID overrides "
	  "it)" },
	{ "clients.browser.secret", CAT_SET_SECRET,
	  "its secret (W_CATALYST_CLIENT_SECRET)" },
};
const size_t cat_setting_count = sizeof(cat_settings) / sizeof(cat_settings[0]);

/* Longer keys than this are not ours; they are reported cut short. */
#define KEY_MAX 128

const struct cat_setting *cat_setting_find(const char *key)
{
	size_t i;

	for (i = 0; i < cat_setting_count; i++)
		if (strcmp(cat_settings[i].key, key) == 0)
			return &cat_settings[i];
	return NULL;
}

/* True when key is an object holding settings ("servers", "clients.device"). */
static int is_group(const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < cat_setting_count; i++)
		if (strncmp(cat_settings[i].key, key, n) == 0 &&
		    cat_settings[i].key[n] == '.')
			return 1;
	return 0;
}

static int plain_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* NULL when v suits s, else what the value must be (for the message). */
static const char *check_value(const struct cat_setting *s, const json_t *v)
{
	const char *str = json_string_value(v);
	json_int_t n;

	switch (s->type) {
	case CAT_SET_SECONDS:
		n = json_is_integer(v) ? json_integer_value(v) : 0;
		return n >= 1 && n <= CAT_SETTING_MAX_SECONDS
			       ? NULL
			       : "a whole number of seconds from 1 to 3600";
	case CAT_SET_DC:
		return str && cat_dc_find(str) ? NULL
					       : "a data center: " CAT_DC_NAMES;
	case CAT_SET_URL:
		/* a space or a line break would end up inside a request */
		return str &&
				       (strncmp(str, "http://", 7) == 0 ||
					strncmp(str, "https://", 8) == 0) &&
				       strlen(str) > 8 && plain_text(str) &&
				       !strchr(str, ' ')
			       ? NULL
			       : "an http:// or https:// URL";
	case CAT_SET_STRING:
	case CAT_SET_SECRET:
		return str && str[0] && plain_text(str)
			       ? NULL
			       : "a non-empty string without control "
				 "characters";
	}
	return "valid";
}

/* The objects of the file, for "did you mean" ("sever" -> servers). */
static const char *const groups[] = { "servers", "clients", "clients.device",
				      "clients.browser" };

static void unknown_hint(const char *key)
{
	struct cat_suggest sg;
	size_t i;

	cat_suggest_init(&sg, key);
	for (i = 0; i < cat_setting_count; i++)
		cat_suggest_add(&sg, cat_settings[i].key);
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		cat_suggest_add(&sg, groups[i]);
	/* a key the CLI would ignore: say which was meant, or remove it */
	if (strncmp(key, "servers.", 8) == 0)
		cat_hint_set(
			"servers has one key per data center (" CAT_DC_NAMES
			"); remove this one with 'catalyst config unset "
			"%s'",
			key);
	else if (sg.best)
		cat_hint_set("did you mean '%s'? remove it with 'catalyst "
			     "config unset %s'",
			     sg.best, key);
	else
		cat_hint_set("remove it with 'catalyst config unset %s'; "
			     "'catalyst config --help' lists the keys",
			     key);
}

static int validate_node(const char *path, const json_t *node,
			 const char *prefix)
{
	const struct cat_setting *s;
	const char *k, *what;
	char key[KEY_MAX];
	json_t *v;
	int n, err;

	json_object_foreach((json_t *)node, k, v)
	{
		n = snprintf(key, sizeof(key), "%s%s%s", prefix,
			     prefix[0] ? "." : "", k);
		if (n < 0 || (size_t)n >= sizeof(key)) {
			unknown_hint(key);
			return cat_error_set(CAT_EINVAL,
					     "'%s' is invalid: unknown key "
					     "'%s...'",
					     path, key);
		}
		if ((s = cat_setting_find(key)) != NULL) {
			if ((what = check_value(s, v)) != NULL) {
				cat_hint_set("fix '%s', or run 'catalyst "
					     "config unset %s'",
					     path, key);
				return cat_error_set(CAT_EINVAL,
						     "'%s' is invalid: '%s' "
						     "must be %s",
						     path, key, what);
			}
			continue;
		}
		if (!is_group(key)) {
			unknown_hint(key);
			return cat_error_set(CAT_EINVAL,
					     "'%s' is invalid: unknown key "
					     "'%s'",
					     path, key);
		}
		if (!json_is_object(v)) {
			cat_hint_set("fix '%s'; 'catalyst config --help' lists "
				     "the keys",
				     path);
			return cat_error_set(CAT_EINVAL,
					     "'%s' is invalid: '%s' must be "
					     "an object",
					     path, key);
		}
		if ((err = validate_node(path, v, key)) < 0)
			return err;
	}
	return 0;
}

int cat_settings_validate(const char *path, const json_t *settings)
{
	return validate_node(path, settings, "");
}

json_t *cat_settings_get(const json_t *settings, const char *key)
{
	char part[KEY_MAX];
	json_t *v = (json_t *)settings;
	size_t n;

	while (v && *key) {
		n = strcspn(key, ".");
		if (n >= sizeof(part) || !json_is_object(v))
			return NULL;
		memcpy(part, key, n);
		part[n] = '\0';
		v = json_object_get(v, part);
		key += n;
		if (*key == '.')
			key++;
	}
	return v;
}

int cat_setting_parse(const struct cat_setting *s, const char *text,
		      json_t **out)
{
	const struct cat_dc *dc;
	const char *what;
	json_t *v = NULL;
	char *end;
	long n;

	*out = NULL;
	switch (s->type) {
	case CAT_SET_SECONDS:
		errno = 0;
		n = strtol(text, &end, 10);
		if (!errno && end != text && !*end)
			v = json_integer(n);
		break;
	case CAT_SET_DC:
		dc = cat_dc_find(text);
		v = json_string(dc ? dc->code : text);
		break;
	default:
		v = json_string(text); /* NULL when not UTF-8 */
		break;
	}
	if ((what = check_value(s, v)) != NULL) {
		json_decref(v);
		return cat_error_set(CAT_EINVAL, "'%s' must be %s", s->key,
				     what);
	}
	*out = v;
	return 0;
}

int cat_settings_put(json_t *settings, const char *key, json_t *value)
{
	char part[KEY_MAX];
	json_t *v = settings, *next;
	size_t n;

	for (;;) {
		n = strcspn(key, ".");
		if (n >= sizeof(part)) {
			json_decref(value);
			return cat_error_set(CAT_EINVAL, "key is too long");
		}
		memcpy(part, key, n);
		part[n] = '\0';
		if (!key[n])
			break;
		next = json_object_get(v, part);
		if (!json_is_object(next)) /* replaces a wrong-typed parent */
			json_object_set_new(v, part, next = json_object());
		v = next;
		key += n + 1;
	}
	return json_object_set_new(v, part, value) == 0
		       ? 0
		       : cat_error_set(CAT_ERROR, "out of memory");
}

int cat_settings_del(json_t *settings, const char *key)
{
	char part[KEY_MAX];
	const char *dot = strrchr(key, '.');
	json_t *parent = settings;
	int removed;

	if (dot) {
		if ((size_t)(dot - key) >= sizeof(part))
			return 0;
		memcpy(part, key, (size_t)(dot - key));
		part[dot - key] = '\0';
		parent = cat_settings_get(settings, part);
	}
	if (!json_is_object(parent))
		return 0;
	removed = json_object_del(parent, dot ? dot + 1 : key) == 0;
	/* "servers": {} after the last server goes says nothing: drop it */
	if (removed && dot && json_object_size(parent) == 0)
		cat_settings_del(settings, part);
	return removed;
}

long cat_settings_timeout(const json_t *settings)
{
	json_t *v = json_object_get(settings, "http_timeout");

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}
