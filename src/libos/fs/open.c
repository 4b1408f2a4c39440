/*
 * Opening files and mounting the tree: vfs_init, vfs_openat (fs/vfs.h), vfs_open_kernel.
 * For now the tree is the image alone, mounted at /; the mount table comes with the full VFS.
 */
#include "fs/vfs.h"
#include "fs/imagefs/imagefs.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

/* Flags kept in the open file (F_GETFL); the others act at open time only. */
#define OPEN_TIME_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)

int vfs_init(int image_host_fd)
{
    struct super_block *sb;
    int ret;

    ret = imagefs_mount(image_host_fd, &sb);
    if (ret < 0)
        return ret;
    inode_get(sb->root);
    vfs_root = sb->root;
    return 0;
}

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

/* For O_CREAT of a missing file: the error Linux gives, which depends on the parent. */
static int create_error(int dirfd, const char *path)
{
    size_t len = strlen(path);
    struct inode *parent;
    char *dir;
    int ret;

    if (path[0] == '\0')
        return -ENOENT;
    while (len > 0 && path[len - 1] != '/')
        len--;
    /* The directory part ("." for a bare name), which must exist. */
    dir = kmalloc(len + 2);
    if (!dir)
        return -ENOMEM;
    memcpy(dir, path, len);
    dir[len] = '\0';
    if (len == 0)
        memcpy(dir, ".", 2);
    ret = vfs_walk_at(dirfd, dir, WALK_FOLLOW | WALK_DIRECTORY, false, &parent);
    kfree(dir);
    if (ret < 0)
        return ret;
    ret = parent->sb && parent->sb->readonly ? -EROFS : -ENOSYS;
    if (ret == -ENOSYS)
        log_warn("creating files is not served yet");
    inode_put(parent);
    return ret;
}

int vfs_openat(int dirfd, const char *path, int flags, struct file **out)
{
    int acc = flags & O_ACCMODE, walk_flags = 0;
    struct inode *inode;
    struct file *f;
    size_t len = strlen(path);
    int ret;

    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & (O_TMPFILE & ~O_DIRECTORY)) || acc == O_ACCMODE) {
        if (flags & (O_TMPFILE & ~O_DIRECTORY))
            log_warn("O_TMPFILE is not served yet");
        return (flags & (O_TMPFILE & ~O_DIRECTORY)) ? -EOPNOTSUPP : -EINVAL;
    }
    if (!(flags & O_NOFOLLOW))
        walk_flags |= WALK_FOLLOW;
    if (flags & O_DIRECTORY)
        walk_flags |= WALK_DIRECTORY;
    if ((flags & O_CREAT) && len > 0 && path[len - 1] == '/')
        return -EISDIR;

    ret = vfs_walk_at(dirfd, path, walk_flags, false, &inode);
    if (ret == -ENOENT && (flags & O_CREAT))
        return create_error(dirfd, path);
    if (ret < 0)
        return ret;

    ret = -EEXIST;
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        goto out_put;
    if (!(flags & O_PATH)) {
        ret = -ELOOP;
        if (S_ISLNK(inode->mode))
            goto out_put;
        ret = -EISDIR;
        if (S_ISDIR(inode->mode) && (acc != O_RDONLY || (flags & O_CREAT)))
            goto out_put;
        ret = -EROFS;
        if (inode->sb && inode->sb->readonly &&
            (acc != O_RDONLY || ((flags & O_TRUNC) && S_ISREG(inode->mode))))
            goto out_put;
    }
    ret = -ENOMEM;
    f = file_alloc(inode, (unsigned int)((flags & ~OPEN_TIME_FLAGS) | O_LARGEFILE));
    if (!f)
        goto out_put;
    *out = f;
    ret = 0;
out_put:
    inode_put(inode);
    return ret;
}

int vfs_open_kernel(const char *path, int flags, struct file **out)
{
    return vfs_openat(AT_FDCWD, path, flags, out);
}
