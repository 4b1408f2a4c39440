/*
 * Unit tests of the pseudo file systems (fs/procfs/pseudo.c and the trees built on it:
 * procfs, devfs, sysfs), run on the host. The LibOS services they use are stubs here: one
 * fake process (pid 2) with canned mappings, fds and cwd, a fake mount table, the heap as
 * malloc (with a live count, to catch leaks), inodes and files as plain allocations.
 * current_process() reads %gs:0, so the GS base points at a fake struct tcs.
 *
 * Only LibOS headers plus stdio.h: glibc's other headers clash with uapi/.
 */
#include "fs/devfs/devfs.h"
#include "fs/fdtable.h"
#include "fs/procfs/procfs.h"
#include "fs/sysfs/sysfs.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "ocall/ocall.h"
#include "util/log.h"
#include "util/uaccess.h"
#include "process/process.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/string.h"
#include <stdio.h>
#include "unit_check.h"

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);
long syscall(long nr, ...);
char *strstr(const char *h, const char *n);
char *getenv(const char *name);
char *strncat(char *d, const char *s, size_t n);
char *strcat(char *d, const char *s);
char *strcpy(char *d, const char *s);
#define SYS_arch_prctl 158

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        checks++;                                                                                  \
        if (strcmp((a), (b))) {                                                                    \
            failures++;                                                                            \
            printf("FAIL %s:%d: \"%s\", expected \"%s\"\n", __FILE__, __LINE__, (a), (b));         \
        }                                                                                          \
    } while (0)

/* ======================= stubs of the LibOS services ======================= */

int libos_log_level = 0;
int libos_num_cpus = 2;
static long heap_live;

void log_printf(int level, const char *file, int line, const char *fmt, ...) {}

void *kmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p)
        heap_live++;
    return p;
}

void *kzalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p)
        heap_live++;
    return p;
}

void *krealloc(void *p, size_t n)
{
    if (!p)
        return kmalloc(n);
    return realloc(p, n);
}

void kfree(void *p)
{
    if (p)
        heap_live--;
    free(p);
}

size_t heap_used(void)
{
    return 3 << 20;
}

uint64_t user_range_size(void)
{
    return 1ULL << 30;
}

uint64_t time_monotonic_ns(void)
{
    return 12345678901ULL; /* 12.34 s */
}

int time_clock_get(int clock, struct timespec *ts)
{
    ts->tv_sec = 1700000000;
    ts->tv_nsec = 0;
    return 0;
}

/* Inodes: test/unit/vfs_standins.c. Files, as fs/file.c makes them: */

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

void file_get(struct file *f)
{
    f->refcount++;
}

void file_put(struct file *f)
{
    if (--f->refcount)
        return;
    if (f->ops && f->ops->release)
        f->ops->release(f);
    if (f->inode)
        inode_put(f->inode);
    f->inode = NULL;
    if (f->path)
        free(f->path);
    kfree(f);
}

/* The one process. */
spinlock_t proc_lock = SPINLOCK_INIT;
static struct process proc;
static struct thread thr;
static struct tcs fake_tcs;
static struct fs_context fsctx;
static struct inode file_inode = {.refcount = 1}, cwd_inode = {.refcount = 1};
static int proc_alive = 1;
static const char *canned_maps = "00400000-00402000 r-xp 00000000 00:00 0 \n"
                                 "7ffff000-80000000 rw-p 00000000 00:00 0"
                                 "                                 [stack]\n";

struct process *process_lookup(pid_t pid)
{
    if (pid != 2 || !proc_alive)
        return NULL;
    proc.refcount++;
    return &proc;
}

void process_put(struct process *p)
{
    p->refcount--;
}

void process_res_get(struct process *p)
{
    p->res_readers++;
}

void process_res_put(struct process *p)
{
    p->res_readers--;
}

size_t process_list_pids(pid_t *out, size_t max)
{
    if (!proc_alive)
        return 0;
    if (max)
        out[0] = 2;
    return 1;
}

pid_t process_ppid(struct process *p)
{
    return 1;
}

/* The process's "initial stack" strings for cmdline/environ; the vm stubs call every
 * address readable except one page, which plays an unmapped range. */
static char fake_args[] = "/bin/hello\0-v\0HOME=/root\0";
static int vm_locked;

void vm_lock(struct vm_space *vm)
{
    vm_locked++;
}

void vm_unlock(struct vm_space *vm)
{
    vm_locked--;
}

