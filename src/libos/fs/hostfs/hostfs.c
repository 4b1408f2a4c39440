/*
 * hostfs: a host directory, passed through untrusted (DESIGN.md: explicit mounts only).
 *
 * The LibOS walks paths itself, so each inode knows its path relative to the mount's root
 * (a plain "a/b/c", "" for the root) and every host call names a file by the root's host fd
 * and that path (ocall/ocall.h: host_hostfs_*). The host opens beneath the root without
 * following symlinks, so what it reports as a symlink is handed to the VFS as one and
 * resolved here. Every answer is checked by the OCALL wrappers; here an inode's type is fixed
 * at lookup, and a later stat claiming another type is -EIO.
 *
 * Inodes are not cached: a lookup stats the host and makes a new inode whose ino is the
 * host's st_ino (so inode_same works across lookups). An inode's path is not updated when
 * the file or a directory above it is renamed later; such an inode then names the new file
 * at the old path, or nothing (-ENOENT), as with a path-based network file system.
 *
 * Open files get their host fd on first use (file->priv holds fd + 1, installed with a
 * compare-and-swap so that two threads agree on one) and close it on release. O_APPEND
 * writes go to the size the host reports just before, which is not atomic against other
 * writers of the host file.
 *
 * setattr passes mode and times to the host (the path itself, never what a final symlink
 * names); the owner stays the host user's (see check_owner), ctime the host's.
 *
 * Not supported (logged): changing a file's owner (-EPERM; a chown to the owner it already
 * has succeeds), times before 1970 (-EINVAL), hard links, device and FIFO nodes (-EPERM),
 * RENAME_EXCHANGE (-EINVAL).
 */
#include "fs/fs_types.h"
#include "fs/fs_uapi.h"
#include "fs/hostfs/hostfs.h"
#include "mm/mm.h"
#include "ocall/ocall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

/* st_dev of the first hostfs mount; each further mount gets the next number. */
#define HOSTFS_DEV_BASE 0x30

struct hostfs_sb {
    struct super_block sb;
    int root_fd; /* host fd of the mount's root directory */
};

struct hinode {
    char *path; /* relative to the root, kmalloc'd, "" for the root */
};

static const struct inode_ops hostfs_iops;
static const struct file_ops hostfs_fops;

static int root_fd(struct inode *inode)
{
    return container_of(inode->sb, struct hostfs_sb, sb)->root_fd;
}

static const char *path_of(struct inode *inode)
{
    return ((struct hinode *)inode->priv)->path;
}

/* dir's path + "/" + name, kmalloc'd. -ENAMETOOLONG, -ENOMEM. */
static int child_path(struct inode *dir, const char *name, size_t len, char **out)
{
    const char *dp = path_of(dir);
    size_t dl = strlen(dp), total = dl + (dl ? 1 : 0) + len;
    char *p;

    if (total >= PATH_MAX)
        return -ENAMETOOLONG;
    if (memchr(name, '/', len) || memchr(name, '\0', len))
        return -EINVAL;
    p = kmalloc(total + 1);
    if (!p)
        return -ENOMEM;
    memcpy(p, dp, dl);
    if (dl)
        p[dl++] = '/';
    memcpy(p + dl, name, len);
    p[total] = '\0';
    *out = p;
    return 0;
}

/* A new inode for `path` (taken over: freed on failure) after a stat of the host file. */
static int make_inode(struct super_block *sb, char *path, struct inode **out)
{
    struct hostfs_sb *hsb = container_of(sb, struct hostfs_sb, sb);
    const struct file_ops *fops;
    struct hinode *hi;
    struct inode *inode;
    struct stat st;
    int ret;

    ret = host_hostfs_statat(hsb->root_fd, path, &st);
    if (ret < 0)
        goto fail;
    ret = -ENOMEM;
    hi = kzalloc(sizeof(*hi));
    if (!hi)
        goto fail;
    if (S_ISDIR(st.st_mode))
        fops = &generic_dir_file_ops;
    else if (S_ISREG(st.st_mode))
        fops = &hostfs_fops;
    else
        fops = NULL; /* symlinks; host devices, FIFOs and sockets are not opened */
    inode = inode_alloc(sb, st.st_ino, st.st_mode, (uint64_t)st.st_size, &hostfs_iops, fops);
    if (!inode) {
        kfree(hi);
        goto fail;
    }
    hi->path = path;
    inode->priv = hi;
    *out = inode;
    return 0;
fail:
    kfree(path);
    return ret;
}

