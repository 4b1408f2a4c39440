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
 *
 * Mounts: after each lookup the walk enters a mount mounted on the result
 * (vfs_cross_mount); '..' on a mount's root first steps out to its mount point
 * (vfs_leave_mount), so '..' works across mounts both ways.
 *
 * Canonical paths: when asked (chdir, open for fchdir), the walk keeps the absolute path of
 * where it stands, lexically: a component appends, '..' removes the last one, an absolute
 * symlink target restarts at "/". This is exact because the walk follows the tree it
 * names; it does not see renames made afterwards.
 *
 * Permissions: searching a directory needs X_OK for the current fs uid (vfs_permission).
 */
#include "fs/vfs.h"
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

#define MAXSYMLINKS 40

struct walk_state {
    int links;  /* symlinks followed so far */
    char *path; /* canonical path of where the walk stands (PATH_MAX buffer), or NULL */
    size_t len;
};

static bool is_dot(const char *name, size_t len)
{
    return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
    return len == 2 && name[0] == '.' && name[1] == '.';
}

static void path_reset(struct walk_state *w)
{
    if (w->path) {
        w->path[0] = '/';
        w->path[1] = '\0';
        w->len = 1;
    }
}

static int path_push(struct walk_state *w, const char *name, size_t len)
{
    size_t need;

    if (!w->path)
        return 0;
    need = w->len + (w->len > 1) + len;
    if (need >= PATH_MAX)
        return -ENAMETOOLONG;
    if (w->len > 1)
        w->path[w->len++] = '/';
    memcpy(w->path + w->len, name, len);
    w->len += len;
    w->path[w->len] = '\0';
    return 0;
}

static void path_pop(struct walk_state *w)
{
    if (!w->path || w->len <= 1)
        return;
    while (w->len > 1 && w->path[w->len - 1] != '/')
        w->len--;
    if (w->len > 1)
        w->len--; /* the slash before the component */
    w->path[w->len] = '\0';
}

int vfs_permission(struct inode *inode, int mask)
{
    uint32_t uid, gid, mode = __atomic_load_n(&inode->mode, __ATOMIC_RELAXED), bits;
    struct stat st;
    int ret;

    current_fs_creds(&uid, &gid);
    if (uid == 0) {
        /* Root may do anything but execute a file nobody may execute. */
        if ((mask & X_OK) && !S_ISDIR(mode) && !(mode & 0111))
            return -EACCES;
        return 0;
    }
    ret = vfs_getattr(inode, &st);
    if (ret < 0)
        return ret;
    if (st.st_uid == uid)
        bits = st.st_mode >> 6;
    else if (st.st_gid == gid)
        bits = st.st_mode >> 3;
    else
        bits = st.st_mode;
    return ((int)bits & mask & 7) == (mask & 7) ? 0 : -EACCES;
}

void vfs_new_attr(struct iattr *attr)
{
    memset(attr, 0, sizeof(*attr));
    current_fs_creds(&attr->uid, &attr->gid);
    current_time(&attr->mtime);
    attr->atime = attr->mtime;
    attr->ctime = attr->mtime;
    attr->valid = ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME | ATTR_CTIME;
}

int vfs_lookup_one(struct inode *dir, const char *name, size_t name_len, struct inode **out)
{
    int ret;

    if (!S_ISDIR(dir->mode))
        return -ENOTDIR;
    if (!dir->iops->lookup)
        return -ENOENT;
    ret = dir->iops->lookup(dir, name, name_len, out);
    if (ret == 0)
        vfs_cross_mount(out);
    return ret;
}

