/*
 * System calls that change names: mkdir(at), mknod(at), unlink(at), rmdir, rename(at, at2),
 * link(at), symlink(at); and chdir/fchdir.
 *
 * Each resolves the parent of the last component (vfs_walk_parent_at), checks in Linux's
 * order what Linux checks (the last component's form, existence, mount points -EBUSY,
 * cross-mount -EXDEV, permission on the parent, a read-only file system -EROFS), then calls
 * one file-system op, which re-checks existence itself (two racing creators: one -EEXIST).
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

static int refuse(struct inode *dir)
{
    return dir->sb && dir->sb->readonly ? -EROFS : -EPERM;
}

/* Checks that a name may be added to or removed from dir: W|X permission, writable. */
static int may_change(struct inode *dir)
{
    int ret = vfs_permission(dir, W_OK | X_OK);

    if (ret < 0)
        return ret;
    return dir->sb && dir->sb->readonly ? -EROFS : 0;
}

static uint32_t umask_now(void)
{
    return __atomic_load_n(&current_fs_context()->umask, __ATOMIC_RELAXED);
}

/* Common start of the creating calls: the parent, with the name checked absent. */
static int parent_for_create(int dirfd, const char *path, struct walk_parent *wp, bool dir_ok)
{
    struct inode *x;
    int ret = vfs_walk_parent_at(dirfd, path, wp);

    if (ret < 0)
        return ret;
    ret = -EEXIST;
    if (wp->flags & PARENT_DOT)
        goto fail;
    ret = vfs_lookup_one(wp->dir, wp->name, wp->name_len, &x);
    if (ret == 0) {
        inode_put(x);
        ret = -EEXIST;
        goto fail;
    }
    if (ret != -ENOENT)
        goto fail;
    ret = -ENOENT;
    if ((wp->flags & PARENT_SLASH) && !dir_ok)
        goto fail;
    ret = may_change(wp->dir);
    if (ret < 0)
        goto fail;
    return 0;
fail:
    inode_put(wp->dir);
    wp->dir = NULL;
    return ret;
}

static long do_mknod(int dirfd, const char *upath, uint32_t mode, uint64_t dev)
{
    uint32_t type = mode & S_IFMT;
    struct walk_parent wp;
    struct inode *inode;
    struct iattr attr;
    char *path;
    int ret;

    if (type == 0)
        type = S_IFREG;
    if (type == S_IFDIR || (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK &&
                            type != S_IFCHR && type != S_IFBLK))
        return type == S_IFDIR ? -EPERM : -EINVAL;
    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    ret = parent_for_create(dirfd, path, &wp, type == S_IFDIR);
    if (ret < 0)
        goto out;
    if (!wp.dir->iops->create) {
        ret = refuse(wp.dir);
    } else {
        vfs_new_attr(&attr);
        ret = wp.dir->iops->create(wp.dir, wp.name, wp.name_len,
                                   type | (mode & ~umask_now() & 07777),
                                   (type == S_IFCHR || type == S_IFBLK) ? dev : 0, &attr,
                                   &inode);
        if (ret == 0)
            inode_put(inode);
    }
    inode_put(wp.dir);
out:
    kfree(path);
    return ret;
}

DEFINE_SYSCALL4(mknodat, int, dirfd, const char *, upath, mode_t, mode, unsigned int, dev)
{
    return do_mknod(dirfd, upath, mode, dev);
}

DEFINE_SYSCALL3(mknod, const char *, upath, mode_t, mode, unsigned int, dev)
{
    return do_mknod(AT_FDCWD, upath, mode, dev);
}

DEFINE_SYSCALL3(mkdirat, int, dirfd, const char *, upath, mode_t, mode)
{
    struct walk_parent wp;
    struct inode *inode;
    struct iattr attr;
    char *path;
    int ret;

    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    ret = parent_for_create(dirfd, path, &wp, true);
    if (ret < 0)
        goto out;
    if (!wp.dir->iops->create) {
        ret = refuse(wp.dir);
    } else {
        vfs_new_attr(&attr);
        ret = wp.dir->iops->create(wp.dir, wp.name, wp.name_len,
                                   S_IFDIR | (mode & ~umask_now() & 07777), 0, &attr, &inode);
        if (ret == 0)
            inode_put(inode);
    }
    inode_put(wp.dir);
out:
    kfree(path);
    return ret;
}

DEFINE_SYSCALL2(mkdir, const char *, upath, mode_t, mode)
{
    return sys_mkdirat(AT_FDCWD, (long)upath, mode, 0, 0, 0);
}