static int hostfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    char *path;
    int ret = child_path(dir, name, len, &path);

    if (ret < 0)
        return ret;
    return make_inode(dir->sb, path, out);
}

static int hostfs_parent(struct inode *dir, struct inode **out)
{
    const char *p = path_of(dir);
    const char *slash = strrchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : 0;
    char *pp;

    if (!*p) {
        inode_get(dir);
        *out = dir;
        return 0;
    }
    pp = kmalloc(len + 1);
    if (!pp)
        return -ENOMEM;
    memcpy(pp, p, len);
    pp[len] = '\0';
    return make_inode(dir->sb, pp, out);
}

static int hostfs_getattr(struct inode *inode, struct stat *st)
{
    int ret = host_hostfs_statat(root_fd(inode), path_of(inode), st);

    if (ret < 0)
        return ret;
    if ((st->st_mode & S_IFMT) != (inode->mode & S_IFMT)) {
        log_error("hostfs: the host changed the type of a file under the enclave");
        return -EIO;
    }
    st->st_dev = inode->sb->dev;
    return 0;
}

static long hostfs_readlink(struct inode *inode, char *buf, size_t len)
{
    char *target = kmalloc(PATH_MAX);
    long n;

    if (!target)
        return -ENOMEM;
    n = host_hostfs_readlinkat(root_fd(inode), path_of(inode), target, PATH_MAX - 1);
    if (n > 0)
        memcpy(buf, target, MIN(len, (size_t)n));
    kfree(target);
    return n;
}

/* Directory positions are entry indexes: the host's d_off cookies are never trusted. */
static int hostfs_iterate(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx)
{
    const size_t bufsize = 16384;
    char *buf = kmalloc(bufsize);
    uint64_t index = 0;
    int fd, ret = 0;

    if (!buf)
        return -ENOMEM;
    fd = host_hostfs_openat(root_fd(dir), path_of(dir), O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) {
        kfree(buf);
        return fd;
    }
    for (;;) {
        ssize_t n = host_hostfs_getdents(fd, buf, bufsize);
        size_t off = 0;

        if (n <= 0) {
            ret = (int)n;
            break;
        }
        while (off < (size_t)n) {
            struct linux_dirent64 d;
            const char *name = buf + off + offsetof(struct linux_dirent64, d_name);

            memcpy(&d, buf + off, offsetof(struct linux_dirent64, d_name));
            off += d.d_reclen;
            if (index++ < *pos)
                continue;
            if (!emit(ctx, name, strlen(name), d.d_ino, d.d_type, index))
                goto out;
            *pos = index;
        }
    }
out:
    host_close(fd);
    kfree(buf);
    return ret;
}

/* Opens the inode's file on the host for one operation. */
static int open_once(struct inode *inode, int flags)
{
    return host_hostfs_openat(root_fd(inode), path_of(inode), flags, 0);
}

