/*
 * The mount table and the registry of file-system types (fs/vfs.h: vfs_register_fs,
 * vfs_mount, vfs_init, ...).
 *
 * A mount is a super block and the directory it covers (its mount point: a referenced inode
 * of an earlier mount). The path walk (fs/namei.c) asks vfs_cross_mount after each lookup
 * whether it reached a mount point, and vfs_leave_mount on '..' whether it stands on a
 * mount's root. Mount points are recognised with inode_same (super block and inode number),
 * so file systems that rebuild inode objects (imagefs's cache) still match.
 *
 * vfs_init builds the table from the config's mount lines (config/config.h), in order:
 *   - a `unionfs /` line (first, if present): the image as the read-only lower layer under a
 *     writable in-memory upper layer (fs/unionfs.c);
 *   - no unionfs line: the read-only image is "/";
 *   - every other line: a registered type (ramfs/tmpfs here; devfs, procfs, sysfs, hostfs
 *     when linked in, fs/fs_types.h) mounted on its target. A line that cannot be mounted
 *     (unknown type, missing target) is logged and skipped: the enclave still starts.
 *   - no mount lines at all (an instance built before the CLI emitted them): the image as
 *     "/" and, if the image has a /tmp directory, a ramfs on it, so programs have somewhere
 *     to write.
 *
 * Locking: the table and the registry are written only during start-up (vfs_init, single
 * threaded) and by vfs_unmount_all in unit tests; afterwards they are read without a lock.
 */
#include "config/config.h"
#include "fs/fs_types.h"
#include "fs/fs_uapi.h"
#include "fs/imagefs/imagefs.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

#define MAX_MOUNTS  (CONFIG_MAX_LIST + 2)
#define MAX_FSTYPES 16

struct mount {
    struct super_block *sb;
    struct inode *mountpoint; /* referenced; NULL for the root mount */
    char *target;             /* kmalloc'd absolute path */
};

struct fs_type {
    char name[16];
    int (*mount)(const char *source, const char *options, struct super_block **out);
};

static struct mount mounts[MAX_MOUNTS];
static size_t n_mounts;
static struct fs_type fs_types[MAX_FSTYPES];
static size_t n_fs_types;

int vfs_register_fs(const char *type,
                    int (*mount)(const char *source, const char *options,
                                 struct super_block **out))
{
    size_t i;

    if (strlen(type) >= sizeof(fs_types[0].name))
        return -EINVAL;
    for (i = 0; i < n_fs_types; i++)
        if (!strcmp(fs_types[i].name, type))
            return -EEXIST;
    if (n_fs_types == MAX_FSTYPES)
        return -ENOMEM;
    strlcpy(fs_types[n_fs_types].name, type, sizeof(fs_types[0].name));
    fs_types[n_fs_types].mount = mount;
    n_fs_types++;
    return 0;
}

static void kill_sb(struct super_block *sb)
{
    if (sb->kill)
        sb->kill(sb);
    else
        inode_put(sb->root); /* a file system without teardown keeps its super block */
}

int vfs_mount_sb(struct super_block *sb, const char *target)
{
    struct inode *mp = NULL;
    char *copy;
    size_t len = strlen(target);
    int ret;

    if (n_mounts == MAX_MOUNTS)
        return -ENOMEM;
    if (strcmp(target, "/") == 0) {
        if (vfs_root)
            return -EBUSY;
    } else {
        if (target[0] != '/' || !vfs_root)
            return -ENOENT;
        ret = vfs_walk(NULL, target, WALK_FOLLOW | WALK_DIRECTORY, &mp);
        if (ret < 0)
            return ret;
    }
    copy = kmalloc(len + 1);
    if (!copy) {
        inode_put(mp);
        return -ENOMEM;
    }
    memcpy(copy, target, len + 1);
    mounts[n_mounts++] = (struct mount){.sb = sb, .mountpoint = mp, .target = copy};
    if (!mp) {
        inode_get(sb->root);
        vfs_root = sb->root;
    }
    return 0;
}

int vfs_mount(const char *type, const char *target, const char *source, const char *options)
{
    struct super_block *sb;
    size_t i;
    int ret;

    for (i = 0; i < n_fs_types; i++)
        if (!strcmp(fs_types[i].name, type))
            break;
    if (i == n_fs_types)
        return -ENODEV;
    ret = fs_types[i].mount(source, options, &sb);
    if (ret < 0)
        return ret;
    if (!sb->type)
        sb->type = fs_types[i].name;
    ret = vfs_mount_sb(sb, target);
    if (ret < 0)
        kill_sb(sb);
    return ret;
}

