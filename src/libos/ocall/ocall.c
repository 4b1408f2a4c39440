/*
 * Typed OCALL wrappers. Each one marshals into the thread's host buffer, crosses the
 * boundary, and validates the host's answer (occlum/ocall.h): results are copied into enclave
 * memory before use, byte counts are bounded by what was asked, and an errno outside
 * 1..EMAX becomes -EIO. The host may change its buffer at any moment, so every field is
 * read once, into enclave memory, and only the copy is checked and used.
 */
#include "ocall/ocall.h"
#include "occlum/abi.h"
#include "occlum/ocall.h"
#include "process/process.h"
#include "uapi/errno.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/string.h"
#include <stdbool.h>

static inline void *host_buf(void)
{
    return current_tcs()->host_buf;
}

static inline void *host_data(void)
{
    return (char *)current_tcs()->host_buf + OCALL_HDR_SIZE;
}

/* A host result: >= 0 up to `max`, or -errno with errno in 1..EMAX. Anything else is a lie. */
static long check_ret(int64_t ret, uint64_t max, const char *what)
{
    if (ret >= 0 && (uint64_t)ret <= max)
        return ret;
    if (ret < 0 && ret >= -EMAX)
        return ret;
    log_error("host returned %lld for %s: treating as an I/O error", (long long)ret, what);
    return -EIO;
}

static ssize_t rw_chunk(long id, int fd, void *buf, size_t len, int64_t off)
{
    struct ocall_rw *a = host_buf();
    struct ocall_rw req = {.fd = fd, .len = len, .offset = off};
    bool out = id == OCALL_WRITE || id == OCALL_PWRITE;
    if (out)
        memcpy(host_data(), buf, len);
    memcpy(a, &req, sizeof(req));
    ocall(id, a);
    long n = check_ret(__atomic_load_n(&a->ret, __ATOMIC_RELAXED), len, "read/write");
    if (n > 0 && !out)
        memcpy(buf, host_data(), (size_t)n);
    return n;
}

ssize_t host_write(int host_fd, const void *buf, size_t len)
{
    return rw_chunk(OCALL_WRITE, host_fd, (void *)buf, MIN(len, OCALL_DATA_MAX), 0);
}

ssize_t host_read(int host_fd, void *buf, size_t len)
{
    return rw_chunk(OCALL_READ, host_fd, buf, MIN(len, OCALL_DATA_MAX), 0);
}

ssize_t host_pread(int host_fd, void *buf, size_t len, uint64_t offset)
{
    if (offset > (uint64_t)INT64_MAX)
        return -EINVAL;
    return rw_chunk(OCALL_PREAD, host_fd, buf, MIN(len, OCALL_DATA_MAX), (int64_t)offset);
}

static int mem_call(long id, uint64_t addr, uint64_t len, int prot)
{
    struct ocall_mem *a = host_buf();
    struct ocall_mem req = {.addr = addr, .len = len, .prot = prot};
    memcpy(a, &req, sizeof(req));
    ocall(id, a);
    long rc = check_ret(a->ret, 0, "memory");
    if (rc)
        log_error("host refused to %s %#llx+%#llx: %ld",
                  id == OCALL_MEM_COMMIT ? "commit" : "discard", (unsigned long long)addr,
                  (unsigned long long)len, rc);
    return (int)rc;
}

int host_mem_commit(uint64_t addr, uint64_t len, int prot)
{
    return mem_call(OCALL_MEM_COMMIT, addr, len, prot);
}

int host_mem_discard(uint64_t addr, uint64_t len)
{
    return mem_call(OCALL_MEM_DISCARD, addr, len, 0);
}

int host_clock_gettime(int clock, struct timespec *ts)
{
    struct ocall_clock *a = host_buf();
    struct ocall_clock req = {.clock = clock};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_CLOCK_GETTIME, a);
    struct ocall_clock ans;
    memcpy(&ans, a, sizeof(ans));
    long rc = check_ret(ans.ret, 0, "clock_gettime");
    if (rc)
        return (int)rc;
    if (ans.sec < 0 || ans.nsec < 0 || ans.nsec >= 1000000000) {
        log_error("host returned an invalid time for clock %d", clock);
        return -EIO;
    }
    ts->tv_sec = ans.sec;
    ts->tv_nsec = ans.nsec;
    return 0;
}

int host_nanosleep(int clock, const struct timespec *ts)
{
    struct ocall_clock *a = host_buf();
    struct ocall_clock req = {.clock = clock, .sec = ts->tv_sec, .nsec = ts->tv_nsec};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_NANOSLEEP, a);
    return (int)check_ret(a->ret, 0, "nanosleep");
}

