/* Secret input for the admin commands (admin_secret.c). */
#ifndef CAT_ADMIN_SECRET_H
#define CAT_ADMIN_SECRET_H

#include <stddef.h>

/*
 * Reads one line from stdin into buf (size bytes), without the newline.
 * Returns its length, or -1 with *why set (read error, NUL byte, too long).
 */
long cat_secret_read_line(char *buf, size_t size, const char **why);

/* Prints prompt on stderr and reads a line from the terminal with echo off;
 * the terminal is restored even when a signal arrives meanwhile. */
long cat_secret_prompt(const char *prompt, char *buf, size_t size,
		       const char **why);

#endif