bool vm_range_ok_locked(struct vm_space *vm, uint64_t addr, uint64_t len, int prot)
{
    return addr >= (uint64_t)fake_args && addr + len <= (uint64_t)fake_args + sizeof(fake_args);
}

size_t vm_format_maps(struct vm_space *vm, char *buf, size_t size)
{
    size_t n = strlen(canned_maps);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(buf, canned_maps, c);
        buf[c] = '\0';
    }
    return n;
}

/* fds 0, 1 (no path) and 5 ("/tmp/x"). */
static struct file fd_files[6];

struct file *fdtable_get(struct fdtable *t, int fd, bool *cloexec)
{
    if (fd != 0 && fd != 1 && fd != 5)
        return NULL;
    fd_files[fd].refcount++;
    return &fd_files[fd];
}

static void fake_mounts_fn(void (*fn)(void *, const char *, struct super_block *), void *ctx);

struct inode *fs_context_cwd(struct fs_context *fs)
{
    inode_get(fs->cwd);
    return fs->cwd;
}

void vfs_for_each_mount(void (*fn)(void *ctx, const char *target, struct super_block *sb),
                        void *ctx)
{
    fake_mounts_fn(fn, ctx);
}

static int registered;
int vfs_register_fs(const char *type,
                    int (*mount)(const char *, const char *, struct super_block **))
{
    registered++;
    return 0;
}

/* devfs's tty */
ssize_t host_read(int fd, void *buf, size_t len)
{
    return -EIO;
}

ssize_t host_write(int fd, const void *buf, size_t len)
{
    return (ssize_t)len;
}

/* /dev/tty's terminal requests (fs/stdio.c): the host here has no terminal. */
long host_tty_ioctl(int host_fd, unsigned long request, unsigned long uarg)
{
    return -ENOTTY;
}

int copy_to_user(void *u, const void *k, size_t n)
{
    memcpy(u, k, n);
    return 0;
}

static void fake_mounts_fn(void (*fn)(void *, const char *, struct super_block *), void *ctx)
{
    static struct super_block root = {.type = "unionfs"}, p = {.type = "proc"},
                              h = {.type = "hostfs", .readonly = true};
    fn(ctx, "/", &root);
    fn(ctx, "/proc", &p);
    fn(ctx, "/my dir", &h);
}

/* ======================= helpers ======================= */

/* Walks a relative path from `dir` (no symlinks followed). */
static int walk(struct inode *dir, const char *path, struct inode **out)
{
    char name[256];
    struct inode *cur = dir, *next;

    inode_get(cur);
    while (*path) {
        size_t n = 0;
        while (path[n] && path[n] != '/')
            n++;
        memcpy(name, path, n);
        name[n] = '\0';
        int ret = n == 2 && !memcmp(name, "..", 2) ? cur->iops->parent(cur, &next)
                                                   : cur->iops->lookup(cur, name, n, &next);
        inode_put(cur);
        if (ret < 0)
            return ret;
        cur = next;
        path += n;
        while (*path == '/')
            path++;
    }
    *out = cur;
    return 0;
}

/* Reads a whole file through its file ops, `chunk` bytes at a time, into a static buffer. */
static char content[65536];

static long read_all(struct inode *root, const char *path, size_t chunk)
{
    struct inode *inode;
    struct file *f;
    long total = 0, n;
    int ret = walk(root, path, &inode);

    if (ret < 0)
        return ret;
    f = open_inode(inode, O_RDONLY);
    inode_put(inode);
    while ((size_t)total < sizeof(content) - 1) {
        size_t want =
            chunk < sizeof(content) - 1 - (size_t)total ? chunk : sizeof(content) - 1 - total;
        n = f->ops->read(f, content + total, want, &f->pos);
        if (n < 0) {
            total = n;
            break;
        }
        if (n == 0)
            break;
        total += n;
    }
    if (total >= 0)
        content[total] = '\0';
    file_put(f);
    return total;
}

static char link_buf[PATH_MAX];

static long read_link(struct inode *root, const char *path)
{
    struct inode *inode;
    long n;
    int ret = walk(root, path, &inode);

    if (ret < 0)
        return ret;
    n = inode->iops->readlink(inode, link_buf, sizeof(link_buf) - 1);
    if (n >= 0)
        link_buf[n] = '\0';
    inode_put(inode);
    return n;
}

static struct stat stat_of(struct inode *root, const char *path)
{
    struct stat st;
    struct inode *inode;

