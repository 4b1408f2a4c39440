/*
 * Host file helpers for the CLI (see util.h).
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
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

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "occlum: error: out of memory\n");
        exit(1);
    }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;
    va_start(ap, fmt);
    int n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "occlum: error: out of memory\n");
        exit(1);
    }
    return p;
}

/* Open addressing over indices into items[]; the table is kept at most half full. */
struct strset {
    char **items;
    size_t n, cap_items;
    size_t *table; /* index + 1; 0 is empty */
    size_t nbuckets;
};

static size_t str_hash(const char *s)
{
    size_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct strset *strset_new(void)
{
    struct strset *s = xmalloc(sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->nbuckets = 64;
    s->table = xmalloc(s->nbuckets * sizeof(size_t));
    memset(s->table, 0, s->nbuckets * sizeof(size_t));
    return s;
}

void strset_free(struct strset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i]);
    free(s->items);
    free(s->table);
    free(s);
}

/* The bucket holding str, or the empty bucket where it would go. */
static size_t *bucket(const struct strset *s, const char *str)
{
    size_t mask = s->nbuckets - 1;
    for (size_t i = str_hash(str) & mask;; i = (i + 1) & mask) {
        if (s->table[i] == 0 || strcmp(s->items[s->table[i] - 1], str) == 0)
            return &s->table[i];
    }
}

bool strset_has(const struct strset *s, const char *str)
{
    return *bucket(s, str) != 0;
}

bool strset_add(struct strset *s, const char *str)
{
    size_t *b = bucket(s, str);
    if (*b)
        return false;
    if (s->n == s->cap_items) {
        s->cap_items = s->cap_items ? 2 * s->cap_items : 16;
        char **items = realloc(s->items, s->cap_items * sizeof(char *));
        if (!items) {
            fprintf(stderr, "occlum: error: out of memory\n");
            exit(1);
        }
        s->items = items;
    }
    s->items[s->n++] = xstrdup(str);
    *b = s->n;
    if (2 * s->n > s->nbuckets) {
        free(s->table);
        s->nbuckets *= 2;
        s->table = xmalloc(s->nbuckets * sizeof(size_t));
        memset(s->table, 0, s->nbuckets * sizeof(size_t));
        for (size_t i = 0; i < s->n; i++)
            *bucket(s, s->items[i]) = i + 1;
    }
    return true;
}

size_t strset_count(const struct strset *s)
{
    return s->n;
}

const char *strset_at(const struct strset *s, size_t i)
{
    return s->items[i];
}
