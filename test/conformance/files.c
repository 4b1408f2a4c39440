/*
 * Conformance: reading files -- open/openat, read/readv/pread64, lseek, fstat/stat/lstat/
 * newfstatat, getdents64, readlink/readlinkat, close.
 *
 * Usage: files DATADIR
 * DATADIR holds (test/run_tests.sh, make_data_dir, creates it natively in a temporary
 * directory and inside the enclave image as /etc/conformance):
 *
 *   hello.txt     "hello, conformance\n"
 *   empty.txt     no bytes
 *   numbers.txt   the output of `seq 1 2000`
 *   link          symlink -> hello.txt
 *   dangling      symlink -> missing
 *   sub/a.txt     "a\n"
 *   sub/b.txt     "bb\n"
 *
 * Nothing is written: the enclave's image is read-only, the native copy is not.
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define HELLO     "hello, conformance\n"
#define HELLO_LEN 19

static const char *dir;
static int dirfd_;

static char *path(const char *name)
{
    static char buf[4][4096];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 4096, "%s/%s", dir, name);
    return p;
}

static void test_read(void)
{
    section_begin("open, read, lseek, pread");
    char buf[64];
    int fd = open(path("hello.txt"), O_RDONLY);
    CHECK(fd >= 0);
    memset(buf, 0, sizeof(buf));
    CHECK(read(fd, buf, sizeof(buf)) == HELLO_LEN);
    CHECK(memcmp(buf, HELLO, HELLO_LEN) == 0);
    CHECK(read(fd, buf, sizeof(buf)) == 0); /* at EOF */
    CHECK(lseek(fd, 7, SEEK_SET) == 7);
    CHECK(read(fd, buf, 4) == 4 && memcmp(buf, "conf", 4) == 0);
    CHECK(lseek(fd, -2, SEEK_CUR) == 9);
    CHECK(lseek(fd, 0, SEEK_CUR) == 9);
    CHECK(lseek(fd, 0, SEEK_END) == HELLO_LEN);
    CHECK(lseek(fd, -1, SEEK_END) == HELLO_LEN - 1);
    CHECK(read(fd, buf, 10) == 1 && buf[0] == '\n');
    CHECK(lseek(fd, 1000, SEEK_SET) == 1000); /* past the end is allowed... */
    CHECK(read(fd, buf, 10) == 0);            /* ...and reads nothing */
    CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
    CHECK_ERR(lseek(fd, -2000, SEEK_CUR), EINVAL);
    CHECK_ERR(lseek(fd, 0, 12345), EINVAL);
    CHECK(lseek(fd, 1000, SEEK_SET) == 1000); /* failures left the offset alone */

    /* pread neither uses nor moves the offset. */
    CHECK(lseek(fd, 3, SEEK_SET) == 3);
    CHECK(pread(fd, buf, 4, 7) == 4 && memcmp(buf, "conf", 4) == 0);
    CHECK(pread(fd, buf, 10, HELLO_LEN) == 0);
    CHECK(pread(fd, buf, 10, 1 << 30) == 0);
    CHECK_ERR(pread(fd, buf, 4, -1), EINVAL);
    CHECK(lseek(fd, 0, SEEK_CUR) == 3);

    /* readv scatters in order. */
    char a[5], b[20];
    struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(readv(fd, iov, 2) == HELLO_LEN);
    CHECK(memcmp(a, "hello", 5) == 0 && memcmp(b, ", conformance\n", 14) == 0);

    CHECK(close(fd) == 0);
    CHECK_ERR(read(fd, buf, 1), EBADF);
    CHECK_ERR(close(fd), EBADF);

    /* The lowest free descriptor is reused. */
    int f1 = open(path("hello.txt"), O_RDONLY), f2 = open(path("empty.txt"), O_RDONLY);
    CHECK(f1 >= 0 && f2 > f1);
    close(f1);
    int f3 = open(path("numbers.txt"), O_RDONLY);
    CHECK(f3 == f1);
    CHECK(read(f2, buf, sizeof(buf)) == 0);
    close(f2);
    close(f3);
    section_end();
}