int host_ioctl(int host_fd, unsigned long request, void *out, size_t len)
{
    struct ocall_ioctl *a = host_buf();
    struct ocall_ioctl req = {.fd = host_fd, .request = request, .len = len};
    if (len > 64)
        return -EINVAL;
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_IOCTL, a);
    long rc = check_ret(a->ret, 0, "ioctl");
    if (rc == 0)
        memcpy(out, host_data(), len);
    return (int)rc;
}

int host_fstat(int host_fd, struct host_stat *st)
{
    struct ocall_fstat *a = host_buf();
    struct ocall_fstat req = {.fd = host_fd};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_FSTAT, a);
    struct ocall_fstat ans;
    memcpy(&ans, a, sizeof(ans));
    long rc = check_ret(ans.ret, 0, "fstat");
    if (rc)
        return (int)rc;
    uint32_t t = ans.mode & S_IFMT;
    if (t != S_IFCHR && t != S_IFIFO && t != S_IFREG && t != S_IFSOCK && t != S_IFBLK &&
        t != S_IFDIR) {
        log_error("host returned an invalid file type %#x", t);
        return -EIO;
    }
    if (ans.size < 0) {
        log_error("host returned a negative file size");
        return -EIO;
    }
    st->type = t;
    st->perm = ans.mode & 07777;
    st->rdev = ans.rdev;
    st->size = ans.size;
    return 0;
}

int64_t host_lseek(int host_fd, int64_t offset, int whence)
{
    struct ocall_lseek *a = host_buf();
    struct ocall_lseek req = {.fd = host_fd, .whence = whence, .offset = offset};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_LSEEK, a);
    int64_t ret = a->ret;
    return check_ret(ret, INT64_MAX, "lseek");
}

void host_sched_yield(void)
{
    ocall(OCALL_SCHED_YIELD, host_buf());
}

int host_poll(int host_fd, unsigned int events, unsigned int *revents)
{
    /* POLLERR, POLLHUP, POLLNVAL: what poll(2) may report without being asked. */
    const unsigned int always = 0x0008 | 0x0010 | 0x0020;
    struct ocall_poll *a = host_buf();
    struct ocall_pollfd *r = host_data();
    struct ocall_poll req = {.nfds = 1, .timeout_ms = 0};
    struct ocall_pollfd rec = {.fd = host_fd, .events = (int16_t)events};
    if (events > 0xffff)
        return -EINVAL;
    memcpy(r, &rec, sizeof(rec));
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_POLL, a);
    long rc = check_ret(__atomic_load_n(&a->ret, __ATOMIC_RELAXED), 1, "poll");
    if (rc < 0)
        return (int)rc;
    struct ocall_pollfd ans;
    memcpy(&ans, r, sizeof(ans));
    unsigned int got = (uint16_t)ans.revents;
    if ((got & ~(events | always)) || (rc == 1) != (got != 0)) {
        log_error("host answered poll with revents %#x for events %#x (ret %ld): I/O error",
                  got, events, rc);
        return -EIO;
    }
    *revents = got;
    return 0;
}

ssize_t host_pwrite(int host_fd, const void *buf, size_t len, uint64_t offset)
{
    if (offset > (uint64_t)INT64_MAX)
        return -EINVAL;
    return rw_chunk(OCALL_PWRITE, host_fd, (void *)buf, MIN(len, OCALL_DATA_MAX),
                    (int64_t)offset);
}

/* ---- hostfs ---- */

/*
 * Marshals a hostfs request: the header and up to two NUL-terminated strings after it.
 * Returns 0, or -ENAMETOOLONG when a string is PATH_MAX bytes or more.
 */
static int fs_request(int dirfd, const char *path, const char *path2, int flags, uint32_t mode,
                      uint64_t len)
{
    struct ocall_hostfs req = {.dirfd = dirfd, .flags = flags, .mode = mode, .len = len};
    size_t n1 = path ? strnlen(path, PATH_MAX) : 0;
    size_t n2 = path2 ? strnlen(path2, PATH_MAX) : 0;

    if (n1 >= PATH_MAX || n2 >= PATH_MAX)
        return -ENAMETOOLONG;
    if (path) {
        memcpy(host_data(), path, n1 + 1);
        req.path_len = (uint32_t)(n1 + 1);
    }
    if (path2) {
        memcpy((char *)host_data() + req.path_len, path2, n2 + 1);
        req.path2_len = (uint32_t)(n2 + 1);
    }
    memcpy(host_buf(), &req, sizeof(req));
    return 0;
}

