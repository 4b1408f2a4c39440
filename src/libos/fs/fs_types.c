/*
 * The registry's start-up list: which file-system types exist (fs/fs_types.h). ramfs (also
 * as "tmpfs") is this directory's; the others register themselves through weak hooks that
 * stay NULL until their file system is linked in. unionfs is not a registered type: it needs
 * the image as its lower layer, so vfs_init mounts it itself.
 */
#include "fs/fs_types.h"
#include "fs/vfs.h"
#include "util/log.h"

void fs_types_init(void)
{
    void (*hooks[])(void) = {devfs_register, procfs_register, sysfs_register, hostfs_register};
    size_t i;

    vfs_register_fs("ramfs", ramfs_mount);
    vfs_register_fs("tmpfs", ramfs_mount);
    /* Weak symbols: NULL when that file system is not part of this build. */
    for (i = 0; i < ARRAY_SIZE(hooks); i++)
        if (hooks[i])
            hooks[i]();
}
