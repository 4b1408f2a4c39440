UNIT_TESTS += pseudofs
pseudofs_SRCS := test/unit/test_pseudofs.c test/unit/vfs_standins.c src/libos/fs/procfs/pseudo.c \
    src/libos/fs/procfs/procfs.c src/libos/fs/procfs/procfs_pid.c \
    src/libos/fs/procfs/cpuinfo.c src/libos/fs/devfs/devfs.c src/libos/fs/sysfs/sysfs.c
