/* Formatted output into a buffer: %d %i %u %x %X %o %c %s %p %% with flags '-', '0', '+', ' ',
 * width, precision (also '*'), and the length modifiers hh h l ll z t j. No floating point. */
#ifndef LIBOS_UTIL_PRINTF_H
#define LIBOS_UTIL_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* As C's vsnprintf: returns the length the full output would have; always terminates. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