static ssize_t pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = host_pread(fd, (char *)buf + done, len - done, off + done);

        if (n < 0)
            return done ? (ssize_t)done : n;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static ssize_t pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = host_pwrite(fd, (const char *)buf + done, len - done, off + done);

        if (n < 0)
            return done ? (ssize_t)done : n;
        if (n == 0)
            return done ? (ssize_t)done : -EIO;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static ssize_t hostfs_inode_read(struct inode *inode, void *buf, size_t len, uint64_t off)
{
    int fd = open_once(inode, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return fd;
    n = pread_all(fd, buf, len, off);
    host_close(fd);
    return n;
}

static ssize_t hostfs_inode_write(struct inode *inode, const void *buf, size_t len, uint64_t off)
{
    int fd = open_once(inode, O_WRONLY);
    ssize_t n;

    if (fd < 0)
        return fd;
    n = pwrite_all(fd, buf, len, off);
    host_close(fd);
    return n;
}

static void hostfs_release(struct inode *inode)
{
    struct hinode *hi = inode->priv;

    if (hi) {
        kfree(hi->path);
        kfree(hi);
    }
}

/* ---- write side ---- */

static int hostfs_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
                         uint64_t rdev, const struct iattr *attr, struct inode **out)
{
    char *path;
    int ret, fd;

    if (!S_ISREG(mode) && !S_ISDIR(mode)) {
        log_info("hostfs: device, FIFO and socket nodes cannot be made on the host");
        return -EPERM;
    }
    ret = child_path(dir, name, len, &path);
    if (ret < 0)
        return ret;
    if (S_ISDIR(mode)) {
        ret = host_hostfs_mkdirat(root_fd(dir), path, mode & 07777);
    } else {
        fd = host_hostfs_openat(root_fd(dir), path, O_WRONLY | O_CREAT | O_EXCL, mode & 07777);
        ret = fd < 0 ? fd : host_close(fd);
    }
    if (ret < 0) {
        kfree(path);
        return ret;
    }
    return make_inode(dir->sb, path, out);
}

static int hostfs_symlink(struct inode *dir, const char *name, size_t len, const char *target,
                          size_t target_len, const struct iattr *attr, struct inode **out)
{
    char *path, *t;
    int ret;

    if (target_len == 0 || target_len >= PATH_MAX)
        return target_len ? -ENAMETOOLONG : -ENOENT;
    t = kmalloc(target_len + 1);
    if (!t)
        return -ENOMEM;
    memcpy(t, target, target_len);
    t[target_len] = '\0';
    ret = child_path(dir, name, len, &path);
    if (ret == 0) {
        ret = host_hostfs_symlinkat(t, root_fd(dir), path);
        if (ret < 0)
            kfree(path);
        else
            ret = make_inode(dir->sb, path, out);
    }
    kfree(t);
    return ret;
}

static int remove_name(struct inode *dir, const char *name, size_t len, int flags)
{
    char *path;
    int ret = child_path(dir, name, len, &path);

    if (ret < 0)
        return ret;
    ret = host_hostfs_unlinkat(root_fd(dir), path, flags);
    kfree(path);
    return ret;
}

static int hostfs_unlink(struct inode *dir, const char *name, size_t len)
{
    return remove_name(dir, name, len, 0);
}

static int hostfs_rmdir(struct inode *dir, const char *name, size_t len)
{
    return remove_name(dir, name, len, AT_REMOVEDIR);
}

static int hostfs_rename(struct inode *old_dir, const char *old_name, size_t old_len,
                         struct inode *new_dir, const char *new_name, size_t new_len,
                         unsigned int flags)
{
    char *op, *np;
    struct stat st;
    int ret;

    if (flags & ~RENAME_NOREPLACE) {
        log_info("hostfs: rename flags %#x are not served", flags);
        return -EINVAL;
    }
    ret = child_path(old_dir, old_name, old_len, &op);
    if (ret < 0)
        return ret;
    ret = child_path(new_dir, new_name, new_len, &np);
    if (ret < 0) {
        kfree(op);
        return ret;
    }
    /* RENAME_NOREPLACE by a check first: not atomic against the host's own changes. */
    if ((flags & RENAME_NOREPLACE) && host_hostfs_statat(root_fd(old_dir), np, &st) == 0)
        ret = -EEXIST;
    else
        ret = host_hostfs_renameat(root_fd(old_dir), op, np);
    kfree(op);
    kfree(np);
    return ret;
}

/* Owners: the host files belong to the host user, whose ids mean nothing inside, so only a
 * "change" to the owner the file already reports is served. */
