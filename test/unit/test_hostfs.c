/*
 * Unit test of hostfs (fs/hostfs/hostfs.c) end to end on the host: the LibOS's hostfs and
 * OCALL wrappers (ocall/ocall.c) talk to the real host handlers (src/host/ocall.c) through a
 * direct ocall() (test_hostfs_host.c), on a temporary host directory. It checks the read
 * side (lookup, stat, read, readlink, directory listing with resumption, "..") and the write
 * side the VFS defines (create, mkdir, write, O_APPEND, truncate, rename, symlink, unlink,
 * rmdir, setattr: mode, times, owner), that nothing escapes the mount (a host symlink to
 * /etc is reported, never followed; ".." and absolute paths are refused by the host; a file
 * the host swaps for a symlink is not chmod'ed through it), that host errors and lies come
 * back as errors, and that no host fd leaks.
 *
 * Only LibOS headers plus stdio.h: glibc's other headers clash with uapi/.
 */
#include "fs/fs_uapi.h"
#include "fs/hostfs/hostfs.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "occlum/ocall.h"
#include "ocall/ocall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include <stdio.h>
#include "unit_check.h"

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);
long syscall(long nr, ...);
char *strcat(char *d, const char *s);
char *strncat(char *d, const char *s, size_t n);
char *strstr(const char *h, const char *n);
#define SYS_arch_prctl 158

#include "test_hostfs_host.h"

_Static_assert(OCALL_UTIME_NOW == UTIME_NOW && OCALL_UTIME_OMIT == UTIME_OMIT, "UTIME_*");

/* ---- stubs of the LibOS services ---- */

int libos_log_level = 0;
static long heap_live;

void log_printf(int level, const char *file, int line, const char *fmt, ...) {}

void *kmalloc(size_t n)
{
    heap_live++;
    return malloc(n ? n : 1);
}

void *kzalloc(size_t n)
{
    heap_live++;
    return calloc(1, n ? n : 1);
}

void kfree(void *p)
{
    if (p)
        heap_live--;
    free(p);
}

/* Inodes: test/unit/vfs_standins.c. */

int vfs_register_fs(const char *type,
                    int (*mount)(const char *, const char *, struct super_block **))
{
    return 0;
}

static struct file *open_inode(struct inode *inode, unsigned int flags)
{
    struct file *f = kzalloc(sizeof(*f));
    f->refcount = 1;
    f->flags = flags;
    inode_get(inode);
    f->inode = inode;
    f->ops = inode->fops;
    return f;
}

static void close_file(struct file *f)
{
    if (f->ops->release)
        f->ops->release(f);
    inode_put(f->inode);
    kfree(f);
}

/* ---- helpers ---- */

static int lookup(struct inode *dir, const char *name, struct inode **out)
{
    return dir->iops->lookup(dir, name, strlen(name), out);
}

static char names[4096];

static bool emit_name(void *ctx, const char *name, size_t len, uint64_t ino, unsigned int type,
                      uint64_t pos)
{
    int *left = ctx;
    if (*left == 0)
        return false;
    (*left)--;
    strcat(names, "/");
    strncat(names, name, len);
    strcat(names, "/");
    return true;
}

/* Lists dir into `names` as "/a//b/..."; each iterate call takes at most `step` entries. */
static int list(struct inode *dir, int step)
{
    uint64_t pos = 0;
    int calls = 0;

    names[0] = '\0';
    for (;;) {
        int left = step, ret;
        uint64_t before = pos;

        ret = dir->iops->iterate(dir, &pos, emit_name, &left);
        if (ret < 0)
            return ret;
        calls++;
        if (pos == before || calls > 1000)
            return calls;
    }
}

static int has(const char *name)
{
    char want[300];
    snprintf(want, sizeof(want), "/%s/", name);
    return strstr(names, want) != NULL;
}

static int count_entries(void)
{
    int n = 0;
    for (const char *p = names; *p; p++)
        n += *p == '/';
    return n / 2;
}

/* Checks that rel's host times are (asec, ansec, msec, mnsec). */
static bool times_are(const char *rel, long long as, long long ans, long long ms, long long mns)
{
    long long t[4];
    return th_times(rel, t) == 0 && t[0] == as && t[1] == ans && t[2] == ms && t[3] == mns;
}

