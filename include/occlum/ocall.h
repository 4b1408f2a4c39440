/*
 * The OCALL table: every service the LibOS asks of the untrusted host, and how its arguments
 * and results are laid out in the thread's host buffer (tcs->host_buf).
 *
 * Protocol: the LibOS writes a struct ocall_<name> at the start of the host buffer, with any
 * input data right after it, and calls ocall(OCALL_<NAME>, host_buf). The host handler reads
 * the struct, does the work, writes `ret` (a result >= 0 or -errno) and any output data at
 * the same place. The LibOS then copies everything back into enclave memory and checks it
 * before use: a returned length is never more than was asked, an errno must be one the call
 * can return, an fd must be one the LibOS knows. The host never sees an enclave pointer.
 *
 * The list is an X-macro so that the host's dispatch table and the id enum come from one
 * place: OCALL(NAME, struct).
 */
#ifndef OCCLUM_OCALL_H
#define OCCLUM_OCALL_H

#include "occlum/ocall_sched.h"
#include <stdint.h>

#define OCALL_LIST(X)                                                                          \
    X(WRITE, ocall_rw)                                                                         \
    X(READ, ocall_rw)                                                                          \
    X(PREAD, ocall_rw)                                                                         \
    X(MEM_COMMIT, ocall_mem)                                                                   \
    X(MEM_DISCARD, ocall_mem)                                                                  \
    X(CLOCK_GETTIME, ocall_clock)                                                              \
    X(NANOSLEEP, ocall_clock)                                                                  \
    X(IOCTL, ocall_ioctl)                                                                      \
    X(FSTAT, ocall_fstat)                                                                      \
    OCALL_SCHED_LIST(X)                                                                        \
    X(SCHED_YIELD, ocall_none)                                                                 \
    X(PWRITE, ocall_rw)                                                                        \
    X(CLOSE, ocall_hostfs)                                                                     \
    X(HOSTFS_OPEN_ROOT, ocall_hostfs)                                                          \
    X(HOSTFS_OPENAT, ocall_hostfs)                                                             \
    X(HOSTFS_STATAT, ocall_hostfs)                                                             \
    X(HOSTFS_GETDENTS, ocall_hostfs)                                                           \
    X(HOSTFS_MKDIRAT, ocall_hostfs)                                                            \
    X(HOSTFS_UNLINKAT, ocall_hostfs)                                                           \
    X(HOSTFS_RENAMEAT, ocall_hostfs)                                                           \
    X(HOSTFS_READLINKAT, ocall_hostfs)                                                         \
    X(HOSTFS_SYMLINKAT, ocall_hostfs)                                                          \
    X(HOSTFS_FTRUNCATE, ocall_hostfs)                                                          \
    X(HOSTFS_FSYNC, ocall_hostfs)                                                              \
    X(HOSTFS_SETATTR, ocall_hostfs)                                                            \
    X(POLL, ocall_poll)                                                                        \
    X(LSEEK, ocall_lseek)

enum ocall_id {
#define OCALL_ENUM(name, st) OCALL_##name,
    OCALL_LIST(OCALL_ENUM)
#undef OCALL_ENUM
    OCALL_COUNT
};

/* Largest data payload that follows a struct in the host buffer. */
#define OCALL_DATA_MAX (256 * 1024)
/* Size of each thread's host buffer: a struct header page plus the payload. */
#define OCALL_BUF_SIZE (OCALL_DATA_MAX + 4096)
#define OCALL_HDR_SIZE 64

struct ocall_none {
    int64_t ret;
};

/* WRITE, READ, PREAD: data follows the header at OCALL_HDR_SIZE. */
struct ocall_rw {
    int64_t ret;    /* bytes done, or -errno */
    int32_t fd;     /* host fd */
    int32_t pad;
    uint64_t len;   /* <= OCALL_DATA_MAX */
    int64_t offset; /* PREAD only */
};

/* MEM_COMMIT: make [addr, addr+len) accessible with `prot` (PROT_* bits).
 * MEM_DISCARD: drop the contents of [addr, addr+len) and make it inaccessible.
 * Both only ever name pages of the enclave's user range; the host refuses anything else. */
struct ocall_mem {
    int64_t ret;
    uint64_t addr;
    uint64_t len;
    int32_t prot;
    int32_t pad;
};

/* CLOCK_GETTIME: clock id in, time out. NANOSLEEP: duration in (relative, on `clock`). */
struct ocall_clock {
    int64_t ret;
    int32_t clock;
    int32_t pad;
    int64_t sec;
    int64_t nsec;
};

/* IOCTL on a host fd, for the few terminal requests the LibOS passes on (TCGETS,
 * TIOCGWINSZ). `len` bytes of output follow the header. */
struct ocall_ioctl {
    int64_t ret;
    int32_t fd;
    int32_t pad;
    uint64_t request;
    uint64_t len;
};

/* LSEEK of a host fd the LibOS may use (the standard streams, hostfs's): the new offset. */
struct ocall_lseek {
    int64_t ret;
    int32_t fd;
    int32_t whence; /* SEEK_SET, SEEK_CUR, SEEK_END */
    int64_t offset;
};

/* FSTAT of a host fd: its type, permission bits, device number and size. */
struct ocall_fstat {
    int64_t ret;
    int32_t fd;
    uint32_t mode;
    uint64_t rdev;
    int64_t size;
};

