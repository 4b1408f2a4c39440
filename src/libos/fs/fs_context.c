/*
 * Per-process file-system context: the cwd (inode and canonical path) and the umask
 * (fs/vfs.h: struct fs_context). The root is always vfs_root for now; chroot and per-process
 * roots come with the full VFS.
 */
#include "fs/vfs.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

static struct fs_context *fs_context_new(struct inode *cwd, const char *path, uint32_t umask)
{
    struct fs_context *fs = kzalloc(sizeof(*fs));
    size_t len = strlen(path);

    if (!fs)
        return NULL;
    fs->cwd_path = kmalloc(len + 1);
    if (!fs->cwd_path) {
        kfree(fs);
        return NULL;
    }
    memcpy(fs->cwd_path, path, len + 1);
    fs->lock = (spinlock_t)SPINLOCK_INIT;
    if (cwd)
        inode_get(cwd);
    fs->cwd = cwd;
    fs->umask = umask;
    return fs;
}

struct fs_context *fs_context_create(void)
{
    return fs_context_new(vfs_root, "/", 022);
}

struct fs_context *fs_context_clone(struct fs_context *fs)
{
    struct fs_context *copy;
    struct inode *cwd;
    char *path;
    size_t len;

    /* Copy the path out first: the allocation must not happen under the lock. */
    for (;;) {
        spin_lock(&fs->lock);
        len = strlen(fs->cwd_path);
        spin_unlock(&fs->lock);
        path = kmalloc(len + 1);
        if (!path)
            return NULL;
        spin_lock(&fs->lock);
        if (strlen(fs->cwd_path) == len)
            break;
        spin_unlock(&fs->lock);
        kfree(path);
    }
    memcpy(path, fs->cwd_path, len + 1);
    cwd = fs->cwd;
    if (cwd)
        inode_get(cwd);
    spin_unlock(&fs->lock);

    copy = fs_context_new(cwd, path, __atomic_load_n(&fs->umask, __ATOMIC_RELAXED));
    inode_put(cwd);
    kfree(path);
    return copy;
}

void fs_context_destroy(struct fs_context *fs)
{
    if (!fs)
        return;
    inode_put(fs->cwd);
    kfree(fs->cwd_path);
    kfree(fs);
}

struct inode *fs_context_cwd(struct fs_context *fs)
{
    struct inode *cwd;

    spin_lock(&fs->lock);
    cwd = fs->cwd ? fs->cwd : vfs_root;
    inode_get(cwd);
    spin_unlock(&fs->lock);
    return cwd;
}

int fs_context_set_cwd(struct fs_context *fs, struct inode *dir, const char *path)
{
    size_t len = strlen(path);
    char *copy = kmalloc(len + 1);
    struct inode *old;
    char *old_path;

    if (!copy)
        return -ENOMEM;
    memcpy(copy, path, len + 1);
    inode_get(dir);
    spin_lock(&fs->lock);
    old = fs->cwd;
    old_path = fs->cwd_path;
    fs->cwd = dir;
    fs->cwd_path = copy;
    spin_unlock(&fs->lock);
    inode_put(old);
    kfree(old_path);
    return 0;
}
