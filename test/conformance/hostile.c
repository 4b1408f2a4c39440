/*
 * Conformance: hostile arguments. Every call here must fail cleanly with the errno Linux
 * gives -- EFAULT for a bad pointer, EINVAL/ENOMEM/EBADF for bad sizes, ranges and fds -- and
 * never crash the program or the LibOS under it. The bad pointers:
 *
 *   NULL, a just-unmapped page, the kernel half (0xffff800000000000), the first
 *   non-canonical address (0x800000000000), the top of the address space (-16, so that any
 *   length wraps past 2^64), and a buffer that starts mapped and runs into unmapped memory
 *   (only for calls that copy a whole structure out, where Linux answers EFAULT, not a
 *   partial count).
 *
 * argv[0] is opened as a file known to exist (the test binary). Writes from bad buffers go to
 * stdout, which must be a file, pipe or terminal (not /dev/null, which never reads the
 * buffer): a failed write writes nothing, so the harness's output comparison stays exact.
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PG           4096UL
#define KERNEL_PTR   ((void *)0xffff800000000000UL)
#define NONCANON_PTR ((void *)0x0000800000000000UL)
#define TOP_PTR      ((void *)-16L)

static void *bad[5];
static const int nbad = 5;
static char *edge; /* last 64 bytes of a mapped page followed by an unmapped page */
static int self_fd;
static const char *self_path;

static void setup(const char *argv0)
{
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK(munmap(p + PG, PG) == 0);
    edge = p + PG - 64;
    bad[0] = NULL;
    bad[1] = p + PG; /* unmapped */
    bad[2] = KERNEL_PTR;
    bad[3] = NONCANON_PTR;
    bad[4] = TOP_PTR;
    self_path = argv0;
    self_fd = open(argv0, O_RDONLY);
    CHECK(self_fd >= 0);
}

static void test_io(void)
{
    section_begin("read/write family with bad pointers");
    for (int i = 0; i < nbad; i++) {
        CHECK_ERR(write(1, bad[i], 8), EFAULT);
        CHECK_ERR(write(1, bad[i], PG * 4), EFAULT);
        CHECK_ERR(read(self_fd, bad[i], 8), EFAULT);
        CHECK_ERR(pread(self_fd, bad[i], 8, 0), EFAULT);
        struct iovec iov = {bad[i], 8};
        CHECK_ERR(writev(1, &iov, 1), EFAULT);
        CHECK_ERR(readv(self_fd, &iov, 1), EFAULT);
        CHECK_ERR(writev(1, (struct iovec *)bad[i], 1), EFAULT);
        CHECK_ERR(readv(self_fd, (struct iovec *)bad[i], 1), EFAULT);
    }
    char buf[8];
    struct iovec ok = {buf, sizeof(buf)};
    CHECK_ERR(syscall(SYS_writev, 2, &ok, 1025), EINVAL); /* more than IOV_MAX */
    CHECK_ERR(syscall(SYS_writev, 2, &ok, -1), EINVAL);
    struct iovec neg = {buf, (size_t)-1}; /* length negative as ssize_t */
    CHECK_ERR(writev(2, &neg, 1), EINVAL);
    CHECK_ERR(readv(self_fd, &neg, 1), EINVAL);
    section_end();

    section_begin("bad file descriptors");
    CHECK_ERR(write(-1, "x", 1), EBADF);
    CHECK_ERR(write(9999, "x", 1), EBADF);
    CHECK_ERR(write(self_fd, "x", 1), EBADF); /* opened read-only */
    CHECK_ERR(read(9999, buf, 1), EBADF);
    CHECK_ERR(read(-5, buf, 1), EBADF);
    CHECK_ERR(close(9999), EBADF);
    CHECK_ERR(lseek(9999, 0, SEEK_SET), EBADF);
    struct stat st;
    CHECK_ERR(fstat(9999, &st), EBADF);
    CHECK_ERR(syscall(SYS_getdents64, 9999, buf, sizeof(buf)), EBADF);
    CHECK_ERR(syscall(SYS_read, 0x7fffffff, buf, 1), EBADF);
    section_end();
}

static void test_out_structs(void)
{
    section_begin("structure outputs with bad pointers");
    for (int i = 0; i < nbad; i++) {
        CHECK_ERR(syscall(SYS_uname, bad[i]), EFAULT);
        CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad[i]), EFAULT);
        CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, bad[i]), EFAULT);
        CHECK_ERR(syscall(SYS_clock_getres, CLOCK_MONOTONIC, bad[i] ? bad[i] : (void *)8), EFAULT);
        CHECK_ERR(syscall(SYS_gettimeofday, bad[i] ? bad[i] : (void *)8, NULL), EFAULT);
        CHECK_ERR(syscall(SYS_time, bad[i] ? bad[i] : (void *)8), EFAULT);
        CHECK_ERR(syscall(SYS_sysinfo, bad[i]), EFAULT);
        CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, bad[i]), EFAULT);
        CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, bad[i] ? bad[i] : (void *)8),
                  EFAULT);
        CHECK_ERR(syscall(SYS_getrandom, bad[i], 16, 0), EFAULT);
        CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 128, bad[i]), EFAULT);
        CHECK_ERR(syscall(SYS_getcwd, bad[i], 256), EFAULT);
        CHECK_ERR(syscall(SYS_fstat, self_fd, bad[i]), EFAULT);
    }
    /* Whole structures straddling into an unmapped page. */
    CHECK_ERR(syscall(SYS_uname, edge), EFAULT);
    CHECK_ERR(syscall(SYS_sysinfo, edge), EFAULT);
    CHECK_ERR(syscall(SYS_fstat, self_fd, edge), EFAULT);
    CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, edge + 56), EFAULT);
    CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, edge + 56), EFAULT);
    section_end();
}

