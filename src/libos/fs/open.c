/*
 * Opening files: vfs_openat, vfs_openat_mode (fs/vfs.h), vfs_open_kernel (fs/fs.h), with
 * O_CREAT/O_EXCL (the existence check and the creation are one file-system op, which
 * answers -EEXIST to the loser of a race), O_TRUNC, O_TMPFILE and O_PATH, and the
 * permission checks of open(2). (The mount table and vfs_init are in fs/mount.c.)
 */
#include "fs/vfs.h"
#include "ipc/pipe.h"
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

/* Flags kept in the open file (F_GETFL); the others act at open time only. */
#define OPEN_TIME_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC | (O_TMPFILE & ~O_DIRECTORY))

int vfs_copy_path(const char *upath, char **out)
{
    char *path = kmalloc(PATH_MAX);
    long n;

    if (!path)
        return -ENOMEM;
    n = strncpy_from_user(path, upath, PATH_MAX);
    if (n < 0) {
        kfree(path);
        return (int)n;
    }
    *out = path;
    return 0;
}

/* A copy of a canonical path of exactly its length (the walk's buffer is PATH_MAX). */
static char *shrink_path(char *canon)
{
    size_t len;
    char *p;

    if (!canon)
        return NULL;
    len = strlen(canon);
    p = kmalloc(len + 1);
    if (p)
        memcpy(p, canon, len + 1);
    kfree(canon);
    return p;
}

static int refuse_write(struct inode *dir)
{
    return dir->sb && dir->sb->readonly ? -EROFS : -EPERM;
}

/* O_TMPFILE: an unnamed regular file in the directory `path`. */
static int open_tmpfile(int dirfd, const char *path, int flags, uint32_t mode,
                        struct inode **out)
{
    struct inode *dir;
    struct iattr attr;
    int ret;

