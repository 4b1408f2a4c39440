/*
 * Unit test of the OCALL wrappers (src/libos/ocall/ocall.c) against a host that lies.
 *
 * The real boundary is replaced by a stub ocall(id, buf) that plays the host: each test sets
 * `host` to a function that writes a chosen answer (a count larger than asked, an errno out
 * of range, a positive result on a memory call, an impossible time or file type, malformed
 * directory records...) into the thread's host buffer. Each wrapper must answer -EIO (or the
 * error the call allows), copy nothing it was not asked for, and never call the host with a
 * request it should have refused itself.
 *
 * current_tcs() reads %gs:0, so the test points the GS base (arch_prctl(ARCH_SET_GS)) at a
 * fake struct tcs whose host_buf is a plain buffer. Nothing here touches %gs after that.
 *
 * Only LibOS headers plus stdio.h: glibc's other headers clash with uapi/.
 */
#include "occlum/abi.h"
#include "occlum/ocall.h"
#include "ocall/ocall.h"
#include "uapi/errno.h"
#include "util/string.h"
#include <stdbool.h>
#include <stdio.h>
#include "unit_check.h"

long syscall(long nr, ...);
void exit(int status);

#define SYS_arch_prctl 158

/* ---- the LibOS services ocall.c uses ---- */

int libos_log_level = 5;
static int log_lines;

void log_printf(int level, const char *file, int line, const char *fmt, ...);
void log_printf(int level, const char *file, int line, const char *fmt, ...)
{
    log_lines++;
}

/* ---- the lying host ---- */

static struct tcs fake_tcs;
static unsigned char hbuf[OCALL_BUF_SIZE] __attribute__((aligned(64)));
#define HDATA (hbuf + OCALL_HDR_SIZE)

static void (*host)(long id, void *buf);
static int host_calls;
static long last_id;

void ocall(long id, void *buf)
{
    host_calls++;
    last_id = id;
    if (buf != hbuf) {
        printf("FAIL: ocall with a buffer other than the thread's host buffer\n");
        exit(1);
    }
    if (host)
        host(id, buf);
}

/* The answer the next host call gives. */
static int64_t lie_ret;
static unsigned char lie_hdr[OCALL_HDR_SIZE]; /* written over the header when lie_hdr_len */
static size_t lie_hdr_len;
static unsigned char lie_data[8192];
static size_t lie_data_len;

static void lie(long id, void *buf)
{
    memcpy(buf, lie_hdr, lie_hdr_len);
    *(int64_t *)buf = lie_ret;
    memcpy(HDATA, lie_data, lie_data_len);
}

static void reset(int64_t ret)
{
    memset(hbuf, 0xAB, sizeof(hbuf));
    memset(lie_data, 0, sizeof(lie_data));
    lie_data_len = 0;
    memset(lie_hdr, 0, sizeof(lie_hdr));
    lie_hdr_len = 0;
    lie_ret = ret;
    host = lie;
    host_calls = 0;
    last_id = -1;
}

/* An answer that fills the whole data area with a pattern and claims `ret`. */
static void lie_fill(long id, void *buf)
{
    *(int64_t *)buf = lie_ret;
    memset(HDATA, 'X', OCALL_DATA_MAX);
}

