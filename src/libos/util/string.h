/*
 * The LibOS's own string and memory functions (it links no libc). The compiler may emit
 * calls to memcpy, memset, memmove and memcmp by themselves, so those keep their C names.
 */
#ifndef LIBOS_UTIL_STRING_H
#define LIBOS_UTIL_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates (if size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* Parses an unsigned decimal number of exactly `len` characters; -EINVAL or -ERANGE. */
int parse_u64(const char *s, size_t len, unsigned long long *out);

#endif
