/*
 * `catalyst config get|list|set|unset`: the settings of config.json, by the
 * dotted keys of the table in settings.c. Reads check the whole file as
 * every other command does; an edit takes the lock, re-reads the file and
 * writes it only when the result is valid, so a run that fails leaves the
 * file as it was. It reads config.json alone: a damaged credentials.json
 * does not stand in the way of fixing the settings.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cmd.h"
#include "config.h"
#include "io.h"
#include "banned.h"

struct sub {
	const char *name;
	int (*fn)(struct cat_ctx *ctx, struct cat_config *cfg);
	int nargs; /* after the sub-command */
	int json;  /* honours --json */
	int edit;  /* changes the file (validates the result, not the input) */
	const char *args;
};

static int config_get(struct cat_ctx *ctx, struct cat_config *cfg);
static int config_list(struct cat_ctx *ctx, struct cat_config *cfg);
static int config_set(struct cat_ctx *ctx, struct cat_config *cfg);
static int config_unset(struct cat_ctx *ctx, struct cat_config *cfg);

static const struct sub subs[] = {
	{ "get", config_get, 1, 1, 0, "<key>" },
	{ "list", config_list, 0, 1, 0, "" },
	{ "set", config_set, 2, 0, 1, "<key> <value|->" },
	{ "unset", config_unset, 1, 0, 1, "<key>" },
};

/* The variables that win over a key, so get and set can say so. */
static const char *override_of(const char *key)
{
	if (strcmp(key, "http_timeout") == 0)
		return "CATALYST_HTTP_TIMEOUT";
	if (strncmp(key, "servers.", 8) == 0)
		return cat_env("CATALYST_AUTH_URL") ? "CATALYST_AUTH_URL"
						    : "CATALYST_ADMIN_URL";
	if (strncmp(key, "clients.device.", 15) == 0)
		return "M_CATALYST_CLIENT_ID";
	if (strncmp(key, "clients.browser.", 16) == 0)
		return "W_CATALYST_CLIENT_ID";
	return NULL;
}

static void note_override(const char *key)
{
	const char *var = override_of(key);

	if (var && cat_env(var))
		cat_warn("%s is set and takes precedence over %s", var, key);
}

/* A known key, or a usage error whose hint names the closest one. */
static int known_key(const char *key, const struct cat_setting **out)
{
	struct cat_suggest sg;
	size_t i;

	if ((*out = cat_setting_find(key)) != NULL)
		return 0;
	cat_suggest_init(&sg, key);
	for (i = 0; i < cat_setting_count; i++)
		cat_suggest_add(&sg, cat_settings[i].key);
	if (sg.best)
		cat_hint_set("did you mean %s? 'catalyst config --help' lists "
			     "the keys",
			     sg.best);
	else
		cat_hint_set("'catalyst config --help' lists the keys");
	return cat_err(CAT_EXIT_USAGE, "config: unknown key '%s'", key);
}

/* A value as the user sees it: secrets masked, numbers as digits. */
static json_t *shown(const struct cat_setting *s, json_t *v)
{
	char masked[64];

	if (s->type == CAT_SET_SECRET) {
		cat_mask(masked, sizeof(masked), json_string_value(v));
		return json_string(masked);
	}
	return json_incref(v);
}

static void print_value(FILE *f, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		cat_term_puts(f, json_string_value(v));
}

static int config_get(struct cat_ctx *ctx, struct cat_config *cfg)
{
	const char *key = ctx->opts.args[1];
	const struct cat_setting *s;
	json_t *v, *out;
	int code;

	if ((code = known_key(key, &s)) != 0)
		return code;
	if (!(v = cat_settings_get(cfg->settings, key))) {
		cat_hint_set("set it with 'catalyst config set %s <value>'",
			     key);
		return cat_err(CAT_EXIT_ERROR,
			       "config: '%s' is not set in '%s'", key,
			       cfg->settings_path);
	}
	note_override(key);
	v = shown(s, v);
	if (ctx->opts.json) {
		out = json_pack("{s:s, s:O}", "key", key, "value", v);
		if (out)
			cat_print_json(stdout, out);
		json_decref(out);
	} else {
		print_value(stdout, v);
		fputc('\n', stdout);
	}
	json_decref(v);
	return CAT_EXIT_OK;
}

static int config_list(struct cat_ctx *ctx, struct cat_config *cfg)
{
	json_t *all = json_object(), *v;
	size_t i;

	if (!all)
		return cat_err(CAT_EXIT_ERROR, "config: out of memory");
	for (i = 0; i < cat_setting_count; i++) {
		v = cat_settings_get(cfg->settings, cat_settings[i].key);
		if (!v)
			continue;
		v = shown(&cat_settings[i], v);
		if (ctx->opts.json) {
			json_object_set_new(all, cat_settings[i].key, v);
			continue;
		}
		printf("%s=", cat_settings[i].key);
		print_value(stdout, v);
		fputc('\n', stdout);
		json_decref(v);
	}
	if (ctx->opts.json) {
		v = json_pack("{s:O}", "settings", all);
		if (v)
			cat_print_json(stdout, v);
		json_decref(v);
	}
	json_decref(all);
	return CAT_EXIT_OK;
}