    memset(&st, 0, sizeof(st));
    if (walk(root, path, &inode) == 0) {
        inode->iops->getattr(inode, &st);
        inode_put(inode);
    }
    return st;
}

/* Directory listing into a "name,name,..." string; `stop_every` > 0 makes each iterate call
 * stop after that many entries, to test resuming. */
struct list_ctx {
    char *out;
    int left;
};

static bool list_emit(void *ctx, const char *name, size_t len, uint64_t ino, unsigned int type,
                      uint64_t pos)
{
    struct list_ctx *c = ctx;
    if (c->left == 0)
        return false;
    c->left--;
    strncat(c->out, name, len);
    strcat(c->out, ",");
    return true;
}

static char listing[4096];

static void list_dir(struct inode *root, const char *path, int stop_every)
{
    struct inode *dir;
    uint64_t pos = 0;

    listing[0] = '\0';
    if (walk(root, path, &dir) < 0)
        return;
    for (int rounds = 0; rounds < 100; rounds++) {
        struct list_ctx c = {listing, stop_every > 0 ? stop_every : -1};
        uint64_t before = pos;
        dir->iops->iterate(dir, &pos, list_emit, &c);
        if (pos == before)
            break;
    }
    inode_put(dir);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)); p += l)
        n++;
    return n;
}

/* ======================= tests ======================= */