static long do_remove(int dirfd, const char *upath, bool is_rmdir)
{
    struct walk_parent wp;
    struct inode *victim;
    char *path;
    int ret;

    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    ret = vfs_walk_parent_at(dirfd, path, &wp);
    if (ret < 0)
        goto out;
    if (wp.flags & PARENT_DOT) {
        /* Linux: rmdir "." -EINVAL, rmdir ".." -ENOTEMPTY, unlink of either -EISDIR. */
        ret = !is_rmdir ? -EISDIR : wp.name_len == 1 ? -EINVAL : -ENOTEMPTY;
        goto out_put;
    }
    ret = vfs_lookup_one(wp.dir, wp.name, wp.name_len, &victim);
    if (ret < 0)
        goto out_put;
    if (is_rmdir && !S_ISDIR(victim->mode))
        ret = -ENOTDIR;
    else if (!is_rmdir && S_ISDIR(victim->mode))
        ret = -EISDIR;
    else if (!is_rmdir && (wp.flags & PARENT_SLASH))
        ret = -ENOTDIR;
    else if (vfs_is_mount_boundary(victim))
        ret = -EBUSY;
    else
        ret = may_change(wp.dir);
    inode_put(victim);
    if (ret < 0)
        goto out_put;
    if (is_rmdir)
        ret = wp.dir->iops->rmdir ? wp.dir->iops->rmdir(wp.dir, wp.name, wp.name_len)
                                  : refuse(wp.dir);
    else
        ret = wp.dir->iops->unlink ? wp.dir->iops->unlink(wp.dir, wp.name, wp.name_len)
                                   : refuse(wp.dir);
out_put:
    inode_put(wp.dir);
out:
    kfree(path);
    return ret;
}

DEFINE_SYSCALL3(unlinkat, int, dirfd, const char *, upath, int, flags)
{
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    return do_remove(dirfd, upath, (flags & AT_REMOVEDIR) != 0);
}

DEFINE_SYSCALL1(unlink, const char *, upath)
{
    return do_remove(AT_FDCWD, upath, false);
}

DEFINE_SYSCALL1(rmdir, const char *, upath)
{
    return do_remove(AT_FDCWD, upath, true);
}

/* True if `dir` is `anc` or lies below it (same file system; walks up with parent). */
static bool is_below(struct inode *dir, struct inode *anc)
{
    struct inode *cur = dir, *up;
    int depth;

    inode_get(cur);
    for (depth = 0; depth < 4096; depth++) {
        if (inode_same(cur, anc)) {
            inode_put(cur);
            return true;
        }
        if (cur == cur->sb->root || !cur->iops->parent || cur->iops->parent(cur, &up) < 0)
            break;
        if (up == cur) {
            inode_put(up);
            break;
        }
        inode_put(cur);
        cur = up;
    }
    inode_put(cur);
    return false;
}

static long do_rename(int odfd, const char *uold, int ndfd, const char *unew, unsigned int flags)
{
    struct walk_parent op = {0}, np = {0};
    struct inode *src = NULL, *dst = NULL;
    char *oldp = NULL, *newp = NULL;
    int ret;

    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return -EINVAL; /* overlayfs's own flag: not served */
    ret = vfs_copy_path(uold, &oldp);
    if (ret == 0)
        ret = vfs_copy_path(unew, &newp);
    if (ret < 0)
        goto out;
    ret = vfs_walk_parent_at(odfd, oldp, &op);
    if (ret < 0)
        goto out;
    ret = vfs_walk_parent_at(ndfd, newp, &np);
    if (ret < 0)
        goto out;
    ret = -EBUSY;
    if ((op.flags | np.flags) & PARENT_DOT)
        goto out;
    ret = vfs_lookup_one(op.dir, op.name, op.name_len, &src);
    if (ret < 0)
        goto out;
    ret = vfs_lookup_one(np.dir, np.name, np.name_len, &dst);
    if (ret == -ENOENT) {
        dst = NULL;
        ret = (flags & RENAME_EXCHANGE) ? -ENOENT : 0;
    }
    if (ret < 0)
        goto out;
    ret = -EXDEV;
    if (op.dir->sb != np.dir->sb)
        goto out;
    ret = -EEXIST;
    if (dst && (flags & RENAME_NOREPLACE))
        goto out;
    ret = -ENOTDIR;
    if (!S_ISDIR(src->mode) && (op.flags & PARENT_SLASH))
        goto out;
    if (!S_ISDIR(src->mode) && (np.flags & PARENT_SLASH) && !(dst && S_ISDIR(dst->mode)))
        goto out;
    ret = -EBUSY;
    if (vfs_is_mount_boundary(src) || (dst && vfs_is_mount_boundary(dst)))
        goto out;
    if (dst && inode_same(src, dst) && !(flags & RENAME_EXCHANGE)) {
        ret = 0; /* two names of one file (or the same name): nothing to do */
        goto out;
    }
    if (dst && !(flags & RENAME_EXCHANGE)) {
        ret = S_ISDIR(src->mode) && !S_ISDIR(dst->mode)   ? -ENOTDIR
              : !S_ISDIR(src->mode) && S_ISDIR(dst->mode) ? -EISDIR
                                                           : 0;
        if (ret < 0)
            goto out;
    }
    /* A directory cannot move below itself. */
    ret = -EINVAL;
    if (S_ISDIR(src->mode) && is_below(np.dir, src))
        goto out;
    if ((flags & RENAME_EXCHANGE) && S_ISDIR(dst->mode) && is_below(op.dir, dst))
        goto out;
    ret = may_change(op.dir);
    if (ret == 0)
        ret = may_change(np.dir);
    if (ret < 0)
        goto out;
    ret = op.dir->iops->rename ? op.dir->iops->rename(op.dir, op.name, op.name_len, np.dir,
                                                       np.name, np.name_len, flags)
                               : refuse(op.dir);
out:
    inode_put(src);
    inode_put(dst);
    inode_put(op.dir);
    inode_put(np.dir);
    kfree(oldp);
    kfree(newp);
    return ret;
}

