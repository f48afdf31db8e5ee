/*
 * catalystd's config file: one `key = value` per line, `#` comment lines and
 * blank lines. The keys are the long options of the command reading it, and
 * each goes through the same apply function as its flag, so a key and its
 * flag can never disagree on what they accept.
 */
#ifndef CAT_CONFIG_FILE_H
#define CAT_CONFIG_FILE_H

#include <getopt.h>

/* Read when it exists and no --config is given. */
#define CAT_CONFIG_DEFAULT "/etc/catalystd/catalystd.conf"

/*
 * Applies the option whose struct option val is id, with arg (NULL for an
 * option without argument). label names the option in messages: "--threads"
 * on the command line, "FILE:LINE: key 'threads'" in a file. Returns 0, or
 * -1 after printing why on stderr.
 */
typedef int (*cat_config_apply_fn)(void *ctx, int id, const char *label,
				   const char *arg);

/* The file to read: given when not NULL, else dflt when it exists (even
 * unreadable: that is for cat_config_read to say), else NULL. */
const char *cat_config_path(const char *given, const char *dflt);

/*
 * Applies every key of the file at path through the option of opts with
 * that name ("config" and "help" are no keys). An option without argument
 * takes true/false (yes/no, on/off, 1/0); false leaves it unset. flag is
 * the option that named the file ("--config"), or NULL for the default
 * file, for the message when it cannot be read. 0, or -1 after printing
 * the file, line and key of the first error on stderr.
 */
int cat_config_read(const char *path, const char *flag,
		    const struct option *opts, cat_config_apply_fn apply,
		    void *ctx);

#endif