/* ---- tests ---- */

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static void test_rw(void)
{
    unsigned char out[64];

    /* A read that claims more than was asked: -EIO and nothing copied. */
    reset(20);
    host = lie_fill;
    memset(out, 0, sizeof(out));
    CHECK_EQ(host_read(0, out, 10), -EIO);
    CHECK(all_bytes(out, sizeof(out), 0));
    CHECK_EQ(last_id, OCALL_READ);

    /* An honest short read copies exactly that many bytes. */
    reset(4);
    host = lie_fill;
    memset(out, 0, sizeof(out));
    CHECK_EQ(host_read(0, out, 10), 4);
    CHECK(all_bytes(out, 4, 'X'));
    CHECK(all_bytes(out + 4, sizeof(out) - 4, 0));

    /* errno out of range either way. */
    reset(-EMAX - 1);
    CHECK_EQ(host_read(0, out, 10), -EIO);
    reset(INT64_MIN);
    CHECK_EQ(host_pread(3, out, 10, 0), -EIO);
    reset(-EINTR);
    CHECK_EQ(host_read(0, out, 10), -EINTR);
    reset(-EMAX);
    CHECK_EQ(host_read(0, out, 10), -EMAX);

    /* A huge read is asked in one chunk of at most OCALL_DATA_MAX, and bounded by it. */
    reset(OCALL_DATA_MAX + 1);
    static unsigned char big[OCALL_DATA_MAX + 4096];
    CHECK_EQ(host_pread(3, big, sizeof(big), 0), -EIO);
    CHECK_EQ(((struct ocall_rw *)hbuf)->len, OCALL_DATA_MAX);

    /* Writes: a count above the length is a lie. */
    reset(11);
    CHECK_EQ(host_write(1, "0123456789", 10), -EIO);
    reset(10);
    CHECK_EQ(host_write(1, "0123456789", 10), 10);
    CHECK(memcmp(HDATA, "0123456789", 10) == 0);
    reset(6);
    CHECK_EQ(host_pwrite(5, "abcdef", 5, 100), -EIO);
    reset(5);
    CHECK_EQ(host_pwrite(5, "abcdef", 5, 100), 5);
    CHECK_EQ(last_id, OCALL_PWRITE);
    CHECK_EQ(((struct ocall_rw *)hbuf)->offset, 100);
    CHECK(memcmp(HDATA, "abcde", 5) == 0);
    reset(0);
    CHECK_EQ(host_pwrite(5, "a", 1, (uint64_t)INT64_MAX + 1), -EINVAL);
    CHECK_EQ(host_calls, 0);
}

static void set_clock(int64_t sec, int64_t nsec)
{
    struct ocall_clock c = {.sec = sec, .nsec = nsec};

    memcpy(lie_hdr, &c, sizeof(c));
    lie_hdr_len = sizeof(c);
}

static void set_fstat_size(uint32_t mode, int64_t size)
{
    struct ocall_fstat f = {.mode = mode, .rdev = 0x8801, .size = size};

    memcpy(lie_hdr, &f, sizeof(f));
    lie_hdr_len = sizeof(f);
}

static void set_fstat(uint32_t mode)
{
    set_fstat_size(mode, 0);
}

