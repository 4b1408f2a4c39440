/*
 * Unit tests of the writable VFS: the mount table built by vfs_init from mount lines, ramfs
 * (with a size limit), unionfs over an image (copy-up, whiteouts, merged readdir, rename of
 * lower directories), the name-changing and attribute calls, and advisory locks (record
 * locks: split/merge, classic vs OFD owners; flock). Run on the host against an image built
 * here; the LibOS services are test_fs_host.c's.
 *
 * LibOS headers only (plus stdio.h): glibc's would clash with uapi/.
 */
#include "config/config.h"
#include "fs/fdtable.h"
#include "fs/fs_uapi.h"
#include "fs/vfs.h"
#include "occlum/image_format.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/string.h"
#include <stdio.h>
#include "unit_check.h"

void *calloc(size_t n, size_t m);
void free(void *p);
int th_tmpfile(const void *buf, size_t len);
void th_close(int fd);
extern size_t th_heap_live;
extern struct fdtable *th_files;
extern struct fs_context *th_fs;
extern uint32_t th_uid, th_gid;

struct libos_config libos_config;

#define L(x)   ((long)(x))
#define BADPTR ((void *)0x1000)

/* ---- a tiny image packer (the format of include/occlum/image_format.h) ---- */
#define MAXN 32
struct tnode {
    const char *name;
    int parent;
    uint32_t mode;
    const char *data;
    size_t len;
};
static struct tnode nodes[MAXN];
static int nn;

static int add(int parent, const char *name, uint32_t mode, const char *data)
{
    nodes[nn] = (struct tnode){name, parent, mode, data, data ? strlen(data) : 0};
    return nn++;
}

static uint8_t *pack(size_t *len_out)
{
    size_t cap = 1 << 20, off = 64 + (size_t)nn * 64;
    uint8_t *img = calloc(1, cap);
    struct image_header h = {0};
    int i, j, a, b;

    for (i = 0; i < nn; i++) {
        struct image_inode ino = {0};
        uint64_t start = off;

        if (S_ISDIR(nodes[i].mode)) {
            int kids[MAXN], nk = 0;

            for (j = 1; j < nn; j++)
                if (nodes[j].parent == i)
                    kids[nk++] = j;
            for (a = 0; a < nk; a++)
                for (b = a; b > 0 && strcmp(nodes[kids[b - 1]].name, nodes[kids[b]].name) > 0;
                     b--) {
                    int t = kids[b];
                    kids[b] = kids[b - 1];
                    kids[b - 1] = t;
                }
            for (a = 0; a < nk; a++) {
                struct image_dirent de = {0};
                size_t nl = strlen(nodes[kids[a]].name);
                uint32_t m = nodes[kids[a]].mode;

                de.ino = (uint32_t)kids[a];
                de.name_len = (uint16_t)nl;
                de.type = S_ISDIR(m) ? DT_DIR : S_ISLNK(m) ? DT_LNK : DT_REG;
                memcpy(img + off, &de, 8);
                memcpy(img + off + 8, nodes[kids[a]].name, nl);
                off += (8 + nl + 7) & ~(size_t)7;
            }
            ino.nlink = 2;
        } else {
            memcpy(img + off, nodes[i].data, nodes[i].len);
            off += nodes[i].len;
            ino.nlink = 1;
        }
        ino.mode = nodes[i].mode;
        ino.uid = 1000 + (uint32_t)i;
        ino.size = off - start;
        ino.data_off = start;
        ino.mtime_sec = 1700000000 + i;
        ino.parent = (uint32_t)(S_ISDIR(nodes[i].mode) ? nodes[i].parent : 0);
        memcpy(img + 64 + (size_t)i * 64, &ino, 64);
        off = (off + 7) & ~(size_t)7;
    }
    memcpy(h.magic, IMAGE_MAGIC_BYTES, 8);
    h.version = IMAGE_VERSION;
    h.inode_size = 64;
    h.inode_count = (uint64_t)nn;
    h.inode_off = 64;
    h.file_size = off;
    memcpy(img, &h, 64);
    *len_out = off;
    return img;
}

