/*
 * System calls on file attributes: chmod family, chown family, utimensat/utimes/utime/
 * futimesat, truncate/ftruncate, fallocate, statx, statfs/fstatfs, faccessat2, and the
 * calls that have nothing to do on in-memory file systems (fsync, fdatasync, sync, syncfs,
 * fadvise64) but still check their arguments.
 *
 * Attribute changes go through the inode's setattr op (a union file is copied up by it).
 * Who may change what (Linux's rules, simplified to what a LibOS with one user mostly
 * sees): root anything; the owner its file's mode and times; times to "now" anyone with
 * write permission; chown only root.
 */
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

static bool is_owner(struct inode *inode)
{
    uint32_t uid, gid;
    struct stat st;

    current_fs_creds(&uid, &gid);
    if (uid == 0)
        return true;
    return vfs_getattr(inode, &st) == 0 && st.st_uid == uid;
}

static int do_setattr(struct inode *inode, struct iattr *a)
{
    if (inode->sb && inode->sb->readonly)
        return -EROFS;
    if (!inode->iops->setattr)
        return -EPERM;
    return inode->iops->setattr(inode, a);
}

/* The inode a *at call names (AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH in flags). */
static int walk_user(int dirfd, const char *upath, int flags, struct inode **out)
{
    char *path;
    int ret = vfs_copy_path(upath, &path);

    if (ret < 0)
        return ret;
    ret = vfs_walk_at(dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW,
                      (flags & AT_EMPTY_PATH) != 0, out);
    kfree(path);
    return ret;
}

/* The inode of an fd; O_PATH fds only when path_ok. */
static int fd_inode(int fd, bool path_ok, struct inode **out)
{
    struct file *f = fd_lookup_file(fd);

    if (!f)
        return -EBADF;
    if ((f->flags & O_PATH) && !path_ok) {
        file_put(f);
        return -EBADF;
    }
    *out = f->inode;
    inode_get(*out);
    file_put(f);
    return 0;
}

static int chmod_inode(struct inode *inode, mode_t mode)
{
    struct iattr a = {.valid = ATTR_MODE, .mode = mode & 07777};

    if (!is_owner(inode))
        return -EPERM;
    return do_setattr(inode, &a);
}

static long fchmodat_common(int dirfd, const char *upath, mode_t mode, int flags)
{
    struct inode *inode;
    int ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    ret = walk_user(dirfd, upath, flags, &inode);
    if (ret < 0)
        return ret;
    /* Linux cannot change a symlink's mode. */
    ret = S_ISLNK(inode->mode) ? -EOPNOTSUPP : chmod_inode(inode, mode);
    inode_put(inode);
    return ret;
}

DEFINE_SYSCALL3(fchmodat, int, dirfd, const char *, upath, mode_t, mode)
{
    return fchmodat_common(dirfd, upath, mode, 0);
}

DEFINE_SYSCALL2(chmod, const char *, upath, mode_t, mode)
{
    return fchmodat_common(AT_FDCWD, upath, mode, 0);
}

DEFINE_SYSCALL2(fchmod, int, fd, mode_t, mode)
{
    struct inode *inode;
    int ret = fd_inode(fd, false, &inode);

    if (ret < 0)
        return ret;
    ret = chmod_inode(inode, mode);
    inode_put(inode);
    return ret;
}

static int chown_inode(struct inode *inode, uint32_t uid, uint32_t gid)
{
    struct iattr a = {.valid = 0};
    uint32_t me, mygid;

    current_fs_creds(&me, &mygid);
    if (uid != (uint32_t)-1) {
        a.valid |= ATTR_UID;
        a.uid = uid;
    }
    if (gid != (uint32_t)-1) {
        a.valid |= ATTR_GID;
        a.gid = gid;
    }
    if (me != 0 && a.valid)
        return -EPERM;
    return do_setattr(inode, &a);
}

DEFINE_SYSCALL5(fchownat, int, dirfd, const char *, upath, uid_t, uid, gid_t, gid, int, flags)
{
    struct inode *inode;
    int ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    ret = walk_user(dirfd, upath, flags, &inode);
    if (ret < 0)
        return ret;
    ret = chown_inode(inode, uid, gid);
    inode_put(inode);
    return ret;
}

