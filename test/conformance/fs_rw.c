/*
 * Conformance: writing file systems -- open with O_CREAT/O_EXCL/O_TRUNC/O_APPEND/O_TMPFILE,
 * write/pwrite/pwritev, ftruncate/truncate, fallocate, mkdir/rmdir, unlink, rename/renameat2,
 * link, symlink, mknod (FIFO), chmod/utimensat/statx, getdents64, chdir/getcwd, fcntl record
 * locks (classic and OFD, split/merge), flock, close_range, sendfile, copy_file_range, and
 * hostile arguments.
 *
 * Usage: fs_rw DIR -- makes a fresh scratch directory under DIR, or under /tmp when DIR is
 * not writable (inside the enclave the data directory is in the read-only image), and
 * removes it at the end. Nothing printed depends on where it ran.
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2
#endif
#ifndef SYS_statx
#define SYS_statx 332
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif

static char dir[512];
/* An unmapped address the compiler cannot see through. */
static char *volatile bad;

static char *P(const char *name)
{
    static char buf[4][1024];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 1024, "%s/%s", dir, name);
    return p;
}

static int make_scratch(const char *base)
{
    snprintf(dir, sizeof(dir), "%s/fs_rw.%d", base, (int)getpid());
    return mkdir(dir, 0755);
}

static long slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    long n;
    if (fd < 0)
        return -1;
    n = read(fd, buf, cap - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

static int lists(const char *path, const char *name)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_DIRECTORY), found = 0;
    long n, off;
    if (fd < 0)
        return 0;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
        for (off = 0; off < n;) {
            struct dirent64 {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(buf + off);
            if (strcmp(d->name, name) == 0)
                found = 1;
            off += d->reclen;
        }
    close(fd);
    return found;
}

