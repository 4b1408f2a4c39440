/*
 * Path and metadata system calls: open, openat, creat, close, stat, lstat, fstat,
 * newfstatat, readlink, readlinkat, access, faccessat, faccessat2, getcwd, umask,
 * getdents64. (Name changes: fs/sys_namei.c; attributes: fs/sys_attr.c.)
 *
 * Each handler copies its path in once (vfs_copy_path), checks its other arguments, then
 * calls into the VFS (fs/open.c, fs/namei.c). Output structures are zeroed before they are
 * filled, so no LibOS memory reaches the guest.
 *
 * Permissions: vfs_permission (fs/namei.c) with the process's effective ids; root is refused
 * only execution of a file with no x bit, and writing to a read-only file system.
 */
#include "fs/fdtable.h"
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"


DEFINE_SYSCALL4(openat, int, dirfd, const char *, upath, int, flags, mode_t, mode)
{
    struct file *f;
    char *path;
    int ret;

    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    ret = vfs_openat_mode(dirfd, path, flags, mode, &f);
    kfree(path);
    if (ret < 0)
        return ret;
    ret = fdtable_install(current_fdtable(), f, 0, (flags & O_CLOEXEC) != 0);
    file_put(f);
    return ret;
}

DEFINE_SYSCALL3(open, const char *, upath, int, flags, mode_t, mode)
{
    return sys_openat(AT_FDCWD, (long)upath, flags, mode, 0, 0);
}

DEFINE_SYSCALL2(creat, const char *, upath, mode_t, mode)
{
    return sys_openat(AT_FDCWD, (long)upath, O_CREAT | O_WRONLY | O_TRUNC, mode, 0, 0);
}

DEFINE_SYSCALL1(close, int, fd)
{
    return fdtable_close(current_fdtable(), fd);
}

static int stat_to_user(struct inode *inode, struct stat *ustat)
{
    struct stat st;
    int ret = vfs_getattr(inode, &st);

    if (ret < 0)
        return ret;
    return copy_to_user(ustat, &st, sizeof(st));
}

DEFINE_SYSCALL4(newfstatat, int, dirfd, const char *, upath, struct stat *, ustat, int, flags)
{
    struct inode *inode;
    char *path;
    int ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    ret = vfs_walk_at(dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW,
                      (flags & AT_EMPTY_PATH) != 0, &inode);
    kfree(path);
    if (ret < 0)
        return ret;
    ret = stat_to_user(inode, ustat);
    inode_put(inode);
    return ret;
}

DEFINE_SYSCALL2(stat, const char *, upath, struct stat *, ustat)
{
    return sys_newfstatat(AT_FDCWD, (long)upath, (long)ustat, 0, 0, 0);
}

DEFINE_SYSCALL2(lstat, const char *, upath, struct stat *, ustat)
{
    return sys_newfstatat(AT_FDCWD, (long)upath, (long)ustat, AT_SYMLINK_NOFOLLOW, 0, 0);
}

DEFINE_SYSCALL2(fstat, int, fd, struct stat *, ustat)
{
    struct file *f = fd_lookup_file(fd);
    int ret;

    if (!f)
        return -EBADF;
    ret = stat_to_user(f->inode, ustat);
    file_put(f);
    return ret;
}

DEFINE_SYSCALL4(readlinkat, int, dirfd, const char *, upath, char *, ubuf, int, bufsiz)
{
    struct inode *inode;
    char *path, *target;
    long n;
    int ret;

    if (bufsiz <= 0)
        return -EINVAL;
    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    /* An empty path names dirfd itself (a symlink opened with O_PATH|O_NOFOLLOW). */
    ret = vfs_walk_at(dirfd, path, 0, true, &inode);
    if (ret == 0 && path[0] == '\0' && !S_ISLNK(inode->mode)) {
        inode_put(inode);
        ret = -ENOENT;
    }
    kfree(path);
    if (ret < 0)
        return ret;
    ret = -EINVAL;
    if (!S_ISLNK(inode->mode) || !inode->iops->readlink)
        goto out_put;
    ret = -ENOMEM;
    target = kmalloc(PATH_MAX);
    if (!target)
        goto out_put;
    n = inode->iops->readlink(inode, target, PATH_MAX);
    if (n >= 0) {
        n = MIN(n, (long)PATH_MAX);
        n = MIN(n, (long)bufsiz);
        if (copy_to_user(ubuf, target, (size_t)n) < 0)
            n = -EFAULT;
    }
    ret = (int)n;
    kfree(target);
out_put:
    inode_put(inode);
    return ret;
}

DEFINE_SYSCALL3(readlink, const char *, upath, char *, ubuf, int, bufsiz)
{
    return sys_readlinkat(AT_FDCWD, (long)upath, (long)ubuf, bufsiz, 0, 0);
}

