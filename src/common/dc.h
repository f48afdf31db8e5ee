/*
 * The data centers. Each catalystd serves exactly one; every token names its
 * DC in its text so a bare --token can be routed without a --dc flag.
 */
#ifndef CAT_DC_H
#define CAT_DC_H

#include <stddef.h>

struct cat_dc {
	const char *code; /* us eu in au ca sa jp ae: in tokens, flags */
	const char *ref;  /* the reference CLI's config prefix: com, eu, ... */
	const char *name; /* for people: "United States" */
};

extern const struct cat_dc cat_dcs[];
extern const size_t cat_dc_count;

/* Looks a DC up by code ("us"), reference value ("com") or alias ("uae"). */
const struct cat_dc *cat_dc_find(const char *name);

#endif