static void test_procfs(void)
{
    struct super_block *sb;
    struct inode *root = NULL, *a, *b;
    long n;

    CHECK_EQ(procfs_mount(NULL, NULL, &sb), 0);
    root = sb->root;

    /* self and [pid] */
    CHECK_EQ(read_link(root, "self"), 1);
    CHECK_STR(link_buf, "2");
    CHECK_EQ(walk(root, "3", &a), -ENOENT);
    CHECK_EQ(walk(root, "02", &a), -ENOENT);
    CHECK_EQ(walk(root, "2x", &a), -ENOENT);
    CHECK_EQ(walk(root, "nonesuch", &a), -ENOENT);
    CHECK(S_ISDIR(stat_of(root, "2").st_mode));
    CHECK(S_ISLNK(stat_of(root, "self").st_mode));

    /* inode numbers are stable per path and differ between paths */
    CHECK_EQ(stat_of(root, "2/maps").st_ino, stat_of(root, "2/maps").st_ino);
    CHECK(stat_of(root, "2/maps").st_ino != stat_of(root, "2/stat").st_ino);
    CHECK(stat_of(root, "2/fd/5").st_ino != stat_of(root, "2/fd/1").st_ino);
    CHECK_EQ(stat_of(root, "").st_ino, 1);
    CHECK_EQ(stat_of(root, "2/fd/..").st_ino, stat_of(root, "2").st_ino);
    CHECK_EQ(stat_of(root, "..").st_ino, 1);
    CHECK_EQ(stat_of(root, "cpuinfo").st_dev, sb->dev);

    /* the root lists its files and the live pids; resuming mid-way loses nothing */
    list_dir(root, "", 0);
    CHECK_STR(listing, ".,..,cpuinfo,filesystems,loadavg,meminfo,mounts,self,stat,sys,uptime,2,");
    list_dir(root, "", 1);
    CHECK_STR(listing, ".,..,cpuinfo,filesystems,loadavg,meminfo,mounts,self,stat,sys,uptime,2,");
    list_dir(root, "2/fd", 0);
    CHECK_STR(listing, ".,..,0,1,5,");
    list_dir(root, "2/fd", 2);
    CHECK_STR(listing, ".,..,0,1,5,");

    /* maps, read whole and in small pieces */
    CHECK_EQ(read_all(root, "2/maps", 4096), (long)strlen(canned_maps));
    CHECK_STR(content, canned_maps);
    CHECK_EQ(read_all(root, "self/../2/maps", 7), (long)strlen(canned_maps));
    CHECK_STR(content, canned_maps);

    /* stat: 52 fields, pid (comm) state ppid */
    n = read_all(root, "2/stat", 4096);
    CHECK(n > 0);
    CHECK(strncmp(content, "2 (hello) R 1 ", 14) == 0);
    CHECK_EQ(count(content, " ") + 1, 52);
    CHECK(content[n - 1] == '\n');

    /* status */
    read_all(root, "2/status", 4096);
    CHECK(strstr(content, "Name:\thello\n") != NULL);
    CHECK(strstr(content, "\nPid:\t2\n") != NULL);
    CHECK(strstr(content, "\nPPid:\t1\n") != NULL);
    CHECK(strstr(content, "\nUmask:\t0027\n") != NULL);
    /* 0x2000 + 0x1000 bytes mapped = 12 kB */
    CHECK(strstr(content, "\nVmSize:\t      12 kB\n") != NULL);
    CHECK(strstr(content, "\nCpus_allowed_list:\t0-1\n") != NULL);

    read_all(root, "2/comm", 4096);
    CHECK_STR(content, "hello\n");
    CHECK_EQ(read_all(root, "2/cmdline", 4096), 14);
    CHECK(memcmp(content, "/bin/hello\0-v\0", 14) == 0);
    CHECK_EQ(read_all(root, "2/environ", 4096), 11);
    CHECK(memcmp(content, "HOME=/root\0", 11) == 0);
    CHECK_EQ(vm_locked, 0);
    CHECK_EQ(read_link(root, "2/exe"), 10);
    CHECK_STR(link_buf, "/bin/hello");
    CHECK_EQ(read_link(root, "2/cwd"), 5);
    CHECK_STR(link_buf, "/work");
    CHECK_EQ(read_link(root, "2/fd/5"), 6);
    CHECK_STR(link_buf, "/tmp/x");
    CHECK(read_link(root, "2/fd/0") > 0);
    CHECK_STR(link_buf, "anon_inode:[file]");
    CHECK_EQ(walk(root, "2/fd/3", &a), -ENOENT);

    read_all(root, "2/limits", 4096);
    CHECK(strncmp(content,
                  "Limit                     Soft Limit           Hard Limit           "
                  "Units     \n",
                  79) == 0);
    CHECK(strstr(content, "\nMax open files            1024                 4096                 "
                          "files     \n") != NULL);
    CHECK(strstr(content, "\nMax cpu time              unlimited            unlimited      "
                          "      seconds   \n") != NULL);

    /* system-wide files */
    read_all(root, "cpuinfo", 100);
    CHECK_EQ(count(content, "processor\t: "), 2);
    CHECK(strncmp(content, "processor\t: 0\nvendor_id\t: ", 26) == 0);
    CHECK(strstr(content, "\nprocessor\t: 1\n") != NULL);
    CHECK_EQ(count(content, "\nflags\t\t: fpu "), 2);
    CHECK(strstr(content, "\n\n") != NULL);

    read_all(root, "meminfo", 4096);
    CHECK(strncmp(content, "MemTotal:        1048576 kB\nMemFree:         1048564 kB\n", 56) == 0);
    CHECK(strstr(content, "\nHugePages_Total:       0\n") != NULL);
    CHECK(strstr(content, "\nInactive(anon):        0 kB\n") != NULL);

    read_all(root, "uptime", 4096);
    CHECK_STR(content, "12.34 24.68\n");
    read_all(root, "loadavg", 4096);
    CHECK_STR(content, "0.00 0.00 0.00 1/1 2\n");
    read_all(root, "stat", 4096);
    CHECK(strncmp(content, "cpu  0 0 0 2468 0 0 0 0 0 0\ncpu0 0 0 0 1234 ", 44) == 0);
    CHECK(strstr(content, "\nbtime 1699999988\n") != NULL);

    read_all(root, "mounts", 4096);
    CHECK_STR(content, "unionfs / unionfs rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\n"
                       "hostfs /my\\040dir hostfs ro,relatime 0 0\n");
    read_all(root, "2/mounts", 4096);
    CHECK(strncmp(content, "unionfs / unionfs", 17) == 0);

    read_all(root, "sys/kernel/ostype", 4096);
    CHECK_STR(content, "Linux\n");
    read_all(root, "sys/kernel/random/uuid", 4096);
    char uuid1[64];
    strcpy(uuid1, content);
    CHECK_EQ(strlen(uuid1), 37);
    CHECK(uuid1[8] == '-' && uuid1[13] == '-' && uuid1[14] == '4' && uuid1[18] == '-');
    read_all(root, "sys/kernel/random/uuid", 4096);
    CHECK(strcmp(uuid1, content) != 0);
    read_all(root, "sys/kernel/random/boot_id", 4096);
    strcpy(uuid1, content);
    read_all(root, "sys/kernel/random/boot_id", 4096);
    CHECK_STR(content, uuid1);
    read_all(root, "sys/vm/overcommit_memory", 4096);
    CHECK_STR(content, "0\n");
    read_all(root, "sys/net/core/somaxconn", 4096);
    CHECK_STR(content, "4096\n");

    /* PSEUDOFS_DUMP=1 shows the generated files, for comparing with the host's by eye. */
    if (getenv("PSEUDOFS_DUMP")) {
        const char *files[] = {"cpuinfo", "meminfo", "stat", "2/stat", "2/status", "2/limits"};
        for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
            read_all(root, files[k], 4096);
            printf("==== %s\n%s", files[k], content);
        }
    }

    /* file ops: seeks, writes, a snapshot per open file */
    CHECK_EQ(walk(root, "2/maps", &a), 0);
    struct file *f = open_inode(a, O_RDONLY);
    char buf[16];
    CHECK_EQ(f->ops->lseek(f, 0, SEEK_END), -EINVAL);
    CHECK_EQ(f->ops->lseek(f, 9, SEEK_SET), 9);
    CHECK_EQ(f->ops->read(f, buf, 8, &f->pos), 8);
    CHECK(memcmp(buf, "00402000", 8) == 0);
    CHECK_EQ(f->ops->pread(f, buf, 4, 1000), 0);
    CHECK_EQ(f->ops->write(f, "x", 1, &f->pos), -EIO);
    /* The process exits: the open file keeps its snapshot, a new open fails with ESRCH. */
    proc_alive = 0;
    CHECK_EQ(f->ops->pread(f, buf, 8, 0), 8);
    CHECK_EQ(read_all(root, "self/../2/maps", 100), -ENOENT);
    struct file *g = open_inode(a, O_RDONLY);
    CHECK_EQ(g->ops->read(g, buf, 8, &g->pos), -ESRCH);
    file_put(g);
    proc_alive = 1;
    file_put(f);
    inode_put(a);

    /* magic links: fd/N and cwd stand for the objects themselves */
    CHECK_EQ(walk(root, "2/fd/5", &a), 0);
    CHECK_EQ(pseudo_get_link(a, &b), 0);
    CHECK(b == &file_inode);
    CHECK_EQ(file_inode.refcount, 2);
    inode_put(b);
    inode_put(a);
    CHECK_EQ(walk(root, "2/cwd", &a), 0);
    CHECK_EQ(pseudo_get_link(a, &b), 0);
    CHECK(b == &cwd_inode);
    inode_put(b);
    inode_put(a);
    CHECK_EQ(walk(root, "self", &a), 0);
    CHECK_EQ(pseudo_get_link(a, &b), -EINVAL);
    inode_put(a);
    CHECK_EQ(walk(root, "2/exe", &a), 0);
    CHECK_EQ(pseudo_get_link(a, &b), -EINVAL);
    inode_put(a);

    /* a directory inode is not a file */
    CHECK_EQ(walk(root, "cpuinfo/x", &b), -ENOTDIR);

    sb->kill(sb);
}