/*
 * POLL: poll(2) on host fds (the standard streams, hostfs files), `nfds` (<= OCALL_POLL_MAX)
 * struct ocall_pollfd records at OCALL_HDR_SIZE, `timeout_ms` in 0..OCALL_POLL_MAX_MS (the
 * LibOS asks with 0: it never blocks in the host, see ipc/poll.h). The host polls only fds
 * 0..2 and fds hostfs opened; any other gets POLLNVAL without being polled. ret: the number
 * of records with revents != 0. The LibOS checks that each revents is a subset of what was
 * asked plus POLLERR, POLLHUP, POLLNVAL, and that ret matches.
 */
#define OCALL_POLL_MAX    64
#define OCALL_POLL_MAX_MS 1000
struct ocall_poll {
    int64_t ret;
    uint32_t nfds;
    uint32_t pad;
    int64_t timeout_ms;
};

struct ocall_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

/*
 * hostfs (fs/hostfs/): a host directory mounted inside, untrusted. The LibOS resolves every
 * path itself, one component at a time, so the host only ever sees a path relative to the
 * mount's root directory fd (`dirfd`), made of plain names: never absolute, never "." or
 * "..", never empty components ("" alone names dirfd itself). The host refuses anything else
 * (-EINVAL) and opens with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so a symlink swapped in on
 * the host is an error, not a way out of the mount.
 *
 * Host fds: only fds that OPEN_ROOT or OPENAT returned may be passed back as `dirfd` (or
 * closed, truncated, synced, listed); the host answers -EBADF for any other, so the enclave
 * cannot reach the runtime's own fds (the image, the standard streams) through these calls.
 *
 * Data after the header (at OCALL_HDR_SIZE): `path_len` bytes of path (NUL included), then
 * for RENAMEAT the new path and for SYMLINKAT the link target (`path2_len` bytes, NUL
 * included). Output data (READLINKAT's target, GETDENTS's records, STATAT's struct
 * ocall_stat) is written at OCALL_HDR_SIZE too.
 *
 *   call        in                               ret
 *   CLOSE       dirfd = host fd                  0
 *   OPEN_ROOT   path (absolute or relative to    a host fd of that directory
 *               the runtime's cwd), no dirfd
 *   OPENAT      dirfd, path, flags, mode         a host fd (flags: O_ACCMODE, O_CREAT,
 *                                                O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY)
 *   STATAT      dirfd, path                      0; struct ocall_stat at the data; never
 *                                                follows a final symlink
 *   GETDENTS    dirfd = an fd from OPENAT, len   bytes of linux_dirent64 records (<= len)
 *   MKDIRAT     dirfd, path, mode                0
 *   UNLINKAT    dirfd, path, flags (AT_REMOVEDIR) 0
 *   RENAMEAT    dirfd, path, path2 (new)         0
 *   READLINKAT  dirfd, path, len                 bytes of target (<= len), not terminated
 *   SYMLINKAT   dirfd, path (the link), path2    0
 *               (the target, any text)
 *   FTRUNCATE   dirfd = host fd, len             0
 *   FSYNC       dirfd = host fd                  0
 *   SETATTR     dirfd, path, flags (OCALL_SET_*  0; chmod and/or utimensat of the path
 *               bits), mode (07777 bits), and    itself: a final symlink is not followed
 *               with OCALL_SET_TIMES a struct    (its own times are set; a mode on it is
 *               ocall_utimes right after the     -EOPNOTSUPP). "" is dirfd itself.
 *               path (OCALL_HDR_SIZE + path_len)
 * PWRITE (struct ocall_rw) writes at `offset`, like PREAD.
 */
struct ocall_hostfs {
    int64_t ret;
    int32_t dirfd;
    int32_t flags;
    uint32_t mode;
    uint32_t path_len;
    uint32_t path2_len;
    uint32_t pad;
    uint64_t len;
};

/* SETATTR's flags: chmod to `mode` (07777 bits only), utimensat to the struct ocall_utimes. */
#define OCALL_SET_MODE  0x1
#define OCALL_SET_TIMES 0x2
/* Linux's UTIME_NOW / UTIME_OMIT: a time's nsec meaning "the host's now" / "leave it". */
#define OCALL_UTIME_NOW  ((1l << 30) - 1l)
#define OCALL_UTIME_OMIT ((1l << 30) - 2l)

/* SETATTR's new atime and mtime (utimensat's times[0] and times[1]). */
struct ocall_utimes {
    int64_t atime_sec, atime_nsec;
    int64_t mtime_sec, mtime_nsec;
};

/* What STATAT answers: struct stat's fields that mean something across the boundary. */
struct ocall_stat {
    uint64_t ino;
    uint64_t nlink;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t pad;
    uint64_t rdev;
    int64_t size;
    int64_t blocks;
    int64_t atime_sec, atime_nsec;
    int64_t mtime_sec, mtime_nsec;
    int64_t ctime_sec, ctime_nsec;
};

_Static_assert(sizeof(struct ocall_hostfs) <= OCALL_HDR_SIZE, "ocall_hostfs");
_Static_assert(sizeof(struct ocall_rw) <= OCALL_HDR_SIZE, "ocall_rw");
_Static_assert(sizeof(struct ocall_poll) <= OCALL_HDR_SIZE, "ocall_poll");
_Static_assert(sizeof(struct ocall_pollfd) == 8, "ocall_pollfd");
_Static_assert(sizeof(struct ocall_stat) == 104, "ocall_stat");
_Static_assert(sizeof(struct ocall_utimes) == 32, "ocall_utimes");

#endif /* OCCLUM_OCALL_H */
