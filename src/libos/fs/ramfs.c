/*
 * ramfs: a writable file system in enclave memory (the LibOS heap). Used for tmpfs/ramfs
 * mounts and as the upper layer of the union root (fs/unionfs.c).
 *
 * Objects: every file is one struct inode with a struct ram_node as priv, created once and
 * kept while anything references it. A directory entry holds one inode reference; a
 * directory holds one reference to its parent (for '..'), dropped when it is released, so a
 * removed directory that is still some process's cwd keeps a valid parent. nlink counts
 * names (plus the '.' and '..' links for directories, as Linux reports).
 *
 * Data: regular files keep bytes [0, dlen) in one heap buffer; bytes from dlen to size are a
 * hole and read as zeros (truncate up and writes far past the end cost no memory, and
 * SEEK_HOLE reports dlen). Symlink targets live in the same buffer.
 *
 * Space: `used` counts buffer capacity plus RAM_INODE_COST per inode; with a size= limit a
 * write or create that would pass it is -ENOSPC (a write that fits partly is short).
 *
 * Directory positions (getdents/lseek): 0 is ".", 1 "..", then each entry's `cookie`, a
 * per-directory counter given at insertion; entries stay in cookie order, so an iteration
 * resumes correctly after entries before it were removed.
 *
 * Locking: ramfs.lock guards every node and entry of the file system and the inodes' size
 * and mode. It is held across heap calls (lock order: ramfs.lock, then the heap's) but never
 * across inode_put, whose release may need it: references are dropped after unlocking.
 */
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

#define RAM_INODE_COST 256
#define RAM_DEV_BASE   0x2000
#define RAM_FILE_MAX   (1ull << 40) /* the largest file size (-EFBIG above) */

struct ramfs {
    struct super_block sb;
    spinlock_t lock;
    uint64_t next_ino; /* guarded by lock */
    uint64_t limit;    /* bytes; 0: none */
    uint64_t used;     /* guarded by lock */
};

struct ram_dirent {
    struct ram_dirent *next;
    struct inode *inode; /* referenced */
    uint64_t cookie;
    size_t len;
    char name[];
};

struct ram_node {
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t rdev;
    struct timespec atime, mtime, ctime;
    char *data; /* regular files and symlinks */
    size_t dlen, cap;
    struct ram_dirent *ents, *tail; /* directories, in cookie order */
    uint64_t next_cookie;
    struct inode *parent; /* directories: referenced; the root's is NULL */
    bool dead;            /* a removed directory: no lookups or creation */
};

static const struct inode_ops ram_iops;
static uint64_t ram_dev_next = RAM_DEV_BASE;

static struct ramfs *fs_of(struct inode *inode)
{
    return container_of(inode->sb, struct ramfs, sb);
}

static struct ram_node *node_of(struct inode *inode)
{
    return inode->priv;
}

static void now(struct timespec *ts)
{
    current_time(ts);
}

/* Charges n bytes against the limit; false if they do not fit. Lock held. */
static bool charge(struct ramfs *fs, uint64_t n)
{
    if (fs->limit && (n > fs->limit || fs->used > fs->limit - n))
        return false;
    fs->used += n;
    return true;
}

static struct inode *new_inode(struct ramfs *fs, uint32_t mode, uint64_t rdev,
                               const struct iattr *attr)
{
    const struct file_ops *fops = S_ISREG(mode) ? &generic_rw_file_ops
                                  : S_ISDIR(mode) ? &generic_dir_file_ops
                                                  : NULL;
    struct ram_node *n = kzalloc(sizeof(*n));
    struct inode *inode;

    if (!n)
        return NULL;
    spin_lock(&fs->lock);
    inode = inode_alloc(&fs->sb, fs->next_ino++, mode, 0, &ram_iops, fops);
    spin_unlock(&fs->lock);
    if (!inode) {
        kfree(n);
        return NULL;
    }
    n->uid = attr->uid;
    n->gid = attr->gid;
    n->atime = attr->atime;
    n->mtime = attr->mtime;
    n->ctime = attr->ctime;
    n->rdev = rdev;
    n->nlink = S_ISDIR(mode) ? 2 : 1;
    n->next_cookie = 2; /* after "." and ".." */
    inode->priv = n;
    return inode;
}

