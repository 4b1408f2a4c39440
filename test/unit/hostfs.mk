UNIT_TESTS += hostfs
hostfs_SRCS := test/unit/test_hostfs.c test/unit/vfs_standins.c test/unit/test_hostfs_host.c src/libos/fs/hostfs/hostfs.c \
    src/libos/ocall/ocall.c src/host/ocall.c
hostfs_CFLAGS := -D_GNU_SOURCE -Isrc/host
