/*
 * The host's OCALL handlers: one per entry of OCALL_LIST (include/occlum/ocall.h), reached
 * through one table so that tests can swap an entry for a host that lies. Each handler trusts
 * nothing about the enclave either: it checks that memory requests name pages of the user
 * range and that sizes fit the thread's buffer.
 *
 * hostfs handlers never let a path escape the mount: the enclave sends paths made of plain
 * names relative to a mount's directory fd (occlum/ocall.h), which path_ok checks, and every
 * lookup goes through openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (the parent
 * directory for the *at calls, which then never follow a final symlink), so a symlink planted
 * on the host is never followed here.
 */
#include "enclave.h"
#include "occlum/ocall.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The user range, for checking MEM_* requests; set by main before the first ECALL. */
uint64_t host_user_base, host_user_size;

#define DATA(buf) ((char *)(buf) + OCALL_HDR_SIZE)

static int64_t neg_errno(void)
{
    return -(int64_t)errno;
}

static void do_write(void *buf)
{
    struct ocall_rw *a = buf;
    if (a->len > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    ssize_t n = write(a->fd, DATA(buf), a->len);
    a->ret = n < 0 ? neg_errno() : n;
}

static void do_read(void *buf)
{
    struct ocall_rw *a = buf;
    if (a->len > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    ssize_t n = read(a->fd, DATA(buf), a->len);
    a->ret = n < 0 ? neg_errno() : n;
}

static void do_pread(void *buf)
{
    struct ocall_rw *a = buf;
    if (a->len > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    ssize_t n = pread(a->fd, DATA(buf), a->len, a->offset);
    a->ret = n < 0 ? neg_errno() : n;
}

static int user_pages_ok(uint64_t addr, uint64_t len)
{
    return addr % PAGE_SIZE == 0 && len % PAGE_SIZE == 0 && len && addr >= host_user_base &&
           addr + len > addr && addr + len <= host_user_base + host_user_size;
}

static void do_mem_commit(void *buf)
{
    struct ocall_mem *a = buf;
    if (!user_pages_ok(a->addr, a->len) || (a->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))) {
        a->ret = -EINVAL;
        return;
    }
    a->ret = mprotect((void *)a->addr, a->len, a->prot) < 0 ? neg_errno() : 0;
}

static void do_mem_discard(void *buf)
{
    struct ocall_mem *a = buf;
    if (!user_pages_ok(a->addr, a->len)) {
        a->ret = -EINVAL;
        return;
    }
    void *p = mmap((void *)a->addr, a->len, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    a->ret = p == MAP_FAILED ? neg_errno() : 0;
}

static void do_clock_gettime(void *buf)
{
    struct ocall_clock *a = buf;
    struct timespec ts;
    a->ret = clock_gettime(a->clock, &ts) < 0 ? neg_errno() : 0;
    a->sec = ts.tv_sec;
    a->nsec = ts.tv_nsec;
}

static void do_nanosleep(void *buf)
{
    struct ocall_clock *a = buf;
    struct timespec ts = {a->sec, a->nsec}, rem = {0, 0};
    int rc = clock_nanosleep(a->clock, 0, &ts, &rem);
    a->ret = -rc;
    a->sec = rem.tv_sec;
    a->nsec = rem.tv_nsec;
}

static void do_ioctl(void *buf)
{
    struct ocall_ioctl *a = buf;
    size_t want = a->request == TCGETS ? 36 : a->request == TIOCGWINSZ ? 8 : 0;
    if (!want || a->len != want) {
        a->ret = -EINVAL;
        return;
    }
    char out[64] = {0};
    a->ret = ioctl(a->fd, a->request, out) < 0 ? neg_errno() : 0;
    memcpy(DATA(buf), out, want);
}

static void do_fstat(void *buf)
{
    struct ocall_fstat *a = buf;
    struct stat st;
    a->ret = fstat(a->fd, &st) < 0 ? neg_errno() : 0;
    if (a->ret == 0) {
        a->mode = st.st_mode;
        a->rdev = st.st_rdev;
        a->size = st.st_size;
    }
}

static void do_sched_yield(void *buf)
{
    struct ocall_none *a = buf;
    sched_yield();
    a->ret = 0;
}

static void do_pwrite(void *buf)
{
    struct ocall_rw *a = buf;
    if (a->len > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    ssize_t n = pwrite(a->fd, DATA(buf), a->len, a->offset);
    a->ret = n < 0 ? neg_errno() : n;
}

/* ---- hostfs ---- */

/*
 * The host fds hostfs calls opened for the enclave: only those may be closed, used as a
 * directory or truncated through these calls, so the enclave cannot reach the runtime's own
 * fds (the image, the standard streams) through hostfs. One bit per fd, atomically updated.
 */
#define HOSTFS_FD_LIMIT (1 << 20)
static uint64_t hostfs_fds[HOSTFS_FD_LIMIT / 64];

static void fd_mark(int fd, int on)
{
    if (fd < 0 || fd >= HOSTFS_FD_LIMIT) {
        if (on)
            close(fd);
        return;
    }
    uint64_t bit = 1ULL << (fd % 64);
    if (on)
        __atomic_fetch_or(&hostfs_fds[fd / 64], bit, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&hostfs_fds[fd / 64], ~bit, __ATOMIC_RELAXED);
}

static int fd_known(int fd)
{
    return fd >= 0 && fd < HOSTFS_FD_LIMIT &&
           (__atomic_load_n(&hostfs_fds[fd / 64], __ATOMIC_RELAXED) >> (fd % 64)) & 1;
}

static void do_lseek(void *buf)
{
    struct ocall_lseek *a = buf;
    if (!((a->fd >= 0 && a->fd <= 2) || fd_known(a->fd)) || a->whence < 0 || a->whence > 2) {
        a->ret = -EINVAL;
        return;
    }
    off_t r = lseek(a->fd, a->offset, a->whence);
    a->ret = r < 0 ? neg_errno() : r;
}

/* The request's paths, checked to be NUL terminated inside the buffer; NULL if not. */
static const char *req_path(struct ocall_hostfs *a, int which)
{
    uint64_t off = which == 1 ? 0 : a->path_len;
    uint64_t len = which == 1 ? a->path_len : a->path2_len;
    char *p = DATA(a) + off;

    if (len == 0 || off + len > OCALL_DATA_MAX || len > PATH_MAX || p[len - 1] != '\0' ||
        strlen(p) != len - 1)
        return NULL;
    return p;
}

/* A path relative to a mount directory: "" or plain names joined by single slashes. */
static int path_ok(const char *p)
{
    if (*p == '\0')
        return 1;
    for (;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
            (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (!e)
            return 1;
        p = e + 1;
    }
}

static int beneath(int dirfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t)flags | O_CLOEXEC | O_NOFOLLOW,
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof(how));
}

/*
 * Opens the directory holding the last component of `path` (beneath dirfd) and points *base
 * at that component. -1 with errno on failure; EINVAL for "" (no last component).
 */
static int open_parent(int dirfd, char *path, const char **base)
{
    char *slash = strrchr(path, '/');
    int fd;

    if (*path == '\0') {
        errno = EINVAL;
        return -1;
    }
    if (!slash) {
        *base = path;
        return beneath(dirfd, "", O_PATH | O_DIRECTORY, 0);
    }
    *slash = '\0';
    fd = beneath(dirfd, path, O_PATH | O_DIRECTORY, 0);
    *slash = '/';
    *base = slash + 1;
    return fd;
}

/* Reads and checks the first path; sets a->ret = -EINVAL and returns NULL if it is bad. */
static char *fs_path(struct ocall_hostfs *a)
{
    const char *p = req_path(a, 1);
    if (!fd_known(a->dirfd)) {
        a->ret = -EBADF;
        return NULL;
    }
    if (!p || !path_ok(p)) {
        a->ret = -EINVAL;
        return NULL;
    }
    return (char *)p;
}

static void do_close(void *buf)
{
    struct ocall_hostfs *a = buf;
    if (!fd_known(a->dirfd)) {
        a->ret = -EBADF;
        return;
    }
    fd_mark(a->dirfd, 0);
    a->ret = close(a->dirfd) < 0 ? neg_errno() : 0;
}

static void do_hostfs_open_root(void *buf)
{
    struct ocall_hostfs *a = buf;
    const char *p = req_path(a, 1);
    if (!p || !*p) {
        a->ret = -EINVAL;
        return;
    }
    /* Only a directory the measured config mounts: the enclave asks for nothing else. */
    if (!host_hostfs_source_allowed(p)) {
        a->ret = -EACCES;
        return;
    }
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= HOSTFS_FD_LIMIT) {
        close(fd);
        a->ret = -EMFILE;
        return;
    }
    a->ret = fd < 0 ? neg_errno() : fd;
    if (fd >= 0)
        fd_mark(fd, 1);
}

static void do_hostfs_openat(void *buf)
{
    struct ocall_hostfs *a = buf;
    const int allowed = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY;
    char *p = fs_path(a);
    if (!p)
        return;
    if (a->flags & ~allowed) {
        a->ret = -EINVAL;
        return;
    }
    int fd = beneath(a->dirfd, p, a->flags, a->mode & 07777);
    a->ret = fd < 0 ? neg_errno() : fd;
    if (fd >= 0)
        fd_mark(fd, 1);
    if (fd >= HOSTFS_FD_LIMIT)
        a->ret = -EMFILE;
}

static void do_hostfs_statat(void *buf)
{
    struct ocall_hostfs *a = buf;
    struct ocall_stat out;
    struct stat st;
    const char *base;
    char *p = fs_path(a);
    int rc;

    if (!p)
        return;
    if (*p == '\0') {
        rc = fstat(a->dirfd, &st);
    } else {
        int dfd = open_parent(a->dirfd, p, &base);
        if (dfd < 0) {
            a->ret = neg_errno();
            return;
        }
        rc = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW);
        int e = errno;
        close(dfd);
        errno = e;
    }
    if (rc < 0) {
        a->ret = neg_errno();
        return;
    }
    memset(&out, 0, sizeof(out));
    out.ino = st.st_ino;
    out.nlink = st.st_nlink;
    out.mode = st.st_mode;
    out.uid = st.st_uid;
    out.gid = st.st_gid;
    out.rdev = st.st_rdev;
    out.size = st.st_size;
    out.blocks = st.st_blocks;
    out.atime_sec = st.st_atim.tv_sec;
    out.atime_nsec = st.st_atim.tv_nsec;
    out.mtime_sec = st.st_mtim.tv_sec;
    out.mtime_nsec = st.st_mtim.tv_nsec;
    out.ctime_sec = st.st_ctim.tv_sec;
    out.ctime_nsec = st.st_ctim.tv_nsec;
    memcpy(DATA(buf), &out, sizeof(out));
    a->ret = 0;
}

static void do_hostfs_getdents(void *buf)
{
    struct ocall_hostfs *a = buf;
    if (a->len > OCALL_DATA_MAX || !fd_known(a->dirfd)) {
        a->ret = a->len > OCALL_DATA_MAX ? -EINVAL : -EBADF;
        return;
    }
    long n = syscall(SYS_getdents64, a->dirfd, DATA(buf), (size_t)a->len);
    a->ret = n < 0 ? neg_errno() : n;
}

/* Runs one *at call on the parent of the request's path. */
static void at_call(struct ocall_hostfs *a, int (*fn)(struct ocall_hostfs *, int, const char *))
{
    const char *base;
    char *p = fs_path(a);
    if (!p)
        return;
    int dfd = open_parent(a->dirfd, p, &base);
    if (dfd < 0) {
        a->ret = neg_errno();
        return;
    }
    a->ret = fn(a, dfd, base) < 0 ? neg_errno() : 0;
    int e = errno;
    close(dfd);
    errno = e;
}

static int mkdir_fn(struct ocall_hostfs *a, int dfd, const char *base)
{
    return mkdirat(dfd, base, a->mode & 07777);
}

static int unlink_fn(struct ocall_hostfs *a, int dfd, const char *base)
{
    return unlinkat(dfd, base, a->flags & AT_REMOVEDIR);
}

static int symlink_fn(struct ocall_hostfs *a, int dfd, const char *base)
{
    const char *target = req_path(a, 2);
    if (!target) {
        errno = EINVAL;
        return -1;
    }
    return symlinkat(target, dfd, base);
}

static void do_hostfs_mkdirat(void *buf)
{
    at_call(buf, mkdir_fn);
}

static void do_hostfs_unlinkat(void *buf)
{
    at_call(buf, unlink_fn);
}

static void do_hostfs_symlinkat(void *buf)
{
    at_call(buf, symlink_fn);
}

static void do_hostfs_renameat(void *buf)
{
    struct ocall_hostfs *a = buf;
    const char *ob, *nb;
    char *op = fs_path(a), *np = (char *)req_path(a, 2);
    if (!op)
        return;
    if (!np || !path_ok(np)) {
        a->ret = -EINVAL;
        return;
    }
    int ofd = open_parent(a->dirfd, op, &ob);
    if (ofd < 0) {
        a->ret = neg_errno();
        return;
    }
    int nfd = open_parent(a->dirfd, np, &nb);
    if (nfd < 0) {
        a->ret = neg_errno();
        close(ofd);
        return;
    }
    a->ret = renameat(ofd, ob, nfd, nb) < 0 ? neg_errno() : 0;
    close(ofd);
    close(nfd);
}

static void do_hostfs_readlinkat(void *buf)
{
    struct ocall_hostfs *a = buf;
    const char *base;
    char *p = fs_path(a);
    if (!p)
        return;
    if (a->len > PATH_MAX) {
        a->ret = -EINVAL;
        return;
    }
    int dfd = open_parent(a->dirfd, p, &base);
    if (dfd < 0) {
        a->ret = neg_errno();
        return;
    }
    /* The target goes to a local buffer first: the path is in the same place. */
    char target[PATH_MAX];
    ssize_t n = readlinkat(dfd, base, target, a->len);
    a->ret = n < 0 ? neg_errno() : n;
    if (n > 0)
        memcpy(DATA(buf), target, (size_t)n);
    close(dfd);
}

static void do_hostfs_ftruncate(void *buf)
{
    struct ocall_hostfs *a = buf;
    if (!fd_known(a->dirfd)) {
        a->ret = -EBADF;
        return;
    }
    a->ret = ftruncate(a->dirfd, (off_t)a->len) < 0 ? neg_errno() : 0;
}

static void do_hostfs_fsync(void *buf)
{
    struct ocall_hostfs *a = buf;
    if (!fd_known(a->dirfd)) {
        a->ret = -EBADF;
        return;
    }
    a->ret = fsync(a->dirfd) < 0 ? neg_errno() : 0;
}

_Static_assert(OCALL_UTIME_NOW == UTIME_NOW && OCALL_UTIME_OMIT == UTIME_OMIT, "UTIME_*");

/*
 * SETATTR: chmod and/or utimensat of the path itself. Like STATAT, the parent is opened
 * beneath the root without symlinks and the last name is changed with AT_SYMLINK_NOFOLLOW
 * (glibc's fchmodat does that through an O_PATH fd, refusing a symlink with EOPNOTSUPP), so
 * a symlink planted on the host is never followed out of the mount.
 */
static void do_hostfs_setattr(void *buf)
{
    struct ocall_hostfs *a = buf;
    struct ocall_utimes t;
    struct timespec ts[2];
    const char *base;
    char *p = fs_path(a);
    int rc = 0, e;

    if (!p)
        return;
    if (!a->flags || (a->flags & ~(OCALL_SET_MODE | OCALL_SET_TIMES)) || (a->mode & ~07777u) ||
        a->path_len + sizeof(t) > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    memcpy(&t, DATA(buf) + a->path_len, sizeof(t));
    ts[0] = (struct timespec){t.atime_sec, t.atime_nsec};
    ts[1] = (struct timespec){t.mtime_sec, t.mtime_nsec};
    if (*p == '\0') { /* the mount's root: its own fd */
        if (a->flags & OCALL_SET_MODE)
            rc = fchmod(a->dirfd, a->mode);
        if (rc == 0 && (a->flags & OCALL_SET_TIMES))
            rc = futimens(a->dirfd, ts);
        a->ret = rc < 0 ? neg_errno() : 0;
        return;
    }
    int dfd = open_parent(a->dirfd, p, &base);
    if (dfd < 0) {
        a->ret = neg_errno();
        return;
    }
    if (a->flags & OCALL_SET_MODE)
        rc = fchmodat(dfd, base, a->mode, AT_SYMLINK_NOFOLLOW);
    if (rc == 0 && (a->flags & OCALL_SET_TIMES))
        rc = utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
    e = errno;
    close(dfd);
    a->ret = rc < 0 ? -(int64_t)e : 0;
}

/* POLL: only the standard streams and hostfs's fds are polled; others are POLLNVAL. */
static void do_poll(void *buf)
{
    struct ocall_poll *a = buf;
    struct ocall_pollfd *r = (struct ocall_pollfd *)DATA(buf);
    uint32_t n = a->nfds;
    int64_t timeout = a->timeout_ms;
    if (n > OCALL_POLL_MAX || timeout < 0 || timeout > OCALL_POLL_MAX_MS) {
        a->ret = -EINVAL;
        return;
    }
    struct pollfd p[OCALL_POLL_MAX];
    for (uint32_t i = 0; i < n; i++) {
        int fd = r[i].fd;
        p[i].fd = (fd >= 0 && fd <= 2) || fd_known(fd) ? fd : -1;
        p[i].events = r[i].events;
        p[i].revents = 0;
    }
    int rc = poll(p, n, (int)timeout);
    if (rc < 0) {
        a->ret = neg_errno();
        return;
    }
    int count = 0;
    for (uint32_t i = 0; i < n; i++) {
        r[i].revents = p[i].fd < 0 ? POLLNVAL : p[i].revents;
        count += r[i].revents != 0;
    }
    a->ret = count;
}

void (*host_ocall_table[OCALL_COUNT])(void *buf) = {
    [OCALL_WRITE] = do_write,
    [OCALL_READ] = do_read,
    [OCALL_PREAD] = do_pread,
    [OCALL_MEM_COMMIT] = do_mem_commit,
    [OCALL_MEM_DISCARD] = do_mem_discard,
    [OCALL_CLOCK_GETTIME] = do_clock_gettime,
    [OCALL_NANOSLEEP] = do_nanosleep,
    [OCALL_IOCTL] = do_ioctl,
    [OCALL_FSTAT] = do_fstat,
    [OCALL_THREAD_SPAWN] = host_thread_spawn, /* OCALL_SCHED_LIST: sched.c */
    [OCALL_THREAD_KICK] = host_thread_kick,
    [OCALL_EVENT_WAIT] = host_event_wait,
    [OCALL_EVENT_SET] = host_event_set,
    [OCALL_SCHED_YIELD] = do_sched_yield,
    [OCALL_PWRITE] = do_pwrite,
    [OCALL_CLOSE] = do_close,
    [OCALL_HOSTFS_OPEN_ROOT] = do_hostfs_open_root,
    [OCALL_HOSTFS_OPENAT] = do_hostfs_openat,
    [OCALL_HOSTFS_STATAT] = do_hostfs_statat,
    [OCALL_HOSTFS_GETDENTS] = do_hostfs_getdents,
    [OCALL_HOSTFS_MKDIRAT] = do_hostfs_mkdirat,
    [OCALL_HOSTFS_UNLINKAT] = do_hostfs_unlinkat,
    [OCALL_HOSTFS_RENAMEAT] = do_hostfs_renameat,
    [OCALL_HOSTFS_READLINKAT] = do_hostfs_readlinkat,
    [OCALL_HOSTFS_SYMLINKAT] = do_hostfs_symlinkat,
    [OCALL_HOSTFS_FTRUNCATE] = do_hostfs_ftruncate,
    [OCALL_HOSTFS_FSYNC] = do_hostfs_fsync,
    [OCALL_HOSTFS_SETATTR] = do_hostfs_setattr,
    [OCALL_POLL] = do_poll,
    [OCALL_LSEEK] = do_lseek,
};

void host_ocall_dispatch(long id, void *buf)
{
    if (id < 0 || id >= OCALL_COUNT || !host_ocall_table[id]) {
        *(int64_t *)buf = -ENOSYS;
        return;
    }
    host_ocall_table[id](buf);
}