/* Crosses with the request in place and returns the host's ret, checked against max. */
static long fs_call(long id, uint64_t max, const char *what)
{
    struct ocall_hostfs *a = host_buf();

    ocall(id, a);
    return check_ret(__atomic_load_n(&a->ret, __ATOMIC_RELAXED), max, what);
}

/* An OCALL whose answer is 0 or -errno. */
static int fs_simple(long id, int dirfd, const char *path, const char *path2, int flags,
                     uint32_t mode, uint64_t len, const char *what)
{
    int rc = fs_request(dirfd, path, path2, flags, mode, len);

    if (rc)
        return rc;
    return (int)fs_call(id, 0, what);
}

int host_close(int host_fd)
{
    return fs_simple(OCALL_CLOSE, host_fd, NULL, NULL, 0, 0, 0, "close");
}

int host_hostfs_open_root(const char *path)
{
    int rc = fs_request(-1, path, NULL, 0, 0, 0);

    if (rc)
        return rc;
    return (int)fs_call(OCALL_HOSTFS_OPEN_ROOT, HOST_FD_MAX - 1, "hostfs open_root");
}

#define HOSTFS_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY)

int host_hostfs_openat(int dirfd, const char *path, int flags, uint32_t mode)
{
    int rc;

    if ((flags & ~HOSTFS_OPEN_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE || (mode & ~07777u))
        return -EINVAL;
    rc = fs_request(dirfd, path, NULL, flags, mode, 0);
    if (rc)
        return rc;
    return (int)fs_call(OCALL_HOSTFS_OPENAT, HOST_FD_MAX - 1, "hostfs openat");
}

static bool time_ok(int64_t sec, int64_t nsec)
{
    return sec >= 0 && nsec >= 0 && nsec < 1000000000;
}

int host_hostfs_statat(int dirfd, const char *path, struct stat *st)
{
    struct ocall_stat ans;
    uint32_t type;
    long rc;

    memset(st, 0, sizeof(*st));
    rc = fs_request(dirfd, path, NULL, 0, 0, 0);
    if (rc)
        return (int)rc;
    rc = fs_call(OCALL_HOSTFS_STATAT, 0, "hostfs stat");
    if (rc)
        return (int)rc;
    memcpy(&ans, host_data(), sizeof(ans));
    type = ans.mode & S_IFMT;
    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFCHR &&
        type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK) {
        log_error("host returned an invalid file type %#x in a stat", type);
        return -EIO;
    }
    if (ans.size < 0 || ans.blocks < 0 || ans.nlink == 0 ||
        !time_ok(ans.atime_sec, ans.atime_nsec) || !time_ok(ans.mtime_sec, ans.mtime_nsec) ||
        !time_ok(ans.ctime_sec, ans.ctime_nsec)) {
        log_error("host returned an impossible stat (size, blocks, nlink or a time)");
        return -EIO;
    }
    st->st_ino = ans.ino;
    st->st_nlink = ans.nlink;
    st->st_mode = ans.mode & (S_IFMT | 07777);
    st->st_uid = ans.uid;
    st->st_gid = ans.gid;
    st->st_rdev = ans.rdev;
    st->st_size = ans.size;
    st->st_blksize = 4096;
    st->st_blocks = ans.blocks;
    st->st_atim = (struct timespec){ans.atime_sec, ans.atime_nsec};
    st->st_mtim = (struct timespec){ans.mtime_sec, ans.mtime_nsec};
    st->st_ctim = (struct timespec){ans.ctime_sec, ans.ctime_nsec};
    return 0;
}

/* d_name starts 19 bytes into a linux_dirent64. */
#define DIRENT_NAME_OFF 19

static bool dtype_ok(uint8_t t)
{
    return t == DT_UNKNOWN || t == DT_FIFO || t == DT_CHR || t == DT_DIR || t == DT_BLK ||
           t == DT_REG || t == DT_LNK || t == DT_SOCK;
}

/* Checks records already copied into enclave memory. */
static bool dirents_ok(const char *buf, size_t n)
{
    size_t off = 0;

    while (off < n) {
        struct linux_dirent64 d;
        size_t room = n - off, name_room, name_len;
        const char *name;

        if (room < DIRENT_NAME_OFF + 2)
            return false;
        memcpy(&d, buf + off, DIRENT_NAME_OFF);
        if (d.d_reclen < DIRENT_NAME_OFF + 2 || d.d_reclen > room || d.d_reclen % 8)
            return false;
        name = buf + off + DIRENT_NAME_OFF;
        name_room = d.d_reclen - DIRENT_NAME_OFF;
        name_len = strnlen(name, name_room);
        if (name_len == name_room || name_len == 0 || name_len > NAME_MAX ||
            memchr(name, '/', name_len) || !dtype_ok(d.d_type))
            return false;
        off += d.d_reclen;
    }
    return true;
}