static int check_owner(struct inode *inode, const struct iattr *attr)
{
    struct stat st;
    int ret = hostfs_getattr(inode, &st);

    if (ret < 0)
        return ret;
    if (((attr->valid & ATTR_UID) && attr->uid != st.st_uid) ||
        ((attr->valid & ATTR_GID) && attr->gid != st.st_gid)) {
        log_info("hostfs: changing the owner of host files is not served");
        return -EPERM;
    }
    return 0;
}

/*
 * Mode and times go to the host in one OCALL on the inode's own path (a symlink's own times;
 * Linux cannot chmod a symlink). A size goes by a truncation, which sets the file's times
 * itself, so times that come with a size are the host's. ctime is always the host's. All is
 * checked before anything changes; what the inode caches (its mode) follows the host.
 */
static int hostfs_setattr(struct inode *inode, const struct iattr *attr)
{
    const bool set_mode = attr->valid & ATTR_MODE;
    const bool set_times = (attr->valid & (ATTR_ATIME | ATTR_MTIME)) && !(attr->valid & ATTR_SIZE);
    const uint32_t mode = attr->mode & 07777;
    struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    int fd, ret;

    if (set_mode && S_ISLNK(inode->mode))
        return -EOPNOTSUPP;
    if ((attr->valid & ATTR_SIZE) && !S_ISREG(inode->mode))
        return -EINVAL;
    if (attr->valid & ATTR_ATIME)
        ts[0] = attr->atime;
    if (attr->valid & ATTR_MTIME)
        ts[1] = attr->mtime;
    if (set_times && (ts[0].tv_sec < 0 || ts[1].tv_sec < 0)) {
        log_info("hostfs: times before 1970 are not set on host files");
        return -EINVAL;
    }
    if (attr->valid & (ATTR_UID | ATTR_GID)) {
        ret = check_owner(inode, attr);
        if (ret < 0)
            return ret;
    }
    if (set_mode || set_times) {
        ret = host_hostfs_setattr(root_fd(inode), path_of(inode), set_mode ? &mode : NULL,
                                  set_times ? ts : NULL);
        if (ret < 0)
            return ret;
        if (set_mode)
            __atomic_store_n(&inode->mode, (inode->mode & S_IFMT) | mode, __ATOMIC_RELAXED);
    }
    if (!(attr->valid & ATTR_SIZE))
        return 0;
    fd = open_once(inode, O_WRONLY);
    if (fd < 0)
        return fd;
    ret = host_hostfs_ftruncate(fd, attr->size);
    host_close(fd);
    if (ret == 0)
        __atomic_store_n(&inode->size, attr->size, __ATOMIC_RELAXED);
    return ret;
}

static const struct inode_ops hostfs_iops = {
    .lookup = hostfs_lookup,
    .parent = hostfs_parent,
    .getattr = hostfs_getattr,
    .readlink = hostfs_readlink,
    .iterate = hostfs_iterate,
    .read = hostfs_inode_read,
    .release = hostfs_release,
    .create = hostfs_create,
    .symlink = hostfs_symlink,
    .unlink = hostfs_unlink,
    .rmdir = hostfs_rmdir,
    .rename = hostfs_rename,
    .setattr = hostfs_setattr,
    .write = hostfs_inode_write,
};

/* ---- open files ---- */

/* The file's host fd, opened on first use. */
static int file_fd(struct file *f)
{
    uintptr_t v = __atomic_load_n((uintptr_t *)&f->priv, __ATOMIC_ACQUIRE), expected = 0;
    int fd;

    if (v)
        return (int)(v - 1);
    fd = open_once(f->inode, (int)(f->flags & O_ACCMODE));
    if (fd < 0)
        return fd;
    if (!__atomic_compare_exchange_n((uintptr_t *)&f->priv, &expected, (uintptr_t)fd + 1, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        host_close(fd);
        return (int)(expected - 1);
    }
    return fd;
}

static ssize_t hf_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    int fd = file_fd(f);

    return fd < 0 ? fd : pread_all(fd, buf, len, off);
}

