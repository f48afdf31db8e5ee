/*
 * Table and TSV output. Cells are sanitised: a tab or newline inside a value
 * (a device name, a project name) would break the piped format, so both
 * become spaces.
 */
#include "table.h"

#include <string.h>

#include "banned.h"

#define MAX_COLS 16

static const char *cell(const json_t *row, size_t c)
{
	const char *s = json_string_value(json_array_get(row, c));

	return s ? s : "";
}

void cat_table_row(json_t *rows, size_t ncols, const char *const *cells)
{
	json_t *row = json_array();
	size_t i;

	for (i = 0; i < ncols; i++)
		json_array_append_new(row,
				      json_string(cells[i] ? cells[i] : "-"));
	json_array_append_new(rows, row);
}

static void put_cell(FILE *f, const char *s, size_t width, int last)
{
	size_t n = 0;

	for (; *s; s++, n++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
	if (last)
		return;
	if (width == 0) {
		fputc('\t', f);
		return;
	}
	for (; n < width + 2; n++)
		fputc(' ', f);
}

void cat_table_print(FILE *f, const char *const *headers, size_t ncols,
		     const json_t *rows, int tty)
{
	size_t width[MAX_COLS] = { 0 }, i, c;
	json_t *row;

	if (ncols > MAX_COLS)
		ncols = MAX_COLS;
	if (tty) {
		for (c = 0; c < ncols; c++)
			width[c] = strlen(headers[c]);
		json_array_foreach(rows, i, row)
		{
			for (c = 0; c < ncols; c++) {
				size_t n = strlen(cell(row, c));

				if (n > width[c])
					width[c] = n;
			}
		}
		for (c = 0; c < ncols; c++)
			put_cell(f, headers[c], width[c], c + 1 == ncols);
		fputc('\n', f);
	}
	json_array_foreach(rows, i, row)
	{
		for (c = 0; c < ncols; c++)
			put_cell(f, cell(row, c), tty ? width[c] : 0,
				 c + 1 == ncols);
		fputc('\n', f);
	}
}