static void test_mem_time_misc(void)
{
    struct timespec ts = {7, 7};
    struct host_stat hst;
    unsigned char out[64];

    /* A memory call answers 0 or -errno: a positive answer is a lie. */
    reset(1);
    CHECK_EQ(host_mem_commit(0x10000, 4096, PROT_READ), -EIO);
    reset(4096);
    CHECK_EQ(host_mem_discard(0x10000, 4096), -EIO);
    reset(-ENOMEM);
    CHECK_EQ(host_mem_commit(0x10000, 4096, PROT_READ), -ENOMEM);
    reset(0);
    CHECK_EQ(host_mem_commit(0x10000, 4096, PROT_READ), 0);

    /* Times: nanoseconds out of range, negative seconds; *ts untouched on a lie. */
    reset(0);
    set_clock(5, 1000000000);
    CHECK_EQ(host_clock_gettime(CLOCK_REALTIME, &ts), -EIO);
    CHECK(ts.tv_sec == 7 && ts.tv_nsec == 7);
    reset(0);
    set_clock(-1, 0);
    CHECK_EQ(host_clock_gettime(CLOCK_MONOTONIC, &ts), -EIO);
    reset(0);
    set_clock(5, -1);
    CHECK_EQ(host_clock_gettime(CLOCK_MONOTONIC, &ts), -EIO);
    reset(1);
    set_clock(5, 5);
    CHECK_EQ(host_clock_gettime(CLOCK_MONOTONIC, &ts), -EIO);
    reset(0);
    set_clock(5, 999999999);
    CHECK_EQ(host_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    CHECK(ts.tv_sec == 5 && ts.tv_nsec == 999999999);
    reset(2);
    CHECK_EQ(host_nanosleep(CLOCK_MONOTONIC, &ts), -EIO);

    /* fstat: a type that does not exist. */
    reset(0);
    set_fstat(0);
    CHECK_EQ(host_fstat(1, &hst), -EIO);
    reset(0);
    set_fstat(0170000);
    CHECK_EQ(host_fstat(1, &hst), -EIO);
    reset(0);
    set_fstat_size(S_IFREG | 0644, -1); /* a negative size */
    CHECK_EQ(host_fstat(1, &hst), -EIO);
    reset(0);
    set_fstat_size(S_IFREG | 04644, 35);
    CHECK_EQ(host_fstat(1, &hst), 0);
    CHECK_EQ(hst.type, S_IFREG);
    CHECK_EQ(hst.perm, 04644);
    CHECK_EQ(hst.size, 35);
    reset(0);
    set_fstat(S_IFCHR | 0620);
    CHECK_EQ(host_fstat(1, &hst), 0);
    CHECK_EQ(hst.type, S_IFCHR);
    CHECK_EQ(hst.rdev, 0x8801);

    /* ioctl: 0 or -errno; the output is exactly len bytes. */
    reset(36);
    memset(out, 0, sizeof(out));
    CHECK_EQ(host_ioctl(1, TCGETS, out, 36), -EIO);
    CHECK(all_bytes(out, sizeof(out), 0));
    reset(0);
    host = lie_fill;
    CHECK_EQ(host_ioctl(1, TIOCGWINSZ, out, 8), 0);
    CHECK(all_bytes(out, 8, 'X') && all_bytes(out + 8, sizeof(out) - 8, 0));
    reset(0);
    CHECK_EQ(host_ioctl(1, TCGETS, out, 65), -EINVAL);
    CHECK_EQ(host_calls, 0);
}

/* ---- hostfs ---- */

static void test_hostfs_fds(void)
{
    char longpath[PATH_MAX + 8];

    reset(HOST_FD_MAX);
    CHECK_EQ(host_hostfs_open_root("data"), -EIO);
    reset(-1 - EMAX);
    CHECK_EQ(host_hostfs_open_root("data"), -EIO);
    reset(7);
    CHECK_EQ(host_hostfs_open_root("data"), 7);
    CHECK_EQ(last_id, OCALL_HOSTFS_OPEN_ROOT);
    CHECK(strcmp((char *)HDATA, "data") == 0);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->path_len, 5);

    reset(HOST_FD_MAX + 5LL);
    CHECK_EQ(host_hostfs_openat(7, "a/b", O_RDONLY, 0), -EIO);
    reset(9);
    CHECK_EQ(host_hostfs_openat(7, "a/b", O_RDWR | O_CREAT, 0644), 9);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->dirfd, 7);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->mode, 0644);
    /* Requests the wrapper refuses never reach the host. */
    reset(0);
    CHECK_EQ(host_hostfs_openat(7, "a", O_RDONLY | O_NOFOLLOW, 0), -EINVAL);
    CHECK_EQ(host_hostfs_openat(7, "a", O_ACCMODE, 0), -EINVAL);
    memset(longpath, 'a', sizeof(longpath));
    longpath[PATH_MAX] = '\0';
    CHECK_EQ(host_hostfs_openat(7, longpath, O_RDONLY, 0), -ENAMETOOLONG);
    CHECK_EQ(host_hostfs_renameat(7, "a", longpath), -ENAMETOOLONG);
    CHECK_EQ(host_hostfs_mkdirat(7, "a", 010000), -EINVAL);
    CHECK_EQ(host_hostfs_unlinkat(7, "a", 1), -EINVAL);
    CHECK_EQ(host_hostfs_symlinkat("", 7, "a"), -ENOENT);
    CHECK_EQ(host_calls, 0);

    /* Calls that answer 0 or -errno. */
    reset(3);
    CHECK_EQ(host_close(9), -EIO);
    reset(1);
    CHECK_EQ(host_hostfs_mkdirat(7, "d", 0755), -EIO);
    reset(-EEXIST);
    CHECK_EQ(host_hostfs_mkdirat(7, "d", 0755), -EEXIST);
    reset(1);
    CHECK_EQ(host_hostfs_ftruncate(9, 10), -EIO);
    reset(-200);
    CHECK_EQ(host_hostfs_fsync(9), -EIO);
    reset(0);
    CHECK_EQ(host_hostfs_renameat(7, "old", "dir/new"), 0);
    CHECK(strcmp((char *)HDATA, "old") == 0 && strcmp((char *)HDATA + 4, "dir/new") == 0);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->path2_len, 8);
    reset(0);
    CHECK_EQ(host_hostfs_symlinkat("../t", 7, "l"), 0);
    CHECK(strcmp((char *)HDATA, "l") == 0 && strcmp((char *)HDATA + 2, "../t") == 0);
}

