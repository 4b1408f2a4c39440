/*
 * Host side of the fs unit tests: stands in for the LibOS services fs/ uses (OCALLs, heap,
 * log, guest-memory access, the current process) with glibc, and gives test_fs.c a few host
 * helpers. Kept apart from test_fs.c because glibc's headers and the LibOS's uapi headers
 * define the same Linux types and cannot share one translation unit.
 *
 * Fault injection: th_pread_chunk bounds every host_pread (to check callers loop), and
 * th_write_chunk every host_write (partial writes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct fdtable;
struct fs_context;

/* ---- knobs and state shared with test_fs.c ---- */
size_t th_pread_chunk = 0; /* 0: no bound */
size_t th_write_chunk = 0;
long th_pread_calls = 0;
char th_out[1 << 16]; /* what host_write(1 or 2) received */
size_t th_out_len = 0;
const char *th_in = ""; /* what host_read(0) returns */
size_t th_in_pos = 0;
int th_log_lines = 0;
struct fdtable *th_files;
struct fs_context *th_fs;
uint64_t th_nofile = 1024;
size_t th_heap_live = 0;

int th_tmpfile(const void *buf, size_t len);
void th_close(int fd);

int th_tmpfile(const void *buf, size_t len)
{
    char name[] = "/tmp/test_fs_XXXXXX";
    int fd = mkstemp(name);

    if (fd < 0) {
        perror("mkstemp");
        exit(2);
    }
    unlink(name);
    if (write(fd, buf, len) != (ssize_t)len) {
        perror("write");
        exit(2);
    }
    return fd;
}

void th_close(int fd)
{
    close(fd);
}

/* ---- ocall/ocall.h ---- */
ssize_t host_pread(int host_fd, void *buf, size_t len, uint64_t offset);
ssize_t host_read(int host_fd, void *buf, size_t len);
ssize_t host_write(int host_fd, const void *buf, size_t len);
int host_ioctl(int host_fd, unsigned long request, void *out, size_t len);

ssize_t host_pread(int host_fd, void *buf, size_t len, uint64_t offset)
{
    ssize_t n;

    th_pread_calls++;
    if (th_pread_chunk && len > th_pread_chunk)
        len = th_pread_chunk;
    n = pread(host_fd, buf, len, (off_t)offset);
    return n < 0 ? -errno : n;
}

ssize_t host_read(int host_fd, void *buf, size_t len)
{
    size_t left = strlen(th_in) - th_in_pos;

    if (host_fd != 0)
        return -EBADF;
    if (len > left)
        len = left;
    memcpy(buf, th_in + th_in_pos, len);
    th_in_pos += len;
    return (ssize_t)len;
}

ssize_t host_write(int host_fd, const void *buf, size_t len)
{
    if (host_fd != 1 && host_fd != 2)
        return -EBADF;
    if (th_write_chunk && len > th_write_chunk)
        len = th_write_chunk;
    if (len > sizeof(th_out) - th_out_len)
        return -ENOSPC;
    memcpy(th_out + th_out_len, buf, len);
    th_out_len += len;
    return (ssize_t)len;
}

struct file;
int host_poll(int host_fd, unsigned int events, unsigned int *revents);
void poll_file_release(struct file *f);

/* The host's poll answer: fd 0 readable, the others writable. */
int host_poll(int host_fd, unsigned int events, unsigned int *revents)
{
    *revents = events & (host_fd == 0 ? 0x1 : 0x4);
    return 0;
}

/* No pipes in these tests: a FIFO cannot be opened, no file is a pipe. */
struct inode;
int fifo_open(struct inode *inode, unsigned int flags, struct file **out);
bool file_is_pipe(const struct file *f);
long pipe_get_size(struct file *f);
long pipe_set_size(struct file *f, unsigned long want);

int fifo_open(struct inode *inode, unsigned int flags, struct file **out)
{
    return -6; /* -ENXIO */
}

bool file_is_pipe(const struct file *f)
{
    return false;
}

long pipe_get_size(struct file *f)
{
    return -9; /* -EBADF */
}

long pipe_set_size(struct file *f, unsigned long want)
{
    return -9;
}

/* No epoll in these tests: nothing watches a file. */
void poll_file_release(struct file *f)
{
    (void)f;
}

struct host_stat {
    uint32_t type;
    uint32_t perm;
    uint64_t rdev;
    int64_t size;
};
int host_fstat(int host_fd, struct host_stat *st);
int64_t host_lseek(int host_fd, int64_t offset, int whence);