void vfs_unmount_all(void)
{
    /* Newest first: a mount point belongs to an older mount. */
    while (n_mounts > 0) {
        struct mount *m = &mounts[--n_mounts];

        inode_put(m->mountpoint);
        kfree(m->target);
        if (!m->mountpoint) {
            inode_put(vfs_root);
            vfs_root = NULL;
        }
        kill_sb(m->sb);
    }
    n_fs_types = 0;
}

void vfs_cross_mount(struct inode **inode)
{
    size_t i;

    if (n_mounts < 2 || !S_ISDIR((*inode)->mode))
        return;
    /* Later mounts may cover earlier ones at the same place: keep going. */
    for (i = 1; i < n_mounts; i++) {
        if (mounts[i].mountpoint && inode_same(*inode, mounts[i].mountpoint)) {
            inode_put(*inode);
            *inode = mounts[i].sb->root;
            inode_get(*inode);
        }
    }
}

bool vfs_leave_mount(struct inode **dir)
{
    size_t i;

    for (i = n_mounts; i-- > 1;) {
        if (mounts[i].mountpoint && inode_same(*dir, mounts[i].sb->root)) {
            inode_put(*dir);
            *dir = mounts[i].mountpoint;
            inode_get(*dir);
            return true;
        }
    }
    return false;
}

bool vfs_is_mount_boundary(struct inode *inode)
{
    size_t i;

    for (i = 0; i < n_mounts; i++)
        if (inode_same(inode, mounts[i].sb->root) ||
            (mounts[i].mountpoint && inode_same(inode, mounts[i].mountpoint)))
            return true;
    return false;
}

void vfs_for_each_mount(void (*fn)(void *ctx, const char *target, struct super_block *sb),
                        void *ctx)
{
    size_t i;

    for (i = 0; i < n_mounts; i++)
        fn(ctx, mounts[i].target, mounts[i].sb);
}

/* Mounts the root: the union over the image for a `unionfs /` line, else the image. */
static int mount_root(int image_host_fd, const struct config_mount *union_line)
{
    struct super_block *image, *sb;
    int ret;

    ret = imagefs_mount(image_host_fd, &image);
    if (ret < 0)
        return ret;
    image->type = "imagefs";
    image->kill = imagefs_unmount;
    sb = image;
    if (union_line) {
        ret = unionfs_mount(image, union_line->options, &sb);
        if (ret < 0)
            return ret; /* unionfs_mount freed the image */
    }
    ret = vfs_mount_sb(sb, "/");
    if (ret < 0)
        kill_sb(sb);
    return ret;
}

int vfs_init(int image_host_fd)
{
    const struct config_mount *first = libos_config.n_mounts ? &libos_config.mounts[0] : NULL;
    bool have_union = first && !strcmp(first->type, "unionfs") && !strcmp(first->target, "/");
    struct inode *tmp;
    size_t i;
    int ret;

    fs_types_init();
    ret = mount_root(image_host_fd, have_union ? first : NULL);
    if (ret < 0)
        return ret;
    for (i = have_union ? 1 : 0; i < libos_config.n_mounts; i++) {
        const struct config_mount *m = &libos_config.mounts[i];

        if (!strcmp(m->type, "unionfs")) {
            log_error("mount: unionfs is only served as the first mount, on /; %s skipped",
                      m->target);
            continue;
        }
        ret = vfs_mount(m->type, m->target, m->source, m->options);
        if (ret == -ENOMEM)
            return ret;
        if (ret < 0)
            log_warn("mount: %s on %s not mounted (%d%s)", m->type, m->target, ret,
                     ret == -ENODEV ? ": type not available" : "");
    }
    if (libos_config.n_mounts == 0 && vfs_walk(NULL, "/tmp", WALK_DIRECTORY, &tmp) == 0) {
        inode_put(tmp);
        ret = vfs_mount("ramfs", "/tmp", NULL, NULL);
        if (ret < 0)
            log_warn("mount: ramfs on /tmp: %d", ret);
    }
    return 0;
}
