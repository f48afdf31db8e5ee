/*
 * Lists on stdout: an aligned table with a header on a TTY, stable
 * tab-separated columns without a header when piped (gh's convention).
 */
#ifndef CAT_TABLE_H
#define CAT_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* rows: an array of arrays of ncols strings. tty selects the format. */
void cat_table_print(FILE *f, const char *const *headers, size_t ncols,
		     const json_t *rows, int tty);

/* Appends a row of ncols strings (NULL becomes "-"). */
void cat_table_row(json_t *rows, size_t ncols, const char *const *cells);

#endif