static void set_stat(uint32_t mode, int64_t size, int64_t nsec, uint64_t nlink)
{
    struct ocall_stat st = {.ino = 42,
                            .nlink = nlink,
                            .mode = mode,
                            .uid = 1000,
                            .gid = 1000,
                            .size = size,
                            .blocks = 8,
                            .mtime_sec = 100,
                            .mtime_nsec = nsec};

    memcpy(lie_data, &st, sizeof(st));
    lie_data_len = sizeof(st);
}

static void test_hostfs_stat(void)
{
    struct stat st;

    reset(0);
    set_stat(0, 10, 0, 1);
    CHECK_EQ(host_hostfs_statat(7, "f", &st), -EIO);
    reset(0);
    set_stat(S_IFREG | 0644, -1, 0, 1);
    CHECK_EQ(host_hostfs_statat(7, "f", &st), -EIO);
    reset(0);
    set_stat(S_IFREG | 0644, 10, 1000000000, 1);
    CHECK_EQ(host_hostfs_statat(7, "f", &st), -EIO);
    reset(0);
    set_stat(S_IFREG | 0644, 10, 0, 0);
    CHECK_EQ(host_hostfs_statat(7, "f", &st), -EIO);
    reset(1);
    set_stat(S_IFREG | 0644, 10, 0, 1);
    CHECK_EQ(host_hostfs_statat(7, "f", &st), -EIO);
    reset(-ENOENT);
    CHECK_EQ(host_hostfs_statat(7, "f", &st), -ENOENT);
    reset(0);
    set_stat(S_IFDIR | 0755, 4096, 5, 2);
    CHECK_EQ(host_hostfs_statat(7, "", &st), 0);
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    CHECK_EQ(st.st_size, 4096);
    CHECK_EQ(st.st_ino, 42);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(st.st_mtim.tv_nsec, 5);
    CHECK_EQ(st.st_dev, 0);
}

/* Appends one record to lie_data; reclen 0 means the right one. */
static void add_dirent(uint64_t ino, uint8_t type, const char *name, size_t name_len,
                       uint16_t reclen)
{
    unsigned char *r = lie_data + lie_data_len;
    size_t want = (19 + name_len + 1 + 7) / 8 * 8;

    if (!reclen)
        reclen = (uint16_t)want;
    memset(r, 0, want > reclen ? want : reclen);
    memcpy(r, &ino, 8);
    memcpy(r + 16, &reclen, 2);
    r[18] = type;
    memcpy(r + 19, name, name_len);
    lie_data_len += reclen;
}