/* ---- helpers ---- */
static long sopen(const char *p, int flags, int mode)
{
    return sys_openat(AT_FDCWD, L(p), flags, mode, 0, 0);
}
static long sclose(long fd)
{
    return sys_close(fd, 0, 0, 0, 0, 0);
}
static long swrite(long fd, const char *s)
{
    return sys_write(fd, L(s), (long)strlen(s), 0, 0, 0);
}
static long sstat(const char *p, struct stat *st)
{
    return sys_newfstatat(AT_FDCWD, L(p), L(st), AT_SYMLINK_NOFOLLOW, 0, 0);
}
/* The whole content of a file into buf (NUL terminated); its length or -errno. */
static long slurp(const char *p, char *buf, size_t cap)
{
    long fd = sopen(p, O_RDONLY, 0), n;

    if (fd < 0)
        return fd;
    n = sys_read(fd, L(buf), (long)cap - 1, 0, 0, 0);
    sclose(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}
/* True if directory p lists `name`. */
static bool lists(const char *p, const char *name)
{
    char buf[4096];
    long fd = sopen(p, O_RDONLY | O_DIRECTORY, 0), n, off;
    bool found = false;

    if (fd < 0)
        return false;
    while ((n = sys_getdents64(fd, L(buf), sizeof(buf), 0, 0, 0)) > 0)
        for (off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (strcmp(d->d_name, name) == 0)
                found = true;
            off += d->d_reclen;
        }
    sclose(fd);
    return found;
}

static void test_mounts(void)
{
    struct stat st, st2;
    struct statfs sf;
    char cwd[256];

    CHECK_EQ(sstat("/tmp", &st), 0);
    CHECK_EQ(sstat("/etc", &st2), 0);
    CHECK(st.st_dev != st2.st_dev); /* /tmp is the ramfs */
    CHECK_EQ(st.st_mode, S_IFDIR | 01777);
    CHECK_EQ(sys_statfs(L("/tmp"), L(&sf), 0, 0, 0, 0), 0);
    CHECK_EQ(sf.f_type, RAMFS_MAGIC);
    CHECK_EQ(sys_statfs(L("/"), L(&sf), 0, 0, 0, 0), 0);
    CHECK_EQ(sf.f_type, OVERLAYFS_MAGIC);
    CHECK_EQ(sys_statfs(L("/"), L(BADPTR), 0, 0, 0, 0), -EFAULT);
    /* '..' out of a mount and back in */
    CHECK_EQ(sys_newfstatat(AT_FDCWD, L("/tmp/.."), L(&st), 0, 0, 0), 0);
    CHECK_EQ(sstat("/", &st2), 0);
    CHECK_EQ(st.st_ino, st2.st_ino);
    CHECK_EQ(st.st_dev, st2.st_dev);
    CHECK_EQ(sys_chdir(L("/tmp"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_getcwd(L(cwd), sizeof(cwd), 0, 0, 0, 0), 5);
    CHECK(strcmp(cwd, "/tmp") == 0);
    CHECK_EQ(sys_chdir(L(".."), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_getcwd(L(cwd), sizeof(cwd), 0, 0, 0, 0), 2);
    CHECK(strcmp(cwd, "/") == 0);
    CHECK_EQ(sys_chdir(L("/lnkdir/./sub/../sub"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_getcwd(L(cwd), sizeof(cwd), 0, 0, 0, 0), 9);
    CHECK(strcmp(cwd, "/etc/sub") == 0);
    CHECK_EQ(sys_chdir(L("/etc/passwd"), 0, 0, 0, 0, 0), -ENOTDIR);
    CHECK_EQ(sys_chdir(L(BADPTR), 0, 0, 0, 0, 0), -EFAULT);
    CHECK_EQ(sys_chdir(L("/"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_rmdir(L("/tmp"), 0, 0, 0, 0, 0), -EBUSY);
    CHECK_EQ(sys_rename(L("/tmp"), L("/tmp2"), 0, 0, 0, 0), -EBUSY);
    CHECK(lists("/", "tmp") && lists("/", "etc") && lists("/", "bin"));
}

static void test_ramfs(void)
{
    char buf[256], big[40000];
    struct stat st;
    long fd, fd2, n;
    int i;

    /* O_CREAT|O_EXCL: the second creator loses */
    fd = sopen("/tmp/f", O_RDWR | O_CREAT | O_EXCL, 0640);
    CHECK(fd >= 0);
    CHECK_EQ(sopen("/tmp/f", O_RDWR | O_CREAT | O_EXCL, 0640), -EEXIST);
    CHECK_EQ(swrite(fd, "hello world"), 11);
    CHECK_EQ(sys_pread64(fd, L(buf), 5, 6, 0, 0), 5);
    CHECK(memcmp(buf, "world", 5) == 0);
    CHECK_EQ(sys_pwrite64(fd, L("W"), 1, 6, 0, 0), 1);
    CHECK_EQ(sys_pwrite64(fd, L("W"), 1, -1, 0, 0), -EINVAL);
    CHECK_EQ(sys_fstat(fd, L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0640); /* umask 022 leaves 0640 alone */
    CHECK_EQ(st.st_size, 11);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(slurp("/tmp/f", buf, sizeof(buf)), 11);
    CHECK(strcmp(buf, "hello World") == 0);
    /* O_APPEND, truncate up (a hole of zeros) and down */
    fd2 = sopen("/tmp/f", O_WRONLY | O_APPEND, 0);
    CHECK_EQ(sys_lseek(fd2, 0, SEEK_SET, 0, 0, 0), 0);
    CHECK_EQ(swrite(fd2, "!"), 1);
    CHECK_EQ(sys_lseek(fd2, 0, SEEK_CUR, 0, 0, 0), 12);
    CHECK_EQ(sys_ftruncate(fd2, 20, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_pread64(fd, L(buf), 100, 10, 0, 0), 10);
    CHECK(buf[0] == 'd' && buf[1] == '!' && buf[2] == 0 && buf[9] == 0);
    CHECK_EQ(sys_lseek(fd, 0, SEEK_END, 0, 0, 0), 20);
    CHECK_EQ(sys_truncate(L("/tmp/f"), 5, 0, 0, 0, 0), 0);
    CHECK_EQ(slurp("/tmp/f", buf, sizeof(buf)), 5);
    CHECK_EQ(sys_ftruncate(fd, -1, 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_truncate(L("/tmp"), 0, 0, 0, 0, 0), -EISDIR);
    fd = sclose(fd) == 0 ? sopen("/tmp/f", O_RDONLY, 0) : -1;
    CHECK_EQ(sys_ftruncate(fd, 0, 0, 0, 0, 0), -EINVAL); /* not open for writing */
    CHECK_EQ(sys_write(fd, L("x"), 1, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_fallocate(fd2, 0, 0, 100, 0, 0), 0);
    CHECK_EQ(sys_fstat(fd2, L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_size, 100);
    CHECK_EQ(sys_fallocate(fd2, FALLOC_FL_KEEP_SIZE, 0, 1000, 0, 0), 0);
    CHECK_EQ(sys_fallocate(fd2, 0, 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_fallocate(fd, 0, 0, 10, 0, 0), -EBADF);
    CHECK_EQ(sys_fsync(fd, 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_fsync(99, 0, 0, 0, 0, 0), -EBADF);
    sclose(fd);
    sclose(fd2);

    /* O_TRUNC empties */
    fd = sopen("/tmp/f", O_WRONLY | O_TRUNC, 0);
    CHECK_EQ(sys_fstat(fd, L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_size, 0);
    sclose(fd);

    /* the size limit (64 KiB): a long write is short, then -ENOSPC */
    memset(big, 'x', sizeof(big));
    fd = sopen("/tmp/big", O_WRONLY | O_CREAT, 0600);
    CHECK_EQ(sys_write(fd, L(big), sizeof(big), 0, 0, 0), (long)sizeof(big));
    n = sys_write(fd, L(big), sizeof(big), 0, 0, 0);
    CHECK(n > 0 && n < (long)sizeof(big));
    CHECK_EQ(sys_write(fd, L(big), sizeof(big), 0, 0, 0), -ENOSPC);
    sclose(fd);
    CHECK_EQ(sys_unlink(L("/tmp/big"), 0, 0, 0, 0, 0), 0);
    fd = sopen("/tmp/big", O_WRONLY | O_CREAT, 0600); /* space came back */
    CHECK_EQ(sys_write(fd, L(big), sizeof(big), 0, 0, 0), (long)sizeof(big));
    sclose(fd);
    CHECK_EQ(sys_unlink(L("/tmp/big"), 0, 0, 0, 0, 0), 0);

    /* directories */
    CHECK_EQ(sys_mkdir(L("/tmp/d"), 0755, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_mkdir(L("/tmp/d"), 0755, 0, 0, 0, 0), -EEXIST);
    CHECK_EQ(sys_mkdir(L("/tmp/nope/d"), 0755, 0, 0, 0, 0), -ENOENT);
    CHECK_EQ(sys_mkdir(L("/tmp/f/d"), 0755, 0, 0, 0, 0), -ENOTDIR);
    CHECK_EQ(sys_mkdir(L("/tmp/d/e/"), 0700, 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/tmp/d", &st), 0);
    CHECK_EQ(st.st_nlink, 3);
    CHECK_EQ(sys_rmdir(L("/tmp/d"), 0, 0, 0, 0, 0), -ENOTEMPTY);
    CHECK_EQ(sys_rmdir(L("/tmp/f"), 0, 0, 0, 0, 0), -ENOTDIR);
    CHECK_EQ(sys_unlink(L("/tmp/d"), 0, 0, 0, 0, 0), -EISDIR);
    CHECK_EQ(sys_rmdir(L("/tmp/d/e/."), 0, 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_rename(L("/tmp/d"), L("/tmp/d/e/x"), 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_rename(L("/tmp/f"), L("/etc/f"), 0, 0, 0, 0), -EXDEV);
    CHECK_EQ(sys_link(L("/tmp/f"), L("/etc/f"), 0, 0, 0, 0), -EXDEV);
    CHECK_EQ(sys_rename(L("/tmp/f"), L("/tmp/d/e/f2"), 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/tmp/f", &st), -ENOENT);
    CHECK_EQ(sys_rename(L("/tmp/d/e"), L("/tmp/e"), 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/tmp/e/f2", &st), 0);
    CHECK_EQ(sys_newfstatat(AT_FDCWD, L("/tmp/e/.."), L(&st), 0, 0, 0), 0);
    CHECK_EQ(sstat("/tmp", &st.st_dev == 0 ? &st : &st), 0);
    CHECK_EQ(sys_rename(L("/tmp/e"), L("/tmp/d"), 0, 0, 0, 0), 0); /* over an empty dir */
    CHECK_EQ(sstat("/tmp/d/f2", &st), 0);
    /* renameat2 */
    fd = sopen("/tmp/g", O_WRONLY | O_CREAT, 0600);
    CHECK_EQ(swrite(fd, "G"), 1);
    sclose(fd);
    CHECK_EQ(sys_renameat2(AT_FDCWD, L("/tmp/g"), AT_FDCWD, L("/tmp/d/f2"), RENAME_NOREPLACE, 0),
             -EEXIST);
    CHECK_EQ(sys_renameat2(AT_FDCWD, L("/tmp/g"), AT_FDCWD, L("/tmp/d"), RENAME_EXCHANGE, 0), 0);
    CHECK_EQ(sstat("/tmp/g/f2", &st), 0); /* the directory is now /tmp/g */
    CHECK_EQ(slurp("/tmp/d", buf, sizeof(buf)), 1);
    CHECK_EQ(sys_renameat2(AT_FDCWD, L("/tmp/d"), AT_FDCWD, L("/tmp/nope"), RENAME_EXCHANGE, 0),
             -ENOENT);
    CHECK_EQ(sys_renameat2(AT_FDCWD, L("/tmp/d"), AT_FDCWD, L("/tmp/x"), 3, 0), -EINVAL);
    /* links, symlinks, FIFOs */
    CHECK_EQ(sys_link(L("/tmp/d"), L("/tmp/d2"), 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/tmp/d2", &st), 0);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(sys_link(L("/tmp/g"), L("/tmp/g2"), 0, 0, 0, 0), -EPERM);
    CHECK_EQ(sys_link(L("/tmp/d"), L("/tmp/d2"), 0, 0, 0, 0), -EEXIST);
    CHECK_EQ(sys_rename(L("/tmp/p"), L("/tmp/g"), 0, 0, 0, 0), -ENOENT);
    CHECK_EQ(sys_symlink(L("d"), L("/tmp/s"), 0, 0, 0, 0), 0);
    CHECK_EQ(sys_symlink(L("d"), L("/tmp/s"), 0, 0, 0, 0), -EEXIST);
    CHECK_EQ(sys_symlink(L(""), L("/tmp/s3"), 0, 0, 0, 0), -ENOENT);
    CHECK_EQ(sys_readlink(L("/tmp/s"), L(buf), sizeof(buf), 0, 0, 0), 1);
    CHECK_EQ(slurp("/tmp/s", buf, sizeof(buf)), 1);
    CHECK_EQ(sys_symlink(L("/tmp/s2"), L("/tmp/s2"), 0, 0, 0, 0), 0);
    CHECK_EQ(sopen("/tmp/s2", O_RDONLY, 0), -ELOOP);
    CHECK_EQ(sopen("/tmp/s", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
    CHECK_EQ(sys_mknod(L("/tmp/p"), S_IFIFO | 0644, 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/tmp/p", &st), 0);
    CHECK_EQ(st.st_mode, S_IFIFO | 0644);
    CHECK_EQ(sys_mknod(L("/tmp/r"), 0600, 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/tmp/r", &st), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0600);
    CHECK_EQ(sys_mknod(L("/tmp/q"), S_IFDIR | 0600, 0, 0, 0, 0), -EPERM);
    CHECK(lists("/tmp", "p") && lists("/tmp", "s") && lists("/tmp", "g") && !lists("/tmp", "f"));
    /* attributes */
    CHECK_EQ(sys_chmod(L("/tmp/d"), 0604, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_chown(L("/tmp/d"), 5, 6, 0, 0, 0), 0);
    {
        struct timespec ts[2] = {{100, 5}, {200, UTIME_OMIT}};

        CHECK_EQ(sys_utimensat(AT_FDCWD, L("/tmp/d"), L(ts), 0, 0, 0), 0);
        CHECK_EQ(sstat("/tmp/d", &st), 0);
        CHECK_EQ(st.st_mode, S_IFREG | 0604);
        CHECK_EQ(st.st_uid, 5);
        CHECK_EQ(st.st_gid, 6);
        CHECK_EQ(st.st_atim.tv_sec, 100);
        CHECK_EQ(st.st_atim.tv_nsec, 5);
        ts[1].tv_nsec = 1000000000;
        CHECK_EQ(sys_utimensat(AT_FDCWD, L("/tmp/d"), L(ts), 0, 0, 0), -EINVAL);
    }
    {
        struct statx sx;

        CHECK_EQ(sys_statx(AT_FDCWD, L("/tmp/d"), 0, STATX_BASIC_STATS, L(&sx), 0), 0);
        CHECK_EQ(sx.stx_mode, S_IFREG | 0604);
        CHECK_EQ(sx.stx_ino, st.st_ino);
        CHECK_EQ(sx.stx_size, 1);
        CHECK_EQ(sx.stx_atime.tv_sec, 100);
        CHECK_EQ(sys_statx(AT_FDCWD, L("/tmp/d"), 0, STATX__RESERVED, L(&sx), 0), -EINVAL);
        CHECK_EQ(sys_statx(AT_FDCWD, L("/tmp/d"), 0, 0, L(BADPTR), 0), -EFAULT);
    }
    /* non-root: permission bits count */
    th_uid = 1000;
    th_gid = 1000;
    CHECK_EQ(sopen("/tmp/d", O_RDWR, 0), -EACCES); /* 0604, owner 5 */
    fd = sopen("/tmp/d", O_RDONLY, 0);
    CHECK(fd >= 0);
    sclose(fd);
    CHECK_EQ(sys_chmod(L("/tmp/d"), 0777, 0, 0, 0, 0), -EPERM);
    CHECK_EQ(sys_access(L("/tmp/d"), W_OK, 0, 0, 0, 0), -EACCES);
    CHECK_EQ(sys_access(L("/tmp/d"), R_OK, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_chmod(L("/tmp/g"), 0700, 0, 0, 0, 0), 0 - EPERM);
    th_uid = 0;
    th_gid = 0;
    CHECK_EQ(sys_access(L("/tmp/d"), X_OK, 0, 0, 0, 0), -EACCES); /* root: no x bit at all */
    /* O_TMPFILE, then a name for it */
    fd = sopen("/tmp", O_TMPFILE | O_RDWR, 0600);
    CHECK(fd >= 0);
    CHECK_EQ(swrite(fd, "tmp"), 3);
    CHECK_EQ(sys_fstat(fd, L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(sys_linkat(fd, L(""), AT_FDCWD, L("/tmp/named"), AT_EMPTY_PATH, 0), 0);
    CHECK_EQ(slurp("/tmp/named", buf, sizeof(buf)), 3);
    CHECK_EQ(sopen("/tmp", O_TMPFILE | O_RDONLY, 0600), -EINVAL);
    sclose(fd);
    /* unlinked while open: the data stays readable through the fd */
    fd = sopen("/tmp/named", O_RDONLY, 0);
    CHECK_EQ(sys_unlink(L("/tmp/named"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_read(fd, L(buf), sizeof(buf), 0, 0, 0), 3);
    sclose(fd);
    /* sendfile and copy_file_range */
    fd = sopen("/tmp/src", O_RDWR | O_CREAT, 0600);
    for (i = 0; i < 10; i++)
        swrite(fd, "0123456789");
    fd2 = sopen("/tmp/dst", O_RDWR | O_CREAT, 0600);
    {
        int64_t off = 95;

        CHECK_EQ(sys_sendfile(fd2, fd, L(&off), 100, 0, 0), 5);
        CHECK_EQ(off, 100);
        CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR, 0, 0, 0), 100); /* unchanged: off was given */
        off = 10;
        CHECK_EQ(sys_copy_file_range(fd, L(&off), fd2, 0, 20, 0), 20);
        CHECK_EQ(sys_copy_file_range(fd, L(&off), fd, 0, 20, 1), -EINVAL);
        CHECK_EQ(slurp("/tmp/dst", buf, sizeof(buf)), 25);
        CHECK(memcmp(buf, "567890123456789012345678", 24) == 0);
        CHECK_EQ(sys_sendfile(fd2, 99, 0, 1, 0, 0), -EBADF);
    }
    sclose(fd);
    sclose(fd2);
    /* preadv/pwritev */
    {
        struct iovec iov[2] = {{buf, 3}, {buf + 10, 4}};

        fd = sopen("/tmp/src", O_RDWR, 0);
        CHECK_EQ(sys_preadv(fd, L(iov), 2, 5, 0, 0), 7);
        CHECK(memcmp(buf, "567", 3) == 0 && memcmp(buf + 10, "8901", 4) == 0);
        CHECK_EQ(sys_pwritev2(fd, L(iov), 2, -1, 0, 0), 7);
        CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR, 0, 0, 0), 7);
        CHECK_EQ(sys_preadv2(fd, L(iov), 2, 0, 0, 0x100), -EOPNOTSUPP);
        CHECK_EQ(sys_preadv(fd, L(BADPTR), 2, 0, 0, 0), -EFAULT);
        sclose(fd);
    }
}

static void test_union(void)
{
    struct stat st, st2;
    char buf[256];
    long fd;

    /* copy-up on write keeps the inode number and the untouched bytes */
    CHECK_EQ(sstat("/etc/passwd", &st), 0);
    CHECK_EQ(st.st_uid, 1002);
    fd = sopen("/etc/passwd", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_EQ(sys_pwrite64(fd, L("ROOT"), 4, 0, 0, 0), 4);
    CHECK_EQ(sys_fstat(fd, L(&st2), 0, 0, 0, 0), 0);
    CHECK_EQ(st2.st_ino, st.st_ino);
    CHECK_EQ(st2.st_uid, 1002);
    sclose(fd);
    CHECK_EQ(slurp("/etc/passwd", buf, sizeof(buf)), 13);
    CHECK(strcmp(buf, "ROOT:x:0:0:r\n") == 0);
    /* chmod copies up the metadata */
    CHECK_EQ(sys_chmod(L("/bin/tool"), 0700, 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/bin/tool", &st), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0700);
    CHECK_EQ(slurp("/bin/tool", buf, sizeof(buf)), 4);
    /* delete a lower file: whiteout */
    CHECK_EQ(sys_unlink(L("/etc/sub/a"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/etc/sub/a", &st), -ENOENT);
    CHECK(!lists("/etc/sub", "a") && lists("/etc/sub", "b"));
    CHECK_EQ(sys_unlink(L("/etc/sub/a"), 0, 0, 0, 0, 0), -ENOENT);
    fd = sopen("/etc/sub/a", O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(sys_read(fd, L(buf), sizeof(buf), 0, 0, 0), 0); /* a new, empty file */
    sclose(fd);
    CHECK(lists("/etc/sub", "a"));
    CHECK_EQ(sys_rmdir(L("/etc/sub"), 0, 0, 0, 0, 0), -ENOTEMPTY);
    /* rename a lower directory: its whole tree moves */
    CHECK_EQ(sys_rename(L("/etc"), L("/etc2"), 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/etc", &st), -ENOENT);
    CHECK_EQ(slurp("/etc2/passwd", buf, sizeof(buf)), 13);
    CHECK(strcmp(buf, "ROOT:x:0:0:r\n") == 0);
    CHECK_EQ(slurp("/etc2/sub/b", buf, sizeof(buf)), 2);
    CHECK(lists("/", "etc2") && !lists("/", "etc"));
    CHECK_EQ(sys_mkdir(L("/etc"), 0755, 0, 0, 0, 0), 0); /* again: empty, not merged */
    CHECK(!lists("/etc", "passwd"));
    CHECK_EQ(sys_rmdir(L("/etc"), 0, 0, 0, 0, 0), 0);
    /* a lower-only file renamed over another lower file */
    CHECK_EQ(sys_rename(L("/data/one"), L("/data/two"), 0, 0, 0, 0), 0);
    CHECK_EQ(slurp("/data/two", buf, sizeof(buf)), 3);
    CHECK(strcmp(buf, "one") == 0);
    CHECK(!lists("/data", "one") && lists("/data", "two"));
    /* rmdir of a lower directory after emptying it */
    CHECK_EQ(sys_unlink(L("/data/two"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_rmdir(L("/data"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/data", &st), -ENOENT);
    /* symlinks from the image still resolve, and can be replaced */
    CHECK_EQ(slurp("/lnk", buf, sizeof(buf)), -ENOENT); /* its target moved to /etc2 */
    CHECK_EQ(slurp("/lnkdir/../etc2/passwd", buf, sizeof(buf)), -ENOENT);
    CHECK_EQ(sys_unlink(L("/lnk"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_symlink(L("/etc2/sub/b"), L("/lnk"), 0, 0, 0, 0), 0);
    CHECK_EQ(slurp("/lnk", buf, sizeof(buf)), 2);
    /* hard link of a lower file */
    CHECK_EQ(sys_link(L("/etc2/sub/b"), L("/b2"), 0, 0, 0, 0), 0);
    CHECK_EQ(sstat("/b2", &st), 0);
    CHECK_EQ(sstat("/etc2/sub/b", &st2), 0);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(st.st_ino, st2.st_ino);
}

static void test_locks(void)
{
    struct flock fl;
    long a, b, c;

    a = sopen("/tmp/lk", O_RDWR | O_CREAT, 0600);
    b = sopen("/tmp/lk", O_RDWR, 0);
    CHECK(a >= 0 && b >= 0);
    /* OFD locks: owned by the open file, so two opens conflict */
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    CHECK_EQ(sys_fcntl(a, F_OFD_SETLK, L(&fl), 0, 0, 0), 0);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 50, .l_len = 1};
    CHECK_EQ(sys_fcntl(b, F_OFD_SETLK, L(&fl), 0, 0, 0), -EAGAIN);
    CHECK_EQ(sys_fcntl(b, F_OFD_SETLKW, L(&fl), 0, 0, 0), -EDEADLK);
    /* unlock the middle: the lock splits in two */
    fl = (struct flock){.l_type = F_UNLCK, .l_start = 40, .l_len = 20};
    CHECK_EQ(sys_fcntl(a, F_OFD_SETLK, L(&fl), 0, 0, 0), 0);
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 45, .l_len = 2};
    CHECK_EQ(sys_fcntl(b, F_OFD_GETLK, L(&fl), 0, 0, 0), 0);
    CHECK_EQ(fl.l_type, F_UNLCK);
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 70, .l_len = 1};
    CHECK_EQ(sys_fcntl(b, F_OFD_GETLK, L(&fl), 0, 0, 0), 0);
    CHECK_EQ(fl.l_type, F_WRLCK);
    CHECK_EQ(fl.l_start, 60);
    CHECK_EQ(fl.l_len, 40);
    CHECK_EQ(fl.l_pid, -1);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 10, .l_len = 1};
    CHECK_EQ(sys_fcntl(b, F_OFD_GETLK, L(&fl), 0, 0, 0), 0);
    CHECK_EQ(fl.l_start, 0);
    CHECK_EQ(fl.l_len, 40);
    /* re-lock the hole: merged back into one */
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 40, .l_len = 20};
    CHECK_EQ(sys_fcntl(a, F_OFD_SETLK, L(&fl), 0, 0, 0), 0);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 0, .l_len = 0};
    CHECK_EQ(sys_fcntl(b, F_OFD_GETLK, L(&fl), 0, 0, 0), 0);
    CHECK_EQ(fl.l_start, 0);
    CHECK_EQ(fl.l_len, 100);
    fl = (struct flock){.l_type = F_RDLCK, .l_pid = 3};
    CHECK_EQ(sys_fcntl(b, F_OFD_GETLK, L(&fl), 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_fcntl(b, F_OFD_GETLK, L(BADPTR), 0, 0, 0), -EFAULT);
    /* classic locks of this process conflict with another open file's OFD lock */
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 200, .l_len = 0};
    CHECK_EQ(sys_fcntl(b, F_SETLK, L(&fl), 0, 0, 0), 0);
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_END, .l_start = 300, .l_len = 5};
    CHECK_EQ(sys_fcntl(a, F_OFD_GETLK, L(&fl), 0, 0, 0), 0);
    CHECK_EQ(fl.l_type, F_WRLCK);
    CHECK_EQ(fl.l_pid, 7);
    CHECK_EQ(fl.l_len, 0);
    /* ... and a classic lock query from this process sees only the OFD lock */
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 0, .l_len = 0};
    CHECK_EQ(sys_fcntl(b, F_GETLK, L(&fl), 0, 0, 0), 0);
    CHECK_EQ(fl.l_start, 0);
    CHECK_EQ(fl.l_len, 100);
    /* closing any fd of the file drops the process's classic locks */
    c = sopen("/tmp/lk", O_RDONLY, 0);
    sclose(c);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 250, .l_len = 1};
    CHECK_EQ(sys_fcntl(a, F_OFD_GETLK, L(&fl), 0, 0, 0), 0);
    CHECK_EQ(fl.l_type, F_UNLCK);
    /* the last reference to an open file drops its OFD locks */
    c = sys_dup(a, 0, 0, 0, 0, 0);
    sclose(a);
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 0, .l_len = 1};
    CHECK_EQ(sys_fcntl(b, F_OFD_SETLK, L(&fl), 0, 0, 0), -EAGAIN);
    sclose(c);
    CHECK_EQ(sys_fcntl(b, F_OFD_SETLK, L(&fl), 0, 0, 0), 0);
    /* bad arguments */
    fl = (struct flock){.l_type = 9};
    CHECK_EQ(sys_fcntl(b, F_SETLK, L(&fl), 0, 0, 0), -EINVAL);
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = 7};
    CHECK_EQ(sys_fcntl(b, F_SETLK, L(&fl), 0, 0, 0), -EINVAL);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = -5, .l_len = 1};
    CHECK_EQ(sys_fcntl(b, F_SETLK, L(&fl), 0, 0, 0), -EINVAL);
    c = sopen("/tmp/lk", O_RDONLY, 0);
    fl = (struct flock){.l_type = F_WRLCK};
    CHECK_EQ(sys_fcntl(c, F_SETLK, L(&fl), 0, 0, 0), -EBADF);
    /* flock: per open file, independent of record locks */
    CHECK_EQ(sys_flock(b, LOCK_EX, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_flock(c, LOCK_SH | LOCK_NB, 0, 0, 0, 0), -EAGAIN);
    CHECK_EQ(sys_flock(c, LOCK_EX, 0, 0, 0, 0), -EDEADLK);
    CHECK_EQ(sys_flock(b, LOCK_SH, 0, 0, 0, 0), 0); /* downgrade */
    CHECK_EQ(sys_flock(c, LOCK_SH | LOCK_NB, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_flock(c, 0, 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_flock(99, LOCK_SH, 0, 0, 0, 0), -EBADF);
    sclose(b);
    sclose(c);
    /* close_range */
    a = sopen("/tmp/lk", O_RDONLY, 0);
    b = sopen("/tmp/lk", O_RDONLY, 0);
    CHECK_EQ(sys_close_range(a, b, CLOSE_RANGE_CLOEXEC, 0, 0, 0), 0);
    CHECK_EQ(sys_fcntl(b, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
    CHECK_EQ(sys_close_range(b, a, 0, 0, 0, 0), b > a ? -EINVAL : 0);
    CHECK_EQ(sys_close_range(a, ~0u, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_close(a, 0, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_close(b, 0, 0, 0, 0, 0), -EBADF);
}

int main(void)
{
    uint8_t *img;
    size_t len;
    int hfd, root, etc, sub, bin, data;

    root = add(0, "", S_IFDIR | 0755, NULL);
    etc = add(root, "etc", S_IFDIR | 0755, NULL);
    add(etc, "passwd", S_IFREG | 0644, "root:x:0:0:r\n");
    sub = add(etc, "sub", S_IFDIR | 0755, NULL);
    add(sub, "a", S_IFREG | 0644, "A\n");
    add(sub, "b", S_IFREG | 0644, "B\n");
    bin = add(root, "bin", S_IFDIR | 0755, NULL);
    add(bin, "tool", S_IFREG | 0755, "tool");
    add(root, "tmp", S_IFDIR | 01777, NULL);
    add(root, "lnk", S_IFLNK | 0777, "etc/passwd");
    add(root, "lnkdir", S_IFLNK | 0777, "etc");
    data = add(root, "data", S_IFDIR | 0755, NULL);
    add(data, "one", S_IFREG | 0644, "one");
    add(data, "two", S_IFREG | 0644, "two");
    img = pack(&len);
    hfd = th_tmpfile(img, len);

    libos_config.mounts[0] = (struct config_mount){"unionfs", "/", NULL, "upper=ramfs"};
    libos_config.mounts[1] = (struct config_mount){"ramfs", "/tmp", NULL, "size=65536"};
    libos_config.mounts[2] = (struct config_mount){"devfs", "/dev", NULL, NULL}; /* skipped */
    libos_config.mounts[3] = (struct config_mount){"ramfs", "/nowhere", NULL, NULL}; /* ditto */
    libos_config.n_mounts = 4;
    CHECK_EQ(vfs_init(hfd), 0);
    th_files = fdtable_create_stdio();
    th_fs = fs_context_create();
    CHECK(th_files && th_fs && vfs_root);

    test_mounts();
    test_ramfs();
    test_union();
    test_locks();

    fdtable_destroy(th_files);
    fs_context_destroy(th_fs);
    vfs_unmount_all();
    bounce_pool_drain();
    CHECK_EQ(th_heap_live, 0);
    th_close(hfd);
    free(img);
    printf("%s: %d checks, %d failures\n", failures ? "FAIL" : "PASS", checks, failures);
    return failures ? 1 : 0;
}
