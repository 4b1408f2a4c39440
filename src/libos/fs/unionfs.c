/*
 * unionfs: the writable root. A read-only lower layer (the image) under a writable upper
 * layer (a ramfs), merged as overlayfs merges them:
 *
 *   lookup     a name in the upper layer wins; a directory present in both is merged (its
 *              lookups consult both); a lower name is hidden when the union directory
 *              holds a whiteout for it.
 *   copy-up    the first change to a lower file (write, truncate, chmod, chown, utimes, a
 *              new name through link or rename) copies it, and the directories above it,
 *              into the upper layer with its mode, owner and times; later reads and writes
 *              go to the copy. Opening for write does not copy: the first write does.
 *   deletion   removes the upper entry if any, and whiteouts the name if the lower layer
 *              has it. A whiteout means "the lower entry is hidden"; it stays when the name
 *              is created again, so a directory re-created over a deleted lower directory is
 *              empty (what overlayfs calls opaque).
 *   readdir    upper entries, then lower ones not hidden or shadowed by an upper name.
 *   rename     copies up the source (a directory with its whole subtree) and both parents,
 *              renames in the upper layer, and whiteouts the old name and a replaced lower
 *              name.
 *
 * Objects: each union inode (struct union_node in priv) wraps an upper and/or a lower inode.
 * Union inodes are cached in their parent's `children` list (a reference each) for as long
 * as the name exists, so one file has one union inode and a copy-up is seen through every
 * open file; nothing is evicted (the root lives as long as the enclave). A child points
 * back at its parent without a reference: the parent's cache entry outlives that pointer,
 * which is cleared when the child's name is removed. Whiteouts are kept in the union
 * directory node, in memory, like the upper layer itself; a persistent upper layer will
 * need to store them (overlayfs uses whiteout devices).
 *
 * Inode numbers are fixed when a union inode is made: the lower inode's if it has one (so
 * copy-up does not change st_ino), else the upper's with UPPER_INO set; readdir reports the
 * cached union inode's number when there is one, so it agrees with stat.
 *
 * Locking: union.lock guards every union_node field and the children/whiteout lists; it is
 * never held across a layer's op. Changes to the tree (copy-up, create, remove, rename) are
 * serialised by union.op_lock, held across the layers' ops (ramfs and imagefs ops, which
 * never come back into the union; imagefs may do a host pread: bounded, never blocking on
 * another LibOS thread). Lookups and I/O do not take op_lock.
 */
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

#define UPPER_INO (1ull << 48)
#define UNION_DEV 0x803
#define COPY_CHUNK (64 * 1024)

struct unionfs {
    struct super_block sb;
    struct super_block *lower_sb, *upper_sb;
    spinlock_t lock;
    spinlock_t op_lock;
};

struct uname_ent {
    struct uname_ent *next;
    struct inode *inode; /* children: referenced; whiteouts: NULL */
    size_t len;
    char name[];
};

struct union_node {
    struct inode *upper, *lower; /* referenced; upper set once (copy-up) */
    struct inode *parent;        /* not referenced; NULL for the root and removed names */
    char *name;                  /* the name in parent (kmalloc'd) */
    size_t name_len;
    struct uname_ent *children;  /* directories: cached union inodes */
    struct uname_ent *whiteouts; /* directories: hidden lower names */
};

static const struct inode_ops union_iops;

static struct unionfs *fs_of(struct inode *inode)
{
    return container_of(inode->sb, struct unionfs, sb);
}

static struct union_node *node_of(struct inode *inode)
{
    return inode->priv;
}

/* The layer inode I/O goes to (upper if copied up), referenced. */
static struct inode *real_of(struct inode *inode)
{
    struct unionfs *fs = fs_of(inode);
    struct inode *r;

    spin_lock(&fs->lock);
    r = node_of(inode)->upper ? node_of(inode)->upper : node_of(inode)->lower;
    inode_get(r);
    spin_unlock(&fs->lock);
    return r;
}

static struct inode *upper_of(struct inode *inode)
{
    struct unionfs *fs = fs_of(inode);
    struct inode *r;

    spin_lock(&fs->lock);
    r = node_of(inode)->upper;
    if (r)
        inode_get(r);
    spin_unlock(&fs->lock);
    return r;
}

