UNIT_TESTS += fs
FS_UNIT_LIBOS := src/libos/fs/file.c src/libos/fs/fdtable.c src/libos/fs/fs_context.c \
    src/libos/fs/namei.c src/libos/fs/open.c src/libos/fs/stdio.c src/libos/fs/sys_fd.c \
    src/libos/fs/sys_path.c src/libos/fs/sys_rw.c src/libos/fs/sys_namei.c \
    src/libos/fs/sys_attr.c src/libos/fs/mount.c src/libos/fs/fs_types.c \
    src/libos/fs/ramfs.c src/libos/fs/unionfs.c src/libos/fs/lock.c \
    src/libos/fs/imagefs/imagefs.c src/libos/fs/imagefs/block_cache.c
fs_SRCS := test/unit/test_fs.c test/unit/test_fs_host.c $(FS_UNIT_LIBOS)

# ramfs, unionfs, the name-changing calls and locks, on the same host stand-ins.
UNIT_TESTS += fs_rw
fs_rw_SRCS := test/unit/test_fs_rw.c test/unit/test_fs_host.c $(FS_UNIT_LIBOS)