static void test_hostfs_getdents(void)
{
    unsigned char out[4096];
    char longname[300];

    /* Two good records. */
    reset(0);
    add_dirent(1, DT_DIR, ".", 1, 0);
    add_dirent(2, DT_REG, "file.txt", 8, 0);
    lie_ret = (int64_t)lie_data_len;
    memset(out, 0, sizeof(out));
    CHECK_EQ(host_hostfs_getdents(9, out, sizeof(out)), 24 + 32);
    CHECK(strcmp((char *)out + 24 + 19, "file.txt") == 0);

    /* More bytes than asked. */
    reset(0);
    add_dirent(1, DT_DIR, ".", 1, 0);
    lie_ret = 24;
    memset(out, 0, sizeof(out));
    CHECK_EQ(host_hostfs_getdents(9, out, 16), -EIO);
    CHECK(all_bytes(out, sizeof(out), 0));

    struct {
        const char *what;
        uint8_t type;
        const char *name;
        size_t name_len;
        uint16_t reclen;
        int64_t ret_adjust;
    } bad[] = {
        {"reclen 0", DT_REG, "a", 1, 0xffff, 0},
        {"reclen not a multiple of 8", DT_REG, "a", 1, 25, 0},
        {"reclen past the end", DT_REG, "a", 1, 32, -8},
        {"name without NUL", DT_REG, "abcdef", 6, 24, -1000},
        {"name with a slash", DT_REG, "a/b", 3, 0, 0},
        {"empty name", DT_REG, "", 0, 0, 0},
        {"bad d_type", 3, "a", 1, 0, 0},
        {"name longer than NAME_MAX", DT_REG, longname, 256, 0, 0},
        {"a tail shorter than a header", DT_REG, "a", 1, 0, 8},
    };
    memset(longname, 'n', sizeof(longname));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        reset(0);
        add_dirent(1, DT_DIR, ".", 1, 0);
        uint16_t rl = bad[i].reclen == 0xffff ? 0 : bad[i].reclen;
        if (bad[i].reclen == 0xffff) {
            add_dirent(2, bad[i].type, bad[i].name, bad[i].name_len, 24);
            memset(lie_data + 24 + 16, 0, 2); /* reclen 0 */
        } else {
            add_dirent(2, bad[i].type, bad[i].name, bad[i].name_len, rl);
        }
        if (bad[i].ret_adjust == -1000)
            memset(lie_data + 24 + 19, 'z', 5); /* fill the name up to the record's end */
        lie_ret = (int64_t)lie_data_len + (bad[i].ret_adjust == -1000 ? 0 : bad[i].ret_adjust);
        memset(out, 0, sizeof(out));
        long n = host_hostfs_getdents(9, out, sizeof(out));
        if (n != -EIO)
            printf("FAIL: getdents accepted %s (%ld)\n", bad[i].what, n);
        CHECK_EQ(n, -EIO);
        CHECK(all_bytes(out, sizeof(out), 0));
    }

    /* The request is bounded by OCALL_DATA_MAX. */
    reset(0);
    static unsigned char big[OCALL_DATA_MAX * 2];
    CHECK_EQ(host_hostfs_getdents(9, big, sizeof(big)), 0);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->len, OCALL_DATA_MAX);
}

static void test_hostfs_readlink(void)
{
    char out[64];

    reset(9);
    memcpy(lie_data, "target/xyz", 10);
    lie_data_len = 10;
    memset(out, 0, sizeof(out));
    CHECK_EQ(host_hostfs_readlinkat(7, "l", out, 8), -EIO);
    CHECK(all_bytes((unsigned char *)out, sizeof(out), 0));

    reset(6);
    memcpy(lie_data, "ab\0cd", 6);
    lie_data_len = 6;
    CHECK_EQ(host_hostfs_readlinkat(7, "l", out, sizeof(out)), -EIO);

    reset(0);
    CHECK_EQ(host_hostfs_readlinkat(7, "l", out, sizeof(out)), -EIO);

    reset(6);
    memcpy(lie_data, "target", 6);
    lie_data_len = 6;
    memset(out, 0, sizeof(out));
    CHECK_EQ(host_hostfs_readlinkat(7, "l", out, sizeof(out)), 6);
    CHECK(memcmp(out, "target", 6) == 0 && out[6] == 0);
}