static struct uname_ent *list_find(struct uname_ent *l, const char *name, size_t len,
                                   struct uname_ent ***link)
{
    struct uname_ent **pp, *e;

    for (pp = &l; (e = *pp); pp = &e->next) {
        if (e->len == len && memcmp(e->name, name, len) == 0)
            break;
    }
    (void)link;
    return e;
}

/* Removes name from *list (lock held); returns the entry or NULL. */
static struct uname_ent *list_take(struct uname_ent **list, const char *name, size_t len)
{
    struct uname_ent **pp, *e;

    for (pp = list; (e = *pp); pp = &e->next) {
        if (e->len == len && memcmp(e->name, name, len) == 0) {
            *pp = e->next;
            return e;
        }
    }
    return NULL;
}

static struct uname_ent *ent_alloc(const char *name, size_t len, struct inode *inode)
{
    struct uname_ent *e = kmalloc(sizeof(*e) + len);

    if (e) {
        memcpy(e->name, name, len);
        e->len = len;
        e->inode = inode;
        e->next = NULL;
    }
    return e;
}

static bool whited_out(struct inode *dir, const char *name, size_t len)
{
    struct unionfs *fs = fs_of(dir);
    bool w;

    spin_lock(&fs->lock);
    w = list_find(node_of(dir)->whiteouts, name, len, NULL) != NULL;
    spin_unlock(&fs->lock);
    return w;
}

static int add_whiteout(struct inode *dir, const char *name, size_t len)
{
    struct unionfs *fs = fs_of(dir);
    struct uname_ent *e = ent_alloc(name, len, NULL);

    if (!e)
        return -ENOMEM;
    spin_lock(&fs->lock);
    if (list_find(node_of(dir)->whiteouts, name, len, NULL)) {
        kfree(e);
    } else {
        e->next = node_of(dir)->whiteouts;
        node_of(dir)->whiteouts = e;
    }
    spin_unlock(&fs->lock);
    return 0;
}

/* A new union inode for (upper, lower) (references taken over) named name in parent. */
static struct inode *union_new(struct unionfs *fs, struct inode *parent, const char *name,
                               size_t len, struct inode *upper, struct inode *lower,
                               uint64_t ino)
{
    struct inode *r = upper ? upper : lower, *inode;
    struct union_node *n = kzalloc(sizeof(*n));
    const struct file_ops *fops = S_ISREG(r->mode)   ? &generic_rw_file_ops
                                  : S_ISDIR(r->mode) ? &generic_dir_file_ops
                                                     : NULL;

    if (!ino)
        ino = lower ? lower->ino : (upper->ino | UPPER_INO);
    if (n && len) {
        n->name = kmalloc(len);
        if (!n->name) {
            kfree(n);
            n = NULL;
        }
    }
    inode = n ? inode_alloc(&fs->sb, ino, r->mode, r->size, &union_iops, fops) : NULL;
    if (!inode) {
        if (n)
            kfree(n->name);
        kfree(n);
        inode_put(upper);
        inode_put(lower);
        return NULL;
    }
    if (len)
        memcpy(n->name, name, len);
    n->name_len = len;
    n->upper = upper;
    n->lower = lower;
    n->parent = parent;
    inode->priv = n;
    return inode;
}

/* Caches child under its name in dir, or returns the one cached first (referenced). */
static struct inode *cache_insert(struct inode *dir, struct inode *child)
{
    struct unionfs *fs = fs_of(dir);
    struct union_node *c = node_of(child);
    struct uname_ent *e = ent_alloc(c->name, c->name_len, child), *old;
    struct inode *res = child;

    if (!e)
        return child; /* uncached: still a correct answer for this lookup */
    spin_lock(&fs->lock);
    old = list_find(node_of(dir)->children, c->name, c->name_len, NULL);
    if (old) {
        res = old->inode;
        inode_get(res);
    } else {
        inode_get(child);
        e->next = node_of(dir)->children;
        node_of(dir)->children = e;
        e = NULL;
    }
    spin_unlock(&fs->lock);
    kfree(e);
    if (res != child)
        inode_put(child);
    return res;
}

/* Forgets child's name in dir (it was removed or moved): drops the cache reference. */
static void cache_remove(struct inode *dir, const char *name, size_t len)
{
    struct unionfs *fs = fs_of(dir);
    struct uname_ent *e;

    spin_lock(&fs->lock);
    e = list_take(&node_of(dir)->children, name, len);
    if (e)
        node_of(e->inode)->parent = NULL;
    spin_unlock(&fs->lock);
    if (e) {
        inode_put(e->inode);
        kfree(e);
    }
}

