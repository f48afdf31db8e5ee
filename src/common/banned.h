/*
 * Include last in every .c file: these functions have no bound on what they
 * write or silently accept garbage, so any use fails to compile.
 */
#ifndef CAT_BANNED_H
#define CAT_BANNED_H

#define CAT_BANNED(f) sorry_##f##_is_banned_use_a_bounded_alternative

#undef strcpy
#define strcpy(...) CAT_BANNED(strcpy)
#undef strcat
#define strcat(...) CAT_BANNED(strcat)
#undef strncpy
#define strncpy(...) CAT_BANNED(strncpy)
#undef sprintf
#define sprintf(...) CAT_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) CAT_BANNED(vsprintf)
#undef gets
#define gets(...) CAT_BANNED(gets)
#undef atoi
#define atoi(...) CAT_BANNED(atoi)
#undef atol
#define atol(...) CAT_BANNED(atol)
#undef rand
#define rand(...) CAT_BANNED(rand)

#endif