static void test_hostfs_setattr(void)
{
    struct timespec ts[2] = {{1000, 5}, {0, OCALL_UTIME_OMIT}};
    struct ocall_utimes t;
    char longpath[PATH_MAX + 8];
    uint32_t mode = 0640;

    /* Marshalling: flags, mode, the path, the times right after it. */
    reset(0);
    CHECK_EQ(host_hostfs_setattr(7, "a/b", &mode, ts), 0);
    CHECK_EQ(last_id, OCALL_HOSTFS_SETATTR);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->dirfd, 7);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->flags, OCALL_SET_MODE | OCALL_SET_TIMES);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->mode, 0640);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->path_len, 4);
    CHECK(strcmp((char *)HDATA, "a/b") == 0);
    memcpy(&t, HDATA + 4, sizeof(t));
    CHECK(t.atime_sec == 1000 && t.atime_nsec == 5 && t.mtime_nsec == OCALL_UTIME_OMIT);
    reset(0);
    CHECK_EQ(host_hostfs_setattr(7, "", NULL, ts), 0);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->flags, OCALL_SET_TIMES);
    reset(0);
    CHECK_EQ(host_hostfs_setattr(7, "f", &mode, NULL), 0);
    CHECK_EQ(((struct ocall_hostfs *)hbuf)->flags, OCALL_SET_MODE);

    /* Requests the wrapper refuses never reach the host. */
    reset(0);
    mode = 010000;
    CHECK_EQ(host_hostfs_setattr(7, "f", &mode, NULL), -EINVAL);
    CHECK_EQ(host_hostfs_setattr(7, "f", NULL, NULL), -EINVAL);
    ts[1] = (struct timespec){1, 1000000000};
    CHECK_EQ(host_hostfs_setattr(7, "f", NULL, ts), -EINVAL);
    ts[1] = (struct timespec){-1, 0};
    CHECK_EQ(host_hostfs_setattr(7, "f", NULL, ts), -EINVAL);
    ts[1] = (struct timespec){0, OCALL_UTIME_NOW};
    memset(longpath, 'a', sizeof(longpath));
    longpath[PATH_MAX] = '\0';
    CHECK_EQ(host_hostfs_setattr(7, longpath, NULL, ts), -ENAMETOOLONG);
    CHECK_EQ(host_calls, 0);

    /* Answers: 0 or -errno, anything else is a lie. */
    mode = 0600;
    reset(1);
    CHECK_EQ(host_hostfs_setattr(7, "f", &mode, NULL), -EIO);
    reset(-1 - EMAX);
    CHECK_EQ(host_hostfs_setattr(7, "f", NULL, ts), -EIO);
    reset(-EOPNOTSUPP);
    CHECK_EQ(host_hostfs_setattr(7, "f", &mode, NULL), -EOPNOTSUPP);
}

int main(void)
{
    fake_tcs.self = &fake_tcs;
    fake_tcs.host_buf = hbuf;
    fake_tcs.host_buf_size = sizeof(hbuf);
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, &fake_tcs) != 0) {
        printf("arch_prctl(ARCH_SET_GS) failed\n");
        return 2;
    }

    test_rw();
    test_mem_time_misc();
    test_hostfs_fds();
    test_hostfs_stat();
    test_hostfs_getdents();
    test_hostfs_readlink();
    test_hostfs_setattr();

    CHECK(log_lines > 0);
    printf("test_ocall: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
