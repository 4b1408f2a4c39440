/*
 * CLI logging: one line per message on stderr, prefixed "occlum: <level>: ". The level comes
 * from OCCLUM_LOG_LEVEL (off|error|warn|info|debug|trace, the names of
 * include/occlum/log_level.h); the CLI's default is warn, so warnings about Occlum.json keys
 * are seen without asking. "off" silences even errors (the exit status still tells).
 */
#ifndef OCCLUM_CLI_LOG_H
#define OCCLUM_CLI_LOG_H

#include "occlum/log_level.h"

/*
 * Reads OCCLUM_LOG_LEVEL once. An unknown value keeps the default and says so (a warning).
 * Safe to call more than once; the log functions call it themselves on first use.
 */
void cli_log_init(void);

/* The level in force (LOG_OFF..LOG_TRACE). */
int cli_log_level(void);

/* printf-style; a '\n' is added. Each checks the level before formatting. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* OCCLUM_CLI_LOG_H */
