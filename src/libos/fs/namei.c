/*
 * Path walk: path strings to inodes (fs/vfs.h: vfs_walk, vfs_walk_at).
 *
 * Rules (Linux path_resolution(7)): an absolute path starts at vfs_root, a relative one at
 * the start directory; repeated slashes count as one; '.' stays; '..' goes to the parent
 * but never above vfs_root; every component before the last must be a directory (-ENOTDIR)
 * and may be a symlink, which is followed; the last component is followed only with
 * WALK_FOLLOW or a trailing slash; a trailing slash requires a directory. A symlink's target
 * resolves from the directory holding the link (absolute targets from the root). At most
 * MAXSYMLINKS links are followed per walk, in total (-ELOOP). A path of PATH_MAX bytes or
 * more, or a component longer than NAME_MAX, is -ENAMETOOLONG.
 *
 * Each symlink recurses once, so the recursion depth is bounded by MAXSYMLINKS; targets
 * live in the heap, not on the LibOS stack.
 */
#include "fs/vfs.h"
#include "fs/current.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

#define MAXSYMLINKS 40

struct walk_state {
    int links; /* symlinks followed so far */
};

static bool is_dot(const char *name, size_t len)
{
    return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
    return len == 2 && name[0] == '.' && name[1] == '.';
}

static int walk(struct walk_state *w, struct inode *start, const char *path, int flags,
                struct inode **out);

/* Replaces the symlink *inode (found in dir) by what its target names. */
static int follow_link(struct walk_state *w, struct inode *dir, struct inode **inode)
{
    struct inode *link = *inode, *res;
    char *target;
    long n;
    int ret;

    if (++w->links > MAXSYMLINKS)
        return -ELOOP;
    if (!link->iops->readlink)
        return -EIO;
    target = kmalloc(PATH_MAX);
    if (!target)
        return -ENOMEM;
    n = link->iops->readlink(link, target, PATH_MAX - 1);
    if (n < 0) {
        ret = (int)n;
        goto out;
    }
    if (n >= PATH_MAX) {
        ret = -ENAMETOOLONG;
        goto out;
    }
    target[n] = '\0';
    ret = walk(w, dir, target, WALK_FOLLOW, &res);
    if (ret == 0) {
        inode_put(link);
        *inode = res;
    }
out:
    kfree(target);
    return ret;
}

static int walk(struct walk_state *w, struct inode *start, const char *path, int flags,
                struct inode **out)
{
    const char *p = path;
    struct inode *cur, *next;
    int ret;

    if (*p == '\0')
        return -ENOENT;
    cur = *p == '/' ? vfs_root : start;
    inode_get(cur);

    for (;;) {
        const char *name, *rest;
        size_t len;
        bool last, slash;

        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        name = p;
        while (*p && *p != '/')
            p++;
        len = (size_t)(p - name);
        rest = p;
        while (*rest == '/')
            rest++;
        last = *rest == '\0';
        slash = last && rest != p;

        ret = -ENAMETOOLONG;
        if (len > NAME_MAX)
            goto fail;
        ret = -ENOTDIR;
        if (!S_ISDIR(cur->mode))
            goto fail;
        if (is_dot(name, len))
            continue;
        if (is_dotdot(name, len)) {
            if (inode_same(cur, vfs_root))
                continue;
            ret = cur->iops->parent(cur, &next);
        } else {
            ret = cur->iops->lookup(cur, name, len, &next);
        }
        if (ret < 0)
            goto fail;
        if (S_ISLNK(next->mode) && (!last || slash || (flags & WALK_FOLLOW))) {
            ret = follow_link(w, cur, &next);
            if (ret < 0) {
                inode_put(next);
                goto fail;
            }
        }
        inode_put(cur);
        cur = next;
        ret = -ENOTDIR;
        if (slash && !S_ISDIR(cur->mode))
            goto fail;
    }
    ret = -ENOTDIR;
    if ((flags & WALK_DIRECTORY) && !S_ISDIR(cur->mode))
        goto fail;
    *out = cur;
    return 0;

fail:
    inode_put(cur);
    return ret;
}

int vfs_walk(struct inode *start, const char *path, int walk_flags, struct inode **out)
{
    struct walk_state w = {0};

    if (!vfs_root)
        return -ENOENT;
    if (strnlen(path, PATH_MAX) >= PATH_MAX)
        return -ENAMETOOLONG;
    return walk(&w, start ? start : vfs_root, path, walk_flags, out);
}

int vfs_walk_at(int dirfd, const char *path, int walk_flags, bool empty_ok, struct inode **out)
{
    struct file *f = NULL;
    struct inode *start;
    int ret;

    if (!vfs_root)
        return -ENOENT; /* nothing is mounted yet */
    if (path[0] == '/')
        return vfs_walk(NULL, path, walk_flags, out);
    if (dirfd == AT_FDCWD) {
        start = fs_context_cwd(current_fs_context());
    } else {
        f = fd_lookup_file(dirfd);
        if (!f)
            return -EBADF;
        start = f->inode;
        inode_get(start);
        file_put(f);
    }
    if (path[0] == '\0' && empty_ok) {
        /* AT_EMPTY_PATH: the call operates on dirfd itself, whatever it is. */
        if ((walk_flags & WALK_DIRECTORY) && !S_ISDIR(start->mode)) {
            inode_put(start);
            return -ENOTDIR;
        }
        *out = start;
        return 0;
    }
    if (path[0] != '\0' && !S_ISDIR(start->mode))
        ret = -ENOTDIR;
    else
        ret = vfs_walk(start, path, walk_flags, out);
    inode_put(start);
    return ret;
}
