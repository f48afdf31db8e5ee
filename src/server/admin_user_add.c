/*
 * catalystd user add: adds an account. The password never comes from argv
 * (ps and shell history see it): it is read from stdin or prompted for
 * twice with terminal echo off, and stored as Argon2id.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "admin.h"
#include "admin_secret.h"
#include "admin_util.h"
#include "store.h"
#include "token.h"
#include "banned.h"

#define SECRET_BUF   1024
#define PASSWORD_MIN 8

static const struct adm_opt user_add_opts[] = {
	{ "email", "EMAIL", O_EMAIL, 1,
	  "sign-in email (unique, case-insensitive)" },
	{ "first-name", "NAME", O_FIRST, 0, "first name" },
	{ "last-name", "NAME", O_LAST, 0, "last name" },
	{ "org", "ORG_ID", O_ORG, 0, "make the account a member of this org" },
	{ "password-stdin", NULL, O_PWSTDIN, 0,
	  "read the password from stdin even on a terminal" },
	{ NULL, NULL, 0, 0, NULL },
};

struct user_opts {
	const char *email, *first, *last, *org;
	int pw_stdin;
};

static int user_opt(void *p, int c, const char *arg)
{
	struct user_opts *o = p;

	switch (c) {
	case O_EMAIL:
		o->email = arg;
		break;
	case O_FIRST:
		o->first = arg;
		break;
	case O_LAST:
		o->last = arg;
		break;
	case O_ORG:
		o->org = arg;
		break;
	case O_PWSTDIN:
		o->pw_stdin = 1;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

/* Hashes the password into out (Argon2id); 0 or EXIT_* after a message. */
static int get_password_hash(const struct user_opts *o,
			     char out[crypto_pwhash_STRBYTES])
{
	char *pw = NULL, *again = NULL;
	const char *why = NULL;
	long n;
	int rc = EXIT_ERR;

	pw = sodium_malloc(SECRET_BUF);
	again = sodium_malloc(SECRET_BUF);
	if (!pw || !again) {
		why = "out of memory";
		goto done;
	}
	if (o->pw_stdin || !isatty(STDIN_FILENO)) {
		n = cat_secret_read_line(pw, SECRET_BUF, &why);
	} else {
		n = cat_secret_prompt("Password: ", pw, SECRET_BUF, &why);
		if (n >= 0 && cat_secret_prompt("Retype password: ", again,
						SECRET_BUF, &why) < 0)
			n = -1;
		if (n >= 0 && !cat_secret_eq(pw, again)) {
			why = "the passwords do not match";
			n = -1;
		}
	}
	if (n < 0)
		goto done;
	if (n == 0) {
		why = "no password given (one line on stdin or at the prompt)";
		goto done;
	}
	if (!cat_utf8_valid(pw, (size_t)n)) {
		why = "the password is not valid UTF-8";
		goto done;
	}
	if (adm_utf8_chars(pw) < PASSWORD_MIN) {
		why = "the password is shorter than 8 characters";
		goto done;
	}
	if (crypto_pwhash_str(out, pw, (unsigned long long)n,
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		why = "cannot hash the password (out of memory)";
		goto done;
	}
	rc = 0;
done:
	if (why)
		fprintf(stderr, "catalystd: cannot add user '%s': %s\n",
			o->email, why);
	sodium_free(pw); /* zeroes before freeing */
	sodium_free(again);
	return rc;
}

static int user_add_run(const struct user_opts *o, const struct common_opts *co,
			const char *pw_hash)
{
	struct cat_store *st = NULL;
	struct cat_account a = { 0 };
	struct cat_org org;
	int rc, err;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (o->org && (err = cat_store_org_get(st, &org, o->org)) < 0) {
		fprintf(stderr, "catalystd: cannot add user '%s': %s\n",
			o->email,
			err == CAT_ENOTFOUND || err == CAT_EINVAL
				? "no such org (see 'catalystd org add')"
				: cat_error_last());
		goto done;
	}
	snprintf(a.email, sizeof(a.email), "%s", o->email);
	snprintf(a.first_name, sizeof(a.first_name), "%s",
		 o->first ? o->first : "");
	snprintf(a.last_name, sizeof(a.last_name), "%s",
		 o->last ? o->last : "");
	snprintf(a.pw_hash, sizeof(a.pw_hash), "%s", pw_hash);
	a.created_at = (int64_t)time(NULL);
	if ((err = cat_store_account_add(st, &a)) < 0) {
		fprintf(stderr, "catalystd: cannot add user '%s': %s\n",
			o->email,
			err == CAT_EEXISTS ? "email already exists"
					   : cat_error_last());
		goto done;
	}
	/* a new account has no org yet, so this one becomes its default */
	if (o->org && (err = cat_store_member_add(st, a.id, o->org, 1)) < 0) {
		fprintf(stderr,
			"catalystd: user %lld was added but not to org '%s': "
			"%s\n",
			(long long)a.id, o->org, cat_error_last());
		goto done;
	}
	if (co->json)
		adm_print_json(json_pack("{s:I, s:s, s:s?}", "id",
					 (json_int_t)a.id, "email", a.email,
					 "org_id", o->org));
	else
		printf("%lld\n", (long long)a.id);
	rc = adm_finish(EXIT_OK);
done:
	cat_store_close(st);
	return rc;
}

static int cmd_user_add(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct user_opts o = { 0 };
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if ((rc = adm_parse(argc, argv, &adm_user_add, &co, user_opt, &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!o.email)
		return adm_cmd_usage_err(&adm_user_add, "--email is required");
	if (!adm_valid_email(o.email))
		return adm_cmd_usage_err(
			&adm_user_add,
			"--email wants an address like name@example.com");
	if ((o.first && !adm_valid_text(o.first, CAT_NAME_MAX)) ||
	    (o.last && !adm_valid_text(o.last, CAT_NAME_MAX)))
		return adm_cmd_usage_err(
			&adm_user_add, "names are 1-127 bytes of text without "
				       "control characters");
	if (o.org && !adm_valid_id(o.org))
		return adm_cmd_usage_err(&adm_user_add,
					 "--org wants an org id");
	/* ask for the password before touching the store: a typo at the
	 * prompt must not leave a half-made account behind */
	if ((rc = get_password_hash(&o, hash)) != 0)
		return rc;
	return user_add_run(&o, &co, hash);
}

const struct adm_cmd adm_user_add = {
	.name = "user",
	.sub = "add",
	.summary = "add an account (password from stdin or a prompt)",
	.details = "Adds an account and prints its id. The password is read "
		   "from stdin\n(one line) when stdin is not a terminal or "
		   "--password-stdin is\ngiven; otherwise it is asked for "
		   "twice on the terminal.",
	.opts = user_add_opts,
	.fn = cmd_user_add,
};
