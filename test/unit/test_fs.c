/*
 * Unit tests of fs/: imagefs, the path walk, the fd table, the standard streams and the
 * syscall handlers, run on the host against image files built here by a tiny packer that
 * follows include/occlum/image_format.h. The LibOS services fs/ needs are played by
 * test_fs_host.c (host_pread is a real pread on a temporary file).
 *
 * This file includes LibOS headers only (plus stdio.h for printf): glibc's other headers
 * define the same Linux types as uapi/.
 */
#include "config/config.h"
#include "fs/fdtable.h"
#include "fs/imagefs/imagefs.h"
#include "fs/vfs.h"
#include "occlum/image_format.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/string.h"
#include <stdio.h>
#include "unit_check.h"

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void free(void *p);
void exit(int status);
int th_tmpfile(const void *buf, size_t len);
void th_close(int fd);
extern size_t th_pread_chunk, th_write_chunk, th_out_len, th_in_pos, th_heap_live;
extern long th_pread_calls;
extern char th_out[];
extern const char *th_in;
extern int th_log_lines;
extern struct fdtable *th_files;
extern struct fs_context *th_fs;
extern uint64_t th_nofile;

/* vfs_init reads the mount lines; none here: the image alone, as before. */
struct libos_config libos_config;

/* A guest pointer the uaccess stubs treat as unmapped. */
#define BADPTR ((void *)0x1000)
#define L(x)   ((long)(x))

/* ------------------------------------------------------------------------------------------
 * A tiny image packer.
 */
#define MAXN 256

struct tnode {
    char name[300];
    int parent;
    uint32_t mode;
    const char *data;
    size_t len;
    uint64_t data_off; /* filled by pack() */
};

static struct tnode nodes[MAXN];
static int nn;

static void tree_reset(void)
{
    memset(nodes, 0, sizeof(nodes));
    nn = 0;
}

static int add(int parent, const char *name, uint32_t mode, const char *data, size_t len)
{
    struct tnode *t = &nodes[nn];

    size_t nl = strlen(name);

    if (nl >= sizeof(t->name))
        nl = sizeof(t->name) - 1;
    memcpy(t->name, name, nl);
    t->name[nl] = '\0';
    t->parent = parent;
    t->mode = mode;
    t->data = data;
    t->len = len;
    return nn++;
}

#define DIR(p, n)    add((p), (n), S_IFDIR | 0755, NULL, 0)
#define REG(p, n, s) add((p), (n), S_IFREG | 0644, (s), strlen(s))
#define LNK(p, n, t) add((p), (n), S_IFLNK | 0777, (t), strlen(t))

static int cmp_name(int a, int b)
{
    return strcmp(nodes[a].name, nodes[b].name);
}

static uint8_t *pack(size_t *len_out)
{
    size_t cap = 64 + (size_t)nn * 64 + 8, off;
    uint8_t *img;
    int i, j;

    for (i = 0; i < nn; i++)
        cap += nodes[i].len + 8 + (size_t)nn * (8 + 264);
    img = calloc(1, cap);
    off = 64 + (size_t)nn * 64;
    for (i = 0; i < nn; i++) {
        struct image_inode ino = {0};
        uint64_t start = off;

        if (S_ISDIR(nodes[i].mode)) {
            int kids[MAXN], nk = 0, a, b;

            for (j = 1; j < nn; j++)
                if (nodes[j].parent == i)
                    kids[nk++] = j;
            for (a = 0; a < nk; a++) /* insertion sort by name */
                for (b = a; b > 0 && cmp_name(kids[b - 1], kids[b]) > 0; b--) {
                    int t = kids[b];
                    kids[b] = kids[b - 1];
                    kids[b - 1] = t;
                }
            for (a = 0; a < nk; a++) {
                struct tnode *k = &nodes[kids[a]];
                struct image_dirent de = {0};
                size_t nl = strlen(k->name);

                de.ino = (uint32_t)kids[a];
                de.name_len = (uint16_t)nl;
                de.type = S_ISDIR(k->mode) ? DT_DIR : S_ISLNK(k->mode) ? DT_LNK : DT_REG;
                memcpy(img + off, &de, 8);
                memcpy(img + off + 8, k->name, nl);
                off += (8 + nl + 7) & ~(size_t)7;
            }
            ino.nlink = 2;
        } else {
            memcpy(img + off, nodes[i].data, nodes[i].len);
            off += nodes[i].len;
            ino.nlink = 1;
        }
        ino.mode = nodes[i].mode;
        ino.size = off - start;
        ino.data_off = start;
        ino.mtime_sec = 1700000000 + i;
        ino.mtime_nsec = (uint32_t)i;
        ino.parent = (uint32_t)(S_ISDIR(nodes[i].mode) ? nodes[i].parent : 0);
        nodes[i].data_off = start;
        memcpy(img + 64 + (size_t)i * 64, &ino, 64);
        off = (off + 7) & ~(size_t)7;
    }
    {
        struct image_header h = {0};

        memcpy(h.magic, IMAGE_MAGIC_BYTES, 8);
        h.version = IMAGE_VERSION;
        h.inode_size = 64;
        h.inode_count = (uint64_t)nn;
        h.inode_off = 64;
        h.file_size = off;
        memcpy(img, &h, 64);
    }
    *len_out = off;
    return img;
}

/* ------------------------------------------------------------------------------------------
 * The main test tree.
 */
#define BIG_SIZE (300 * 1024 + 17)
static char *big;
static int n_root, n_a, n_b, n_f, n_many, n_noexec, n_abs;
static char many_names[100][16];
static char chain_names[41][16], chain_targets[41][16];

