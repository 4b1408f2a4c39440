/*
 * Typed OCALLs: the only way the LibOS asks the host for anything. Each wrapper marshals its
 * arguments into the thread's host buffer, leaves the enclave, and checks the answer before
 * returning it (include/occlum/ocall.h describes the protocol). Results are >= 0 or -errno;
 * an answer outside the legal set for the call becomes -EIO and is logged.
 */
#ifndef LIBOS_OCALL_OCALL_H
#define LIBOS_OCALL_OCALL_H

#include "uapi/linux_types.h"
#include <stddef.h>
#include <stdint.h>

/* Raw boundary crossing (arch/boundary.S): calls the host's handler for `id`. */
void ocall(long id, void *host_buf);

/* Writes up to len bytes from enclave memory to a host fd; returns bytes written. */
ssize_t host_write(int host_fd, const void *buf, size_t len);
/* Reads up to len bytes from a host fd into enclave memory; never more than len. */
ssize_t host_read(int host_fd, void *buf, size_t len);
ssize_t host_pread(int host_fd, void *buf, size_t len, uint64_t offset);
/* Makes user-range pages accessible with PROT_* bits / drops their contents and makes them
 * inaccessible. addr and len must be page aligned and inside the user range. */
int host_mem_commit(uint64_t addr, uint64_t len, int prot);
int host_mem_discard(uint64_t addr, uint64_t len);
int host_clock_gettime(int clock, struct timespec *ts);
/* Sleeps for a relative duration on `clock`; -EINTR if the host was interrupted. */
int host_nanosleep(int clock, const struct timespec *ts);
/* TCGETS / TIOCGWINSZ on a host fd; `out` receives exactly `len` bytes on success. */
int host_ioctl(int host_fd, unsigned long request, void *out, size_t len);
/* What the LibOS takes from a host fd's fstat. */
struct host_stat {
    uint32_t type; /* S_IFMT bits: one of the file types Linux has, else the call is -EIO */
    uint32_t perm; /* mode & 07777 */
    uint64_t rdev;
    int64_t size;  /* >= 0 */
};
int host_fstat(int host_fd, struct host_stat *st);
/* lseek on a host fd the LibOS may use: the new offset (>= 0) or -errno. */
int64_t host_lseek(int host_fd, int64_t offset, int whence);
void host_sched_yield(void);
/* poll(2) of one host fd with a zero timeout: 0 and its revents in *revents (a subset of
 * `events` | POLLERR | POLLHUP | POLLNVAL; anything else the host answers is -EIO). */
int host_poll(int host_fd, unsigned int events, unsigned int *revents);

/* Writes up to len bytes at `offset` of a host fd; returns bytes written (never more). */
ssize_t host_pwrite(int host_fd, const void *buf, size_t len, uint64_t offset);
/* Closes a host fd the LibOS opened (hostfs). 0 or -errno. */
int host_close(int host_fd);

/*
 * hostfs OCALLs (include/occlum/ocall.h describes the protocol). `path` is relative to the
 * host directory fd `dirfd` and made of plain names ("" names dirfd itself); the caller
 * builds it, the wrappers only check its length (< PATH_MAX, else -ENAMETOOLONG). Every
 * answer is checked: a host fd must be in 0..HOST_FD_MAX-1, a count no more than asked, an
 * errno in 1..EMAX, a stat's type and times sane, each directory record well formed;
 * anything else is -EIO (logged).
 */
#define HOST_FD_MAX (1 << 20)

/* Opens the host directory `path` (absolute, or relative to the runtime's cwd, the instance
 * directory) as a mount's root. Returns a host fd. */
int host_hostfs_open_root(const char *path);
/* openat with flags limited to O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY
 * (others are -EINVAL here); never follows a symlink. Returns a host fd. */
int host_hostfs_openat(int dirfd, const char *path, int flags, uint32_t mode);
/* lstat-like: fills *st (zeroed first; st_dev is left 0 for the caller). */
int host_hostfs_statat(int dirfd, const char *path, struct stat *st);
/* Reads directory records into buf (linux_dirent64, each checked: reclen a multiple of 8
 * inside the answer, a NUL-terminated name of 1..NAME_MAX bytes without '/', a known
 * d_type). Returns bytes of records, 0 at the end. */
ssize_t host_hostfs_getdents(int host_fd, void *buf, size_t len);
int host_hostfs_mkdirat(int dirfd, const char *path, uint32_t mode);
/* flags: 0 or AT_REMOVEDIR. */
int host_hostfs_unlinkat(int dirfd, const char *path, int flags);
int host_hostfs_renameat(int dirfd, const char *oldpath, const char *newpath);
/* The link's target, not terminated, at most len bytes (a NUL inside or an empty target
 * is -EIO). Returns its length. */
long host_hostfs_readlinkat(int dirfd, const char *path, char *buf, size_t len);
int host_hostfs_symlinkat(const char *target, int dirfd, const char *path);
int host_hostfs_ftruncate(int host_fd, uint64_t len);
int host_hostfs_fsync(int host_fd);
/*
 * chmod (mode != NULL: *mode, 07777 bits only) and/or utimensat (ts != NULL: ts[0] atime,
 * ts[1] mtime; a tv_nsec of UTIME_NOW is the host's now, UTIME_OMIT leaves that time) of
 * `path` itself: a final symlink is not followed (its own times are set; a mode on it is
 * -EOPNOTSUPP). A time before 1970 is -EINVAL here, since the stat check above takes one for
 * a lie. Both NULL: -EINVAL. 0 or -errno; a failure may leave the mode changed and the times
 * not.
 */
int host_hostfs_setattr(int dirfd, const char *path, const uint32_t *mode,
                        const struct timespec *ts);

#endif