static void test_files(void)
{
    section_begin("create, write, truncate");
    char buf[256];
    struct stat st;
    int fd, fd2;

    fd = open(P("f"), O_RDWR | O_CREAT | O_EXCL, 0640);
    CHECK(fd >= 0);
    CHECK_ERR(open(P("f"), O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST);
    CHECK(write(fd, "hello world", 11) == 11);
    CHECK(pwrite(fd, "W", 1, 6) == 1);
    CHECK_ERR(pwrite(fd, "W", 1, -1), EINVAL);
    CHECK(pread(fd, buf, 5, 6) == 5 && memcmp(buf, "World", 5) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && st.st_nlink == 1);
    CHECK((st.st_mode & 07777) == 0640 && S_ISREG(st.st_mode));
    fd2 = open(P("f"), O_WRONLY | O_APPEND);
    CHECK(fd2 >= 0);
    CHECK(lseek(fd2, 0, SEEK_SET) == 0);
    CHECK(write(fd2, "!", 1) == 1);
    CHECK(lseek(fd2, 0, SEEK_CUR) == 12);
    CHECK(ftruncate(fd2, 20) == 0);
    memset(buf, 'x', sizeof(buf));
    CHECK(pread(fd, buf, 100, 10) == 10);
    CHECK(buf[0] == 'd' && buf[1] == '!' && buf[2] == 0 && buf[9] == 0);
    CHECK(lseek(fd, 0, SEEK_END) == 20);
    CHECK(lseek(fd, 0, SEEK_DATA) == 0);
    CHECK(truncate(P("f"), 5) == 0);
    CHECK(slurp(P("f"), buf, sizeof(buf)) == 5 && strcmp(buf, "hello") == 0);
    CHECK_ERR(ftruncate(fd, -1), EINVAL);
    CHECK_ERR(truncate(dir, 0), EISDIR);
    CHECK(fallocate(fd2, 0, 0, 100) == 0);
    CHECK(fstat(fd2, &st) == 0 && st.st_size == 100);
    CHECK_ERR(fallocate(fd2, 0, 0, 0), EINVAL);
    CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
    CHECK_ERR(fsync(-1), EBADF);
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
    close(fd);
    close(fd2);
    fd = open(P("f"), O_RDONLY);
    CHECK_ERR(ftruncate(fd, 0), EINVAL);
    CHECK_ERR(write(fd, "x", 1), EBADF);
    close(fd);
    fd = open(P("f"), O_WRONLY | O_TRUNC);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
    close(fd);
    fd = creat(P("c"), 0600);
    CHECK(fd >= 0 && write(fd, "abc", 3) == 3);
    close(fd);
    {
        struct iovec iov[2] = {{buf, 1}, {buf + 10, 2}};
        fd = open(P("c"), O_RDWR);
        CHECK(preadv(fd, iov, 2, 0) == 3 && buf[0] == 'a' && buf[10] == 'b');
        CHECK(pwritev(fd, iov, 2, 3) == 3);
        CHECK(lseek(fd, 0, SEEK_END) == 6);
        CHECK_ERR(preadv(fd, (struct iovec *)bad, 2, 0), EFAULT);
        close(fd);
    }
    section_end();
}

static void test_names(void)
{
    section_begin("mkdir, rename, link, symlink, unlink");
    char buf[256];
    struct stat st;
    int fd;

    CHECK(mkdir(P("d"), 0755) == 0);
    CHECK_ERR(mkdir(P("d"), 0755), EEXIST);
    CHECK_ERR(mkdir(P("nope/d"), 0755), ENOENT);
    CHECK_ERR(mkdir(P("f/d"), 0755), ENOTDIR);
    CHECK(mkdir(P("d/e/"), 0700) == 0);
    CHECK(stat(P("d"), &st) == 0 && st.st_nlink == 3);
    CHECK_ERR(rmdir(P("d")), ENOTEMPTY);
    CHECK_ERR(rmdir(P("f")), ENOTDIR);
    CHECK_ERR(unlink(P("d")), EISDIR);
    CHECK_ERR(rmdir(P("d/e/.")), EINVAL);
    CHECK_ERR(rename(P("d"), P("d/e/x")), EINVAL);
    CHECK(rename(P("f"), P("d/e/f2")) == 0);
    CHECK_ERR(stat(P("f"), &st), ENOENT);
    CHECK(rename(P("d/e"), P("e")) == 0);
    CHECK(stat(P("e/f2"), &st) == 0);
    CHECK(rename(P("e"), P("d")) == 0); /* over an empty directory */
    CHECK(stat(P("d/f2"), &st) == 0);
    CHECK_ERR(rename(P("c"), P("d")), EISDIR);
    CHECK_ERR(rename(P("d"), P("c")), ENOTDIR);
    fd = open(P("g"), O_WRONLY | O_CREAT, 0600);
    CHECK(write(fd, "G", 1) == 1);
    close(fd);
    CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, P("g"), AT_FDCWD, P("d/f2"), RENAME_NOREPLACE),
              EEXIST);
    CHECK(syscall(SYS_renameat2, AT_FDCWD, P("g"), AT_FDCWD, P("d"), RENAME_EXCHANGE) == 0);
    CHECK(stat(P("g/f2"), &st) == 0 && S_ISDIR(st.st_mode) == 0);
    CHECK(slurp(P("d"), buf, sizeof(buf)) == 1);
    CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, P("d"), AT_FDCWD, P("x"), 3), EINVAL);
    CHECK(link(P("d"), P("d2")) == 0);
    CHECK(stat(P("d2"), &st) == 0 && st.st_nlink == 2);
    CHECK_ERR(link(P("g"), P("g2")), EPERM);
    CHECK_ERR(link(P("d"), P("d2")), EEXIST);
    CHECK(symlink("d", P("s")) == 0);
    CHECK_ERR(symlink("d", P("s")), EEXIST);
    CHECK_ERR(symlink("", P("s3")), ENOENT);
    CHECK(readlink(P("s"), buf, sizeof(buf)) == 1 && buf[0] == 'd');
    CHECK(slurp(P("s"), buf, sizeof(buf)) == 1);
    CHECK(symlink(P("s2"), P("s2")) == 0);
    CHECK_ERR(open(P("s2"), O_RDONLY), ELOOP);
    CHECK_ERR(open(P("s"), O_RDONLY | O_NOFOLLOW), ELOOP);
    /* O_CREAT through a dangling symlink creates its target, relative to the link's
     * directory, through a chain of links too; O_EXCL and O_NOFOLLOW refuse the link. */
    CHECK(symlink("made", P("dangling")) == 0);
    CHECK_ERR(open(P("dangling"), O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
    CHECK_ERR(open(P("dangling"), O_WRONLY | O_CREAT | O_NOFOLLOW, 0600), ELOOP);
    fd = open(P("dangling"), O_WRONLY | O_CREAT, 0600);
    CHECK(fd >= 0 && write(fd, "M", 1) == 1);
    close(fd);
    CHECK(lstat(P("made"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 1);
    CHECK(lstat(P("dangling"), &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(symlink("chain2", P("chain1")) == 0 && symlink("made2", P("chain2")) == 0);
    fd = open(P("chain1"), O_RDWR | O_CREAT, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK(stat(P("made2"), &st) == 0 && S_ISREG(st.st_mode));
    CHECK(symlink("nodir/x", P("dangling2")) == 0);
    CHECK_ERR(open(P("dangling2"), O_WRONLY | O_CREAT, 0600), ENOENT);
    CHECK_ERR(open(P("s2"), O_WRONLY | O_CREAT, 0600), ELOOP);
    CHECK(mknod(P("p"), S_IFIFO | 0644, 0) == 0);
    CHECK(lstat(P("p"), &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(mkfifo(P("p2"), 0600) == 0);
    CHECK(lists(dir, "p") && lists(dir, "s") && lists(dir, "g") && !lists(dir, "f"));
    CHECK(unlink(P("p2")) == 0);
    CHECK_ERR(unlink(P("p2")), ENOENT);
    /* unlinked while open: the data stays readable */
    fd = open(P("d2"), O_RDONLY);
    CHECK(unlink(P("d2")) == 0);
    CHECK(read(fd, buf, sizeof(buf)) == 1);
    close(fd);
    section_end();
}

static void test_attrs(void)
{
    section_begin("chmod, utimensat, statx, chdir");
    struct timespec ts[2] = {{100, 5}, {200, UTIME_OMIT}};
    struct stat st, st2;
    char cwd[1024], want[1024];

    CHECK(chmod(P("d"), 0604) == 0);
    CHECK(utimensat(AT_FDCWD, P("d"), ts, 0) == 0);
    CHECK(stat(P("d"), &st) == 0);
    CHECK((st.st_mode & 07777) == 0604);
    CHECK(st.st_atim.tv_sec == 100 && st.st_atim.tv_nsec == 5);
    ts[1].tv_nsec = 1000000000;
    CHECK_ERR(utimensat(AT_FDCWD, P("d"), ts, 0), EINVAL);
    CHECK(chown(P("d"), getuid(), getgid()) == 0);
    {
        /* struct statx by offset (musl's headers may lack it): mode 0x1c, ino 0x20, size 0x28 */
        unsigned char sx[256];
        uint16_t mode;
        uint64_t ino, size;

        CHECK(syscall(SYS_statx, AT_FDCWD, P("d"), 0, 0x7ff, sx) == 0);
        memcpy(&mode, sx + 0x1c, 2);
        memcpy(&ino, sx + 0x20, 8);
        memcpy(&size, sx + 0x28, 8);
        CHECK(ino == st.st_ino && size == 1 && (mode & 07777) == 0604);
        CHECK_ERR(syscall(SYS_statx, AT_FDCWD, P("d"), 0, 0x80000000u, sx), EINVAL);
        CHECK_ERR(syscall(SYS_statx, AT_FDCWD, P("d"), 0, 0x7ff, bad), EFAULT);
    }
    CHECK(access(P("d"), R_OK) == 0);
    CHECK_ERR(access(P("d"), 8), EINVAL);
    CHECK(getcwd(want, sizeof(want)) != NULL);
    CHECK(chdir(P("g")) == 0);
    CHECK(stat("f2", &st) == 0);
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, P("g")) == 0);
    CHECK(chdir("..") == 0 && stat("g/f2", &st2) == 0 && st.st_ino == st2.st_ino);
    CHECK(chdir(want) == 0);
    CHECK_ERR(chdir(P("d")), ENOTDIR);
    CHECK_ERR(chdir(bad), EFAULT);
    {
        int dfd = open(P("g"), O_RDONLY | O_DIRECTORY);
        CHECK(fchdir(dfd) == 0);
        CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, P("g")) == 0);
        CHECK(chdir(want) == 0);
        close(dfd);
    }
    section_end();
}

static void test_tmpfile_copy(void)
{
    section_begin("O_TMPFILE, sendfile, copy_file_range");
    char buf[256], path[64];
    int fd, fd2, i;
    off_t off;

    fd = open(dir, O_TMPFILE | O_RDWR, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "tmp", 3) == 3);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    CHECK_ERR(open(dir, O_TMPFILE | O_RDONLY, 0600), EINVAL);
    CHECK(linkat(fd, "", AT_FDCWD, P("named"), AT_EMPTY_PATH) == 0);
    CHECK(slurp(P("named"), buf, sizeof(buf)) == 3);
    close(fd);
    fd = open(P("src"), O_RDWR | O_CREAT, 0600);
    for (i = 0; i < 10; i++)
        CHECK(write(fd, "0123456789", 10) == 10);
    fd2 = open(P("dst"), O_RDWR | O_CREAT, 0600);
    off = 95;
    CHECK(sendfile(fd2, fd, &off, 100) == 5 && off == 100);
    CHECK(lseek(fd, 0, SEEK_CUR) == 100);
    off = 10;
    CHECK(copy_file_range(fd, &off, fd2, NULL, 20, 0) == 20);
    CHECK_ERR(copy_file_range(fd, &off, fd2, NULL, 20, 1), EINVAL);
    CHECK(slurp(P("dst"), buf, sizeof(buf)) == 25);
    CHECK(memcmp(buf, "5678901234567890123456789", 25) == 0);
    CHECK_ERR(sendfile(fd2, -1, NULL, 1), EBADF);
    close(fd);
    close(fd2);
    section_end();
}

static void test_locks(void)
{
    section_begin("record locks, flock, close_range");
    struct flock fl;
    int a, b, c;

    a = open(P("lk"), O_RDWR | O_CREAT, 0600);
    b = open(P("lk"), O_RDWR);
    CHECK(a >= 0 && b >= 0);
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    CHECK(fcntl(a, F_OFD_SETLK, &fl) == 0);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 50, .l_len = 1};
    CHECK_ERR(fcntl(b, F_OFD_SETLK, &fl), EAGAIN);
    fl = (struct flock){.l_type = F_UNLCK, .l_start = 40, .l_len = 20};
    CHECK(fcntl(a, F_OFD_SETLK, &fl) == 0);
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 45, .l_len = 2};
    CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 70, .l_len = 1};
    CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0);
    CHECK(fl.l_type == F_WRLCK && fl.l_start == 60 && fl.l_len == 40 && fl.l_pid == -1);
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 40, .l_len = 20};
    CHECK(fcntl(a, F_OFD_SETLK, &fl) == 0);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 0, .l_len = 0};
    CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_start == 0 && fl.l_len == 100);
    fl = (struct flock){.l_type = F_RDLCK, .l_pid = 3};
    CHECK_ERR(fcntl(b, F_OFD_GETLK, &fl), EINVAL);
    CHECK_ERR(fcntl(b, F_OFD_GETLK, (struct flock *)bad), EFAULT);
    /* a classic lock of this process, seen from another open file's OFD query */
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 200, .l_len = 0};
    CHECK(fcntl(b, F_SETLK, &fl) == 0);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 300, .l_len = 5};
    CHECK(fcntl(a, F_OFD_GETLK, &fl) == 0);
    CHECK(fl.l_type == F_WRLCK && fl.l_pid == getpid() && fl.l_start == 200 && fl.l_len == 0);
    /* closing any fd of the file drops the process's classic locks */
    c = open(P("lk"), O_RDONLY);
    close(c);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = 250, .l_len = 1};
    CHECK(fcntl(a, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);
    /* the last close of an open file drops its OFD locks */
    c = dup(a);
    close(a);
    fl = (struct flock){.l_type = F_WRLCK, .l_start = 0, .l_len = 1};
    CHECK_ERR(fcntl(b, F_OFD_SETLK, &fl), EAGAIN);
    close(c);
    CHECK(fcntl(b, F_OFD_SETLK, &fl) == 0);
    fl = (struct flock){.l_type = 9};
    CHECK_ERR(fcntl(b, F_SETLK, &fl), EINVAL);
    fl = (struct flock){.l_type = F_RDLCK, .l_start = -5, .l_len = 1};
    CHECK_ERR(fcntl(b, F_SETLK, &fl), EINVAL);
    c = open(P("lk"), O_RDONLY);
    fl = (struct flock){.l_type = F_WRLCK};
    CHECK_ERR(fcntl(c, F_SETLK, &fl), EBADF);
    CHECK(flock(b, LOCK_EX) == 0);
    CHECK_ERR(flock(c, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK(flock(b, LOCK_SH) == 0);
    CHECK(flock(c, LOCK_SH | LOCK_NB) == 0);
    CHECK_ERR(flock(-1, LOCK_SH), EBADF);
    close(b);
    close(c);
    a = open(P("lk"), O_RDONLY);
    b = open(P("lk"), O_RDONLY);
    CHECK(syscall(SYS_close_range, a, b, CLOSE_RANGE_CLOEXEC) == 0);
    CHECK(fcntl(b, F_GETFD) == FD_CLOEXEC);
    CHECK_ERR(syscall(SYS_close_range, b, a, 0), EINVAL);
    CHECK(syscall(SYS_close_range, a, ~0u, 0) == 0);
    CHECK_ERR(close(a), EBADF);
    CHECK_ERR(close(b), EBADF);
    section_end();
}

static void test_hostile(void)
{
    section_begin("hostile arguments");
    char *longp = malloc(5000);
    char buf[64];

    memset(longp, 'a', 4999);
    longp[4999] = '\0';
    CHECK_ERR(open(longp, O_RDONLY | O_CREAT, 0600), ENAMETOOLONG);
    CHECK_ERR(mkdir(longp, 0755), ENAMETOOLONG);
    memset(longp, 'a', 300);
    longp[300] = '\0';
    CHECK_ERR(mkdir(P(longp), 0755), ENAMETOOLONG);
    CHECK_ERR(open(bad, O_RDONLY), EFAULT);
    CHECK_ERR(mkdir(bad, 0755), EFAULT);
    CHECK_ERR(rename(P("c"), bad), EFAULT);
    CHECK_ERR(symlink(bad, P("x")), EFAULT);
    CHECK_ERR(write(-1, "x", 1), EBADF);
    CHECK_ERR(write(1000, "x", 1), EBADF);
    {
        int fd = open(P("c"), O_RDWR);
        CHECK_ERR(write(fd, bad, 1), EFAULT);
        CHECK_ERR(read(fd, bad, 1), EFAULT);
        CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);
        close(fd);
    }
    CHECK_ERR(unlinkat(AT_FDCWD, P("c"), 0x4), EINVAL);
    CHECK_ERR(unlinkat(999, "c", 0), EBADF);
    CHECK_ERR(mkdirat(999, "c", 0), EBADF);
    CHECK_ERR(open(P("c/"), O_RDONLY), ENOTDIR);
    CHECK_ERR(open(P("c"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERR(open(dir, O_WRONLY), EISDIR);
    CHECK_ERR(open(P("d2"), O_RDONLY), ENOENT);
    free(longp);
    section_end();
}

static void cleanup(void)
{
    static const char *files[] = {"c",      "d",      "g/f2",  "s",        "s2",       "p",
                                  "named",  "src",    "dst",   "lk",       "dangling", "made",
                                  "chain1", "chain2", "made2", "dangling2"};
    size_t i;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(P(files[i]));
    rmdir(P("g"));
    CHECK(rmdir(dir) == 0);
}

int main(int argc, char **argv)
{
    if (argc < 2 || make_scratch(argv[1]) != 0) {
        if (make_scratch("/tmp") != 0) {
            printf("cannot make a scratch directory\n");
            return 2;
        }
    }
    bad = (char *)8;
    umask(022);
    test_files();
    test_names();
    test_attrs();
    test_tmpfile_copy();
    test_locks();
    test_hostile();
    cleanup();
    return check_summary("fs_rw");
}