static void build_main_tree(void)
{
    int i;

    tree_reset();
    n_root = DIR(0, "");
    nodes[0].parent = 0;
    n_a = DIR(n_root, "a");
    n_b = DIR(n_a, "b");
    n_f = REG(n_b, "f.txt", "hello world\n");
    LNK(n_a, "link_up", "..");
    n_abs = LNK(n_root, "abs", "/a/b/f.txt");
    LNK(n_root, "rel", "a/b/f.txt");
    LNK(n_root, "dirlink", "a/b");
    LNK(n_root, "loop1", "loop2");
    LNK(n_root, "loop2", "loop1");
    LNK(n_root, "self", "self");
    LNK(n_root, "dangling", "nonexistent");
    LNK(n_root, "tofile_slash", "a/b/f.txt/");
    REG(n_root, "empty", "");
    n_noexec = REG(n_root, "noexec", "#!/bin/sh\n");
    nodes[add(n_root, "tool", S_IFREG | 0755, "x", 1)].mode = S_IFREG | 0755;
    big = malloc(BIG_SIZE);
    for (i = 0; i < BIG_SIZE; i++)
        big[i] = (char)(i * 7 % 251);
    add(n_root, "big", S_IFREG | 0644, big, BIG_SIZE);
    n_many = DIR(n_root, "many");
    for (i = 0; i < 100; i++) {
        snprintf(many_names[i], sizeof(many_names[i]), "e%03d", i);
        REG(n_many, many_names[i], "");
    }
    /* c00 -> c01 -> ... -> c40 -> a/b/f.txt: resolving c00 follows 41 links, c01 40. */
    for (i = 0; i <= 40; i++) {
        snprintf(chain_names[i], sizeof(chain_names[i]), "c%02d", i);
        snprintf(chain_targets[i], sizeof(chain_targets[i]), "c%02d", i + 1);
        LNK(n_root, chain_names[i], i == 40 ? "a/b/f.txt" : chain_targets[i]);
    }
}

/* ------------------------------------------------------------------------------------------
 * Helpers.
 */
static int walk_ino(const char *path, int flags, uint64_t *ino, uint32_t *mode)
{
    struct inode *inode;
    int ret = vfs_walk(NULL, path, flags, &inode);

    if (ret < 0)
        return ret;
    if (ino)
        *ino = inode->ino;
    if (mode)
        *mode = inode->mode;
    inode_put(inode);
    return 0;
}

static long sopen(const char *path, int flags)
{
    return sys_openat(AT_FDCWD, L(path), flags, 0, 0, 0);
}

static long sstat(const char *path, struct stat *st)
{
    return sys_newfstatat(AT_FDCWD, L(path), L(st), 0, 0, 0);
}

static long slstat(const char *path, struct stat *st)
{
    return sys_newfstatat(AT_FDCWD, L(path), L(st), AT_SYMLINK_NOFOLLOW, 0, 0);
}

/* ------------------------------------------------------------------------------------------
 * Tests on a good image.
 */