    if ((flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL;
    ret = vfs_walk_at(dirfd, path, WALK_FOLLOW | WALK_DIRECTORY, false, &dir);
    if (ret < 0)
        return ret;
    ret = vfs_permission(dir, W_OK | X_OK);
    if (ret == 0 && dir->sb->readonly)
        ret = -EROFS;
    if (ret == 0 && !dir->iops->tmpfile) {
        log_info("O_TMPFILE: not supported by this file system");
        ret = -EOPNOTSUPP;
    }
    if (ret == 0) {
        vfs_new_attr(&attr);
        ret = dir->iops->tmpfile(dir, mode, &attr, out);
    }
    inode_put(dir);
    return ret;
}

/*
 * A dangling symlink `link` (found as the last component of `path`) names a file to create:
 * its target, taken relative to the link's directory (the directory part of `path`). Returns
 * the new path (kmalloc'd) in *next, or -errno (-ENOENT for links that are not paths).
 */
static int follow_for_create(struct inode *link, const char *path, char **next)
{
    if (!link->iops->readlink || link->iops->get_link)
        return -ENOENT;
    char *target = kmalloc(PATH_MAX);
    if (!target)
        return -ENOMEM;
    long n = link->iops->readlink(link, target, PATH_MAX - 1);
    int ret = n <= 0 ? (n < 0 ? (int)n : -ENOENT) : 0;
    const char *slash = strrchr(path, '/');
    size_t dir_len = ret < 0 || target[0] == '/' || !slash ? 0 : (size_t)(slash - path) + 1;
    if (ret == 0 && dir_len + (size_t)n >= PATH_MAX)
        ret = -ENAMETOOLONG;
    if (ret == 0 && !(*next = kmalloc(dir_len + (size_t)n + 1)))
        ret = -ENOMEM;
    if (ret == 0) {
        memcpy(*next, path, dir_len);
        memcpy(*next + dir_len, target, (size_t)n);
        (*next)[dir_len + (size_t)n] = '\0';
    }
    kfree(target);
    return ret;
}

/* O_CREAT: finds or creates the last component. *created tells which. */
static int open_create(int dirfd, const char *path, int flags, uint32_t mode,
                       struct inode **out, bool *created)
{
    struct walk_parent wp;
    struct inode *inode;
    struct iattr attr;
    int ret, tries, links = 0;
    char *followed = NULL; /* the path of a dangling symlink's target, being created */

    *created = false;
again:
    ret = vfs_walk_parent_at(dirfd, path, &wp);
    if (ret < 0)
        return ret;
    if (wp.flags & (PARENT_DOT | PARENT_SLASH)) {
        ret = -EISDIR;
        goto out;
    }
    for (tries = 0; tries < 2; tries++) {
        ret = vfs_lookup_one(wp.dir, wp.name, wp.name_len, &inode);
        if (ret == 0) {
            if (flags & O_EXCL) {
                inode_put(inode);
                ret = -EEXIST;
            } else if (S_ISLNK(inode->mode)) {
                /* An existing symlink: open what it names, as without O_CREAT; if it names
                 * nothing, create that, as Linux does (MAXSYMLINKS links at most). */
                ret = vfs_walk_at(dirfd, path, (flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW, false,
                                  out);
                char *next = NULL;
                if (ret == -ENOENT && !(flags & O_NOFOLLOW) && ++links <= 40)
                    ret = follow_for_create(inode, path, &next);
                else if (ret == -ENOENT && !(flags & O_NOFOLLOW))
                    ret = -ELOOP;
                inode_put(inode);
                if (next) {
                    inode_put(wp.dir);
                    kfree(followed);
                    path = followed = next;
                    goto again;
                }
            } else {
                *out = inode;
            }
            goto out;
        }
        if (ret != -ENOENT)
            goto out;
        ret = vfs_permission(wp.dir, W_OK | X_OK);
        if (ret < 0)
            goto out;
        if (wp.dir->sb->readonly || !wp.dir->iops->create) {
            ret = refuse_write(wp.dir);
            goto out;
        }
        vfs_new_attr(&attr);
        ret = wp.dir->iops->create(wp.dir, wp.name, wp.name_len, S_IFREG | (mode & 07777), 0,
                                   &attr, out);
        if (ret != -EEXIST) {
            *created = ret == 0;
            goto out;
        }
        /* Created by someone else meanwhile: O_EXCL fails, otherwise open theirs. */
    }
out:
    inode_put(wp.dir);
    kfree(followed);
    return ret;
}

int vfs_openat_mode(int dirfd, const char *path, int flags, uint32_t mode, struct file **out)
{
    int acc = flags & O_ACCMODE, walk_flags = 0;
    uint32_t umask = current_fs_context() ? current_fs_context()->umask : 022;
    struct inode *inode;
    struct file *f;
    char *canon = NULL;
    bool created = false;
    int ret;

    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if (acc == O_ACCMODE && !(flags & O_PATH))
        return -EINVAL;
    mode &= ~umask & 07777;
    if ((flags & O_TMPFILE) == O_TMPFILE) {
        ret = open_tmpfile(dirfd, path, flags, mode, &inode);
        if (ret < 0)
            return ret;
        created = true;
        flags &= ~O_DIRECTORY;
    } else if (flags & O_CREAT) {
        ret = open_create(dirfd, path, flags, mode, &inode, &created);
        if (ret < 0)
            return ret;
    } else {
        if (!(flags & O_NOFOLLOW))
            walk_flags |= WALK_FOLLOW;
        if (flags & O_DIRECTORY)
            walk_flags |= WALK_DIRECTORY;
        ret = vfs_walk_at_path(dirfd, path, walk_flags, false, &inode, &canon);
        if (ret < 0)
            return ret;
        canon = shrink_path(canon);
    }

    if (!(flags & O_PATH)) {
        ret = -ELOOP;
        if (S_ISLNK(inode->mode))
            goto out_put;
        ret = -ENOTDIR;
        if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
            goto out_put;
        ret = -EISDIR;
        if (S_ISDIR(inode->mode) && (acc != O_RDONLY || (flags & O_CREAT)))
            goto out_put;
        ret = -EROFS;
        if (inode->sb && inode->sb->readonly &&
            (acc != O_RDONLY || ((flags & O_TRUNC) && S_ISREG(inode->mode))))
            goto out_put;
        if (!created) {
            int mask = (acc != O_WRONLY ? R_OK : 0) | (acc != O_RDONLY ? W_OK : 0) |
                       ((flags & O_TRUNC) ? W_OK : 0);

            ret = vfs_permission(inode, mask);
            if (ret < 0)
                goto out_put;
        }
        if (S_ISFIFO(inode->mode)) {
            /* A named pipe: its ends come from ipc/pipe.c, whatever fs holds the node. */
            ret = fifo_open(inode, (unsigned int)((flags & ~OPEN_TIME_FLAGS) | O_LARGEFILE), &f);
            if (ret < 0)
                goto out_put;
            f->path = canon;
            canon = NULL;
            *out = f;
            goto out_put;
        }
        ret = -ENXIO;
        if (!inode->fops) {
            /* Sockets and device nodes outside devfs. */
            log_info("open of a special file (mode %#o) is not served", inode->mode);
            goto out_put;
        }
        if ((flags & O_TRUNC) && S_ISREG(inode->mode) && !created &&
            __atomic_load_n(&inode->size, __ATOMIC_RELAXED) != 0) {
            struct iattr a = {.valid = ATTR_SIZE | ATTR_MTIME, .size = 0};

            current_time(&a.mtime);
            ret = inode->iops->setattr ? inode->iops->setattr(inode, &a) : -EROFS;
            if (ret < 0)
                goto out_put;
        }
    }
    ret = -ENOMEM;
    f = file_alloc(inode, (unsigned int)((flags & ~OPEN_TIME_FLAGS) | O_LARGEFILE));
    if (!f)
        goto out_put;
    f->path = canon;
    canon = NULL;
    *out = f;
    ret = 0;
out_put:
    kfree(canon);
    inode_put(inode);
    return ret;
}

int vfs_openat(int dirfd, const char *path, int flags, struct file **out)
{
    return vfs_openat_mode(dirfd, path, flags, 0666, out);
}

int vfs_open_kernel(const char *path, int flags, struct file **out)
{
    return vfs_openat(AT_FDCWD, path, flags, out);
}
