/* LibOS log lines: formatted in enclave memory, written to the host's stderr by OCALL. */
#include "util/log.h"
#include "arch/arch.h"
#include "ocall/ocall.h"
#include "util/printf.h"
#include "util/string.h"
#include <stdarg.h>

int libos_log_level = LOG_ERROR;

static const char *const level_names[] = {"off", "error", "warn", "info", "debug", "trace"};

static void vlog(const char *level, const char *file, int line, const char *fmt, va_list ap)
{
    char buf[512];
    const char *base = strrchr(file, '/');
    int n = snprintf(buf, sizeof(buf), "[occlum %s] %s:%d: ", level, base ? base + 1 : file,
                     line);
    if (n < (int)sizeof(buf))
        n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
    if (n >= (int)sizeof(buf) - 1)
        n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    host_write(2, buf, (size_t)n);
}

void log_printf(int level, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level_names[level < 0 || level > LOG_TRACE ? LOG_ERROR : level], file, line, fmt, ap);
    va_end(ap);
}

void libos_panic(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("panic", file, line, fmt, ap);
    va_end(ap);
    /* Going on could break integrity: leave the enclave for good with an error code. */
    enclave_exit(-128);
}

/* Called by the compiler's stack protector when a canary (%gs:0x28) was overwritten. */
__noreturn void __stack_chk_fail(void);
__noreturn void __stack_chk_fail(void)
{
    libos_panic(__FILE__, __LINE__, "stack smashing detected in the LibOS");
}
