/*
 * Extended attributes: the get/list/set/remove families on paths, links and fds.
 *
 * No file system of the LibOS stores extended attributes yet. The calls therefore answer as
 * Linux does for a file that has none on a file system that keeps them in memory: the file
 * must exist (path errors as for stat), a get is -ENODATA, a list is empty, a remove is
 * -ENODATA, and a set is -EOPNOTSUPP (logged once), since nothing could hold the value.
 */
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/uaccess.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536

/* Checks that the path (or fd) names a file, following links unless `nofollow`. */
static long xattr_target(int fd, const char *upath, bool nofollow)
{
    if (!upath) {
        struct file *f = fd_lookup_file(fd);
        if (!f)
            return -EBADF;
        file_put(f);
        return 0;
    }
    char *path;
    long rc = vfs_copy_path(upath, &path);
    if (rc < 0)
        return rc;
    struct inode *inode;
    rc = vfs_walk_at(AT_FDCWD, path, nofollow ? 0 : WALK_FOLLOW, false, &inode);
    kfree(path);
    if (rc < 0)
        return rc;
    inode_put(inode);
    return 0;
}

/* The attribute's name: 1..XATTR_NAME_MAX bytes, else -ERANGE (as Linux). */
static long xattr_name(const char *uname)
{
    char name[XATTR_NAME_MAX + 1];
    long n = strncpy_from_user(name, uname, sizeof(name));
    if (n == -EFAULT)
        return -EFAULT;
    if (n <= 0)
        return -ERANGE;
    return 0;
}

static long do_getxattr(int fd, const char *upath, bool nofollow, const char *uname)
{
    long rc = xattr_target(fd, upath, nofollow);
    if (!rc)
        rc = xattr_name(uname);
    return rc ? rc : -ENODATA;
}

static long do_listxattr(int fd, const char *upath, bool nofollow)
{
    long rc = xattr_target(fd, upath, nofollow);
    return rc ? rc : 0; /* an empty list */
}

static long do_setxattr(int fd, const char *upath, bool nofollow, const char *uname,
                        size_t size, int flags)
{
    if (flags & ~3 /* XATTR_CREATE | XATTR_REPLACE */)
        return -EINVAL;
    if (size > XATTR_SIZE_MAX)
        return -E2BIG;
    long rc = xattr_target(fd, upath, nofollow);
    if (!rc)
        rc = xattr_name(uname);
    if (rc)
        return rc;
    if (flags & 2 /* XATTR_REPLACE */)
        return -ENODATA;
    log_warn("setxattr: extended attributes are not stored yet");
    return -EOPNOTSUPP;
}

static long do_removexattr(int fd, const char *upath, bool nofollow, const char *uname)
{
    long rc = xattr_target(fd, upath, nofollow);
    if (!rc)
        rc = xattr_name(uname);
    return rc ? rc : -ENODATA;
}

DEFINE_SYSCALL4(getxattr, const char *, upath, const char *, uname, void *, uvalue,
                size_t, size)
{
    return do_getxattr(-1, upath, false, uname);
}

DEFINE_SYSCALL4(lgetxattr, const char *, upath, const char *, uname, void *, uvalue,
                size_t, size)
{
    return do_getxattr(-1, upath, true, uname);
}

DEFINE_SYSCALL4(fgetxattr, int, fd, const char *, uname, void *, uvalue, size_t, size)
{
    return do_getxattr(fd, NULL, false, uname);
}

DEFINE_SYSCALL3(listxattr, const char *, upath, char *, ulist, size_t, size)
{
    return do_listxattr(-1, upath, false);
}

DEFINE_SYSCALL3(llistxattr, const char *, upath, char *, ulist, size_t, size)
{
    return do_listxattr(-1, upath, true);
}

DEFINE_SYSCALL3(flistxattr, int, fd, char *, ulist, size_t, size)
{
    return do_listxattr(fd, NULL, false);
}

DEFINE_SYSCALL5(setxattr, const char *, upath, const char *, uname, const void *, uvalue,
                size_t, size, int, flags)
{
    return do_setxattr(-1, upath, false, uname, size, flags);
}

DEFINE_SYSCALL5(lsetxattr, const char *, upath, const char *, uname, const void *, uvalue,
                size_t, size, int, flags)
{
    return do_setxattr(-1, upath, true, uname, size, flags);
}

DEFINE_SYSCALL5(fsetxattr, int, fd, const char *, uname, const void *, uvalue, size_t, size,
                int, flags)
{
    return do_setxattr(fd, NULL, false, uname, size, flags);
}

DEFINE_SYSCALL2(removexattr, const char *, upath, const char *, uname)
{
    return do_removexattr(-1, upath, false, uname);
}

DEFINE_SYSCALL2(lremovexattr, const char *, upath, const char *, uname)
{
    return do_removexattr(-1, upath, true, uname);
}

DEFINE_SYSCALL2(fremovexattr, int, fd, const char *, uname)
{
    return do_removexattr(fd, NULL, false, uname);
}