static void ram_release(struct inode *inode)
{
    struct ramfs *fs = fs_of(inode);
    struct ram_node *n = node_of(inode);

    if (!n)
        return;
    spin_lock(&fs->lock);
    fs->used -= n->cap + RAM_INODE_COST;
    spin_unlock(&fs->lock);
    /* A released directory has no entries left: each held a reference to its child. */
    inode_put(n->parent);
    kfree(n->data);
    kfree(n);
}

static struct ram_dirent *find(struct ram_node *dir, const char *name, size_t len,
                               struct ram_dirent ***link)
{
    struct ram_dirent **pp, *e;

    for (pp = &dir->ents; (e = *pp); pp = &e->next) {
        if (e->len == len && memcmp(e->name, name, len) == 0) {
            if (link)
                *link = pp;
            return e;
        }
    }
    return NULL;
}

/* Removes *pp from dir's list (lock held); returns the entry (its inode ref not dropped). */
static struct ram_dirent *unlink_entry(struct ram_node *dir, struct ram_dirent **pp)
{
    struct ram_dirent *e = *pp, *prev;

    *pp = e->next;
    if (dir->tail == e) {
        prev = NULL;
        for (struct ram_dirent *i = dir->ents; i; i = i->next)
            prev = i;
        dir->tail = prev;
    }
    return e;
}

static void append_entry(struct ram_node *dir, struct ram_dirent *e)
{
    e->cookie = dir->next_cookie++;
    e->next = NULL;
    if (dir->tail)
        dir->tail->next = e;
    else
        dir->ents = e;
    dir->tail = e;
}

static struct ram_dirent *alloc_entry(const char *name, size_t len, struct inode *inode)
{
    struct ram_dirent *e = kmalloc(sizeof(*e) + len);

    if (!e)
        return NULL;
    memcpy(e->name, name, len);
    e->len = len;
    e->inode = inode;
    return e;
}

static int ram_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    struct ramfs *fs = fs_of(dir);
    struct ram_dirent *e;
    int ret = -ENOENT;

    spin_lock(&fs->lock);
    e = find(node_of(dir), name, len, NULL);
    if (e) {
        inode_get(e->inode);
        *out = e->inode;
        ret = 0;
    }
    spin_unlock(&fs->lock);
    return ret;
}

static int ram_parent(struct inode *dir, struct inode **out)
{
    struct ramfs *fs = fs_of(dir);
    struct inode *p;

    spin_lock(&fs->lock);
    p = node_of(dir)->parent ? node_of(dir)->parent : dir;
    inode_get(p);
    spin_unlock(&fs->lock);
    *out = p;
    return 0;
}

static int ram_getattr(struct inode *inode, struct stat *st)
{
    struct ramfs *fs = fs_of(inode);
    struct ram_node *n = node_of(inode);

    spin_lock(&fs->lock);
    st->st_dev = fs->sb.dev;
    st->st_ino = inode->ino;
    st->st_nlink = n->nlink;
    st->st_mode = inode->mode;
    st->st_uid = n->uid;
    st->st_gid = n->gid;
    st->st_rdev = n->rdev;
    st->st_size = (int64_t)inode->size;
    st->st_blksize = 4096;
    st->st_blocks = (int64_t)(ALIGN_UP((uint64_t)n->dlen, 4096) / 512);
    st->st_atim = n->atime;
    st->st_mtim = n->mtime;
    st->st_ctim = n->ctime;
    spin_unlock(&fs->lock);
    return 0;
}