static void test_devfs(void)
{
    struct super_block *sb;
    struct inode *root, *i;
    struct file *f;
    unsigned char buf[64];

    CHECK_EQ(devfs_mount(NULL, NULL, &sb), 0);
    root = sb->root;
    list_dir(root, "", 0);
    CHECK_STR(listing, ".,..,fd,full,null,random,shm,stderr,stdin,stdout,tty,urandom,zero,");

    struct {
        const char *name;
        uint64_t rdev;
    } devs[] = {{"null", 0x103},   {"zero", 0x105},    {"full", 0x107},
                {"random", 0x108}, {"urandom", 0x109}, {"tty", 0x500}};
    for (size_t k = 0; k < sizeof(devs) / sizeof(devs[0]); k++) {
        struct stat st = stat_of(root, devs[k].name);
        CHECK_EQ(st.st_rdev, devs[k].rdev);
        CHECK_EQ(st.st_mode, S_IFCHR | 0666);
    }
    CHECK_EQ(stat_of(root, "shm").st_mode, S_IFDIR | 01777);
    CHECK_EQ(read_link(root, "stdin"), 15);
    CHECK_STR(link_buf, "/proc/self/fd/0");
    CHECK_EQ(read_link(root, "stderr"), 15);
    CHECK_STR(link_buf, "/proc/self/fd/2");
    CHECK_EQ(read_link(root, "fd"), 13);
    CHECK_STR(link_buf, "/proc/self/fd");

    walk(root, "null", &i);
    f = open_inode(i, O_RDWR);
    CHECK_EQ(f->ops->read(f, buf, sizeof(buf), &f->pos), 0);
    CHECK_EQ(f->ops->write(f, "abc", 3, &f->pos), 3);
    CHECK_EQ(f->ops->lseek(f, 100, SEEK_SET), 0);
    file_put(f);
    inode_put(i);

    walk(root, "zero", &i);
    f = open_inode(i, O_RDWR);
    memset(buf, 0x55, sizeof(buf));
    CHECK_EQ(f->ops->read(f, buf, 10, &f->pos), 10);
    CHECK(buf[0] == 0 && buf[9] == 0 && buf[10] == 0x55);
    CHECK_EQ(f->ops->pread(f, buf, 64, 12345), 64);
    file_put(f);
    inode_put(i);

    walk(root, "full", &i);
    f = open_inode(i, O_RDWR);
    CHECK_EQ(f->ops->write(f, "abc", 3, &f->pos), -ENOSPC);
    CHECK_EQ(f->ops->read(f, buf, 5, &f->pos), 5);
    file_put(f);
    inode_put(i);

    walk(root, "urandom", &i);
    f = open_inode(i, O_RDONLY);
    unsigned char r1[32] = {0}, r2[32] = {0};
    CHECK_EQ(f->ops->read(f, r1, 31, &f->pos), 31);
    CHECK_EQ(f->ops->read(f, r2, 31, &f->pos), 31);
    CHECK(memcmp(r1, r2, 31) != 0);
    CHECK(r1[31] == 0); /* no byte past the length asked */
    file_put(f);
    inode_put(i);

    walk(root, "tty", &i);
    f = open_inode(i, O_RDWR);
    CHECK_EQ(f->ops->write(f, "", 0, &f->pos), 0);
    CHECK(f->ops->lseek == NULL);
    file_put(f);
    inode_put(i);

    sb->kill(sb);
}