static void test_in_structs(void)
{
    section_begin("structure and string inputs with bad pointers");
    for (int i = 0; i < nbad; i++) {
        CHECK_ERR(syscall(SYS_nanosleep, bad[i], NULL), EFAULT);
        CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, bad[i], NULL), EFAULT);
        CHECK_ERR(syscall(SYS_openat, AT_FDCWD, bad[i], O_RDONLY), EFAULT);
        CHECK_ERR(syscall(SYS_open, bad[i], O_RDONLY), EFAULT);
        CHECK_ERR(syscall(SYS_stat, bad[i], edge), EFAULT);
        CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, bad[i], edge - 256, 0), EFAULT);
        CHECK_ERR(syscall(SYS_readlink, bad[i], edge - 256, 64), EFAULT);
        CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, bad[i] ? bad[i] : (void *)8, NULL),
                  EFAULT);
        CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, bad[i] ? bad[i] : (void *)8, NULL, 8), EFAULT);
        CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad[i] ? bad[i] : (void *)8, NULL, 8),
                  EFAULT);
    }
    /* A path that runs off the end of mapped memory without a terminating NUL. */
    memset(edge, 'a', 64);
    CHECK_ERR(syscall(SYS_openat, AT_FDCWD, edge, O_RDONLY), EFAULT);
    CHECK_ERR(syscall(SYS_stat, edge, edge - 256), EFAULT);
    /* A path longer than PATH_MAX. */
    static char longpath[8192];
    memset(longpath, 'a', sizeof(longpath) - 1);
    CHECK_ERR(open(longpath, O_RDONLY), ENAMETOOLONG);
    /* A valid path with a bad output buffer. */
    CHECK_ERR(syscall(SYS_stat, self_path, KERNEL_PTR), EFAULT);
    CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, self_path, NULL, 0), EFAULT);
    /* Signal bookkeeping: bad sizes and numbers. */
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 4), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigprocmask, 12345, edge, NULL, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, 0, NULL, NULL, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGKILL, edge - 256, NULL, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4), EINVAL);
    section_end();
}

static void test_dirs(void)
{
    section_begin("getdents64 and getcwd with bad buffers");
    int d = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(d >= 0);
    for (int i = 0; i < nbad; i++)
        CHECK_ERR(syscall(SYS_getdents64, d, bad[i], 4096), EFAULT);
    char small[8];
    CHECK_ERR(syscall(SYS_getdents64, d, small, sizeof(small)), EINVAL); /* too small */
    CHECK_ERR(syscall(SYS_getdents64, self_fd, edge - 1024, 1024), ENOTDIR);
    close(d);
    section_end();
}

static void test_ranges(void)
{
    section_begin("memory ranges in the kernel half and wrapping");
    CHECK_ERR(munmap(KERNEL_PTR, PG), EINVAL);
    CHECK_ERR(munmap(NONCANON_PTR, PG), EINVAL);
    CHECK_ERR(munmap((void *)-PG, 2 * PG), EINVAL);
    CHECK_ERR(munmap((void *)PG, (size_t)-PG), EINVAL);
    CHECK_ERR(mprotect(KERNEL_PTR, PG, PROT_READ), ENOMEM);
    CHECK_ERR(mprotect((void *)-PG, 2 * PG, PROT_READ), ENOMEM);
    CHECK_ERR(mprotect((void *)PG, (size_t)-PG, PROT_READ), ENOMEM);
    CHECK_ERR(madvise(KERNEL_PTR, PG, MADV_DONTNEED), ENOMEM);
    CHECK_ERR(madvise((void *)-PG, 2 * PG, MADV_DONTNEED), EINVAL);
    CHECK_ERR(mmap(KERNEL_PTR, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              ENOMEM);
    CHECK_ERR(mmap((void *)-PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              ENOMEM);
    CHECK_ERR(mmap(NULL, (size_t)-PG + 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
    CHECK_ERR(mremap(KERNEL_PTR, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
    /* A hint in the kernel half is only a hint: the mapping lands in user space. */
    void *p = mmap(KERNEL_PTR, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED && (uintptr_t)p < 0x800000000000UL);
    if (p != MAP_FAILED)
        CHECK(munmap(p, PG) == 0);
    /* A huge count with a small buffer: only the real mask size is written. */
    unsigned long mask[16];
    long n = syscall(SYS_sched_getaffinity, 0, 1L << 20, mask);
    CHECK(n > 0 && n <= (long)sizeof(mask));
    section_end();
}

int main(int argc, char **argv)
{
    (void)argc;
    setup(argv[0]);
    test_io();
    test_out_structs();
    test_in_structs();
    test_dirs();
    test_ranges();
    return check_summary("hostile");
}