static long ram_readlink(struct inode *inode, char *buf, size_t len)
{
    struct ramfs *fs = fs_of(inode);
    struct ram_node *n = node_of(inode);
    long total;

    if (!S_ISLNK(inode->mode))
        return -EINVAL;
    spin_lock(&fs->lock);
    memcpy(buf, n->data, MIN(len, n->dlen));
    total = (long)n->dlen;
    spin_unlock(&fs->lock);
    return total;
}

static unsigned int dt_of(uint32_t mode)
{
    return (mode & S_IFMT) >> 12; /* DT_* are the S_IF* type bits shifted */
}

static int ram_iterate(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx)
{
    struct ramfs *fs = fs_of(dir);
    struct inode *parent;
    struct ram_dirent *e;
    char name[NAME_MAX + 1];
    uint64_t ino, cookie;
    unsigned int type;
    size_t len;

    if (*pos == 0) {
        if (!emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
            return 0;
        *pos = 1;
    }
    if (*pos == 1) {
        ram_parent(dir, &parent);
        ino = parent->ino;
        inode_put(parent);
        if (!emit(ctx, "..", 2, ino, DT_DIR, 2))
            return 0;
        *pos = 2;
    }
    /* One entry at a time: emit copies into the caller's buffer, without our lock. */
    for (;;) {
        spin_lock(&fs->lock);
        for (e = node_of(dir)->ents; e && e->cookie < *pos; e = e->next)
            ;
        if (!e) {
            spin_unlock(&fs->lock);
            return 0;
        }
        len = e->len;
        memcpy(name, e->name, len);
        ino = e->inode->ino;
        type = dt_of(e->inode->mode);
        cookie = e->cookie;
        spin_unlock(&fs->lock);
        if (!emit(ctx, name, len, ino, type, cookie + 1))
            return 0;
        *pos = cookie + 1;
    }
}

static ssize_t ram_read(struct inode *inode, void *buf, size_t len, uint64_t off)
{
    struct ramfs *fs = fs_of(inode);
    struct ram_node *n = node_of(inode);
    size_t in_buf = 0;

    if (!S_ISREG(inode->mode))
        return -EINVAL;
    spin_lock(&fs->lock);
    if (off >= inode->size) {
        spin_unlock(&fs->lock);
        return 0;
    }
    len = (size_t)MIN((uint64_t)len, inode->size - off);
    if (off < n->dlen) {
        in_buf = (size_t)MIN((uint64_t)len, n->dlen - off);
        memcpy(buf, n->data + off, in_buf);
    }
    memset((char *)buf + in_buf, 0, len - in_buf); /* the hole */
    spin_unlock(&fs->lock);
    return (ssize_t)len;
}

/* Makes the buffer hold at least `need` bytes (lock held); zero-fills what it adds. */
static int reserve(struct ramfs *fs, struct ram_node *n, size_t need)
{
    size_t cap;
    char *p;

    if (need <= n->cap)
        return 0;
    cap = MAX(need, MIN(n->cap * 2, n->cap + (8u << 20)));
    cap = ALIGN_UP(cap, 64);
    if (!charge(fs, cap - n->cap)) {
        cap = need; /* try without the slack */
        if (!charge(fs, cap - n->cap))
            return -ENOSPC;
    }
    p = krealloc(n->data, cap);
    if (!p) {
        fs->used -= cap - n->cap;
        return -ENOMEM;
    }
    memset(p + n->cap, 0, cap - n->cap);
    n->data = p;
    n->cap = cap;
    return 0;
}

static ssize_t ram_write(struct inode *inode, const void *buf, size_t len, uint64_t off)
{
    struct ramfs *fs = fs_of(inode);
    struct ram_node *n = node_of(inode);
    int ret;

    if (!S_ISREG(inode->mode))
        return -EINVAL;
    if (len == 0)
        return 0;
    if (off >= RAM_FILE_MAX)
        return -EFBIG;
    len = (size_t)MIN((uint64_t)len, RAM_FILE_MAX - off);
    spin_lock(&fs->lock);
    ret = reserve(fs, n, (size_t)(off + len));
    if (ret == -ENOSPC && fs->used < fs->limit) {
        /* Full: take what is left, and write what fits in it. */
        size_t most = n->cap + (size_t)(fs->limit - fs->used);

        if (most > off && reserve(fs, n, most) == 0) {
            len = MIN(len, n->cap - (size_t)off);
            ret = 0;
        }
    }
    if (ret < 0) {
        spin_unlock(&fs->lock);
        return ret;
    }
    memcpy(n->data + off, buf, len);
    if (off + len > n->dlen) {
        /* Bytes between the old dlen and off were a hole: make them zeros in the buffer. */
        if (off > n->dlen)
            memset(n->data + n->dlen, 0, off - n->dlen);
        n->dlen = off + len;
    }
    if (off + len > inode->size)
        __atomic_store_n(&inode->size, off + len, __ATOMIC_RELAXED);
    now(&n->mtime);
    n->ctime = n->mtime;
    spin_unlock(&fs->lock);
    return (ssize_t)len;
}

static int ram_setattr(struct inode *inode, const struct iattr *a)
{
    struct ramfs *fs = fs_of(inode);
    struct ram_node *n = node_of(inode);
    struct timespec t;

    if ((a->valid & ATTR_SIZE) && !S_ISREG(inode->mode))
        return S_ISDIR(inode->mode) ? -EISDIR : -EINVAL;
    if ((a->valid & ATTR_SIZE) && a->size > RAM_FILE_MAX)
        return -EFBIG;
    now(&t);
    spin_lock(&fs->lock);
    if (a->valid & ATTR_SIZE) {
        if (a->size < n->dlen) {
            memset(n->data + a->size, 0, n->dlen - (size_t)a->size);
            n->dlen = (size_t)a->size;
        }
        if (a->size != inode->size) {
            n->mtime = t;
        }
        __atomic_store_n(&inode->size, a->size, __ATOMIC_RELAXED);
    }
    if (a->valid & ATTR_MODE)
        __atomic_store_n(&inode->mode, (inode->mode & S_IFMT) | (a->mode & 07777),
                         __ATOMIC_RELAXED);
    if (a->valid & ATTR_UID)
        n->uid = a->uid;
    if (a->valid & ATTR_GID)
        n->gid = a->gid;
    if (a->valid & ATTR_ATIME)
        n->atime = a->atime;
    if (a->valid & ATTR_MTIME)
        n->mtime = a->mtime;
    n->ctime = (a->valid & ATTR_CTIME) ? a->ctime : t;
    spin_unlock(&fs->lock);
    return 0;
}

/* Adds a new inode under `name` in dir; takes over the caller's reference on success and
 * returns a second one in *out. */
static int add_new(struct inode *dir, const char *name, size_t len, struct inode *inode,
                   struct inode **out)
{
    struct ramfs *fs = fs_of(dir);
    struct ram_node *d = node_of(dir), *n = node_of(inode);
    struct ram_dirent *e = alloc_entry(name, len, inode);
    int ret = -ENOMEM;

    if (!e)
        goto out_put;
    spin_lock(&fs->lock);
    ret = d->dead ? -ENOENT : find(d, name, len, NULL) ? -EEXIST : 0;
    if (ret == 0 && !charge(fs, RAM_INODE_COST))
        ret = -ENOSPC;
    if (ret < 0) {
        spin_unlock(&fs->lock);
        kfree(e);
        goto out_put;
    }
    append_entry(d, e);
    if (S_ISDIR(inode->mode)) {
        inode_get(dir);
        n->parent = dir;
        d->nlink++;
    }
    now(&d->mtime);
    d->ctime = d->mtime;
    inode_get(inode);
    spin_unlock(&fs->lock);
    *out = inode;
    return 0;

out_put:
    /* Never charged: keep release's accounting straight. */
    spin_lock(&fs->lock);
    fs->used += RAM_INODE_COST;
    spin_unlock(&fs->lock);
    inode_put(inode);
    return ret;
}

static int ram_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
                      uint64_t rdev, const struct iattr *attr, struct inode **out)
{
    struct inode *inode = new_inode(fs_of(dir), mode, rdev, attr);

    if (!inode)
        return -ENOMEM;
    return add_new(dir, name, len, inode, out);
}