static void test_sysfs(void)
{
    struct super_block *sb;

    CHECK_EQ(sysfs_mount(NULL, NULL, &sb), 0);
    read_all(sb->root, "devices/system/cpu/online", 4096);
    CHECK_STR(content, "0-1\n");
    read_all(sb->root, "devices/system/cpu/possible", 4096);
    CHECK_STR(content, "0-1\n");
    libos_num_cpus = 1;
    read_all(sb->root, "devices/system/cpu/online", 4096);
    CHECK_STR(content, "0\n");
    libos_num_cpus = 2;
    read_all(sb->root, "kernel/mm/transparent_hugepage/enabled", 4096);
    CHECK_STR(content, "always [madvise] never\n");
    list_dir(sb->root, "devices/system/cpu", 0);
    CHECK_STR(listing, ".,..,online,possible,present,");
    sb->kill(sb);
}

int main(void)
{
    static struct file_ops no_ops;
    long live_before;

    fake_tcs.self = &fake_tcs;
    fake_tcs.thread = &thr;
    thr.proc = &proc;
    proc.pid = 2;
    proc.pgid = 2;
    proc.sid = 2;
    proc.refcount = 1;
    proc.vm = (struct vm_space *)&proc; /* only passed to the vm_format_maps stub */
    proc.files = (struct fdtable *)&proc;
    proc.fs = &fsctx;
    fsctx.cwd_path = "/work";
    fsctx.cwd = &cwd_inode;
    fd_files[5].inode = &file_inode;
    fsctx.umask = 027;
    proc.exe_path = "/bin/hello";
    proc.arg_start = (uint64_t)fake_args;
    proc.arg_end = proc.arg_start + 14;
    proc.env_start = proc.arg_end;
    proc.env_end = proc.env_start + 11;
    memcpy(proc.comm, "hello", 6);
    proc.start_ns = 1000000000;
    proc.nr_threads = 1;
    for (int i = 0; i < RLIM_NLIMITS; i++)
        proc.rlimits[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
    proc.rlimits[RLIMIT_NOFILE] = (struct rlimit){1024, 4096};
    for (int i = 0; i < 6; i++) {
        fd_files[i].refcount = 1;
        fd_files[i].ops = &no_ops;
    }
    fd_files[5].path = NULL;
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, &fake_tcs) != 0) {
        printf("arch_prctl(ARCH_SET_GS) failed\n");
        return 2;
    }
    static char tmpx[] = "/tmp/x";
    fd_files[5].path = tmpx;

    live_before = heap_live;
    test_procfs();
    test_devfs();
    test_sysfs();
    CHECK_EQ(heap_live, live_before);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(fd_files[i].refcount, 1);
    CHECK_EQ(proc.refcount, 1);
    CHECK_EQ(file_inode.refcount, 1);
    CHECK_EQ(cwd_inode.refcount, 1);
    printf("test_pseudofs: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
