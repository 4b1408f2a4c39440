/*
 * Linux x86-64 ABI structures and constants of the file-system calls that include/uapi/
 * does not hold yet (statx, statfs, flock, rename and utimensat flags, fallocate modes).
 * Written from the kernel's documented ABI; sizes and offsets are checked below. They belong
 * in include/uapi/linux_types.h and can move there unchanged.
 */
#ifndef LIBOS_FS_FS_UAPI_H
#define LIBOS_FS_FS_UAPI_H

#include "uapi/linux_types.h"
#include <stddef.h>
#include <stdint.h>

#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISBLK(m)  (((m) & S_IFMT) == S_IFBLK)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#define S_ISUID     04000
#define S_ISGID     02000
#define S_ISVTX     01000

#define R_OK 4
#define W_OK 2
#define X_OK 1

/* renameat2 */
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2
#define RENAME_WHITEOUT  4

/* utimensat */
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

/* fallocate */
#define FALLOC_FL_KEEP_SIZE  0x01
#define FALLOC_FL_PUNCH_HOLE 0x02

/* fcntl locks */
#define F_GETLK      5
#define F_SETLK      6
#define F_SETLKW     7
#define F_OFD_GETLK  36
#define F_OFD_SETLK  37
#define F_OFD_SETLKW 38
#define F_RDLCK      0
#define F_WRLCK      1
#define F_UNLCK      2

struct flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};
_Static_assert(sizeof(struct flock) == 32, "flock");
_Static_assert(offsetof(struct flock, l_start) == 8, "flock.l_start");
_Static_assert(offsetof(struct flock, l_pid) == 24, "flock.l_pid");

/* flock(2) */
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

/* close_range */
#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

/* fadvise64 */
#define POSIX_FADV_NORMAL     0
#define POSIX_FADV_NOREUSE    5

struct statfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks;
    uint64_t f_bfree;
    uint64_t f_bavail;
    uint64_t f_files;
    uint64_t f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};
_Static_assert(sizeof(struct statfs) == 120, "statfs");

#define ST_RDONLY 0x0001
#define RAMFS_MAGIC     0x858458f6
#define OVERLAYFS_MAGIC 0x794c7630
#define IMAGEFS_MAGIC   0x4f43494d /* "OCIM": ours */

struct statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t __reserved;
};

struct statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t __spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor;
    uint32_t stx_dev_major, stx_dev_minor;
    uint64_t __spare2[14];
};
_Static_assert(sizeof(struct statx) == 256, "statx");
_Static_assert(offsetof(struct statx, stx_atime) == 0x40, "statx.stx_atime");
_Static_assert(offsetof(struct statx, stx_rdev_major) == 0x80, "statx.stx_rdev_major");

#define STATX_TYPE        0x001
#define STATX_MODE        0x002
#define STATX_NLINK       0x004
#define STATX_UID         0x008
#define STATX_GID         0x010
#define STATX_ATIME       0x020
#define STATX_MTIME       0x040
#define STATX_CTIME       0x080
#define STATX_INO         0x100
#define STATX_SIZE        0x200
#define STATX_BLOCKS      0x400
#define STATX_BASIC_STATS 0x7ff
#define STATX__RESERVED   0x80000000u
#define AT_STATX_SYNC_TYPE 0x6000

struct utimbuf {
    int64_t actime;
    int64_t modtime;
};

#endif
