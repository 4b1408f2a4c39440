/*
 * LibOS logging. Each line goes to the host's stderr through an OCALL, prefixed with the
 * level and file:line. The level is checked before anything is formatted. Never log keys,
 * plaintext or file contents.
 */
#ifndef LIBOS_UTIL_LOG_H
#define LIBOS_UTIL_LOG_H

#include "occlum/log_level.h"
#include "util/compiler.h"

extern int libos_log_level;

void log_printf(int level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Logs and stops the whole enclave: for broken invariants where going on would be unsafe. */
__noreturn void libos_panic(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(lvl, ...)                                                                       \
    do {                                                                                       \
        if (unlikely(libos_log_level >= (lvl)))                                                \
            log_printf((lvl), __FILE__, __LINE__, __VA_ARGS__);                                \
    } while (0)

#define log_error(...) LOG_AT(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  LOG_AT(LOG_WARN, __VA_ARGS__)
#define log_info(...)  LOG_AT(LOG_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...) LOG_AT(LOG_TRACE, __VA_ARGS__)

#define PANIC(...) libos_panic(__FILE__, __LINE__, __VA_ARGS__)
/* Kept in release builds: for checks whose failure would break integrity. */
#define BUG_ON(cond)                                                                           \
    do {                                                                                       \
        if (unlikely(cond))                                                                    \
            PANIC("BUG: %s", #cond);                                                           \
    } while (0)
#define assert(cond) BUG_ON(!(cond))

#endif
