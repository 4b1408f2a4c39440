UNIT_TESTS += fs
fs_SRCS := test/unit/test_fs.c test/unit/test_fs_host.c src/libos/fs/file.c \
    src/libos/fs/fdtable.c src/libos/fs/fs_context.c src/libos/fs/namei.c src/libos/fs/open.c \
    src/libos/fs/stdio.c src/libos/fs/sys_fd.c src/libos/fs/sys_path.c src/libos/fs/sys_rw.c \
    src/libos/fs/imagefs/imagefs.c