static int ram_symlink(struct inode *dir, const char *name, size_t len, const char *target,
                       size_t target_len, const struct iattr *attr, struct inode **out)
{
    struct ramfs *fs = fs_of(dir);
    struct inode *inode = new_inode(fs, S_IFLNK | 0777, 0, attr);
    struct ram_node *n;
    int ret;

    if (!inode)
        return -ENOMEM;
    n = node_of(inode);
    spin_lock(&fs->lock);
    ret = reserve(fs, n, target_len ? target_len : 1);
    if (ret == 0) {
        memcpy(n->data, target, target_len);
        n->dlen = target_len;
        inode->size = target_len;
    }
    spin_unlock(&fs->lock);
    if (ret < 0) {
        spin_lock(&fs->lock);
        fs->used += RAM_INODE_COST;
        spin_unlock(&fs->lock);
        inode_put(inode);
        return ret;
    }
    return add_new(dir, name, len, inode, out);
}

static int ram_tmpfile(struct inode *dir, uint32_t mode, const struct iattr *attr,
                       struct inode **out)
{
    struct ramfs *fs = fs_of(dir);
    struct inode *inode = new_inode(fs, S_IFREG | (mode & 07777), 0, attr);

    if (!inode)
        return -ENOMEM;
    spin_lock(&fs->lock);
    if (!charge(fs, RAM_INODE_COST)) {
        fs->used += RAM_INODE_COST; /* balanced by release */
        spin_unlock(&fs->lock);
        inode_put(inode);
        return -ENOSPC;
    }
    node_of(inode)->nlink = 0;
    spin_unlock(&fs->lock);
    *out = inode;
    return 0;
}