struct edit {
	const char *key;
	json_t *value; /* set: stolen by the edit; NULL: unset */
	int removed;
};

static int edit_settings(json_t *settings, void *arg)
{
	struct edit *e = arg;
	json_t *v = e->value;

	if (!v) {
		e->removed = cat_settings_del(settings, e->key);
		return e->removed ? 0 : 1;
	}
	e->value = NULL; /* put takes it, also when it fails */
	return cat_settings_put(settings, e->key, v);
}

static int config_set(struct cat_ctx *ctx, struct cat_config *cfg)
{
	const char *key = ctx->opts.args[1], *text = ctx->opts.args[2];
	struct edit e = { key, NULL, 0 };
	const struct cat_setting *s;
	char buf[CAT_READ_VALUE_MAX + 1];
	int code = CAT_EXIT_OK, err;

	if ((code = known_key(key, &s)) != 0)
		return code;
	/* "-": from stdin, so a secret stays out of argv and shell history */
	if (strcmp(text, "-") == 0) {
		if ((err = cat_read_value(fileno(stdin), "standard input", buf,
					  sizeof(buf))) < 0) {
			code = cat_fail(err, "config set %s", key);
			goto done;
		}
		text = buf;
	}
	if ((err = cat_setting_parse(s, text, &e.value)) < 0) {
		cat_hint_set("see 'catalyst config --help'");
		code = cat_fail(err, "config set");
		if (code == CAT_EXIT_ERROR)
			code = CAT_EXIT_USAGE;
		goto done;
	}
	if ((err = cat_config_update_settings(cfg, edit_settings, &e)) < 0) {
		code = cat_fail(err, "config set %s", key);
		goto done;
	}
	note_override(key);
done:
	json_decref(e.value);
	if (text == buf)
		sodium_memzero(buf, sizeof(buf));
	return code;
}

static int config_unset(struct cat_ctx *ctx, struct cat_config *cfg)
{
	const char *key = ctx->opts.args[1];
	const struct cat_setting *s;
	struct edit e = { key, NULL, 0 };
	int code, err;

	/*
	 * A key the file holds can go even when it is not one of ours: that
	 * is how an unknown key the load refused is removed.
	 */
	if (!cat_settings_get(cfg->settings, key) &&
	    (code = known_key(key, &s)) != 0)
		return code;
	if ((err = cat_config_update_settings(cfg, edit_settings, &e)) < 0)
		return cat_fail(err, "config unset %s", key);
	if (!e.removed)
		cat_note("'%s' was not set.", key);
	return CAT_EXIT_OK;
}

static int sub_usage(const struct sub *s)
{
	cat_hint_set("usage: catalyst config %s%s%s", s->name,
		     s->args[0] ? " " : "", s->args);
	return cat_err(CAT_EXIT_USAGE, "config %s takes %d argument%s", s->name,
		       s->nargs, s->nargs == 1 ? "" : "s");
}

int cmd_config(struct cat_ctx *ctx)
{
	const char *name = ctx->opts.args[0];
	const struct sub *s = NULL;
	struct cat_config cfg;
	struct cat_suggest sg;
	size_t i;
	int code, err;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].name, name) == 0)
			s = &subs[i];
	if (!s) {
		cat_suggest_init(&sg, name);
		for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			cat_suggest_add(&sg, subs[i].name);
		if (sg.best)
			cat_hint_set("did you mean 'config %s'?", sg.best);
		else
			cat_hint_set("the sub-commands are get, list, set and "
				     "unset");
		return cat_err(CAT_EXIT_USAGE,
			       "config: unknown sub-command '%s'", name);
	}
	if (ctx->opts.nargs - 1 != s->nargs)
		return sub_usage(s);
	if (ctx->opts.json && !s->json) {
		cat_hint_set("--json applies to config get and config list");
		return cat_err(CAT_EXIT_USAGE,
			       "option '--json' does not apply to 'config %s'",
			       s->name);
	}
	if ((err = cat_config_open_settings(&cfg)) < 0) {
		code = cat_fail(err, "config %s", s->name);
		goto done;
	}
	/* an edit validates its result instead: it may be the repair */
	if (!s->edit && (err = cat_settings_validate(cfg.settings_path,
						     cfg.settings)) < 0) {
		code = cat_fail(err, "config %s", s->name);
		goto done;
	}
	code = s->fn(ctx, &cfg);
done:
	cat_config_release(&cfg);
	return code;
}
