/* The data-center table, one row per DC the reference CLI knows. */
#include "dc.h"

#include <string.h>

#include "banned.h"

const struct cat_dc cat_dcs[] = {
	{ "us", "com", "United States" },
	{ "eu", "eu", "Europe" },
	{ "in", "in", "India" },
	{ "au", "au", "Australia" },
	{ "ca", "ca", "Canada" },
	{ "sa", "sa", "Saudi Arabia" },
	{ "jp", "jp", "Japan" },
	{ "ae", "ae", "United Arab Emirates" },
};
const size_t cat_dc_count = sizeof(cat_dcs) / sizeof(cat_dcs[0]);

const struct cat_dc *cat_dc_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	if (strcmp(name, "uae") == 0)
		name = "ae";
	for (i = 0; i < cat_dc_count; i++)
		if (strcmp(cat_dcs[i].code, name) == 0 ||
		    strcmp(cat_dcs[i].ref, name) == 0)
			return &cat_dcs[i];
	return NULL;
}