static int ram_link(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
    struct ramfs *fs = fs_of(dir);
    struct ram_node *d = node_of(dir);
    struct ram_dirent *e;

    if (S_ISDIR(inode->mode))
        return -EPERM;
    inode_get(inode);
    e = alloc_entry(name, len, inode);
    if (!e) {
        inode_put(inode);
        return -ENOMEM;
    }
    spin_lock(&fs->lock);
    if (d->dead || find(d, name, len, NULL)) {
        int ret = d->dead ? -ENOENT : -EEXIST;

        spin_unlock(&fs->lock);
        kfree(e);
        inode_put(inode);
        return ret;
    }
    append_entry(d, e);
    node_of(inode)->nlink++;
    now(&d->mtime);
    d->ctime = d->mtime;
    node_of(inode)->ctime = d->mtime;
    spin_unlock(&fs->lock);
    return 0;
}

/* Removes a name (lock held); *victim gets the entry to free after unlocking. */
static int remove_name(struct inode *dir, const char *name, size_t len, bool want_dir,
                       struct ram_dirent **victim)
{
    struct ram_node *d = node_of(dir), *n;
    struct ram_dirent *e, **pp;

    e = find(d, name, len, &pp);
    if (!e)
        return -ENOENT;
    n = node_of(e->inode);
    if (want_dir && !S_ISDIR(e->inode->mode))
        return -ENOTDIR;
    if (!want_dir && S_ISDIR(e->inode->mode))
        return -EISDIR;
    if (want_dir && n->ents)
        return -ENOTEMPTY;
    unlink_entry(d, pp);
    if (want_dir) {
        n->dead = true;
        n->nlink = 0;
        d->nlink--;
    } else {
        n->nlink--;
    }
    now(&d->mtime);
    d->ctime = d->mtime;
    n->ctime = d->mtime;
    *victim = e;
    return 0;
}