ssize_t host_hostfs_getdents(int host_fd, void *buf, size_t len)
{
    long n;
    int rc;

    len = MIN(len, OCALL_DATA_MAX);
    rc = fs_request(host_fd, NULL, NULL, 0, 0, len);
    if (rc)
        return rc;
    n = fs_call(OCALL_HOSTFS_GETDENTS, len, "hostfs getdents");
    if (n <= 0)
        return n;
    memcpy(buf, host_data(), (size_t)n);
    if (!dirents_ok(buf, (size_t)n)) {
        log_error("host returned malformed directory records");
        memset(buf, 0, (size_t)n);
        return -EIO;
    }
    return n;
}

int host_hostfs_mkdirat(int dirfd, const char *path, uint32_t mode)
{
    if (mode & ~07777u)
        return -EINVAL;
    return fs_simple(OCALL_HOSTFS_MKDIRAT, dirfd, path, NULL, 0, mode, 0, "hostfs mkdir");
}

int host_hostfs_unlinkat(int dirfd, const char *path, int flags)
{
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    return fs_simple(OCALL_HOSTFS_UNLINKAT, dirfd, path, NULL, flags, 0, 0, "hostfs unlink");
}

int host_hostfs_renameat(int dirfd, const char *oldpath, const char *newpath)
{
    return fs_simple(OCALL_HOSTFS_RENAMEAT, dirfd, oldpath, newpath, 0, 0, 0, "hostfs rename");
}

long host_hostfs_readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
    long n;
    int rc;

    len = MIN(len, (size_t)PATH_MAX);
    rc = fs_request(dirfd, path, NULL, 0, 0, len);
    if (rc)
        return rc;
    n = fs_call(OCALL_HOSTFS_READLINKAT, len, "hostfs readlink");
    if (n < 0)
        return n;
    memcpy(buf, host_data(), (size_t)n);
    if (n == 0 || memchr(buf, '\0', (size_t)n)) {
        log_error("host returned an empty symlink target or one with a NUL");
        return -EIO;
    }
    return n;
}

int host_hostfs_symlinkat(const char *target, int dirfd, const char *path)
{
    if (!target[0])
        return -ENOENT;
    return fs_simple(OCALL_HOSTFS_SYMLINKAT, dirfd, path, target, 0, 0, 0, "hostfs symlink");
}

int host_hostfs_ftruncate(int host_fd, uint64_t len)
{
    if (len > (uint64_t)INT64_MAX)
        return -EINVAL;
    return fs_simple(OCALL_HOSTFS_FTRUNCATE, host_fd, NULL, NULL, 0, 0, len, "hostfs truncate");
}

int host_hostfs_fsync(int host_fd)
{
    return fs_simple(OCALL_HOSTFS_FSYNC, host_fd, NULL, NULL, 0, 0, 0, "hostfs fsync");
}

/* Linux's values: the wrapper's callers use the uapi names. */
_Static_assert(OCALL_UTIME_NOW == (1l << 30) - 1l && OCALL_UTIME_OMIT == (1l << 30) - 2l,
               "UTIME_NOW/UTIME_OMIT");

static bool utime_ok(const struct timespec *t)
{
    if (t->tv_nsec == OCALL_UTIME_NOW || t->tv_nsec == OCALL_UTIME_OMIT)
        return true;
    return time_ok(t->tv_sec, t->tv_nsec);
}

int host_hostfs_setattr(int dirfd, const char *path, const uint32_t *mode,
                        const struct timespec *ts)
{
    struct ocall_utimes t;
    int flags = 0, rc;

    if (mode) {
        if (*mode & ~07777u)
            return -EINVAL;
        flags |= OCALL_SET_MODE;
    }
    if (ts) {
        if (!utime_ok(&ts[0]) || !utime_ok(&ts[1]))
            return -EINVAL;
        t = (struct ocall_utimes){ts[0].tv_sec, ts[0].tv_nsec, ts[1].tv_sec, ts[1].tv_nsec};
        flags |= OCALL_SET_TIMES;
    }
    if (!flags || !path)
        return -EINVAL;
    rc = fs_request(dirfd, path, NULL, flags, mode ? *mode : 0, 0);
    if (rc)
        return rc;
    if (ts) /* right after the path, which fs_request checked is < PATH_MAX */
        memcpy((char *)host_data() + strlen(path) + 1, &t, sizeof(t));
    return (int)fs_call(OCALL_HOSTFS_SETATTR, 0, "hostfs setattr");
}