static int union_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    struct unionfs *fs = fs_of(dir);
    struct union_node *d = node_of(dir);
    struct inode *up = NULL, *lo = NULL, *udir, *child;
    struct uname_ent *e;
    int ret;

    spin_lock(&fs->lock);
    e = list_find(d->children, name, len, NULL);
    if (e) {
        inode_get(e->inode);
        *out = e->inode;
    }
    spin_unlock(&fs->lock);
    if (e)
        return 0;
    udir = upper_of(dir);
    if (udir) {
        ret = vfs_lookup_one(udir, name, len, &up);
        inode_put(udir);
        if (ret < 0 && ret != -ENOENT)
            return ret;
    }
    if ((!up || S_ISDIR(up->mode)) && d->lower && !whited_out(dir, name, len)) {
        ret = d->lower->iops->lookup(d->lower, name, len, &lo);
        if (ret < 0 && ret != -ENOENT) {
            inode_put(up);
            return ret;
        }
        if (up && lo && !S_ISDIR(lo->mode)) {
            inode_put(lo);
            lo = NULL;
        }
    }
    if (!up && !lo)
        return -ENOENT;
    child = union_new(fs, dir, name, len, up, lo, 0);
    if (!child)
        return -ENOMEM;
    *out = cache_insert(dir, child);
    return 0;
}

static int union_parent(struct inode *dir, struct inode **out)
{
    struct unionfs *fs = fs_of(dir);
    struct inode *p;

    if (dir == fs->sb.root) {
        inode_get(dir);
        *out = dir;
        return 0;
    }
    spin_lock(&fs->lock);
    p = node_of(dir)->parent;
    if (p)
        inode_get(p);
    spin_unlock(&fs->lock);
    if (!p)
        return -ENOENT; /* a removed directory */
    *out = p;
    return 0;
}

