/*
 * Host file helpers for the CLI (see util.h).
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n < 0) {
        cli_error("cannot find the occlum binary (/proc/self/exe): %s", strerror(errno));
        return NULL;
    }
    buf[n] = '\0';
    return strdup(dirname(buf));
}

char *path_join(const char *a, const char *b)
{
    char *p;
    if (asprintf(&p, "%s/%s", a, b) < 0) {
        fprintf(stderr, "occlum: error: out of memory\n");
        exit(1);
    }
    return p;
}

static int write_fd_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Opens path.tmp for writing; *tmp receives its malloc()ed name. */
static int open_tmp(const char *path, unsigned mode, char **tmp)
{
    *tmp = NULL;
    if (asprintf(tmp, "%s.tmp", path) < 0) {
        cli_error("out of memory");
        return -1;
    }
    int fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        cli_error("%s: cannot create: %s", *tmp, strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    fchmod(fd, mode); /* the umask must not change what is built */
    return fd;
}

static int finish_tmp(int fd, char *tmp, const char *path, int ok)
{
    if (close(fd) != 0 && ok) {
        cli_error("%s: write failed: %s", tmp, strerror(errno));
        ok = 0;
    }
    if (ok && rename(tmp, path) != 0) {
        cli_error("%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        ok = 0;
    }
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

int write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode)
{
    char *tmp;
    int fd = open_tmp(path, mode, &tmp);
    if (fd < 0)
        return -1;
    int ok = write_fd_all(fd, buf, len) == 0;
    if (!ok)
        cli_error("%s: write failed: %s", tmp, strerror(errno));
    return finish_tmp(fd, tmp, path, ok);
}

int copy_file_atomic(const char *src, const char *dst, unsigned mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        cli_error("%s: cannot open: %s", src, strerror(errno));
        return -1;
    }
    char *tmp;
    int out = open_tmp(dst, mode, &tmp);
    if (out < 0) {
        close(in);
        return -1;
    }
    static char buf[1 << 16];
    int ok = 1;
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_error("%s: read failed: %s", src, strerror(errno));
            ok = 0;
            break;
        }
        if (n == 0)
            break;
        if (write_fd_all(out, buf, (size_t)n) < 0) {
            cli_error("%s: write failed: %s", tmp, strerror(errno));
            ok = 0;
            break;
        }
    }
    close(in);
    return finish_tmp(out, tmp, dst, ok);
}