DEFINE_SYSCALL3(chown, const char *, upath, uid_t, uid, gid_t, gid)
{
    return sys_fchownat(AT_FDCWD, (long)upath, uid, gid, 0, 0);
}

DEFINE_SYSCALL3(lchown, const char *, upath, uid_t, uid, gid_t, gid)
{
    return sys_fchownat(AT_FDCWD, (long)upath, uid, gid, AT_SYMLINK_NOFOLLOW, 0);
}

DEFINE_SYSCALL3(fchown, int, fd, uid_t, uid, gid_t, gid)
{
    struct inode *inode;
    int ret = fd_inode(fd, false, &inode);

    if (ret < 0)
        return ret;
    ret = chown_inode(inode, uid, gid);
    inode_put(inode);
    return ret;
}

/* Sets atime/mtime from ts (NULL: both now), with UTIME_NOW / UTIME_OMIT. */
static int set_times(struct inode *inode, const struct timespec *ts)
{
    struct iattr a = {.valid = 0};
    struct timespec now;
    bool only_now = !ts || ((ts[0].tv_nsec == UTIME_NOW || ts[0].tv_nsec == UTIME_OMIT) &&
                            (ts[1].tv_nsec == UTIME_NOW || ts[1].tv_nsec == UTIME_OMIT));
    int i;

    current_time(&now);
    for (i = 0; i < 2; i++) {
        struct timespec t = ts ? ts[i] : (struct timespec){0, UTIME_NOW};

        if (t.tv_nsec == UTIME_OMIT)
            continue;
        if (t.tv_nsec == UTIME_NOW)
            t = now;
        else if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
            return -EINVAL;
        if (i == 0) {
            a.valid |= ATTR_ATIME;
            a.atime = t;
        } else {
            a.valid |= ATTR_MTIME;
            a.mtime = t;
        }
    }
    if (!a.valid)
        return 0;
    /* Setting explicit times needs ownership; "now" needs only write permission. */
    if (!is_owner(inode) && (!only_now || vfs_permission(inode, W_OK) < 0))
        return only_now ? -EACCES : -EPERM;
    return do_setattr(inode, &a);
}

static long utimens_common(int dirfd, const char *upath, const struct timespec *kts, int flags)
{
    struct inode *inode;
    int ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (kts)
        for (int i = 0; i < 2; i++)
            if (kts[i].tv_nsec != UTIME_NOW && kts[i].tv_nsec != UTIME_OMIT &&
                (kts[i].tv_nsec < 0 || kts[i].tv_nsec >= 1000000000))
                return -EINVAL;
    if (!upath) /* Linux: a NULL path names dirfd itself (futimens) */
        ret = dirfd == AT_FDCWD ? -EFAULT : fd_inode(dirfd, true, &inode);
    else
        ret = walk_user(dirfd, upath, flags, &inode);
    if (ret < 0)
        return ret;
    ret = set_times(inode, kts);
    inode_put(inode);
    return ret;
}

DEFINE_SYSCALL4(utimensat, int, dirfd, const char *, upath, const struct timespec *, uts, int,
                flags)
{
    struct timespec ts[2];

    if (uts && copy_from_user(ts, uts, sizeof(ts)) < 0)
        return -EFAULT;
    return utimens_common(dirfd, upath, uts ? ts : NULL, flags);
}

static long utimes_common(int dirfd, const char *upath, const struct timeval *utv)
{
    struct timeval tv[2];
    struct timespec ts[2];
    int i;

    if (!utv)
        return utimens_common(dirfd, upath, NULL, 0);
    if (copy_from_user(tv, utv, sizeof(tv)) < 0)
        return -EFAULT;
    for (i = 0; i < 2; i++) {
        if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
            return -EINVAL;
        ts[i].tv_sec = tv[i].tv_sec;
        ts[i].tv_nsec = tv[i].tv_usec * 1000;
    }
    return utimens_common(dirfd, upath, ts, 0);
}

DEFINE_SYSCALL3(futimesat, int, dirfd, const char *, upath, const struct timeval *, utv)
{
    return utimes_common(dirfd, upath, utv);
}

