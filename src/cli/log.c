/*
 * CLI logging (see log.h). The level is process-wide state, set once from the environment;
 * the CLI is single-threaded, so no lock guards it.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level = -1; /* -1: not read yet */

static const char *const level_names[] = {"off", "error", "warn", "info", "debug", "trace"};

void cli_log_init(void)
{
    if (level >= 0)
        return;
    level = LOG_WARN;
    const char *env = getenv("OCCLUM_LOG_LEVEL");
    if (!env || !*env)
        return;
    for (int i = LOG_OFF; i <= LOG_TRACE; i++) {
        if (strcmp(env, level_names[i]) == 0) {
            level = i;
            return;
        }
    }
    cli_warn("OCCLUM_LOG_LEVEL=%s is not one of off, error, warn, info, debug, trace; "
             "using warn",
             env);
}

int cli_log_level(void)
{
    cli_log_init();
    return level;
}

static void vlog(int lvl, const char *fmt, va_list ap)
{
    if (cli_log_level() < lvl)
        return;
    static const char *const prefix[] = {"", "error", "warning", "info", "debug", "trace"};
    /* Format into one buffer so a line reaches stderr in one write, unbroken. */
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "occlum: %s: ", prefix[lvl]);
    vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
    size_t len = strlen(buf);
    buf[len] = '\n';
    fwrite(buf, 1, len + 1, stderr);
}

#define DEFINE_LOG(name, lvl)                                                                      \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        vlog(lvl, fmt, ap);                                                                        \
        va_end(ap);                                                                                \
    }

DEFINE_LOG(cli_error, LOG_ERROR)
DEFINE_LOG(cli_warn, LOG_WARN)
DEFINE_LOG(cli_info, LOG_INFO)
DEFINE_LOG(cli_debug, LOG_DEBUG)