static void sync_from(struct inode *inode, struct inode *r)
{
    __atomic_store_n(&inode->size, __atomic_load_n(&r->size, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    __atomic_store_n(&inode->mode, __atomic_load_n(&r->mode, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}

static int union_getattr(struct inode *inode, struct stat *st)
{
    struct inode *r = real_of(inode);
    int ret = r->iops->getattr(r, st);

    sync_from(inode, r);
    inode_put(r);
    st->st_dev = fs_of(inode)->sb.dev;
    st->st_ino = inode->ino & UPPER_INO ? inode->ino : inode->ino + 1; /* imagefs: ino + 1 */
    return ret;
}

static long union_readlink(struct inode *inode, char *buf, size_t len)
{
    struct inode *r = real_of(inode);
    long ret = r->iops->readlink ? r->iops->readlink(r, buf, len) : -EINVAL;

    inode_put(r);
    return ret;
}

static ssize_t union_read(struct inode *inode, void *buf, size_t len, uint64_t off)
{
    struct inode *r = real_of(inode);
    ssize_t ret = r->iops->read ? r->iops->read(r, buf, len, off) : -EINVAL;

    sync_from(inode, r);
    inode_put(r);
    return ret;
}

/* ---- copy-up ---- */

static int copy_data(struct inode *from, struct inode *to)
{
    uint64_t off = 0, size = from->size;
    char *buf = kmalloc(COPY_CHUNK);
    int ret = 0;

    if (!buf)
        return -ENOMEM;
    while (off < size) {
        ssize_t n = from->iops->read(from, buf, (size_t)MIN((uint64_t)COPY_CHUNK, size - off), off);
        ssize_t w;

        if (n <= 0) {
            ret = n < 0 ? (int)n : -EIO;
            break;
        }
        w = to->iops->write(to, buf, (size_t)n, off);
        if (w != n) {
            ret = w < 0 ? (int)w : -ENOSPC;
            break;
        }
        off += (uint64_t)n;
    }
    kfree(buf);
    return ret;
}

/* Gives `inode` an upper copy (op_lock held). Its parents first. */
static int copy_up(struct inode *inode)
{
    struct unionfs *fs = fs_of(inode);
    struct union_node *n = node_of(inode);
    struct inode *parent, *pu, *up = NULL, *lo = n->lower;
    struct iattr attr;
    struct stat st;
    char *target;
    long len;
    int ret;

    if (n->upper)
        return 0;
    spin_lock(&fs->lock);
    parent = n->parent;
    if (parent)
        inode_get(parent);
    spin_unlock(&fs->lock);
    if (!parent)
        return -ENOENT;
    ret = copy_up(parent);
    pu = ret == 0 ? upper_of(parent) : NULL;
    inode_put(parent);
    if (!pu)
        return ret < 0 ? ret : -EIO;
    memset(&st, 0, sizeof(st));
    ret = lo->iops->getattr(lo, &st);
    if (ret < 0)
        goto out;
    memset(&attr, 0, sizeof(attr));
    attr.valid = ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME | ATTR_CTIME;
    attr.uid = st.st_uid;
    attr.gid = st.st_gid;
    attr.atime = st.st_atim;
    attr.mtime = st.st_mtim;
    current_time(&attr.ctime);
    if (S_ISLNK(lo->mode)) {
        target = kmalloc(PATH_MAX);
        ret = -ENOMEM;
        if (!target)
            goto out;
        len = lo->iops->readlink(lo, target, PATH_MAX - 1);
        ret = len < 0 ? (int)len : len >= PATH_MAX ? -EIO : 0;
        if (ret == 0)
            ret = pu->iops->symlink(pu, n->name, n->name_len, target, (size_t)len, &attr, &up);
        kfree(target);
    } else {
        ret = pu->iops->create(pu, n->name, n->name_len, lo->mode, 0, &attr, &up);
        if (ret == 0 && S_ISREG(lo->mode)) {
            ret = copy_data(lo, up);
            if (ret == 0) {
                attr.valid = ATTR_ATIME | ATTR_MTIME;
                ret = up->iops->setattr(up, &attr);
            }
            if (ret < 0) {
                pu->iops->unlink(pu, n->name, n->name_len);
                inode_put(up);
                up = NULL;
            }
        }
    }
    if (ret == 0) {
        spin_lock(&fs->lock);
        n->upper = up;
        spin_unlock(&fs->lock);
    }
out:
    inode_put(pu);
    return ret;
}

static int copy_up_locked(struct inode *inode)
{
    struct unionfs *fs = fs_of(inode);
    int ret;

    spin_lock(&fs->op_lock);
    ret = copy_up(inode);
    spin_unlock(&fs->op_lock);
    return ret;
}

static ssize_t union_write(struct inode *inode, const void *buf, size_t len, uint64_t off)
{
    struct inode *up;
    ssize_t ret = copy_up_locked(inode);

    if (ret < 0)
        return ret;
    up = upper_of(inode);
    ret = up->iops->write(up, buf, len, off);
    sync_from(inode, up);
    inode_put(up);
    return ret;
}

static int union_setattr(struct inode *inode, const struct iattr *attr)
{
    struct inode *up;
    int ret = copy_up_locked(inode);

    if (ret < 0)
        return ret;
    up = upper_of(inode);
    ret = up->iops->setattr(up, attr);
    sync_from(inode, up);
    inode_put(up);
    return ret;
}

/* ---- directories ---- */

struct merged {
    struct uname_ent *head, **tail;
    struct inode *dir;
    bool from_lower;
    int err;
};

static bool merge_emit(void *ctx, const char *name, size_t len, uint64_t ino, unsigned int type,
                       uint64_t pos)
{
    struct merged *m = ctx;
    struct uname_ent *e;

    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return true;
    if (m->from_lower) {
        if (list_find(m->head, name, len, NULL) || whited_out(m->dir, name, len))
            return true;
    }
    e = ent_alloc(name, len, NULL);
    if (!e) {
        m->err = -ENOMEM;
        return false;
    }
    /* The inode field carries the entry's number and type until it is emitted. */
    e->inode = (struct inode *)(uintptr_t)((m->from_lower ? ino - 1 : ino | UPPER_INO) << 8 |
                                           (type & 0xff));
    *m->tail = e;
    m->tail = &e->next;
    return true;
}

static void merged_free(struct uname_ent *l)
{
    while (l) {
        struct uname_ent *next = l->next;

        kfree(l);
        l = next;
    }
}

/* The merged entry list of a union directory (without "." and ".."). */
static int merged_list(struct inode *dir, struct uname_ent **out)
{
    struct merged m = {.head = NULL, .dir = dir};
    struct inode *up = upper_of(dir), *lo = node_of(dir)->lower;
    uint64_t pos = 0;
    int ret = 0;

    m.tail = &m.head;
    if (up) {
        ret = up->iops->iterate(up, &pos, merge_emit, &m);
        inode_put(up);
    }
    if (ret == 0 && m.err == 0 && lo) {
        pos = 0;
        m.from_lower = true;
        ret = lo->iops->iterate(lo, &pos, merge_emit, &m);
    }
    if (ret == 0)
        ret = m.err;
    if (ret < 0) {
        merged_free(m.head);
        return ret;
    }
    *out = m.head;
    return 0;
}

static int union_iterate(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx)
{
    struct unionfs *fs = fs_of(dir);
    struct uname_ent *list, *e, *c;
    struct inode *parent;
    uint64_t i;
    int ret;

    if (*pos == 0) {
        if (!emit(ctx, ".", 1, dir->ino & UPPER_INO ? dir->ino : dir->ino + 1, DT_DIR, 1))
            return 0;
        *pos = 1;
    }
    if (*pos == 1) {
        ret = union_parent(dir, &parent);
        if (ret < 0)
            parent = dir, inode_get(dir);
        i = parent->ino & UPPER_INO ? parent->ino : parent->ino + 1;
        inode_put(parent);
        if (!emit(ctx, "..", 2, i, DT_DIR, 2))
            return 0;
        *pos = 2;
    }
    ret = merged_list(dir, &list);
    if (ret < 0)
        return ret;
    for (e = list, i = 2; e; e = e->next, i++) {
        uint64_t v = (uint64_t)(uintptr_t)e->inode, ino = v >> 8;

        if (i < *pos)
            continue;
        /* A cached union inode's number is what stat reports. */
        spin_lock(&fs->lock);
        c = list_find(node_of(dir)->children, e->name, e->len, NULL);
        if (c)
            ino = c->inode->ino;
        spin_unlock(&fs->lock);
        if (!emit(ctx, e->name, e->len, ino & UPPER_INO ? ino : ino + 1, (unsigned int)(v & 0xff),
                  i + 1))
            break;
        *pos = i + 1;
    }
    merged_free(list);
    return 0;
}

static int union_statfs(struct inode *inode, struct statfs *st)
{
    struct unionfs *fs = fs_of(inode);
    struct inode *root = fs->upper_sb->root;
    int ret = root->iops->statfs ? root->iops->statfs(root, st) : 0;

    st->f_type = OVERLAYFS_MAGIC;
    return ret;
}

/* Prepares a name change in dir: dir copied up; returns its upper (referenced). */
static int upper_dir(struct inode *dir, struct inode **out)
{
    int ret = copy_up(dir);

    if (ret < 0)
        return ret;
    *out = upper_of(dir);
    return 0;
}

static bool lower_has(struct inode *dir, const char *name, size_t len)
{
    struct inode *lo = node_of(dir)->lower, *x;

    if (!lo || whited_out(dir, name, len) || lo->iops->lookup(lo, name, len, &x) < 0)
        return false;
    inode_put(x);
    return true;
}

static int union_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
                        uint64_t rdev, const struct iattr *attr, struct inode **out)
{
    struct unionfs *fs = fs_of(dir);
    struct inode *pu, *up, *child;
    int ret;

    spin_lock(&fs->op_lock);
    ret = upper_dir(dir, &pu);
    if (ret == 0) {
        ret = pu->iops->create(pu, name, len, mode, rdev, attr, &up);
        inode_put(pu);
    }
    if (ret == 0 && lower_has(dir, name, len)) /* cannot be visible: hide it for good */
        ret = add_whiteout(dir, name, len);
    spin_unlock(&fs->op_lock);
    if (ret < 0)
        return ret;
    child = union_new(fs, dir, name, len, up, NULL, 0);
    if (!child)
        return -ENOMEM;
    *out = cache_insert(dir, child);
    return 0;
}

static int union_symlink(struct inode *dir, const char *name, size_t len, const char *target,
                         size_t tlen, const struct iattr *attr, struct inode **out)
{
    struct unionfs *fs = fs_of(dir);
    struct inode *pu, *up, *child;
    int ret;

    spin_lock(&fs->op_lock);
    ret = upper_dir(dir, &pu);
    if (ret == 0) {
        ret = pu->iops->symlink(pu, name, len, target, tlen, attr, &up);
        inode_put(pu);
    }
    spin_unlock(&fs->op_lock);
    if (ret < 0)
        return ret;
    child = union_new(fs, dir, name, len, up, NULL, 0);
    if (!child)
        return -ENOMEM;
    *out = cache_insert(dir, child);
    return 0;
}

static int union_link(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
    struct unionfs *fs = fs_of(dir);
    struct inode *pu = NULL, *up, *child;
    int ret;

    spin_lock(&fs->op_lock);
    ret = copy_up(inode);
    if (ret == 0)
        ret = upper_dir(dir, &pu);
    up = ret == 0 ? upper_of(inode) : NULL;
    if (ret == 0)
        ret = pu->iops->link(pu, name, len, up);
    inode_put(pu);
    spin_unlock(&fs->op_lock);
    if (ret < 0) {
        inode_put(up);
        return ret;
    }
    /* The new name shows the same file: same inode number. */
    child = union_new(fs, dir, name, len, up, NULL, inode->ino);
    if (!child)
        return -ENOMEM;
    inode_put(cache_insert(dir, child));
    return 0;
}

static int union_tmpfile(struct inode *dir, uint32_t mode, const struct iattr *attr,
                         struct inode **out)
{
    struct unionfs *fs = fs_of(dir);
    struct inode *pu, *up;
    int ret;

    spin_lock(&fs->op_lock);
    ret = upper_dir(dir, &pu);
    if (ret == 0) {
        ret = pu->iops->tmpfile ? pu->iops->tmpfile(pu, mode, attr, &up) : -EOPNOTSUPP;
        inode_put(pu);
    }
    spin_unlock(&fs->op_lock);
    if (ret < 0)
        return ret;
    *out = union_new(fs, NULL, NULL, 0, up, NULL, 0);
    return *out ? 0 : -ENOMEM;
}

static bool merged_empty(struct inode *dir, int *err)
{
    struct uname_ent *l = NULL;

    *err = merged_list(dir, &l);
    merged_free(l);
    return *err == 0 && l == NULL;
}

/* unlink and rmdir (op_lock held by the caller). */
static int remove_name(struct inode *dir, const char *name, size_t len, bool want_dir)
{
    struct inode *child, *pu;
    int ret = union_lookup(dir, name, len, &child);

    if (ret < 0)
        return ret;
    if (want_dir != !!S_ISDIR(child->mode)) {
        ret = want_dir ? -ENOTDIR : -EISDIR;
        goto out;
    }
    if (want_dir && !merged_empty(child, &ret)) {
        ret = ret < 0 ? ret : -ENOTEMPTY;
        goto out;
    }
    if (node_of(child)->upper) {
        pu = upper_of(dir);
        ret = want_dir ? pu->iops->rmdir(pu, name, len) : pu->iops->unlink(pu, name, len);
        inode_put(pu);
        if (ret < 0)
            goto out;
    }
    if (lower_has(dir, name, len))
        ret = add_whiteout(dir, name, len);
    cache_remove(dir, name, len);
out:
    inode_put(child);
    return ret;
}

static int union_unlink(struct inode *dir, const char *name, size_t len)
{
    struct unionfs *fs = fs_of(dir);
    int ret;

    spin_lock(&fs->op_lock);
    ret = remove_name(dir, name, len, false);
    spin_unlock(&fs->op_lock);
    return ret;
}

static int union_rmdir(struct inode *dir, const char *name, size_t len)
{
    struct unionfs *fs = fs_of(dir);
    int ret;

    spin_lock(&fs->op_lock);
    ret = remove_name(dir, name, len, true);
    spin_unlock(&fs->op_lock);
    return ret;
}

/* Copies up a directory and everything under it (op_lock held). */
static int copy_up_tree(struct inode *dir)
{
    struct uname_ent *list, *e;
    struct inode *child;
    int ret = copy_up(dir);

    if (ret < 0 || !node_of(dir)->lower)
        return ret;
    ret = merged_list(dir, &list);
    if (ret < 0)
        return ret;
    for (e = list; e && ret == 0; e = e->next) {
        ret = union_lookup(dir, e->name, e->len, &child);
        if (ret < 0)
            break;
        ret = S_ISDIR(child->mode) ? copy_up_tree(child) : copy_up(child);
        inode_put(child);
    }
    merged_free(list);
    return ret;
}

/* Moves the cached union inode `src` from odir/oname to ndir/nname. */
static int cache_move(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
                      const char *nname, size_t nlen, struct inode *src)
{
    struct unionfs *fs = fs_of(odir);
    char *copy = kmalloc(nlen ? nlen : 1);
    struct union_node *s = node_of(src);

    if (!copy)
        return -ENOMEM;
    memcpy(copy, nname, nlen);
    inode_get(src);
    cache_remove(odir, oname, olen);
    spin_lock(&fs->lock);
    kfree(s->name);
    s->name = copy;
    s->name_len = nlen;
    s->parent = ndir;
    spin_unlock(&fs->lock);
    inode_put(cache_insert(ndir, src));
    return 0;
}

static int union_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
                        const char *nname, size_t nlen, unsigned int flags)
{
    struct unionfs *fs = fs_of(odir);
    struct inode *src = NULL, *dst = NULL, *ou = NULL, *nu = NULL;
    bool old_lower, new_lower;
    int ret;

    spin_lock(&fs->op_lock);
    ret = union_lookup(odir, oname, olen, &src);
    if (ret < 0)
        goto out;
    ret = union_lookup(ndir, nname, nlen, &dst);
    if (ret < 0 && ret != -ENOENT)
        goto out;
    ret = 0;
    if (dst && (flags & RENAME_NOREPLACE)) {
        ret = -EEXIST;
        goto out;
    }
    if (!dst && (flags & RENAME_EXCHANGE)) {
        ret = -ENOENT;
        goto out;
    }
    if (dst && !(flags & RENAME_EXCHANGE)) {
        if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
            ret = -ENOTDIR;
        else if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
            ret = -EISDIR;
        else if (S_ISDIR(dst->mode) && !merged_empty(dst, &ret))
            ret = ret < 0 ? ret : -ENOTEMPTY;
        if (ret < 0)
            goto out;
    }
    old_lower = lower_has(odir, oname, olen);
    new_lower = lower_has(ndir, nname, nlen);
    ret = S_ISDIR(src->mode) ? copy_up_tree(src) : copy_up(src);
    if (ret == 0 && dst && (flags & RENAME_EXCHANGE))
        ret = S_ISDIR(dst->mode) ? copy_up_tree(dst) : copy_up(dst);
    if (ret == 0)
        ret = upper_dir(odir, &ou);
    if (ret == 0)
        ret = upper_dir(ndir, &nu);
    if (ret == 0)
        ret = ou->iops->rename(ou, oname, olen, nu, nname, nlen, flags);
    if (ret < 0)
        goto out;
    if (flags & RENAME_EXCHANGE) {
        /* Both names still exist; swap the cached inodes. */
        inode_get(dst);
        cache_remove(ndir, nname, nlen);
        ret = cache_move(odir, oname, olen, ndir, nname, nlen, src);
        if (ret == 0) {
            char *copy = kmalloc(olen);

            if (copy) {
                memcpy(copy, oname, olen);
                spin_lock(&fs->lock);
                kfree(node_of(dst)->name);
                node_of(dst)->name = copy;
                node_of(dst)->name_len = olen;
                node_of(dst)->parent = odir;
                spin_unlock(&fs->lock);
                inode_put(cache_insert(odir, dst));
            } else {
                ret = -ENOMEM;
                inode_put(dst);
            }
        } else {
            inode_put(dst);
        }
        goto out;
    }
    if (dst)
        cache_remove(ndir, nname, nlen);
    if (old_lower)
        ret = add_whiteout(odir, oname, olen);
    if (ret == 0 && new_lower)
        ret = add_whiteout(ndir, nname, nlen);
    if (ret == 0)
        ret = cache_move(odir, oname, olen, ndir, nname, nlen, src);
out:
    spin_unlock(&fs->op_lock);
    inode_put(ou);
    inode_put(nu);
    inode_put(src);
    inode_put(dst);
    return ret;
}

static void union_release(struct inode *inode)
{
    struct union_node *n = node_of(inode);
    struct uname_ent *e;

    if (!n)
        return;
    while ((e = n->children)) {
        n->children = e->next;
        inode_put(e->inode);
        kfree(e);
    }
    merged_free(n->whiteouts);
    inode_put(n->upper);
    inode_put(n->lower);
    kfree(n->name);
    kfree(n);
}

/* A file not copied up reads the lower layer's bytes, which may promise to stay the same.
 * A mapping made before a later copy-up keeps the lower bytes, as it keeps any bytes it
 * copied. */
static bool union_content_key(struct inode *inode, struct content_key *key)
{
    struct unionfs *fs = fs_of(inode);
    struct inode *lower = NULL;

    spin_lock(&fs->lock);
    if (!node_of(inode)->upper && node_of(inode)->lower) {
        lower = node_of(inode)->lower;
        inode_get(lower);
    }
    spin_unlock(&fs->lock);
    if (!lower)
        return false;
    bool ok = lower->iops->content_key && lower->iops->content_key(lower, key);
    inode_put(lower);
    return ok;
}

static const struct inode_ops union_iops = {
    .lookup = union_lookup,
    .parent = union_parent,
    .getattr = union_getattr,
    .readlink = union_readlink,
    .iterate = union_iterate,
    .read = union_read,
    .release = union_release,
    .content_key = union_content_key,
    .create = union_create,
    .symlink = union_symlink,
    .link = union_link,
    .unlink = union_unlink,
    .rmdir = union_rmdir,
    .rename = union_rename,
    .setattr = union_setattr,
    .write = union_write,
    .tmpfile = union_tmpfile,
    .statfs = union_statfs,
};

/* Drops the cached tree under dir (unmount): children first, so each goes at its last put. */
static void clear_tree(struct inode *dir)
{
    struct union_node *n = node_of(dir);
    struct uname_ent *e;

    while ((e = n->children)) {
        n->children = e->next;
        if (S_ISDIR(e->inode->mode))
            clear_tree(e->inode);
        inode_put(e->inode);
        kfree(e);
    }
}

static void unionfs_kill(struct super_block *sb)
{
    struct unionfs *fs = container_of(sb, struct unionfs, sb);

    clear_tree(sb->root);
    inode_put(sb->root);
    fs->upper_sb->kill(fs->upper_sb);
    if (fs->lower_sb->kill)
        fs->lower_sb->kill(fs->lower_sb);
    kfree(fs);
}

int unionfs_mount(struct super_block *lower, const char *options, struct super_block **out)
{
    struct unionfs *fs = kzalloc(sizeof(*fs));
    struct super_block *upper = NULL;
    int ret = -ENOMEM;

    if (options && strncmp(options, "upper=ramfs", 11) != 0) {
        log_error("unionfs: options '%s': only upper=ramfs is served", options);
        ret = -EINVAL;
        goto fail;
    }
    if (!fs)
        goto fail;
    ret = ramfs_mount(NULL, options, &upper);
    if (ret < 0)
        goto fail;
    fs->lock = (spinlock_t)SPINLOCK_INIT;
    fs->op_lock = (spinlock_t)SPINLOCK_INIT;
    fs->lower_sb = lower;
    fs->upper_sb = upper;
    fs->sb.dev = UNION_DEV;
    fs->sb.type = "unionfs";
    fs->sb.kill = unionfs_kill;
    /* The root looks like the image's root (mode, owner, times). */
    {
        struct stat st;
        struct iattr a;

        memset(&st, 0, sizeof(st));
        if (lower->root->iops->getattr(lower->root, &st) == 0) {
            memset(&a, 0, sizeof(a));
            a.valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME | ATTR_CTIME;
            a.mode = st.st_mode & 07777;
            a.uid = st.st_uid;
            a.gid = st.st_gid;
            a.atime = st.st_atim;
            a.mtime = st.st_mtim;
            a.ctime = st.st_ctim;
            upper->root->iops->setattr(upper->root, &a);
        }
    }
    inode_get(upper->root);
    inode_get(lower->root);
    fs->sb.root = union_new(fs, NULL, NULL, 0, upper->root, lower->root, 0);
    if (!fs->sb.root) {
        ret = -ENOMEM;
        goto fail;
    }
    *out = &fs->sb;
    return 0;

fail:
    if (upper)
        upper->kill(upper);
    if (lower->kill)
        lower->kill(lower);
    kfree(fs);
    return ret;
}
