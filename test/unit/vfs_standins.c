/*
 * Stand-ins for the parts of fs/file.c that the file-system unit tests (hostfs, pseudofs)
 * need, without the rest of the VFS: inodes as fs/file.c makes them, and lseek's position
 * rule. Memory comes from the test's own kzalloc/kfree, which count leaks.
 */
#include "fs/vfs.h"
#include "mm/mm.h"
#include "uapi/errno.h"

const struct file_ops generic_dir_file_ops = {0};

struct inode *inode_alloc(struct super_block *sb, uint64_t ino, uint32_t mode, uint64_t size,
                          const struct inode_ops *iops, const struct file_ops *fops)
{
    struct inode *i = kzalloc(sizeof(*i));
    i->refcount = 1;
    i->sb = sb;
    i->ino = ino;
    i->mode = mode;
    i->size = size;
    i->iops = iops;
    i->fops = fops;
    return i;
}

void inode_get(struct inode *i)
{
    i->refcount++;
}

void inode_put(struct inode *i)
{
    if (!i || --i->refcount)
        return;
    if (i->iops && i->iops->release)
        i->iops->release(i);
    kfree(i);
}

int64_t file_seek_to(struct file *f, int64_t base, int64_t off)
{
    int64_t np;
    if (__builtin_add_overflow(base, off, &np) || np < 0)
        return -EINVAL;
    f->pos = (uint64_t)np;
    return np;
}