static int remove_common(struct inode *dir, const char *name, size_t len, bool want_dir)
{
    struct ramfs *fs = fs_of(dir);
    struct ram_dirent *e = NULL;
    int ret;

    spin_lock(&fs->lock);
    ret = remove_name(dir, name, len, want_dir, &e);
    spin_unlock(&fs->lock);
    if (e) {
        inode_put(e->inode);
        kfree(e);
    }
    return ret;
}

static int ram_unlink(struct inode *dir, const char *name, size_t len)
{
    return remove_common(dir, name, len, false);
}

static int ram_rmdir(struct inode *dir, const char *name, size_t len)
{
    return remove_common(dir, name, len, true);
}

static int ram_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
                      const char *nname, size_t nlen, unsigned int flags)
{
    struct ramfs *fs = fs_of(odir);
    struct ram_node *od = node_of(odir), *nd = node_of(ndir);
    struct ram_dirent *src, *dst, **spp, **dpp, *victim = NULL, *moved;
    struct inode *drop[2] = {NULL, NULL}, *tmp;
    bool sdir;
    int ret = 0;

    moved = alloc_entry(nname, nlen, NULL);
    if (!moved)
        return -ENOMEM;
    spin_lock(&fs->lock);
    src = find(od, oname, olen, &spp);
    dst = find(nd, nname, nlen, &dpp);
    if (!src || nd->dead) {
        ret = -ENOENT;
        goto out_unlock;
    }
    sdir = S_ISDIR(src->inode->mode);
    if (flags & RENAME_EXCHANGE) {
        if (!dst) {
            ret = -ENOENT;
            goto out_unlock;
        }
        /* Swap the inodes of the two entries; directories change parents. */
        tmp = src->inode;
        src->inode = dst->inode;
        dst->inode = tmp;
        if (odir != ndir) {
            if (S_ISDIR(src->inode->mode)) { /* moved from ndir to odir */
                inode_get(odir);
                node_of(src->inode)->parent = odir;
                drop[0] = ndir;
                od->nlink++;
                nd->nlink--;
            }
            if (S_ISDIR(dst->inode->mode)) { /* moved from odir to ndir */
                inode_get(ndir);
                node_of(dst->inode)->parent = ndir;
                drop[1] = odir;
                nd->nlink++;
                od->nlink--;
            }
        }
        goto out_times;
    }
    if (dst) {
        if (flags & RENAME_NOREPLACE) {
            ret = -EEXIST;
            goto out_unlock;
        }
        if (dst->inode == src->inode)
            goto out_unlock; /* two names of one file: nothing to do */
        if (sdir && !S_ISDIR(dst->inode->mode)) {
            ret = -ENOTDIR;
            goto out_unlock;
        }
        if (!sdir && S_ISDIR(dst->inode->mode)) {
            ret = -EISDIR;
            goto out_unlock;
        }
        ret = remove_name(ndir, nname, nlen, sdir, &victim);
        if (ret < 0)
            goto out_unlock;
        /* remove_name may have moved the list: find src again. */
        src = find(od, oname, olen, &spp);
    }
    unlink_entry(od, spp);
    moved->inode = src->inode;
    append_entry(nd, moved);
    moved = NULL;
    kfree(src); /* the old entry; its reference moved to the new one */
    if (sdir && odir != ndir) {
        struct ram_node *c = node_of(nd->tail->inode);

        drop[0] = c->parent;
        inode_get(ndir);
        c->parent = ndir;
        od->nlink--;
        nd->nlink++;
    }
out_times:
    now(&od->mtime);
    od->ctime = od->mtime;
    nd->mtime = od->mtime;
    nd->ctime = od->mtime;
out_unlock:
    spin_unlock(&fs->lock);
    kfree(moved);
    inode_put(drop[0]);
    inode_put(drop[1]);
    if (victim) {
        inode_put(victim->inode);
        kfree(victim);
    }
    return ret;
}