DEFINE_SYSCALL2(utimes, const char *, upath, const struct timeval *, utv)
{
    return utimes_common(AT_FDCWD, upath, utv);
}

DEFINE_SYSCALL2(utime, const char *, upath, const struct utimbuf *, ubuf)
{
    struct utimbuf b;
    struct timespec ts[2];

    if (!ubuf)
        return utimens_common(AT_FDCWD, upath, NULL, 0);
    if (copy_from_user(&b, ubuf, sizeof(b)) < 0)
        return -EFAULT;
    ts[0] = (struct timespec){b.actime, 0};
    ts[1] = (struct timespec){b.modtime, 0};
    return utimens_common(AT_FDCWD, upath, ts, 0);
}

static int truncate_inode(struct inode *inode, int64_t len)
{
    struct iattr a = {.valid = ATTR_SIZE | ATTR_MTIME, .size = (uint64_t)len};

    if (len < 0)
        return -EINVAL;
    if (S_ISDIR(inode->mode))
        return -EISDIR;
    if (!S_ISREG(inode->mode))
        return -EINVAL;
    current_time(&a.mtime);
    return do_setattr(inode, &a);
}

DEFINE_SYSCALL2(truncate, const char *, upath, int64_t, len)
{
    struct inode *inode;
    int ret;

    if (len < 0)
        return -EINVAL;
    ret = walk_user(AT_FDCWD, upath, 0, &inode);
    if (ret < 0)
        return ret;
    ret = S_ISDIR(inode->mode) ? -EISDIR : vfs_permission(inode, W_OK);
    if (ret == 0)
        ret = truncate_inode(inode, len);
    inode_put(inode);
    return ret;
}

/* An fd open for writing on a regular file: 0, -EBADF, -EINVAL (Linux's answers). */
static int writable_file(int fd, struct file **out)
{
    struct file *f = fd_lookup_file(fd);

    if (!f)
        return -EBADF;
    if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY) {
        file_put(f);
        return -EBADF;
    }
    *out = f;
    return 0;
}

DEFINE_SYSCALL2(ftruncate, int, fd, int64_t, len)
{
    struct file *f;
    int ret;

    if (len < 0)
        return -EINVAL;
    ret = writable_file(fd, &f);
    if (ret == -EBADF) {
        /* Linux: open but not for writing is -EINVAL. */
        struct file *g = fd_lookup_file(fd);

        if (g) {
            ret = (g->flags & O_PATH) ? -EBADF : -EINVAL;
            file_put(g);
        }
    }
    if (ret < 0)
        return ret;
    ret = truncate_inode(f->inode, len);
    file_put(f);
    return ret;
}

DEFINE_SYSCALL4(fallocate, int, fd, int, mode, int64_t, off, int64_t, len)
{
    struct file *f;
    int64_t end;
    int ret;

    if (off < 0 || len <= 0)
        return -EINVAL;
    if (mode & ~FALLOC_FL_KEEP_SIZE) {
        log_info("fallocate mode %#x is not served", mode);
        return -EOPNOTSUPP;
    }
    ret = writable_file(fd, &f);
    if (ret < 0)
        return ret;
    if (__builtin_add_overflow(off, len, &end))
        ret = -EFBIG;
    else if (S_ISDIR(f->inode->mode))
        ret = -EISDIR;
    else if (!S_ISREG(f->inode->mode))
        ret = -ENODEV;
    else if (!(mode & FALLOC_FL_KEEP_SIZE) &&
             (uint64_t)end > __atomic_load_n(&f->inode->size, __ATOMIC_RELAXED))
        ret = truncate_inode(f->inode, end);
    file_put(f);
    return ret;
}

static long sync_fd(int fd)
{
    struct inode *inode;
    int ret = fd_inode(fd, false, &inode);

    if (ret == 0)
        inode_put(inode); /* in-memory layers: nothing to write back */
    return ret;
}

DEFINE_SYSCALL1(fsync, int, fd)
{
    return sync_fd(fd);
}

DEFINE_SYSCALL1(fdatasync, int, fd)
{
    return sync_fd(fd);
}

DEFINE_SYSCALL1(syncfs, int, fd)
{
    return sync_fd(fd);
}

DEFINE_SYSCALL0(sync)
{
    return 0;
}

