/*
 * Table and TSV output. Cells are sanitised: a tab or newline inside a value
 * (a device name, a project name) would break the piped format, so both
 * become spaces; any other control character is escaped (cat_term_escape)
 * before the widths are measured, so what is measured is what is printed.
 */
#include "table.h"

#include <string.h>

#include "buf.h"
#include "io.h"
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

/* rows with every cell as printed: whitespace flattened, then escaped */
static json_t *clean_rows(const json_t *rows, size_t ncols)
{
	struct cat_buf flat = CAT_BUF_INIT(1u << 20),
		       esc = CAT_BUF_INIT(1u << 22);
	json_t *out = json_array(), *row, *crow;
	size_t i, c, k;

	json_array_foreach(rows, i, row)
	{
		crow = json_array();
		for (c = 0; c < ncols; c++) {
			const char *s = cell(row, c);

			cat_buf_reset(&flat);
			cat_buf_reset(&esc);
			for (k = 0; s[k]; k++) {
				char ch = s[k] == '\t' || s[k] == '\n' ||
							  s[k] == '\r'
						  ? ' '
						  : s[k];

				if (cat_buf_add(&flat, &ch, 1) < 0)
					break;
			}
			cat_term_escape(&esc, cat_buf_cstr(&flat), flat.len);
			json_array_append_new(
				crow,
				json_stringn(cat_buf_cstr(&esc), esc.len));
		}
		json_array_append_new(out, crow);
	}
	cat_buf_release(&flat);
	cat_buf_release(&esc);
	return out;
}

static void put_cell(FILE *f, const char *s, size_t width, int last)
{
	size_t n = strlen(s);

	fputs(s, f);
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
		     const json_t *raw_rows, int tty)
{
	size_t width[MAX_COLS] = { 0 }, i, c;
	json_t *row, *rows;

	if (ncols > MAX_COLS)
		ncols = MAX_COLS;
	rows = clean_rows(raw_rows, ncols);
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
	json_decref(rows);
}