int host_fstat(int host_fd, struct host_stat *st)
{
    /* fd 1 plays a terminal (a character device, like /dev/pts/0); the others pipes. */
    st->type = host_fd == 1 ? 0020000 : 0010000;
    st->perm = host_fd == 1 ? 0620 : 0600;
    st->rdev = host_fd == 1 ? 0x8800 : 0;
    st->size = 0;
    return 0;
}

/* Not reached: no stream here is a regular file. */
int64_t host_lseek(int host_fd, int64_t offset, int whence)
{
    return -29; /* -ESPIPE */
}

int host_ioctl(int host_fd, unsigned long request, void *out, size_t len)
{
    /* fd 1 plays a terminal of 24x80; the others are not terminals. */
    if (host_fd != 1)
        return -ENOTTY;
    if (request == TIOCGWINSZ) {
        struct winsize w = {.ws_row = 24, .ws_col = 80};
        if (len != sizeof(w))
            return -EINVAL;
        memcpy(out, &w, len);
        return 0;
    }
    memset(out, 0x5a, len);
    return 0;
}

/* ---- mm/mm.h: counted, so tests can check for leaks ---- */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

void *kmalloc(size_t size)
{
    size_t *p = malloc(size + 16);

    if (!p)
        return NULL;
    p[0] = size;
    th_heap_live += size;
    return (char *)p + 16;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);

    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    size_t *h;

    if (!p)
        return;
    h = (size_t *)((char *)p - 16);
    th_heap_live -= h[0];
    free(h);
}

/* ---- util/log.h ---- */
int libos_log_level = 2; /* errors and warnings are counted and shown */

void log_printf(int level, const char *file, int line, const char *fmt, ...);
void libos_panic(const char *file, int line, const char *fmt, ...);

void log_printf(int level, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    th_log_lines++;
    if (!getenv("TEST_FS_QUIET")) {
        fprintf(stderr, "  [log %d] %s:%d: ", level, file, line);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
}

void libos_panic(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "PANIC %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* ---- util/uaccess.h: addresses below 64 KiB play unmapped guest memory ---- */
#define BAD(p) ((uintptr_t)(p) < 0x10000)

int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
long strncpy_from_user(char *dst, const char *usrc, size_t max);

int copy_from_user(void *dst, const void *usrc, size_t n)
{
    if (n && BAD(usrc))
        return -EFAULT;
    memcpy(dst, usrc, n);
    return 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
    if (n && BAD(udst))
        return -EFAULT;
    memcpy(udst, src, n);
    return 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
    size_t i;

    if (BAD(usrc))
        return -EFAULT;
    for (i = 0; i < max; i++) {
        dst[i] = usrc[i];
        if (!usrc[i])
            return (long)i;
    }
    return -ENAMETOOLONG;
}

/* ---- fs/current.h ---- */
struct fdtable *current_fdtable(void);
struct fs_context *current_fs_context(void);
uint64_t current_nofile_limit(void);

struct fdtable *current_fdtable(void)
{
    return th_files;
}

struct fs_context *current_fs_context(void)
{
    return th_fs;
}

uint64_t current_nofile_limit(void)
{
    return th_nofile;
}

/* The current process: pid 7, uid/gid th_uid/th_gid (root unless a test changes them). */
uint32_t th_uid = 0, th_gid = 0;
long th_yields = 0;
int current_pid(void);
void current_fs_creds(uint32_t *uid, uint32_t *gid);
void current_time(struct timespec *ts);
void current_yield(void);
void *krealloc(void *p, size_t size);
size_t heap_used(void);

int current_pid(void)
{
    return 7;
}

void current_fs_creds(uint32_t *uid, uint32_t *gid)
{
    *uid = th_uid;
    *gid = th_gid;
}

void current_time(struct timespec *ts)
{
    clock_gettime(CLOCK_REALTIME, ts);
}

void current_yield(void)
{
    th_yields++;
}

void host_sched_yield(void);
void host_sched_yield(void)
{
    th_yields++;
}

void *krealloc(void *p, size_t size)
{
    void *q;
    size_t old;

    if (!p)
        return kmalloc(size);
    old = ((size_t *)((char *)p - 16))[0];
    q = kmalloc(size);
    if (!q)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    kfree(p);
    return q;
}

size_t heap_used(void)
{
    return th_heap_live;
}

/* ---- util/string.h functions glibc lacks (or has only from 2.38 on) ---- */
int parse_u64(const char *s, size_t len, unsigned long long *out);
int parse_u64(const char *s, size_t len, unsigned long long *out)
{
    unsigned long long v = 0;
    size_t i;

    if (len == 0)
        return -EINVAL;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        if (v > (~0ull - (unsigned)(s[i] - '0')) / 10)
            return -ERANGE;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

#if !__GLIBC_PREREQ(2, 38)
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);

    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
#endif