static int set_mode(struct inode *inode, uint32_t mode)
{
    struct iattr ia = {.valid = ATTR_MODE, .mode = mode};
    return inode->iops->setattr(inode, &ia);
}

static int set_times(struct inode *inode, unsigned int valid, struct timespec a, struct timespec m)
{
    struct iattr ia = {.valid = valid, .atime = a, .mtime = m};
    return inode->iops->setattr(inode, &ia);
}

/* setattr: mode and times reach the host file itself, owners only as they are. */
static void check_setattr(const char *dir, struct inode *root)
{
    struct inode *i, *l, *d, *v;
    struct timespec ts[2];
    struct iattr ia;
    struct stat st;
    long long t[4], before[4], now;
    uint32_t m;
    int rootfd, hello_mode;

    /* chmod: the permission bits only, on the host and in what the inode says */
    CHECK_EQ(root->iops->create(root, "attr", 4, S_IFREG | 0600, 0, NULL, &i), 0);
    CHECK_EQ(set_mode(i, S_IFDIR | 0640), 0);
    CHECK_EQ(th_mode("attr"), S_IFREG | 0640);
    CHECK_EQ(i->mode, S_IFREG | 0640);
    CHECK_EQ(i->iops->getattr(i, &st), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0640);
    CHECK_EQ(set_mode(i, 04751), 0);
    CHECK_EQ(th_mode("attr"), S_IFREG | 04751);

    /* explicit times, to the nanosecond; then one of them (the other omitted) */
    CHECK_EQ(set_times(i, ATTR_ATIME | ATTR_MTIME, (struct timespec){1000000000, 123456789},
                       (struct timespec){1200000000, 5}),
             0);
    CHECK(times_are("attr", 1000000000, 123456789, 1200000000, 5));
    CHECK_EQ(i->iops->getattr(i, &st), 0);
    CHECK(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 123456789);
    CHECK(st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 5);
    CHECK_EQ(set_times(i, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){1300000000, 0}),
             0);
    CHECK(times_are("attr", 1000000000, 123456789, 1300000000, 0));
    CHECK_EQ(set_times(i, ATTR_ATIME, (struct timespec){7, 8}, (struct timespec){0, 0}), 0);
    CHECK(times_are("attr", 7, 8, 1300000000, 0));
    /* "now" as sys_attr.c passes it (the LibOS's clock, as explicit times) ... */
    now = th_now();
    CHECK_EQ(set_times(i, ATTR_ATIME | ATTR_MTIME | ATTR_CTIME, (struct timespec){now, 0},
                       (struct timespec){now, 1}),
             0);
    CHECK(times_are("attr", now, 0, now, 1));
    /* ... and the host's own now through the OCALL, with the mtime omitted */
    rootfd = host_hostfs_open_root(dir);
    CHECK(rootfd > 2);
    CHECK_EQ(set_times(i, ATTR_ATIME, (struct timespec){5, 0}, (struct timespec){0, 0}), 0);
    ts[0] = (struct timespec){0, UTIME_NOW};
    ts[1] = (struct timespec){0, UTIME_OMIT};
    CHECK_EQ(host_hostfs_setattr(rootfd, "attr", NULL, ts), 0);
    CHECK_EQ(th_times("attr", t), 0);
    CHECK(t[0] >= now && t[0] <= th_now() && t[2] == now && t[3] == 1);
    m = 0600;
    CHECK_EQ(host_hostfs_setattr(rootfd, "attr", &m, NULL), 0);
    CHECK_EQ(th_mode("attr"), S_IFREG | 0600);
    CHECK_EQ(host_hostfs_setattr(rootfd, "attr", NULL, NULL), -EINVAL);
    CHECK_EQ(host_close(rootfd), 0);
    /* ctime alone: the host keeps its own */
    CHECK_EQ(set_times(i, ATTR_CTIME, (struct timespec){0, 0}, (struct timespec){0, 0}), 0);
    /* times before 1970 are refused (a later stat would take them for a lie), unchanged */
    CHECK_EQ(set_times(i, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){-1, 0}), -EINVAL);
    CHECK_EQ(th_times("attr", t), 0);
    CHECK(t[2] == now && t[3] == 1);

    /* owners: only what the file already reports */
    CHECK_EQ(i->iops->getattr(i, &st), 0);
    ia = (struct iattr){.valid = ATTR_UID | ATTR_GID, .uid = st.st_uid, .gid = st.st_gid};
    CHECK_EQ(i->iops->setattr(i, &ia), 0);
    ia = (struct iattr){.valid = ATTR_UID, .uid = st.st_uid + 1};
    CHECK_EQ(i->iops->setattr(i, &ia), -EPERM);
    ia = (struct iattr){.valid = ATTR_GID, .gid = st.st_gid + 1};
    CHECK_EQ(i->iops->setattr(i, &ia), -EPERM);
    /* a refused owner changes nothing else of the same request */
    ia = (struct iattr){.valid = ATTR_UID | ATTR_MODE, .uid = st.st_uid + 1, .mode = 0666};
    CHECK_EQ(i->iops->setattr(i, &ia), -EPERM);
    CHECK_EQ(th_mode("attr"), S_IFREG | 0600);
    ia = (struct iattr){.valid = ATTR_UID | ATTR_MODE, .uid = st.st_uid, .mode = 0604};
    CHECK_EQ(i->iops->setattr(i, &ia), 0);
    CHECK_EQ(th_mode("attr"), S_IFREG | 0604);

    /* a symlink: no mode (as on Linux), its own times, the target's untouched */
    CHECK_EQ(th_times("hello.txt", before), 0);
    hello_mode = th_mode("hello.txt");
    CHECK_EQ(lookup(root, "rel", &l), 0);
    CHECK_EQ(set_mode(l, 0600), -EOPNOTSUPP);
    CHECK_EQ(
        set_times(l, ATTR_ATIME | ATTR_MTIME, (struct timespec){111, 0}, (struct timespec){222, 0}),
        0);
    CHECK(times_are("rel", 111, 0, 222, 0));
    CHECK(times_are("hello.txt", before[0], before[1], before[2], before[3]));
    CHECK_EQ(th_mode("hello.txt"), hello_mode);
    inode_put(l);

    /* a directory and the mount's root ("" on the host) */
    CHECK_EQ(lookup(root, "sub", &d), 0);
    CHECK_EQ(set_mode(d, 0711), 0);
    CHECK_EQ(th_mode("sub"), S_IFDIR | 0711);
    CHECK_EQ(set_times(d, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){333, 3}), 0);
    CHECK_EQ(th_times("sub", t), 0);
    CHECK(t[2] == 333 && t[3] == 3);
    inode_put(d);
    CHECK_EQ(set_mode(root, 0750), 0);
    CHECK_EQ(th_mode("."), S_IFDIR | 0750);
    CHECK_EQ(root->mode, S_IFDIR | 0750);
    CHECK_EQ(set_times(root, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){444, 0}), 0);
    CHECK_EQ(th_times(".", t), 0);
    CHECK_EQ(t[2], 444);
    CHECK_EQ(set_mode(root, 0700), 0);

    /* the host's errors come back: a file gone behind the inode's back */
    CHECK_EQ(root->iops->create(root, "gone", 4, S_IFREG | 0600, 0, NULL, &v), 0);
    CHECK_EQ(root->iops->unlink(root, "gone", 4), 0);
    CHECK_EQ(set_mode(v, 0644), -ENOENT);
    CHECK_EQ(set_times(v, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){1, 0}), -ENOENT);
    CHECK_EQ(v->mode, S_IFREG | 0600);
    inode_put(v);

    /* a file the host swaps for a symlink out of the mount is not changed through it */
    CHECK_EQ(root->iops->create(root, "victim", 6, S_IFREG | 0600, 0, NULL, &v), 0);
    th_replace_by_link("victim", 0);
    CHECK_EQ(set_mode(v, 0777), -EOPNOTSUPP);
    CHECK_EQ(th_outside_mode(), S_IFREG | 0644);
    CHECK_EQ(set_times(v, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){9, 0}), 0);
    CHECK_EQ(th_outside_times(t), 0);
    CHECK(t[0] == 1000 && t[2] == 2000); /* the link's own times changed, not the file's */
    CHECK_EQ(th_times("victim", t), 0);
    CHECK(t[2] == 9);
    inode_put(v);
    /* and a directory swapped for one: the host refuses to walk through it (ENOTDIR: the
     * link itself is not a directory; walking through would have answered ENOENT) */
    CHECK_EQ(root->iops->create(root, "vdir", 4, S_IFDIR | 0700, 0, NULL, &d), 0);
    CHECK_EQ(d->iops->create(d, "f", 1, S_IFREG | 0600, 0, NULL, &v), 0);
    CHECK_EQ(d->iops->unlink(d, "f", 1), 0);
    th_replace_by_link("vdir", 1);
    CHECK_EQ(set_mode(v, 0777), -ENOTDIR);
    CHECK_EQ(set_times(v, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){9, 0}), -ENOTDIR);
    inode_put(v);
    inode_put(d);
    CHECK_EQ(root->iops->unlink(root, "vdir", 4), 0);
    CHECK_EQ(root->iops->unlink(root, "victim", 6), 0);

    /* a host that lies: an answer outside 0 / -errno is -EIO, and the inode keeps its mode */
    th_setattr_lies(1);
    CHECK_EQ(set_mode(i, 0777), -EIO);
    CHECK_EQ(i->mode, S_IFREG | 0604);
    th_setattr_lies(-100000);
    CHECK_EQ(set_times(i, ATTR_MTIME, (struct timespec){0, 0}, (struct timespec){9, 0}), -EIO);
    th_setattr_lies(-EROFS);
    CHECK_EQ(set_mode(i, 0777), -EROFS);
    CHECK_EQ(i->mode, S_IFREG | 0604);
    th_setattr_lies(0);
    CHECK_EQ(set_mode(i, 0600), 0);
    CHECK_EQ(th_mode("attr"), S_IFREG | 0600);

    inode_put(i);
    CHECK_EQ(root->iops->unlink(root, "attr", 4), 0);
}