static void test_big_file(void)
{
    section_begin("read a multi-page file");
    static char want[16384], got[16384];
    size_t n = 0;
    for (int i = 1; i <= 2000; i++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%d\n", i);
    CHECK(n == 8893);
    int fd = open(path("numbers.txt"), O_RDONLY);
    CHECK(fd >= 0);
    size_t have = 0;
    long r;
    while ((r = read(fd, got + have, 1000)) > 0)
        have += (size_t)r;
    CHECK(r == 0);
    CHECK(have == n && memcmp(got, want, n) == 0);
    /* A read that crosses the 4096-byte boundary. */
    CHECK(pread(fd, got, 200, 4000) == 200 && memcmp(got, want + 4000, 200) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 8893 && S_ISREG(st.st_mode));
    close(fd);
    section_end();
}

static void test_stat(void)
{
    section_begin("stat, lstat, fstat, newfstatat");
    struct stat s1, s2, s3;
    CHECK(stat(path("hello.txt"), &s1) == 0);
    CHECK(S_ISREG(s1.st_mode) && s1.st_size == HELLO_LEN && s1.st_nlink >= 1);
    CHECK((s1.st_mode & 0444) != 0);
    CHECK(s1.st_blksize > 0);
    int fd = open(path("hello.txt"), O_RDONLY);
    CHECK(fd >= 0 && fstat(fd, &s2) == 0);
    CHECK(s2.st_ino == s1.st_ino && s2.st_dev == s1.st_dev && s2.st_size == s1.st_size);
    close(fd);
    /* Through the symlink: stat follows, lstat does not. */
    CHECK(stat(path("link"), &s3) == 0 && s3.st_ino == s1.st_ino && S_ISREG(s3.st_mode));
    CHECK(lstat(path("link"), &s3) == 0 && S_ISLNK(s3.st_mode) && s3.st_size == 9);
    CHECK(s3.st_ino != s1.st_ino);
    CHECK(fstatat(dirfd_, "link", &s3, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(s3.st_mode));
    CHECK(fstatat(dirfd_, "link", &s3, 0) == 0 && s3.st_ino == s1.st_ino);
    CHECK(fstatat(dirfd_, "sub", &s3, 0) == 0 && S_ISDIR(s3.st_mode));
    CHECK(stat(dir, &s3) == 0 && S_ISDIR(s3.st_mode));
    CHECK(fstat(dirfd_, &s2) == 0 && S_ISDIR(s2.st_mode) && s2.st_ino == s3.st_ino);
    CHECK(lstat(path("dangling"), &s3) == 0 && S_ISLNK(s3.st_mode));
    CHECK_ERR(stat(path("dangling"), &s3), ENOENT);
    CHECK_ERR(stat(path("missing"), &s3), ENOENT);
    CHECK_ERR(stat(path("hello.txt/x"), &s3), ENOTDIR);
    CHECK_ERR(stat("", &s3), ENOENT);
    CHECK_ERR(fstatat(dirfd_, "link", &s3, 0x12345678), EINVAL);
    section_end();
}

static void test_open_paths(void)
{
    section_begin("path resolution and open errors");
    char buf[32];
    int fd;
    static const char *same[] = {"hello.txt", "./hello.txt",   "sub/../hello.txt",
                                 "link",      "sub/./../link", ".//hello.txt"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        fd = openat(dirfd_, same[i], O_RDONLY);
        CHECK(fd >= 0);
        if (fd >= 0) {
            CHECK(read(fd, buf, sizeof(buf)) == HELLO_LEN && memcmp(buf, HELLO, HELLO_LEN) == 0);
            close(fd);
        }
    }
    fd = open(path("sub/b.txt"), O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 3 && memcmp(buf, "bb\n", 3) == 0);
    close(fd);
    fd = openat(dirfd_, "sub/a.txt", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 2 && memcmp(buf, "a\n", 2) == 0);
    close(fd);
    /* An absolute path ignores the directory fd. */
    fd = openat(12345, path("hello.txt"), O_RDONLY);
    CHECK(fd >= 0);
    close(fd);

    CHECK_ERR(open(path("missing"), O_RDONLY), ENOENT);
    CHECK_ERR(open(path("sub/missing/x"), O_RDONLY), ENOENT);
    CHECK_ERR(open(path("dangling"), O_RDONLY), ENOENT);
    CHECK_ERR(open(path("hello.txt/x"), O_RDONLY), ENOTDIR);
    CHECK_ERR(open(path("hello.txt"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERR(open(path("link"), O_RDONLY | O_NOFOLLOW), ELOOP);
    CHECK_ERR(open("", O_RDONLY), ENOENT);
    CHECK_ERR(openat(12345, "hello.txt", O_RDONLY), EBADF);
    int hfd = open(path("hello.txt"), O_RDONLY);
    CHECK_ERR(openat(hfd, "x", O_RDONLY), ENOTDIR);
    CHECK_ERR(syscall(SYS_getdents64, hfd, buf, sizeof(buf)), ENOTDIR);
    close(hfd);
    CHECK_ERR(open(path("sub"), O_WRONLY), EISDIR);
    int sfd = open(path("sub"), O_RDONLY);
    CHECK(sfd >= 0);
    CHECK_ERR(read(sfd, buf, sizeof(buf)), EISDIR);
    close(sfd);
    section_end();
}

static void test_readlink(void)
{
    section_begin("readlink");
    char buf[64];
    memset(buf, 'x', sizeof(buf));
    CHECK(readlink(path("link"), buf, sizeof(buf)) == 9);
    CHECK(memcmp(buf, "hello.txt", 9) == 0 && buf[9] == 'x'); /* no NUL is added */
    CHECK(readlink(path("link"), buf, 4) == 4 && memcmp(buf, "hell", 4) == 0);
    CHECK(readlinkat(dirfd_, "dangling", buf, sizeof(buf)) == 7 && memcmp(buf, "missing", 7) == 0);
    CHECK(syscall(SYS_readlinkat, dirfd_, "link", buf, sizeof(buf)) == 9);
    CHECK_ERR(readlink(path("hello.txt"), buf, sizeof(buf)), EINVAL);
    CHECK_ERR(readlink(path("sub"), buf, sizeof(buf)), EINVAL);
    CHECK_ERR(readlink(path("missing"), buf, sizeof(buf)), ENOENT);
    CHECK_ERR(syscall(SYS_readlink, path("link"), buf, 0), EINVAL);
    CHECK_ERR(syscall(SYS_readlink, path("link"), buf, -1), EINVAL);
    section_end();
}

struct ent {
    char name[256];
    unsigned char type;
};

static int list_dir(int fd, size_t bufsize, struct ent *out, int max)
{
    static char buf[8192];
    int n = 0;
    long r;
    while ((r = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
        for (long off = 0; off < r;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            if (n < max) {
                snprintf(out[n].name, sizeof(out[n].name), "%s", d->d_name);
                out[n].type = d->d_type;
            }
            n++;
            CHECK(d->d_reclen > 0 && d->d_reclen % 8 == 0);
            if (d->d_reclen == 0)
                return -1;
            off += d->d_reclen;
        }
    }
    CHECK(r == 0);
    return n;
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static void test_getdents(void)
{
    section_begin("getdents64");
    static const struct ent want[] = {
        {".", DT_DIR},         {"..", DT_DIR},   {"dangling", DT_LNK},    {"empty.txt", DT_REG},
        {"hello.txt", DT_REG}, {"link", DT_LNK}, {"numbers.txt", DT_REG}, {"sub", DT_DIR},
    };
    const int nwant = (int)(sizeof(want) / sizeof(want[0]));
    struct ent got[32];
    /* A roomy buffer, then one so small that each call returns a single entry. */
    static const size_t sizes[] = {8192, 40};
    for (int s = 0; s < 2; s++) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        CHECK(fd >= 0);
        int n = list_dir(fd, sizes[s], got, 32);
        CHECK(n == nwant);
        if (n == nwant) {
            qsort(got, (size_t)n, sizeof(got[0]), cmp_ent);
            for (int i = 0; i < n; i++) {
                CHECK(strcmp(got[i].name, want[i].name) == 0);
                CHECK(got[i].type == want[i].type || got[i].type == DT_UNKNOWN);
            }
        }
        /* At the end it stays at the end; rewinding lists everything again. */
        CHECK(list_dir(fd, sizes[s], got, 32) == 0);
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CHECK(list_dir(fd, sizes[s], got, 32) == nwant);
        close(fd);
    }
    int fd = openat(dirfd_, "sub", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0 && list_dir(fd, 8192, got, 32) == 4);
    close(fd);
    section_end();
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: files DATADIR\n");
        return 2;
    }
    dir = argv[1];
    dirfd_ = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dirfd_ >= 0);
    test_read();
    test_big_file();
    test_stat();
    test_open_paths();
    test_readlink();
    test_getdents();
    return check_summary("files");
}