DEFINE_SYSCALL4(fadvise64, int, fd, int64_t, off, int64_t, len, int, advice)
{
    struct file *f = fd_lookup_file(fd);
    int ret = 0;

    if (!f)
        return -EBADF;
    if (!f->ops || !f->ops->lseek)
        ret = -ESPIPE;
    else if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || len < 0)
        ret = -EINVAL;
    file_put(f);
    return ret; /* advice only: nothing is cached differently */
}

static int statfs_inode(struct inode *inode, struct statfs *st)
{
    int ret = 0;

    memset(st, 0, sizeof(*st));
    if (inode->iops->statfs)
        ret = inode->iops->statfs(inode, st);
    else {
        st->f_type = inode->sb && inode->sb->type && !strcmp(inode->sb->type, "imagefs")
                         ? IMAGEFS_MAGIC
                         : RAMFS_MAGIC;
        st->f_bsize = 4096;
        st->f_frsize = 4096;
        st->f_namelen = NAME_MAX;
    }
    if (inode->sb && inode->sb->readonly)
        st->f_flags |= ST_RDONLY;
    if (inode->sb)
        st->f_fsid[0] = (int32_t)inode->sb->dev;
    return ret;
}

DEFINE_SYSCALL2(statfs, const char *, upath, struct statfs *, ubuf)
{
    struct inode *inode;
    struct statfs st;
    int ret = walk_user(AT_FDCWD, upath, 0, &inode);

    if (ret < 0)
        return ret;
    ret = statfs_inode(inode, &st);
    inode_put(inode);
    return ret < 0 ? ret : copy_to_user(ubuf, &st, sizeof(st));
}

DEFINE_SYSCALL2(fstatfs, int, fd, struct statfs *, ubuf)
{
    struct inode *inode;
    struct statfs st;
    int ret = fd_inode(fd, true, &inode);

    if (ret < 0)
        return ret;
    ret = statfs_inode(inode, &st);
    inode_put(inode);
    return ret < 0 ? ret : copy_to_user(ubuf, &st, sizeof(st));
}

static uint32_t dev_major(uint64_t dev)
{
    return (uint32_t)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull));
}

static uint32_t dev_minor(uint64_t dev)
{
    return (uint32_t)((dev & 0xff) | ((dev >> 12) & ~0xffull));
}

DEFINE_SYSCALL5(statx, int, dirfd, const char *, upath, int, flags, unsigned int, mask,
                struct statx *, ubuf)
{
    struct inode *inode;
    struct statx sx;
    struct stat st;
    int ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
        return -EINVAL;
    ret = walk_user(dirfd, upath, flags, &inode);
    if (ret < 0)
        return ret;
    ret = vfs_getattr(inode, &st);
    inode_put(inode);
    if (ret < 0)
        return ret;
    memset(&sx, 0, sizeof(sx));
    sx.stx_mask = STATX_BASIC_STATS;
    sx.stx_blksize = (uint32_t)st.st_blksize;
    sx.stx_nlink = (uint32_t)st.st_nlink;
    sx.stx_uid = st.st_uid;
    sx.stx_gid = st.st_gid;
    sx.stx_mode = (uint16_t)st.st_mode;
    sx.stx_ino = st.st_ino;
    sx.stx_size = (uint64_t)st.st_size;
    sx.stx_blocks = (uint64_t)st.st_blocks;
    sx.stx_atime = (struct statx_timestamp){st.st_atim.tv_sec, (uint32_t)st.st_atim.tv_nsec, 0};
    sx.stx_mtime = (struct statx_timestamp){st.st_mtim.tv_sec, (uint32_t)st.st_mtim.tv_nsec, 0};
    sx.stx_ctime = (struct statx_timestamp){st.st_ctim.tv_sec, (uint32_t)st.st_ctim.tv_nsec, 0};
    sx.stx_rdev_major = dev_major(st.st_rdev);
    sx.stx_rdev_minor = dev_minor(st.st_rdev);
    sx.stx_dev_major = dev_major(st.st_dev);
    sx.stx_dev_minor = dev_minor(st.st_dev);
    return copy_to_user(ubuf, &sx, sizeof(sx));
}