static ssize_t hf_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
    int fd = file_fd(f);

    return fd < 0 ? fd : pwrite_all(fd, buf, len, off);
}

static ssize_t hf_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    ssize_t n = hf_pread(f, buf, len, *pos);

    if (n > 0)
        *pos += (uint64_t)n;
    return n;
}

static int64_t host_size(struct file *f)
{
    struct stat st;
    int ret = hostfs_getattr(f->inode, &st);

    return ret < 0 ? ret : st.st_size;
}

static ssize_t hf_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    ssize_t n;

    if (f->flags & O_APPEND) {
        int64_t size = host_size(f);

        if (size < 0)
            return size;
        *pos = (uint64_t)size;
    }
    n = hf_pwrite(f, buf, len, *pos);
    if (n > 0)
        *pos += (uint64_t)n;
    return n;
}

static int64_t hf_lseek(struct file *f, int64_t off, int whence)
{
    int64_t base = 0, size;

    switch (whence) {
    case SEEK_SET:
        break;
    case SEEK_CUR:
        spin_lock(&f->pos_lock);
        base = (int64_t)f->pos;
        spin_unlock(&f->pos_lock);
        break;
    case SEEK_END:
    case SEEK_DATA:
    case SEEK_HOLE:
        size = host_size(f);
        if (size < 0)
            return size;
        if (whence == SEEK_END) {
            base = size;
            break;
        }
        /* The host's holes are not visible through these OCALLs: all data up to the end. */
        if (off < 0 || off >= size)
            return -ENXIO;
        if (whence == SEEK_HOLE)
            off = size;
        break;
    default:
        return -EINVAL;
    }
    return file_seek_to(f, base, off);
}

static void hf_release(struct file *f)
{
    uintptr_t v = (uintptr_t)f->priv;

    if (v)
        host_close((int)(v - 1));
}

static const struct file_ops hostfs_fops = {
    .read = hf_read,
    .write = hf_write,
    .pread = hf_pread,
    .pwrite = hf_pwrite,
    .lseek = hf_lseek,
    .release = hf_release,
};

/* ---- mounting ---- */

static void hostfs_kill(struct super_block *sb)
{
    struct hostfs_sb *hsb = container_of(sb, struct hostfs_sb, sb);

    inode_put(sb->root);
    host_close(hsb->root_fd);
    kfree(hsb);
}

static int next_dev = HOSTFS_DEV_BASE; /* atomic */

int hostfs_mount(const char *source, const char *options, struct super_block **out)
{
    struct hostfs_sb *hsb;
    char *root_path;
    int fd, ret;

    if (!source || !*source) {
        log_error("hostfs: a mount needs a host directory as its source");
        return -EINVAL;
    }
    fd = host_hostfs_open_root(source);
    if (fd < 0) {
        log_error("hostfs: cannot open host directory %s (%d)", source, fd);
        return fd;
    }
    ret = -ENOMEM;
    hsb = kzalloc(sizeof(*hsb));
    root_path = kzalloc(1);
    if (!hsb || !root_path) {
        kfree(root_path);
        goto fail;
    }
    hsb->root_fd = fd;
    hsb->sb.dev = (uint64_t)__atomic_fetch_add(&next_dev, 1, __ATOMIC_RELAXED);
    hsb->sb.type = "hostfs";
    hsb->sb.kill = hostfs_kill;
    ret = make_inode(&hsb->sb, root_path, &hsb->sb.root);
    if (ret < 0)
        goto fail;
    if (!S_ISDIR(hsb->sb.root->mode)) {
        inode_put(hsb->sb.root);
        ret = -ENOTDIR;
        goto fail;
    }
    *out = &hsb->sb;
    return 0;
fail:
    kfree(hsb);
    host_close(fd);
    return ret;
}

void hostfs_register(void)
{
    int ret = vfs_register_fs("hostfs", hostfs_mount);

    if (ret < 0)
        log_error("hostfs: cannot register (%d)", ret);
}