/* One '..' step from cur (referenced), crossing out of mounts. */
static int step_up(struct inode *cur, struct inode **next)
{
    struct inode *at = cur;
    int ret;

    inode_get(at);
    while (!inode_same(at, vfs_root) && vfs_leave_mount(&at))
        ;
    if (inode_same(at, vfs_root)) {
        *next = at;
        return 0;
    }
    if (!at->iops->parent) {
        inode_put(at);
        return -ENOENT;
    }
    ret = at->iops->parent(at, next);
    inode_put(at);
    return ret;
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
    if (link->iops->get_link) {
        ret = link->iops->get_link(link, &res);
        if (ret == 0) {
            inode_put(link);
            *inode = res;
            return 0;
        }
        if (ret != -EINVAL)
            return ret;
    }
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
    if (*p == '/') {
        cur = vfs_root;
        path_reset(w);
    } else {
        cur = start;
    }
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
        ret = vfs_permission(cur, X_OK);
        if (ret < 0)
            goto fail;
        if (is_dot(name, len))
            continue;
        if (is_dotdot(name, len)) {
            ret = step_up(cur, &next);
            if (ret == 0)
                path_pop(w);
        } else {
            ret = vfs_lookup_one(cur, name, len, &next);
        }
        if (ret < 0)
            goto fail;
        if (S_ISLNK(next->mode) && (!last || slash || (flags & WALK_FOLLOW))) {
            ret = follow_link(w, cur, &next);
            if (ret < 0) {
                inode_put(next);
                goto fail;
            }
        } else if (!is_dotdot(name, len)) {
            ret = path_push(w, name, len);
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

/* The start directory of a *at call (referenced) and, if want_path, its path (copied into
 * path_out, a PATH_MAX buffer; "" when unknown). */
static int start_of(int dirfd, struct inode **start, char *path_out)
{
    struct fs_context *fs;
    struct file *f;

    if (path_out)
        path_out[0] = '\0';
    if (dirfd == AT_FDCWD) {
        fs = current_fs_context();
        *start = fs_context_cwd(fs);
        if (path_out) {
            spin_lock(&fs->lock);
            strlcpy(path_out, fs->cwd_path ? fs->cwd_path : "/", PATH_MAX);
            spin_unlock(&fs->lock);
        }
        return 0;
    }
    f = fd_lookup_file(dirfd);
    if (!f)
        return -EBADF;
    *start = f->inode;
    inode_get(*start);
    if (path_out && f->path)
        strlcpy(path_out, f->path, PATH_MAX);
    file_put(f);
    return 0;
}

int vfs_walk_at_path(int dirfd, const char *path, int walk_flags, bool empty_ok,
                     struct inode **out, char **canon)
{
    struct walk_state w = {0};
    struct inode *start;
    int ret;

    if (canon)
        *canon = NULL;
    if (!vfs_root)
        return -ENOENT; /* nothing is mounted yet */
    if (strnlen(path, PATH_MAX) >= PATH_MAX)
        return -ENAMETOOLONG;
    if (canon) {
        w.path = kmalloc(PATH_MAX);
        if (!w.path)
            return -ENOMEM;
    }
    if (path[0] == '/') {
        start = vfs_root;
        inode_get(start);
        path_reset(&w);
    } else {
        ret = start_of(dirfd, &start, w.path);
        if (ret < 0)
            goto out_free;
        if (w.path) {
            w.len = strlen(w.path);
            if (w.len == 0) { /* a start of unknown path: no canonical result */
                kfree(w.path);
                w.path = NULL;
            }
        }
    }
    if (path[0] == '\0' && empty_ok) {
        /* AT_EMPTY_PATH: the call operates on dirfd itself, whatever it is. */
        ret = -ENOTDIR;
        if ((walk_flags & WALK_DIRECTORY) && !S_ISDIR(start->mode))
            goto out_put;
        *out = start;
        start = NULL;
        ret = 0;
    } else if (path[0] != '\0' && !S_ISDIR(start->mode)) {
        ret = -ENOTDIR;
    } else {
        ret = walk(&w, start, path, walk_flags, out);
    }
out_put:
    inode_put(start);
out_free:
    if (ret == 0 && canon && w.path) {
        *canon = w.path;
        w.path = NULL;
    }
    kfree(w.path);
    return ret;
}

int vfs_walk_at(int dirfd, const char *path, int walk_flags, bool empty_ok, struct inode **out)
{
    return vfs_walk_at_path(dirfd, path, walk_flags, empty_ok, out, NULL);
}

int vfs_walk_parent_at(int dirfd, const char *path, struct walk_parent *out)
{
    size_t len = strnlen(path, PATH_MAX), end, begin;
    char *dir;
    int ret;

    if (len >= PATH_MAX)
        return -ENAMETOOLONG;
    if (len == 0)
        return -ENOENT;
    memset(out, 0, sizeof(*out));
    end = len;
    while (end > 0 && path[end - 1] == '/')
        end--;
    if (end < len)
        out->flags |= PARENT_SLASH;
    if (end == 0) { /* only slashes: "/" itself */
        out->name = ".";
        out->name_len = 1;
        out->flags |= PARENT_DOT;
        if (!vfs_root)
            return -ENOENT;
        inode_get(vfs_root);
        out->dir = vfs_root;
        return 0;
    }
    begin = end;
    while (begin > 0 && path[begin - 1] != '/')
        begin--;
    out->name = path + begin;
    out->name_len = end - begin;
    if (out->name_len > NAME_MAX)
        return -ENAMETOOLONG;
    if (is_dot(out->name, out->name_len) || is_dotdot(out->name, out->name_len))
        out->flags |= PARENT_DOT;
    dir = kmalloc(begin + 2);
    if (!dir)
        return -ENOMEM;
    memcpy(dir, path, begin);
    dir[begin] = '\0';
    if (begin == 0)
        memcpy(dir, ".", 2);
    ret = vfs_walk_at(dirfd, dir, WALK_FOLLOW | WALK_DIRECTORY, false, &out->dir);
    kfree(dir);
    if (ret == 0) {
        ret = vfs_permission(out->dir, X_OK);
        if (ret < 0) {
            inode_put(out->dir);
            out->dir = NULL;
        }
    }
    return ret;
}