static int ram_statfs(struct inode *inode, struct statfs *st)
{
    struct ramfs *fs = fs_of(inode);
    uint64_t limit = fs->limit ? fs->limit : heap_used() + (64u << 20), used;

    spin_lock(&fs->lock);
    used = fs->used;
    spin_unlock(&fs->lock);
    st->f_type = RAMFS_MAGIC;
    st->f_bsize = 4096;
    st->f_frsize = 4096;
    st->f_blocks = limit / 4096;
    st->f_bfree = used < limit ? (limit - used) / 4096 : 0;
    st->f_bavail = st->f_bfree;
    st->f_files = limit / RAM_INODE_COST;
    st->f_ffree = st->f_bfree * (4096 / RAM_INODE_COST);
    st->f_namelen = NAME_MAX;
    st->f_fsid[0] = (int32_t)fs->sb.dev;
    return 0;
}

static const struct inode_ops ram_iops = {
    .lookup = ram_lookup,
    .parent = ram_parent,
    .getattr = ram_getattr,
    .readlink = ram_readlink,
    .iterate = ram_iterate,
    .read = ram_read,
    .release = ram_release,
    .create = ram_create,
    .symlink = ram_symlink,
    .link = ram_link,
    .unlink = ram_unlink,
    .rmdir = ram_rmdir,
    .rename = ram_rename,
    .setattr = ram_setattr,
    .write = ram_write,
    .tmpfile = ram_tmpfile,
    .statfs = ram_statfs,
};

/* Drops every entry below dir (unmount). */
static void clear_dir(struct inode *dir)
{
    struct ram_node *d = node_of(dir);
    struct ram_dirent *e;

    while ((e = d->ents)) {
        d->ents = e->next;
        if (S_ISDIR(e->inode->mode))
            clear_dir(e->inode);
        inode_put(e->inode);
        kfree(e);
    }
    d->tail = NULL;
}

static void ramfs_kill(struct super_block *sb)
{
    struct ramfs *fs = container_of(sb, struct ramfs, sb);

    clear_dir(sb->root);
    inode_put(sb->root);
    if (fs->used != 0)
        log_warn("ramfs: %llu bytes still in use at unmount (files still open)",
                 (unsigned long long)fs->used);
    else
        kfree(fs);
}

/* Parses "size=BYTES" out of a comma-separated option list; other keys are ignored here. */
static int parse_size(const char *options, uint64_t *out)
{
    const char *p = options;

    *out = 0;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        unsigned long long v;

        if (len > 5 && memcmp(p, "size=", 5) == 0) {
            if (parse_u64(p + 5, len - 5, &v) < 0)
                return -EINVAL;
            *out = v;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int ramfs_mount(const char *source, const char *options, struct super_block **out)
{
    struct ramfs *fs = kzalloc(sizeof(*fs));
    struct iattr attr;
    int ret;

    if (!fs)
        return -ENOMEM;
    ret = parse_size(options, &fs->limit);
    if (ret < 0) {
        log_error("ramfs: bad options '%s'", options);
        kfree(fs);
        return ret;
    }
    fs->lock = (spinlock_t)SPINLOCK_INIT;
    fs->next_ino = 2; /* Linux file systems give their root a small number too */
    fs->sb.dev = __atomic_fetch_add(&ram_dev_next, 1, __ATOMIC_RELAXED);
    fs->sb.type = "ramfs";
    fs->sb.kill = ramfs_kill;
    /* Mounted at start-up, before any process: root owns it, 1777 like /tmp. */
    memset(&attr, 0, sizeof(attr));
    current_time(&attr.mtime);
    attr.atime = attr.ctime = attr.mtime;
    fs->sb.root = new_inode(fs, S_IFDIR | 01777, 0, &attr);
    if (!fs->sb.root) {
        kfree(fs);
        return -ENOMEM;
    }
    fs->used = RAM_INODE_COST;
    *out = &fs->sb;
    return 0;
}
