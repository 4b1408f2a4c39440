/*
 * occlum-runtime: the untrusted host process of one enclave.
 *
 *   occlum-runtime BUILD_DIR PATH [ARGS...]
 *
 * BUILD_DIR is an instance's build/ directory (enclave.conf, libos.so, image.fs, as written
 * by `occlum build`). The runtime creates the enclave, lends it the main thread, asks the
 * LibOS to run PATH with ARGS and the environment variables that Occlum.json's env.untrusted
 * names, and exits as the program did: its exit code, or 128+N if a signal N killed it.
 * `occlum run` is the user-facing command; it execs this.
 */
#include "enclave.h"
#include "occlum/log_level.h"
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

extern uint64_t host_user_base, host_user_size;

int host_log_level = LOG_ERROR;

void host_log(int level, const char *fmt, ...)
{
    static const char *names[] = {"off", "error", "warn", "info", "debug", "trace"};
    if (level > host_log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[occlum host %s] ", names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int parse_log_level(const char *s)
{
    static const char *names[] = {"off", "error", "warn", "info", "debug", "trace"};
    if (!s || !*s)
        return LOG_ERROR;
    for (int i = 0; i <= LOG_TRACE; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    fprintf(stderr, "occlum: warning: OCCLUM_LOG_LEVEL=%s is not one of "
                    "off|error|warn|info|debug|trace; using error\n", s);
    return LOG_ERROR;
}

/* Packs path, argv and the allowed host environment as ecall_run_args expects. */
static int pack_run_args(const struct host_config *cfg, int argc, char **argv,
                         struct ecall_run_args *ra)
{
    size_t size = 0;
    for (int i = 0; i < argc; i++)
        size += strlen(argv[i]) + 1;
    uint32_t nenv = 0;
    for (size_t i = 0; i < cfg->n_env_untrusted; i++) {
        const char *v = getenv(cfg->env_untrusted[i]);
        if (v) {
            size += strlen(cfg->env_untrusted[i]) + 1 + strlen(v) + 1;
            nenv++;
        }
    }
    char *s = malloc(size ? size : 1), *p = s;
    if (!s)
        return -1;
    for (int i = 0; i < argc; i++)
        p = stpcpy(p, argv[i]) + 1;
    for (size_t i = 0; i < cfg->n_env_untrusted; i++) {
        const char *v = getenv(cfg->env_untrusted[i]);
        if (v)
            p += sprintf(p, "%s=%s", cfg->env_untrusted[i], v) + 1;
    }
    ra->argc = (uint32_t)(argc - 1);
    ra->nenv = nenv;
    ra->strings = s;
    ra->strings_size = size;
    return 0;
}

static const char *ecall_error(long rc)
{
    switch (rc) {
    case ECALL_ERR_BADARG: return "bad arguments";
    case ECALL_ERR_NOENT: return "no such program in the image";
    case ECALL_ERR_NOTENTRY: return "program is not in Occlum.json's entry_points";
    case ECALL_ERR_NOEXEC: return "not an executable the LibOS can load";
    case ECALL_ERR_NOMEM: return "out of enclave memory";
    case ECALL_ERR_INIT: return "LibOS initialisation failed";
    default: return "unknown error";
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: occlum-runtime BUILD_DIR PATH [ARGS...]\n");
        return 2;
    }
    host_log_level = parse_log_level(getenv("OCCLUM_LOG_LEVEL"));
    /* The LibOS applies the guest's umask to the files it creates on hostfs; the host's own
     * must not take more bits away. */
    umask(0);
    const char *dir = argv[1];
    char path[4096];

    struct host_config cfg;
    snprintf(path, sizeof(path), "%s/enclave.conf", dir);
    if (host_config_load(path, &cfg))
        return 1;

    static struct enclave enclave;
    snprintf(path, sizeof(path), "%s/libos.so", dir);
    if (enclave_create(&enclave, path, &cfg))
        return 1;
    host_user_base = enclave.info.user_base;
    host_user_size = enclave.info.user_size;

    snprintf(path, sizeof(path), "%s/image.fs", dir);
    int image_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (image_fd < 0) {
        perror(path);
        return 1;
    }
    /* The scheduler's spawner thread must exist before this thread turns on Syscall User
     * Dispatch, which new threads would inherit. */
    if (host_sched_init(&enclave) || enclave_thread_attach(&enclave, 0))
        return 1;

    struct ecall_init_args init = {.log_level = host_log_level,
                                   .image_fd = image_fd,
                                   .num_cpus = (int32_t)sysconf(_SC_NPROCESSORS_ONLN)};
    long rc = enclave_ecall(&enclave, 0, ECALL_INIT, &init);
    if (rc < 0) {
        fprintf(stderr, "occlum: error: %s\n", ecall_error(rc));
        return 1;
    }

    struct ecall_run_args run;
    if (pack_run_args(&cfg, argc - 2, argv + 2, &run))
        return 1;
    char why[512] = "";
    run.error = why;
    run.error_size = sizeof(why);
    rc = enclave_ecall(&enclave, 0, ECALL_RUN, &run);
    if (rc < 0) {
        why[sizeof(why) - 1] = '\0'; /* the enclave's answer, like any other, is checked */
        if (why[0])
            fprintf(stderr, "occlum: error: %s\n", why);
        else
            fprintf(stderr, "occlum: error: %s: %s\n", argv[2], ecall_error(rc));
        return 127;
    }
    fflush(stdout);
    int status = (int)rc;
    if ((status & 0x7f) == 0)
        return (status >> 8) & 0xff;
    return 128 + (status & 0x7f);
}