static void test_walk(void)
{
    uint64_t ino;
    uint32_t mode;
    char name[300], *longpath;

    CHECK_EQ(walk_ino("/", WALK_FOLLOW, &ino, &mode), 0);
    CHECK_EQ(ino, 0);
    CHECK(S_ISDIR(mode));
    CHECK_EQ(walk_ino("//a///b//f.txt", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, n_f);
    CHECK_EQ(walk_ino("a/b/f.txt", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, n_f);
    CHECK_EQ(walk_ino("/a/b/../b/./f.txt", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, n_f);
    CHECK_EQ(walk_ino("/..", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, 0);
    CHECK_EQ(walk_ino("/../../a/..", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, 0);
    CHECK_EQ(walk_ino("/a/b/", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, n_b);
    CHECK_EQ(walk_ino("/a/b/f.txt/", WALK_FOLLOW, NULL, NULL), -ENOTDIR);
    CHECK_EQ(walk_ino("/a/b/f.txt/.", WALK_FOLLOW, NULL, NULL), -ENOTDIR);
    CHECK_EQ(walk_ino("/a/b/f.txt/..", WALK_FOLLOW, NULL, NULL), -ENOTDIR);
    CHECK_EQ(walk_ino("/a/b/f.txt/x", WALK_FOLLOW, NULL, NULL), -ENOTDIR);
    CHECK_EQ(walk_ino("/a/b/f.txt", WALK_DIRECTORY, NULL, NULL), -ENOTDIR);
    CHECK_EQ(walk_ino("/nope", WALK_FOLLOW, NULL, NULL), -ENOENT);
    CHECK_EQ(walk_ino("/a/nope/x", WALK_FOLLOW, NULL, NULL), -ENOENT);
    CHECK_EQ(walk_ino("", WALK_FOLLOW, NULL, NULL), -ENOENT);
    memset(name, 'x', 256);
    name[0] = '/';
    name[256] = '\0'; /* a 255-byte component: fine, but absent */
    CHECK_EQ(walk_ino(name, WALK_FOLLOW, NULL, NULL), -ENOENT);
    name[256] = 'x';
    name[257] = '\0'; /* 256 bytes */
    CHECK_EQ(walk_ino(name, WALK_FOLLOW, NULL, NULL), -ENAMETOOLONG);
    longpath = malloc(PATH_MAX + 1);
    memset(longpath, '/', PATH_MAX);
    longpath[PATH_MAX] = '\0';
    CHECK_EQ(walk_ino(longpath, WALK_FOLLOW, NULL, NULL), -ENAMETOOLONG);
    CHECK_EQ(sopen(longpath, O_RDONLY), -ENAMETOOLONG);
    longpath[PATH_MAX - 1] = '\0'; /* 4095 slashes: the root */
    CHECK_EQ(walk_ino(longpath, WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, 0);
    CHECK_EQ(sopen(longpath, O_RDONLY), 3);
    CHECK_EQ(sys_close(3, 0, 0, 0, 0, 0), 0);
    free(longpath);

    /* symlinks */
    CHECK_EQ(walk_ino("/abs", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, n_f);
    CHECK_EQ(walk_ino("/abs", 0, &ino, &mode), 0);
    CHECK_EQ(ino, n_abs);
    CHECK(S_ISLNK(mode));
    CHECK_EQ(walk_ino("/rel", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, n_f);
    CHECK_EQ(walk_ino("/dirlink/f.txt", 0, &ino, NULL), 0);
    CHECK_EQ(ino, n_f);
    CHECK_EQ(walk_ino("/dirlink/", 0, &ino, NULL), 0); /* trailing slash follows */
    CHECK_EQ(ino, n_b);
    CHECK_EQ(walk_ino("/dirlink/..", 0, &ino, NULL), 0); /* .. of the target, not of / */
    CHECK_EQ(ino, n_a);
    CHECK_EQ(walk_ino("/a/link_up/a/b/f.txt", 0, &ino, NULL), 0); /* relative to /a */
    CHECK_EQ(ino, n_f);
    CHECK_EQ(walk_ino("/abs/", 0, NULL, NULL), -ENOTDIR);
    CHECK_EQ(walk_ino("/tofile_slash", WALK_FOLLOW, NULL, NULL), -ENOTDIR);
    CHECK_EQ(walk_ino("/loop1", WALK_FOLLOW, NULL, NULL), -ELOOP);
    CHECK_EQ(walk_ino("/loop1", 0, NULL, NULL), 0);
    CHECK_EQ(walk_ino("/loop1/x", 0, NULL, NULL), -ELOOP);
    CHECK_EQ(walk_ino("/self", WALK_FOLLOW, NULL, NULL), -ELOOP);
    CHECK_EQ(walk_ino("/dangling", WALK_FOLLOW, NULL, NULL), -ENOENT);
    CHECK_EQ(walk_ino("/c00", WALK_FOLLOW, NULL, NULL), -ELOOP);
    CHECK_EQ(walk_ino("/c01", WALK_FOLLOW, &ino, NULL), 0);
    CHECK_EQ(ino, n_f);
}

static void test_open(void)
{
    struct stat st;
    char buf[64];
    long fd, fa, ff;

    CHECK_EQ(sopen("/abs", O_RDONLY | O_NOFOLLOW), -ELOOP);
    fd = sopen("/abs", O_PATH | O_NOFOLLOW);
    CHECK(fd >= 0);
    CHECK_EQ(sys_fstat(fd, L(&st), 0, 0, 0, 0), 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(sys_read(fd, L(buf), 4, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_readlinkat(fd, L(""), L(buf), sizeof(buf), 0, 0), 10);
    CHECK(memcmp(buf, "/a/b/f.txt", 10) == 0);
    CHECK_EQ(sys_close(fd, 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sopen("/a/b/f.txt", O_RDONLY | O_DIRECTORY), -ENOTDIR);
    fd = sopen("/a", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    sys_close(fd, 0, 0, 0, 0, 0);

    CHECK_EQ(sopen("/a/b/f.txt", O_WRONLY), -EROFS);
    CHECK_EQ(sopen("/a/b/f.txt", O_RDWR), -EROFS);
    CHECK_EQ(sopen("/a/b/f.txt", O_RDONLY | O_TRUNC), -EROFS);
    CHECK_EQ(sopen("/a/b/new", O_WRONLY | O_CREAT), -EROFS);
    CHECK_EQ(sopen("newfile", O_RDONLY | O_CREAT), -EROFS);
    CHECK_EQ(sopen("", O_RDONLY | O_CREAT), -ENOENT);
    CHECK_EQ(sopen("", O_RDONLY), -ENOENT);
    CHECK_EQ(sopen("/nope/new", O_WRONLY | O_CREAT), -ENOENT);
    CHECK_EQ(sopen("/a/b/f.txt/new", O_WRONLY | O_CREAT), -ENOTDIR);
    CHECK_EQ(sopen("/a/b/f.txt", O_RDONLY | O_CREAT | O_EXCL), -EEXIST);
    CHECK_EQ(sopen("/a", O_WRONLY), -EISDIR);
    CHECK_EQ(sopen("/a", O_RDONLY | O_CREAT), -EISDIR);
    CHECK_EQ(sopen("/a/", O_RDONLY | O_CREAT), -EISDIR);
    CHECK_EQ(sopen("/a/b/f.txt", O_ACCMODE), -EINVAL);
    CHECK_EQ(sopen(BADPTR, O_RDONLY), -EFAULT);
    fd = sopen("/a/b/f.txt", O_RDONLY | O_CREAT);
    CHECK(fd >= 0);
    CHECK_EQ(sys_fcntl(fd, F_GETFL, 0, 0, 0, 0), O_RDONLY | O_LARGEFILE);
    sys_close(fd, 0, 0, 0, 0, 0);

    /* dirfds */
    fa = sopen("/a", O_RDONLY | O_DIRECTORY);
    ff = sopen("/a/b/f.txt", O_RDONLY);
    CHECK(fa >= 0 && ff >= 0);
    fd = sys_openat(fa, L("b/f.txt"), O_RDONLY, 0, 0, 0);
    CHECK(fd >= 0);
    CHECK_EQ(sys_fstat(fd, L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_ino, n_f + 1);
    sys_close(fd, 0, 0, 0, 0, 0);
    CHECK_EQ(sys_openat(fa, L(".."), O_RDONLY, 0, 0, 0), fd); /* lowest free fd again */
    sys_close(fd, 0, 0, 0, 0, 0);
    CHECK_EQ(sys_openat(ff, L("x"), O_RDONLY, 0, 0, 0), -ENOTDIR);
    CHECK_EQ(sys_openat(999, L("x"), O_RDONLY, 0, 0, 0), -EBADF);
    fd = sys_openat(999, L("/abs"), O_RDONLY, 0, 0, 0); /* absolute: dirfd unused */
    CHECK(fd >= 0);
    sys_close(fd, 0, 0, 0, 0, 0);
    CHECK_EQ(sys_newfstatat(ff, L(""), L(&st), AT_EMPTY_PATH, 0, 0), 0);
    CHECK_EQ(st.st_ino, n_f + 1);
    CHECK_EQ(sys_newfstatat(ff, L(""), L(&st), 0, 0, 0), -ENOENT);
    CHECK_EQ(sys_newfstatat(AT_FDCWD, L(""), L(&st), AT_EMPTY_PATH, 0, 0), 0);
    CHECK_EQ(st.st_ino, 1);
    CHECK_EQ(sys_newfstatat(fa, L("b"), L(&st), 0x4, 0, 0), -EINVAL);
    CHECK_EQ(sys_newfstatat(fa, L("b"), L(BADPTR), 0, 0, 0), -EFAULT);
    sys_close(fa, 0, 0, 0, 0, 0);
    sys_close(ff, 0, 0, 0, 0, 0);
}

static void test_read_seek_stat(void)
{
    struct stat st;
    char buf[64], *bigbuf;
    long fd, n;
    size_t done;

    fd = sopen("/rel", O_RDONLY);
    CHECK(fd >= 0);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(sys_read(fd, L(buf), 5, 0, 0, 0), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_EQ(sys_read(fd, L(buf), sizeof(buf), 0, 0, 0), 7);
    CHECK(memcmp(buf, " world\n", 7) == 0);
    CHECK_EQ(sys_read(fd, L(buf), sizeof(buf), 0, 0, 0), 0);
    CHECK_EQ(sys_lseek(fd, -1, SEEK_END, 0, 0, 0), 11);
    CHECK_EQ(sys_read(fd, L(buf), 1, 0, 0, 0), 1);
    CHECK_EQ(buf[0], '\n');
    CHECK_EQ(sys_lseek(fd, -100, SEEK_CUR, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_lseek(fd, -1, SEEK_SET, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_lseek(fd, 0, 7, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_lseek(fd, 1000, SEEK_SET, 0, 0, 0), 1000); /* beyond the end is fine */
    CHECK_EQ(sys_read(fd, L(buf), 1, 0, 0, 0), 0);
    CHECK_EQ(sys_lseek(fd, 0x7fffffffffffffffL, SEEK_CUR, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_lseek(fd, 3, SEEK_DATA, 0, 0, 0), 3);
    CHECK_EQ(sys_lseek(fd, 3, SEEK_HOLE, 0, 0, 0), 12);
    CHECK_EQ(sys_lseek(fd, 12, SEEK_DATA, 0, 0, 0), -ENXIO);
    CHECK_EQ(sys_lseek(fd, 2, SEEK_SET, 0, 0, 0), 2);
    CHECK_EQ(sys_pread64(fd, L(buf), 4, 6, 0, 0), 4);
    CHECK(memcmp(buf, "worl", 4) == 0);
    CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR, 0, 0, 0), 2); /* pread leaves the position */
    CHECK_EQ(sys_pread64(fd, L(buf), 4, -1, 0, 0), -EINVAL);
    CHECK_EQ(sys_pread64(fd, L(buf), 4, 100, 0, 0), 0);
    CHECK_EQ(sys_pread64(fd, L(BADPTR), 4, 0, 0, 0), -EFAULT);
    CHECK_EQ(sys_read(fd, L(BADPTR), 4, 0, 0, 0), -EFAULT);
    CHECK_EQ(sys_read(fd, L(buf), 0, 0, 0, 0), 0);
    CHECK_EQ(sys_write(fd, L("x"), 1, 0, 0, 0), -EBADF);

    CHECK_EQ(sys_fstat(fd, L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_dev, IMAGEFS_DEV);
    CHECK_EQ(st.st_ino, n_f + 1);
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_size, 12);
    CHECK_EQ(st.st_blksize, 4096);
    CHECK_EQ(st.st_blocks, 1);
    CHECK_EQ(st.st_mtim.tv_sec, 1700000000 + n_f);
    CHECK_EQ(st.st_mtim.tv_nsec, n_f);
    CHECK_EQ(st.st_ctim.tv_sec, st.st_mtim.tv_sec);
    CHECK_EQ(sys_fstat(fd, L(BADPTR), 0, 0, 0, 0), -EFAULT);
    CHECK_EQ(sys_fstat(777, L(&st), 0, 0, 0, 0), -EBADF);
    sys_close(fd, 0, 0, 0, 0, 0);
    CHECK_EQ(sys_read(fd, L(buf), 1, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_close(fd, 0, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_close(-1, 0, 0, 0, 0, 0), -EBADF);

    CHECK_EQ(sstat("/abs", &st), 0);
    CHECK_EQ(st.st_ino, n_f + 1);
    CHECK_EQ(slstat("/abs", &st), 0);
    CHECK_EQ(st.st_mode, S_IFLNK | 0777);
    CHECK_EQ(st.st_size, 10);
    CHECK_EQ(sstat("/a", &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(sys_stat(L("/big"), L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_size, BIG_SIZE);
    CHECK_EQ(st.st_blocks, (BIG_SIZE + 511) / 512);
    CHECK_EQ(sys_lstat(L("/dangling"), L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(sys_stat(L("/dangling"), L(&st), 0, 0, 0, 0), -ENOENT);

    /* read on a directory */
    fd = sopen("/a", O_RDONLY);
    CHECK_EQ(sys_read(fd, L(buf), 4, 0, 0, 0), -EISDIR);
    CHECK_EQ(sys_pread64(fd, L(buf), 4, 0, 0, 0), -EISDIR);
    sys_close(fd, 0, 0, 0, 0, 0);

    /* a large file: host reads are bounded (the reader must loop) and the guest buffer is
     * filled through a bounded bounce buffer */
    bigbuf = malloc(BIG_SIZE + 100);
    fd = sopen("/big", O_RDONLY);
    th_pread_chunk = 10000;
    n = sys_read(fd, L(bigbuf), BIG_SIZE + 100, 0, 0, 0);
    CHECK_EQ(n, BIG_SIZE);
    CHECK(memcmp(bigbuf, big, BIG_SIZE) == 0);
    CHECK_EQ(sys_read(fd, L(bigbuf), 10, 0, 0, 0), 0);
    memset(bigbuf, 0, BIG_SIZE);
    done = 0;
    while ((n = sys_pread64(fd, L(bigbuf + done), 77777, (long)done, 0, 0)) > 0)
        done += (size_t)n;
    CHECK_EQ(done, BIG_SIZE);
    CHECK(memcmp(bigbuf, big, BIG_SIZE) == 0);
    th_pread_chunk = 0;
    sys_close(fd, 0, 0, 0, 0, 0);
    free(bigbuf);
}

/* Reads /many with a count-byte buffer; checks every entry comes exactly once. */
static void getdents_all(long fd, unsigned int count, int *calls)
{
    char buf[4096];
    int seen[102] = {0}, i;
    long n;

    *calls = 0;
    while ((n = sys_getdents64(fd, L(buf), count, 0, 0, 0)) > 0) {
        long off = 0;

        (*calls)++;
        while (off < n) {
            struct linux_dirent64 *d = (void *)(buf + off);

            CHECK(d->d_reclen % 8 == 0 && d->d_reclen > 0);
            if (!strcmp(d->d_name, ".")) {
                seen[100]++;
                CHECK_EQ(d->d_ino, n_many + 1);
                CHECK_EQ(d->d_type, DT_DIR);
            } else if (!strcmp(d->d_name, "..")) {
                seen[101]++;
                CHECK_EQ(d->d_ino, 1);
            } else {
                CHECK(d->d_name[0] == 'e' && strlen(d->d_name) == 4);
                i = (d->d_name[1] - '0') * 100 + (d->d_name[2] - '0') * 10 + d->d_name[3] - '0';
                CHECK(i >= 0 && i < 100);
                if (i >= 0 && i < 100) {
                    seen[i]++;
                    CHECK_EQ(d->d_ino, n_many + 1 + i + 1);
                }
                CHECK_EQ(d->d_type, DT_REG);
            }
            off += d->d_reclen;
        }
        CHECK_EQ(off, n);
    }
    CHECK_EQ(n, 0);
    for (i = 0; i < 102; i++)
        CHECK_EQ(seen[i], 1);
}

static void test_getdents(void)
{
    char buf[64];
    long fd;
    int calls;

    fd = sopen("/many", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    getdents_all(fd, 32, &calls); /* one entry per call */
    CHECK_EQ(calls, 102);
    CHECK_EQ(sys_getdents64(fd, L(buf), sizeof(buf), 0, 0, 0), 0); /* at the end */
    CHECK_EQ(sys_lseek(fd, 0, SEEK_SET, 0, 0, 0), 0);
    getdents_all(fd, 100, &calls); /* four 24-byte entries per call */
    CHECK_EQ(calls, 26);
    CHECK_EQ(sys_lseek(fd, 0, SEEK_SET, 0, 0, 0), 0);
    getdents_all(fd, 4096, &calls);
    CHECK_EQ(calls, 1);
    CHECK_EQ(sys_lseek(fd, 0, SEEK_END, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_lseek(fd, 0, SEEK_SET, 0, 0, 0), 0);
    CHECK_EQ(sys_getdents64(fd, L(buf), 10, 0, 0, 0), -EINVAL); /* too small for "." */
    CHECK_EQ(sys_getdents64(fd, L(BADPTR), 64, 0, 0, 0), -EFAULT);
    /* neither error moved the position: "." comes next */
    CHECK_EQ(sys_getdents64(fd, L(buf), 24, 0, 0, 0), 24);
    CHECK(!strcmp(((struct linux_dirent64 *)buf)->d_name, "."));
    sys_close(fd, 0, 0, 0, 0, 0);

    fd = sopen("/a/b/f.txt", O_RDONLY);
    CHECK_EQ(sys_getdents64(fd, L(buf), sizeof(buf), 0, 0, 0), -ENOTDIR);
    sys_close(fd, 0, 0, 0, 0, 0);
    CHECK_EQ(sys_getdents64(555, L(buf), sizeof(buf), 0, 0, 0), -EBADF);

    /* the root's ".." is itself */
    fd = sopen("/", O_RDONLY);
    CHECK_EQ(sys_getdents64(fd, L(buf), 48, 0, 0, 0), 48);
    CHECK_EQ(((struct linux_dirent64 *)(buf + 24))->d_ino, 1);
    CHECK(!strcmp(((struct linux_dirent64 *)(buf + 24))->d_name, ".."));
    sys_close(fd, 0, 0, 0, 0, 0);
}

static void test_readlink_access_cwd(void)
{
    char buf[64];

    memset(buf, 0, sizeof(buf));
    CHECK_EQ(sys_readlink(L("/abs"), L(buf), sizeof(buf), 0, 0, 0), 10);
    CHECK(!strcmp(buf, "/a/b/f.txt"));
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(sys_readlink(L("/abs"), L(buf), 3, 0, 0, 0), 3);
    CHECK(!strcmp(buf, "/a/"));
    CHECK_EQ(sys_readlink(L("/abs"), L(buf), 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_readlink(L("/abs"), L(buf), -1, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_readlink(L("/a/b/f.txt"), L(buf), 64, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_readlink(L("/nope"), L(buf), 64, 0, 0, 0), -ENOENT);
    CHECK_EQ(sys_readlink(L("/loop1"), L(buf), 64, 0, 0, 0), 5);
    CHECK_EQ(sys_readlink(L("/abs"), L(BADPTR), 64, 0, 0, 0), -EFAULT);
    CHECK_EQ(sys_readlinkat(AT_FDCWD, L("dirlink"), L(buf), 64, 0, 0), 3);

    CHECK_EQ(sys_access(L("/a/b/f.txt"), 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_access(L("/a/b/f.txt"), 4, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_access(L("/a/b/f.txt"), 2, 0, 0, 0, 0), -EROFS);
    CHECK_EQ(sys_access(L("/noexec"), 1, 0, 0, 0, 0), -EACCES);
    CHECK_EQ(sys_access(L("/tool"), 1, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_access(L("/a"), 1, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_access(L("/nope"), 0, 0, 0, 0, 0), -ENOENT);
    CHECK_EQ(sys_access(L("/a"), 8, 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_faccessat(AT_FDCWD, L("abs"), 4, 0, 0, 0), 0);

    memset(buf, 'z', sizeof(buf));
    CHECK_EQ(sys_getcwd(L(buf), sizeof(buf), 0, 0, 0, 0), 2);
    CHECK(!strcmp(buf, "/"));
    CHECK_EQ(sys_getcwd(L(buf), 1, 0, 0, 0, 0), -ERANGE);
    CHECK_EQ(sys_getcwd(L(BADPTR), 64, 0, 0, 0, 0), -EFAULT);
    CHECK_EQ(sys_umask(077, 0, 0, 0, 0, 0), 022);
    CHECK_EQ(sys_umask(01777, 0, 0, 0, 0, 0), 077);
    CHECK_EQ(sys_umask(022, 0, 0, 0, 0, 0), 0777);
}

static void test_fds(void)
{
    long fd, fd2;
    char buf[8];

    fd = sopen("/a/b/f.txt", O_RDONLY | O_CLOEXEC);
    CHECK_EQ(fd, 3);
    CHECK_EQ(sys_fcntl(fd, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
    CHECK_EQ(sys_fcntl(fd, F_SETFD, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_fcntl(fd, F_GETFD, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_dup(fd, 0, 0, 0, 0, 0), 4);
    CHECK_EQ(sys_fcntl(fd, F_DUPFD, 10, 0, 0, 0), 10);
    CHECK_EQ(sys_fcntl(fd, F_DUPFD_CLOEXEC, 10, 0, 0, 0), 11);
    CHECK_EQ(sys_fcntl(11, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
    CHECK_EQ(sys_fcntl(fd, F_DUPFD, -1, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_fcntl(fd, F_DUPFD, 5000, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_fcntl(fd, 9999, 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_fcntl(99, F_GETFD, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR, 0, 0, 0), 0);
    CHECK_EQ(sys_fcntl(fd, F_GETFL, 0, 0, 0, 0), O_RDONLY | O_LARGEFILE | O_NONBLOCK);
    /* dups share the open file description: flags and position */
    CHECK_EQ(sys_fcntl(4, F_GETFL, 0, 0, 0, 0), O_RDONLY | O_LARGEFILE | O_NONBLOCK);
    CHECK_EQ(sys_read(4, L(buf), 6, 0, 0, 0), 6);
    CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR, 0, 0, 0), 6);
    CHECK_EQ(sys_dup2(fd, 20, 0, 0, 0, 0), 20);
    CHECK_EQ(sys_dup2(fd, fd, 0, 0, 0, 0), fd);
    CHECK_EQ(sys_dup2(99, 99, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_dup2(fd, -1, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_dup2(fd, 1024, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_dup2(fd, 200, 0, 0, 0, 0), 200); /* grows the table */
    CHECK_EQ(sys_dup3(fd, fd, 0, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_dup3(fd, 21, 1, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_dup3(fd, 21, O_CLOEXEC, 0, 0, 0), 21);
    CHECK_EQ(sys_fcntl(21, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
    CHECK_EQ(sys_dup3(99, 21, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(sys_ioctl(21, FIONCLEX, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_fcntl(21, F_GETFD, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_ioctl(21, TCGETS, L(buf), 0, 0, 0), -ENOTTY);
    /* dup2 over an open fd replaces it */
    fd2 = sopen("/big", O_RDONLY);
    CHECK_EQ(sys_dup2(fd2, 21, 0, 0, 0, 0), 21);
    CHECK_EQ(sys_read(21, L(buf), 1, 0, 0, 0), 1);
    CHECK_EQ(buf[0], big[0]);
    for (fd = 3; fd <= 200; fd++)
        sys_close(fd, 0, 0, 0, 0, 0);

    /* RLIMIT_NOFILE */
    th_nofile = 8;
    for (fd = 3; fd < 8; fd++)
        CHECK_EQ(sopen("/a", O_RDONLY), fd);
    CHECK_EQ(sopen("/a", O_RDONLY), -EMFILE);
    CHECK_EQ(sys_dup(3, 0, 0, 0, 0, 0), -EMFILE);
    CHECK_EQ(sys_dup2(3, 8, 0, 0, 0, 0), -EBADF);
    sys_close(5, 0, 0, 0, 0, 0);
    CHECK_EQ(sys_dup(3, 0, 0, 0, 0, 0), 5);
    th_nofile = 1024;
    for (fd = 3; fd < 8; fd++)
        CHECK_EQ(sys_close(fd, 0, 0, 0, 0, 0), 0);
}

static void test_stdio(void)
{
    struct iovec iov[3];
    struct winsize ws;
    struct stat st;
    char buf[16];

    th_out_len = 0;
    CHECK_EQ(sys_write(1, L("hello"), 5, 0, 0, 0), 5);
    CHECK_EQ(sys_write(2, L("!"), 1, 0, 0, 0), 1);
    CHECK_EQ(th_out_len, 6);
    CHECK(memcmp(th_out, "hello!", 6) == 0);
    CHECK_EQ(sys_write(1, L(BADPTR), 5, 0, 0, 0), -EFAULT);
    th_write_chunk = 3; /* the host takes 3 bytes per call: a partial write */
    CHECK_EQ(sys_write(1, L("0123456789"), 10, 0, 0, 0), 3);
    th_write_chunk = 0;
    th_out_len = 0;
    iov[0] = (struct iovec){"ab", 2};
    iov[1] = (struct iovec){"", 0};
    iov[2] = (struct iovec){"cde", 3};
    CHECK_EQ(sys_writev(1, L(iov), 3, 0, 0, 0), 5);
    CHECK(memcmp(th_out, "abcde", 5) == 0);
    CHECK_EQ(sys_writev(1, L(iov), -1, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_writev(1, L(iov), IOV_MAX + 1, 0, 0, 0), -EINVAL);
    CHECK_EQ(sys_writev(1, L(iov), 0, 0, 0, 0), 0);
    CHECK_EQ(sys_writev(1, L(BADPTR), 1, 0, 0, 0), -EFAULT);
    iov[0].iov_len = (size_t)-1;
    CHECK_EQ(sys_writev(1, L(iov), 3, 0, 0, 0), -EINVAL);
    iov[0].iov_len = 0x7fffffffffffffffUL;
    iov[2].iov_len = 0x7fffffffffffffffUL;
    CHECK_EQ(sys_writev(1, L(iov), 3, 0, 0, 0), -EINVAL); /* total overflows ssize_t */
    CHECK_EQ(sys_writev(99, L(iov), 3, 0, 0, 0), -EBADF);

    th_in = "line one\nrest";
    th_in_pos = 0;
    CHECK_EQ(sys_read(0, L(buf), 4, 0, 0, 0), 4);
    CHECK(memcmp(buf, "line", 4) == 0);
    iov[0] = (struct iovec){buf, 3};
    iov[1] = (struct iovec){buf + 3, 5};
    CHECK_EQ(sys_readv(0, L(iov), 2, 0, 0, 0), 3); /* a stream stops after one buffer */
    CHECK(memcmp(buf, " on", 3) == 0);
    CHECK_EQ(sys_readv(0, L(iov), 1025, 0, 0, 0), -EINVAL);

    CHECK_EQ(sys_lseek(1, 0, SEEK_CUR, 0, 0, 0), -ESPIPE);
    CHECK_EQ(sys_pread64(0, L(buf), 1, 0, 0, 0), -ESPIPE);
    CHECK_EQ(sys_fstat(1, L(&st), 0, 0, 0, 0), 0);
    CHECK_EQ(st.st_mode, S_IFCHR | 0620);
    memset(&ws, 0, sizeof(ws));
    CHECK_EQ(sys_ioctl(1, TIOCGWINSZ, L(&ws), 0, 0, 0), 0);
    CHECK_EQ(ws.ws_row, 24);
    CHECK_EQ(ws.ws_col, 80);
    CHECK_EQ(sys_ioctl(1, TIOCGWINSZ, L(BADPTR), 0, 0, 0), -EFAULT);
    CHECK_EQ(sys_ioctl(0, TCGETS, L(buf), 0, 0, 0), -ENOTTY);
    CHECK_EQ(sys_ioctl(1, 0x12345, L(buf), 0, 0, 0), -ENOTTY);
    CHECK_EQ(sys_ioctl(77, TCGETS, L(buf), 0, 0, 0), -EBADF);
    CHECK_EQ(sys_getdents64(1, L(buf), sizeof(buf), 0, 0, 0), -ENOTDIR);
}

/* ------------------------------------------------------------------------------------------
 * Damaged images.
 */
static struct super_block *mount_bytes(const uint8_t *img, size_t len, int *ret, int *hfd)
{
    struct super_block *sb = NULL;

    *hfd = th_tmpfile(img, len);
    *ret = imagefs_mount(*hfd, &sb);
    if (*ret == 0)
        vfs_root = sb->root;
    return *ret == 0 ? sb : NULL;
}

static void unmount(struct super_block *sb, int hfd)
{
    vfs_root = NULL;
    if (sb)
        imagefs_unmount(sb);
    th_close(hfd);
}

/* Mounting must fail with -EIO and a log line. */
static void expect_mount_eio(const uint8_t *img, size_t len, int line)
{
    int ret, hfd, logs = th_log_lines;
    struct super_block *sb = mount_bytes(img, len, &ret, &hfd);

    if (ret != -EIO || th_log_lines == logs)
        printf("  (from line %d)\n", line);
    CHECK_EQ(ret, -EIO);
    CHECK(th_log_lines > logs);
    unmount(sb, hfd);
}

/* The image mounts, but walking `path` fails with -EIO and a log line. */
static void expect_walk_eio(const uint8_t *img, size_t len, const char *path, int line)
{
    int ret, hfd, logs = th_log_lines;
    struct super_block *sb = mount_bytes(img, len, &ret, &hfd);

    CHECK_EQ(ret, 0);
    if (sb) {
        ret = walk_ino(path, WALK_FOLLOW, NULL, NULL);
        if (ret != -EIO)
            printf("  (from line %d)\n", line);
        CHECK_EQ(ret, -EIO);
        CHECK(th_log_lines > logs);
    }
    unmount(sb, hfd);
}

static uint8_t *dup_img(const uint8_t *img, size_t len)
{
    uint8_t *c = malloc(len);

    memcpy(c, img, len);
    return c;
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

#define INODE(img, i) ((img) + 64 + (size_t)(i)*64)

static void test_corrupt(const uint8_t *good, size_t len)
{
    uint8_t *img;
    uint64_t a_list;

    /* header */
    img = dup_img(good, len);
    img[0] ^= 1;
    expect_mount_eio(img, len, __LINE__);
    memcpy(img, good, len);
    put32(img + 8, 2); /* version */
    expect_mount_eio(img, len, __LINE__);
    memcpy(img, good, len);
    put64(img + 0x10, 1ULL << 60); /* inode_count */
    expect_mount_eio(img, len, __LINE__);
    memcpy(img, good, len);
    put64(img + 0x10, 0);
    expect_mount_eio(img, len, __LINE__);
    memcpy(img, good, len);
    put64(img + 0x18, len - 64); /* inode table runs past the end */
    expect_mount_eio(img, len, __LINE__);
    memcpy(img, good, len);
    put64(img + 0x18, (uint64_t)-64); /* wrapping offset */
    expect_mount_eio(img, len, __LINE__);
    memcpy(img, good, len);
    put64(img + 0x20, len + 4096); /* the file is shorter than the header says */
    expect_mount_eio(img, len, __LINE__);
    expect_mount_eio(good, len - 100, __LINE__); /* truncated file */
    expect_mount_eio(good, 40, __LINE__);        /* not even a header */
    memcpy(img, good, len);
    put32(INODE(img, 0), S_IFREG | 0644); /* root not a directory */
    expect_mount_eio(img, len, __LINE__);
    memcpy(img, good, len);
    put64(INODE(img, 0) + 0x18, len - 8); /* root's list runs past the end */
    expect_mount_eio(img, len, __LINE__);

    /* inodes reached by a walk */
    memcpy(img, good, len);
    put64(INODE(img, n_f) + 0x18, len); /* data_off at the end, size 12 */
    expect_walk_eio(img, len, "/a/b/f.txt", __LINE__);
    memcpy(img, good, len);
    put64(INODE(img, n_f) + 0x10, (uint64_t)-1); /* size wraps */
    expect_walk_eio(img, len, "/a/b/f.txt", __LINE__);
    memcpy(img, good, len);
    put32(INODE(img, n_f), 0140644); /* a socket?! */
    expect_walk_eio(img, len, "/a/b/f.txt", __LINE__);
    memcpy(img, good, len);
    put32(INODE(img, n_f), S_IFDIR | 0755); /* disagrees with its entry (DT_REG) */
    expect_walk_eio(img, len, "/a/b/f.txt", __LINE__);
    memcpy(img, good, len);
    put64(INODE(img, n_abs) + 0x10, 0); /* empty symlink target */
    expect_walk_eio(img, len, "/abs", __LINE__);
    memcpy(img, good, len);
    img[nodes[n_abs].data_off + 2] = '\0'; /* NUL inside a target */
    expect_walk_eio(img, len, "/abs", __LINE__);
    memcpy(img, good, len);
    put32(INODE(img, n_b) + 0x2c, (uint32_t)n_many); /* b's '..' is not a */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    put32(INODE(img, n_b) + 0x2c, 1u << 30); /* parent out of range */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    put32(INODE(img, n_b) + 0x28, 2000000000u); /* mtime_nsec */
    expect_walk_eio(img, len, "/a/b", __LINE__);

    /* /a's entry list: "b" (ino n_b) then "link_up" */
    a_list = nodes[n_a].data_off;
    memcpy(img, good, len);
    put32(img + a_list, 1u << 31); /* inode number out of range */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    put32(img + a_list, (uint32_t)nodes[0].parent + 100000);
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    img[a_list + 4] = 200; /* name length overruns the list */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    img[a_list + 4] = 0; /* empty name */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    img[a_list + 6] = 3; /* bad type */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    img[a_list + 8] = 'z'; /* "z" before "link_up": out of order */
    expect_walk_eio(img, len, "/a/link_up", __LINE__);
    memcpy(img, good, len);
    img[a_list + 8] = '/'; /* a slash in a name */
    expect_walk_eio(img, len, "/a/link_up", __LINE__);
    memcpy(img, good, len);
    img[a_list + 8] = '.'; /* "." */
    expect_walk_eio(img, len, "/a/link_up", __LINE__);
    memcpy(img, good, len);
    put64(INODE(img, n_a) + 0x10, 16 + 4); /* list size not a multiple of 8 */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    memcpy(img, good, len);
    put64(INODE(img, n_a) + 0x10, 16 + 8); /* list ends inside the second entry */
    expect_walk_eio(img, len, "/a/b", __LINE__);
    free(img);
}

/* Flips bytes of a small image one at a time and uses everything in it: whatever the
 * result, the LibOS must not crash or read out of bounds (run under ASan/UBSan). */
static void exercise(void)
{
    static const char *const paths[] = {"/", "/d", "/d/f", "/d/l", "/l2", "/d/e", "/d/..", "/x"};
    char buf[256];
    size_t i;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct file *f;
        struct stat st;
        long fd;

        if (vfs_openat(AT_FDCWD, paths[i], O_RDONLY, &f) == 0) {
            file_pread(f, buf, sizeof(buf), 0);
            file_stat(f, &st);
            file_put(f);
        }
        fd = sopen(paths[i], O_RDONLY);
        if (fd >= 0) {
            while (sys_getdents64(fd, L(buf), 40, 0, 0, 0) > 0)
                ;
            sys_close(fd, 0, 0, 0, 0, 0);
        }
        sys_readlink(L(paths[i]), L(buf), sizeof(buf), 0, 0, 0);
        slstat(paths[i], &st);
    }
}

static void test_fuzz(void)
{
    uint8_t *img, *bad;
    size_t len, i;
    int ret, hfd, ok = 0;
    unsigned int seed = 12345;

    tree_reset();
    DIR(0, "");
    DIR(0, "d");
    REG(1, "f", "contents");
    LNK(1, "l", "../l2");
    LNK(0, "l2", "d/f");
    DIR(1, "e");
    img = pack(&len);
    bad = malloc(len);
    for (i = 0; i < len * 3; i++) {
        struct super_block *sb;

        memcpy(bad, img, len);
        if (i < len) {
            bad[i] ^= 0xff;
        } else {
            seed = seed * 1103515245 + 12345;
            bad[(seed >> 8) % len] = (uint8_t)(seed >> 24);
            seed = seed * 1103515245 + 12345;
            bad[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 20) & 7));
        }
        sb = mount_bytes(bad, len, &ret, &hfd);
        CHECK(ret == 0 || ret == -EIO);
        if (sb) {
            ok++;
            exercise();
        }
        unmount(sb, hfd);
    }
    /* the pristine image works */
    {
        struct super_block *sb = mount_bytes(img, len, &ret, &hfd);
        uint64_t ino;

        CHECK_EQ(ret, 0);
        CHECK_EQ(walk_ino("/d/l", WALK_FOLLOW, &ino, NULL), 0);
        CHECK_EQ(ino, 2);
        unmount(sb, hfd);
    }
    CHECK(ok > 0);
    free(bad);
    free(img);
}

int main(void)
{
    struct super_block *sb;
    uint8_t *img;
    size_t len;
    int hfd, ret;
    long calls;

    build_main_tree();
    img = pack(&len);
    hfd = th_tmpfile(img, len);

    /* vfs_init is what the LibOS calls; the rest of the tests mount directly so that they
     * can unmount and check for leaks. */
    CHECK_EQ(vfs_init(hfd), 0);
    CHECK(vfs_root && S_ISDIR(vfs_root->mode));
    CHECK(vfs_root && vfs_root->sb->readonly);
    vfs_unmount_all();
    CHECK(vfs_root == NULL);
    CHECK_EQ(th_heap_live, 0);

    CHECK_EQ(imagefs_mount(hfd, &sb), 0);
    vfs_root = sb->root;
    th_files = fdtable_create_stdio();
    th_fs = fs_context_create();
    CHECK(th_files && th_fs);

    test_walk();
    CHECK_EQ(walk_ino("/a/b/f.txt", WALK_FOLLOW, NULL, NULL), 0);
    calls = th_pread_calls;
    CHECK_EQ(walk_ino("/a/b/f.txt", WALK_FOLLOW, NULL, NULL), 0);
    CHECK_EQ(th_pread_calls - calls, 0); /* inodes and lists came from the cache */
    test_open();
    test_read_seek_stat();
    test_getdents();
    test_readlink_access_cwd();
    test_fds();
    test_stdio();

    fdtable_destroy(th_files);
    fs_context_destroy(th_fs);
    th_files = NULL;
    th_fs = NULL;
    vfs_root = NULL;
    imagefs_unmount(sb);
    bounce_pool_drain();
    CHECK_EQ(th_heap_live, 0);

    th_files = fdtable_create_stdio();
    test_corrupt(img, len);
    test_fuzz();
    fdtable_destroy(th_files);
    bounce_pool_drain();
    CHECK_EQ(th_heap_live, 0);
    (void)ret;

    th_close(hfd);
    free(img);
    free(big);
    printf("%s: %d checks, %d failures\n", failures ? "FAIL" : "PASS", checks, failures);
    return failures ? 1 : 0;
}