static long do_faccessat(int dirfd, const char *upath, int amode, int flags)
{
    struct inode *inode;
    char *path;
    int ret;

    if (amode & ~(R_OK | W_OK | X_OK))
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    ret = vfs_walk_at(dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW,
                      (flags & AT_EMPTY_PATH) != 0, &inode);
    kfree(path);
    if (ret < 0)
        return ret;
    /* The real and effective ids are the same in the LibOS: AT_EACCESS changes nothing. */
    ret = vfs_permission(inode, amode);
    if (ret == 0 && (amode & W_OK) && inode->sb && inode->sb->readonly &&
        (S_ISREG(inode->mode) || S_ISDIR(inode->mode) || S_ISLNK(inode->mode)))
        ret = -EROFS;
    inode_put(inode);
    return ret;
}

DEFINE_SYSCALL3(faccessat, int, dirfd, const char *, upath, int, amode)
{
    return do_faccessat(dirfd, upath, amode, 0);
}

DEFINE_SYSCALL4(faccessat2, int, dirfd, const char *, upath, int, amode, int, flags)
{
    return do_faccessat(dirfd, upath, amode, flags);
}

DEFINE_SYSCALL2(access, const char *, upath, int, amode)
{
    return sys_faccessat(AT_FDCWD, (long)upath, amode, 0, 0, 0);
}

DEFINE_SYSCALL2(getcwd, char *, ubuf, size_t, size)
{
    struct fs_context *fs = current_fs_context();
    char *kbuf = kmalloc(PATH_MAX);
    size_t len;
    long ret;

    if (!kbuf)
        return -ENOMEM;
    spin_lock(&fs->lock);
    len = strnlen(fs->cwd_path, PATH_MAX - 1);
    memcpy(kbuf, fs->cwd_path, len);
    spin_unlock(&fs->lock);
    kbuf[len] = '\0';
    if (size < len + 1)
        ret = -ERANGE;
    else
        ret = copy_to_user(ubuf, kbuf, len + 1) ?: (long)(len + 1);
    kfree(kbuf);
    return ret;
}

DEFINE_SYSCALL1(umask, mode_t, mask)
{
    return __atomic_exchange_n(&current_fs_context()->umask, mask & 0777, __ATOMIC_RELAXED);
}

/* getdents64: packs entries into a kernel buffer, then one copy to the guest. */
struct dirent_buf {
    char *buf;
    size_t cap, used;
    bool full; /* an entry did not fit */
};

#define DIRENT_HDR offsetof(struct linux_dirent64, d_name)

static bool dirent_emit(void *ctx, const char *name, size_t name_len, uint64_t ino,
                        unsigned int type, uint64_t pos)
{
    struct dirent_buf *db = ctx;
    size_t reclen = ALIGN_UP(DIRENT_HDR + name_len + 1, 8);
    struct linux_dirent64 de;

    if (reclen > db->cap - db->used) {
        db->full = true;
        return false;
    }
    memset(db->buf + db->used, 0, reclen);
    memset(&de, 0, sizeof(de));
    de.d_ino = ino;
    de.d_off = (int64_t)pos;
    de.d_reclen = (uint16_t)reclen;
    de.d_type = (uint8_t)type;
    memcpy(db->buf + db->used, &de, DIRENT_HDR);
    memcpy(db->buf + db->used + DIRENT_HDR, name, name_len);
    db->used += reclen;
    return true;
}

DEFINE_SYSCALL3(getdents64, int, fd, void *, udirp, unsigned int, count)
{
    struct dirent_buf db = {0};
    struct file *f = fd_lookup_file(fd);
    uint64_t pos;
    long ret;

    if (!f)
        return -EBADF;
    ret = -EBADF;
    if (f->flags & O_PATH)
        goto out_put;
    ret = -ENOTDIR;
    if (!S_ISDIR(f->inode->mode) || !f->inode->iops->iterate)
        goto out_put;
    db.cap = MIN((size_t)count, (size_t)(64 * 1024));
    ret = -ENOMEM;
    db.buf = kmalloc(db.cap ? db.cap : 1);
    if (!db.buf)
        goto out_put;
    spin_lock(&f->pos_lock);
    pos = f->pos;
    spin_unlock(&f->pos_lock);
    ret = f->inode->iops->iterate(f->inode, &pos, dirent_emit, &db);
    if (ret < 0)
        goto out_free;
    if (db.used == 0) {
        /* Nothing fit: the end of the directory, or a buffer too small for one entry. */
        ret = db.full ? -EINVAL : 0;
        goto out_free;
    }
    ret = copy_to_user(udirp, db.buf, db.used);
    if (ret == 0) {
        spin_lock(&f->pos_lock);
        f->pos = pos;
        spin_unlock(&f->pos_lock);
        ret = (long)db.used;
    }
out_free:
    kfree(db.buf);
out_put:
    file_put(f);
    return ret;
}