DEFINE_SYSCALL5(renameat2, int, odfd, const char *, uold, int, ndfd, const char *, unew,
                unsigned int, flags)
{
    return do_rename(odfd, uold, ndfd, unew, flags);
}

DEFINE_SYSCALL4(renameat, int, odfd, const char *, uold, int, ndfd, const char *, unew)
{
    return do_rename(odfd, uold, ndfd, unew, 0);
}

DEFINE_SYSCALL2(rename, const char *, uold, const char *, unew)
{
    return do_rename(AT_FDCWD, uold, AT_FDCWD, unew, 0);
}

DEFINE_SYSCALL5(linkat, int, odfd, const char *, uold, int, ndfd, const char *, unew, int,
                flags)
{
    struct walk_parent np = {0};
    struct inode *inode = NULL;
    char *oldp = NULL, *newp = NULL;
    int ret;

    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    ret = vfs_copy_path(uold, &oldp);
    if (ret == 0)
        ret = vfs_copy_path(unew, &newp);
    if (ret < 0)
        goto out;
    ret = vfs_walk_at(odfd, oldp, (flags & AT_SYMLINK_FOLLOW) ? WALK_FOLLOW : 0,
                      (flags & AT_EMPTY_PATH) != 0, &inode);
    if (ret < 0)
        goto out;
    ret = -EPERM;
    if (S_ISDIR(inode->mode))
        goto out;
    ret = parent_for_create(ndfd, newp, &np, false);
    if (ret < 0)
        goto out;
    ret = -EXDEV;
    if (np.dir->sb != inode->sb)
        goto out;
    ret = np.dir->iops->link ? np.dir->iops->link(np.dir, np.name, np.name_len, inode)
                             : refuse(np.dir);
out:
    inode_put(inode);
    inode_put(np.dir);
    kfree(oldp);
    kfree(newp);
    return ret;
}

DEFINE_SYSCALL2(link, const char *, uold, const char *, unew)
{
    return sys_linkat(AT_FDCWD, (long)uold, AT_FDCWD, (long)unew, 0, 0);
}

DEFINE_SYSCALL3(symlinkat, const char *, utarget, int, dirfd, const char *, upath)
{
    struct walk_parent wp;
    struct inode *inode;
    struct iattr attr;
    char *target, *path = NULL;
    int ret;

    ret = vfs_copy_path(utarget, &target);
    if (ret < 0)
        return ret;
    ret = -ENOENT;
    if (target[0] == '\0')
        goto out;
    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        goto out;
    ret = parent_for_create(dirfd, path, &wp, false);
    if (ret < 0)
        goto out;
    if (!wp.dir->iops->symlink) {
        ret = refuse(wp.dir);
    } else {
        vfs_new_attr(&attr);
        ret = wp.dir->iops->symlink(wp.dir, wp.name, wp.name_len, target, strlen(target),
                                    &attr, &inode);
        if (ret == 0)
            inode_put(inode);
    }
    inode_put(wp.dir);
out:
    kfree(target);
    kfree(path);
    return ret;
}

DEFINE_SYSCALL2(symlink, const char *, utarget, const char *, upath)
{
    return sys_symlinkat((long)utarget, AT_FDCWD, (long)upath, 0, 0, 0);
}

DEFINE_SYSCALL1(chdir, const char *, upath)
{
    struct inode *dir;
    char *path, *canon;
    int ret;

    ret = vfs_copy_path(upath, &path);
    if (ret < 0)
        return ret;
    ret = vfs_walk_at_path(AT_FDCWD, path, WALK_FOLLOW | WALK_DIRECTORY, false, &dir, &canon);
    kfree(path);
    if (ret < 0)
        return ret;
    ret = vfs_permission(dir, X_OK);
    if (ret == 0 && !canon)
        ret = -ENOENT;
    if (ret == 0)
        ret = fs_context_set_cwd(current_fs_context(), dir, canon);
    kfree(canon);
    inode_put(dir);
    return ret;
}

DEFINE_SYSCALL1(fchdir, int, fd)
{
    struct file *f = fd_lookup_file(fd);
    int ret;

    if (!f)
        return -EBADF;
    ret = -ENOTDIR;
    if (S_ISDIR(f->inode->mode))
        ret = vfs_permission(f->inode, X_OK);
    if (ret == 0 && !f->path) {
        log_info("fchdir: the directory's path is not known");
        ret = -ENOENT;
    }
    if (ret == 0)
        ret = fs_context_set_cwd(current_fs_context(), f->inode, f->path);
    file_put(f);
    return ret;
}