int main(void)
{
    static struct tcs tcs;
    static char hbuf[OCALL_BUF_SIZE];
    struct super_block *sb;
    struct inode *root, *i, *j, *d;
    struct file *f;
    struct stat st;
    struct iattr ia;
    char buf[256];
    const char *dir;
    int fds_before, rootfd;
    long live_before = heap_live;

    tcs.self = &tcs;
    tcs.host_buf = hbuf;
    tcs.host_buf_size = sizeof(hbuf);
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, &tcs) != 0) {
        printf("arch_prctl failed\n");
        return 2;
    }
    dir = th_make_dir();
    fds_before = th_count_fds();

    /* mounting */
    CHECK_EQ(hostfs_mount(NULL, NULL, &sb), -EINVAL);
    CHECK_EQ(hostfs_mount("/nonexistent/dir", NULL, &sb), -ENOENT);
    CHECK_EQ(hostfs_mount("/etc/passwd", NULL, &sb), -ENOTDIR);
    CHECK_EQ(hostfs_mount("/tmp", NULL, &sb), -EACCES); /* not a configured source */
    CHECK_EQ(hostfs_mount(dir, NULL, &sb), 0);
    root = sb->root;
    CHECK(S_ISDIR(root->mode));
    CHECK(sb->type && strcmp(sb->type, "hostfs") == 0);

    /* the read side */
    CHECK_EQ(lookup(root, "hello.txt", &i), 0);
    CHECK(S_ISREG(i->mode));
    CHECK_EQ(i->size, 6);
    memset(&st, 0, sizeof(st));
    CHECK_EQ(i->iops->getattr(i, &st), 0);
    CHECK_EQ(st.st_size, 6);
    CHECK_EQ(st.st_dev, sb->dev);
    CHECK_EQ(st.st_ino, i->ino);
    f = open_inode(i, O_RDONLY);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(f->ops->read(f, buf, sizeof(buf), &f->pos), 6);
    CHECK(strcmp(buf, "hello\n") == 0);
    CHECK_EQ(f->ops->read(f, buf, sizeof(buf), &f->pos), 0);
    CHECK_EQ(f->ops->pread(f, buf, 3, 2), 3);
    CHECK(memcmp(buf, "llo", 3) == 0);
    CHECK_EQ(f->ops->lseek(f, -1, SEEK_END), 5);
    CHECK_EQ(f->ops->lseek(f, 0, SEEK_HOLE), 6);
    CHECK_EQ(f->ops->lseek(f, 6, SEEK_DATA), -ENXIO);
    CHECK_EQ(f->ops->write(f, "x", 1, &f->pos), -EBADF);
    close_file(f);
    inode_put(i);
    CHECK_EQ(lookup(root, "missing", &i), -ENOENT);

    /* symlinks are reported, never followed by the host */
    CHECK_EQ(lookup(root, "out", &i), 0);
    CHECK(S_ISLNK(i->mode));
    CHECK_EQ(i->iops->readlink(i, buf, sizeof(buf)), 4);
    CHECK(memcmp(buf, "/etc", 4) == 0);
    CHECK_EQ(i->iops->lookup(i, "passwd", 6, &j), -ENOTDIR); /* the link itself, O_NOFOLLOW */
    inode_put(i);
    CHECK_EQ(lookup(root, "rel", &i), 0);
    CHECK(S_ISLNK(i->mode));
    CHECK_EQ(i->iops->readlink(i, buf, 3), 9); /* full length, 3 bytes copied */
    inode_put(i);

    /* the host refuses paths that could leave the mount */
    rootfd = host_hostfs_open_root(dir);
    CHECK(rootfd > 2);
    CHECK_EQ(host_hostfs_statat(rootfd, "..", &st), -EINVAL);
    CHECK_EQ(host_hostfs_statat(rootfd, "sub/../..", &st), -EINVAL);
    CHECK_EQ(host_hostfs_statat(rootfd, "/etc/passwd", &st), -EINVAL);
    CHECK_EQ(host_hostfs_statat(rootfd, "sub//a", &st), -EINVAL);
    CHECK_EQ(host_hostfs_statat(rootfd, "out/passwd", &st), -ENOTDIR);
    CHECK_EQ(host_hostfs_openat(rootfd, "out", O_RDONLY, 0), -ELOOP);
    CHECK_EQ(host_hostfs_openat(rootfd, "rel", O_RDONLY, 0), -ELOOP);
    CHECK_EQ(host_hostfs_statat(rootfd, "sub/a", &st), 0);
    /* fds the runtime did not open for hostfs are not the enclave's */
    CHECK_EQ(host_hostfs_statat(0, "hello.txt", &st), -EBADF);
    CHECK_EQ(host_close(1), -EBADF);
    CHECK_EQ(host_hostfs_ftruncate(2, 0), -EBADF);
    CHECK_EQ(host_close(rootfd), 0);
    CHECK_EQ(host_close(rootfd), -EBADF);

    /* "..": the parent of sub is the root; the root's is itself */
    CHECK_EQ(lookup(root, "sub", &d), 0);
    CHECK_EQ(d->iops->parent(d, &j), 0);
    CHECK_EQ(j->ino, root->ino);
    inode_put(j);
    CHECK_EQ(root->iops->parent(root, &j), 0);
    CHECK(j == root);
    inode_put(j);

    /* listing, whole and resumed one entry at a time */
    CHECK(list(root, 1000) >= 1);
    CHECK(has(".") && has("..") && has("hello.txt") && has("sub") && has("out") && has("rel"));
    CHECK_EQ(count_entries(), 6);
    CHECK(list(root, 1) >= 6);
    CHECK_EQ(count_entries(), 6);
    CHECK(has("hello.txt") && has("rel"));
    CHECK(list(d, 1000) >= 1);
    CHECK_EQ(count_entries(), 3);
    CHECK(has("a"));

    /* the write side */
    CHECK_EQ(root->iops->create(root, "new.txt", 7, S_IFREG | 0640, 0, NULL, &i), 0);
    CHECK(S_ISREG(i->mode));
    CHECK_EQ(th_mode("new.txt"), S_IFREG | 0640);
    CHECK_EQ(root->iops->create(root, "new.txt", 7, S_IFREG | 0640, 0, NULL, &j), -EEXIST);
    CHECK_EQ(root->iops->create(root, "fifo", 4, S_IFIFO | 0640, 0, NULL, &j), -EPERM);
    f = open_inode(i, O_RDWR);
    CHECK_EQ(f->ops->write(f, "abc", 3, &f->pos), 3);
    CHECK_EQ(f->ops->pwrite(f, "Z", 1, 5), 1);
    CHECK_EQ(th_size("new.txt"), 6);
    CHECK_EQ(th_read_file("new.txt", buf, sizeof(buf)), 6);
    CHECK(memcmp(buf, "abc\0\0Z", 6) == 0);
    close_file(f);
    f = open_inode(i, O_WRONLY | O_APPEND);
    CHECK_EQ(f->ops->write(f, "++", 2, &f->pos), 2);
    CHECK_EQ(f->pos, 8);
    CHECK_EQ(f->ops->pread(f, buf, 1, 0), -EBADF); /* opened write-only on the host */
    close_file(f);
    memset(&ia, 0, sizeof(ia));
    ia.valid = ATTR_SIZE | ATTR_MTIME;
    ia.size = 2;
    CHECK_EQ(i->iops->setattr(i, &ia), 0);
    CHECK_EQ(th_size("new.txt"), 2);
    CHECK_EQ(i->size, 2);
    CHECK_EQ(i->iops->write(i, "xyz", 3, 1), 3);
    CHECK_EQ(i->iops->read(i, buf, sizeof(buf), 0), 4);
    CHECK(memcmp(buf, "axyz", 4) == 0);
    inode_put(i);

    CHECK_EQ(root->iops->create(root, "dd", 2, S_IFDIR | 0750, 0, NULL, &j), 0);
    CHECK(S_ISDIR(j->mode));
    CHECK_EQ(th_mode("dd"), S_IFDIR | 0750);
    CHECK_EQ(j->iops->create(j, "f", 1, S_IFREG | 0600, 0, NULL, &i), 0);
    inode_put(i);
    CHECK_EQ(th_exists("dd/f"), 1);

    CHECK_EQ(root->iops->rename(root, "new.txt", 7, j, "moved", 5, 0), 0);
    CHECK_EQ(th_exists("new.txt"), 0);
    CHECK_EQ(th_size("dd/moved"), 4);
    CHECK_EQ(j->iops->rename(j, "moved", 5, j, "f", 1, RENAME_NOREPLACE), -EEXIST);
    CHECK_EQ(j->iops->rename(j, "moved", 5, j, "f", 1, RENAME_EXCHANGE), -EINVAL);
    CHECK_EQ(th_exists("dd/moved"), 1);

    CHECK_EQ(root->iops->symlink(root, "ln", 2, "dd/f", 4, NULL, &i), 0);
    CHECK(S_ISLNK(i->mode));
    CHECK_EQ(i->iops->readlink(i, buf, sizeof(buf)), 4);
    CHECK(memcmp(buf, "dd/f", 4) == 0);
    inode_put(i);
    CHECK_EQ(th_mode("ln") & S_IFMT, S_IFLNK);

    CHECK_EQ(root->iops->rmdir(root, "dd", 2), -ENOTEMPTY);
    CHECK_EQ(root->iops->unlink(root, "dd", 2), -EISDIR);
    CHECK_EQ(root->iops->unlink(root, "ln", 2), 0);
    CHECK_EQ(j->iops->unlink(j, "f", 1), 0);
    CHECK_EQ(j->iops->unlink(j, "moved", 5), 0);
    CHECK_EQ(j->iops->unlink(j, "moved", 5), -ENOENT);
    CHECK_EQ(root->iops->rmdir(root, "dd", 2), 0);
    CHECK_EQ(th_exists("dd"), 0);
    /* an inode whose file went away answers ENOENT */
    CHECK_EQ(j->iops->getattr(j, &st), -ENOENT);
    inode_put(j);
    inode_put(d);

    CHECK_EQ(root->iops->lookup(root, "a/b", 3, &i), -EINVAL);

    check_setattr(dir, root);

    sb->kill(sb);
    CHECK_EQ(th_count_fds(), fds_before);
    CHECK_EQ(heap_live, live_before);
    th_cleanup();
    printf("test_hostfs: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
