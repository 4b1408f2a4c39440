/*
 * syscall_lat MODE N: times N back-to-back system calls and prints the mean cost per call.
 *
 *   getppid   syscall(SYS_getppid): inside the enclave the LibOS answers it without leaving
 *             (no OCALL), so this is the cost of the trap (Syscall User Dispatch -> SIGSYS ->
 *             LibOS dispatch -> return to the guest).
 *   write1    write(1, buf, 1): inside the enclave the LibOS passes it to the host's stdout
 *             (one OCALL per call); the caller points stdout at /dev/null.
 *   write4k   write(1, buf, 4096): the same with a page, so the copy out of the enclave shows.
 *
 * The result goes to stderr (stdout is the sink for the write modes) as one line:
 *   syscall_lat MODE N NS_PER_CALL
 * with NS_PER_CALL to one decimal. The loop is timed with clock_gettime(CLOCK_MONOTONIC), read
 * once before and once after, so the clock's own cost (an OCALL inside the enclave, the vDSO
 * natively) is paid twice per run, not per call. Each call's result is checked, so a broken
 * call is an error (exit 1) instead of a fast-looking number. Nothing here is asserted about
 * time: bench/run.sh only prints ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char buf[4096];

static long long now_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("syscall_lat: clock_gettime");
        exit(1);
    }
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Returns 0, or -1 after saying which call failed. */
static int run_getppid(long n)
{
    long first = syscall(SYS_getppid);

    if (first < 0) {
        perror("syscall_lat: getppid");
        return -1;
    }
    for (long i = 0; i < n; i++) {
        if (syscall(SYS_getppid) != first) {
            fprintf(stderr, "syscall_lat: getppid changed its answer at call %ld\n", i);
            return -1;
        }
    }
    return 0;
}

/* libc's getppid(): a `mov $nr, %eax; syscall` site, which the LibOS's fast path rewrites
 * after its first trap. */
static int run_getppid_libc(long n)
{
    pid_t first = getppid();
    for (long i = 0; i < n; i++) {
        if (getppid() != first) {
            fprintf(stderr, "syscall_lat: getppid changed its answer at call %ld\n", i);
            return -1;
        }
    }
    return 0;
}

static int run_write(long n, size_t len)
{
    for (long i = 0; i < n; i++) {
        ssize_t r = write(STDOUT_FILENO, buf, len);

        if (r != (ssize_t)len) {
            const char *why = r < 0 ? strerror(errno) : "short write";

            fprintf(stderr, "syscall_lat: write %zu bytes at call %ld: %s\n", len, i, why);
            return -1;
        }
    }
    return 0;
}

static _Noreturn void usage(void)
{
    fprintf(stderr, "usage: syscall_lat getppid|getppid-libc|write1|write4k N\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *mode;
    char *end;
    long n;
    long long t0, t1;
    int rc;

    if (argc != 3)
        usage();
    mode = argv[1];
    n = strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || n <= 0)
        usage();
    memset(buf, 'x', sizeof(buf));

    t0 = now_ns();
    if (strcmp(mode, "getppid") == 0)
        rc = run_getppid(n);
    else if (strcmp(mode, "getppid-libc") == 0)
        rc = run_getppid_libc(n);
    else if (strcmp(mode, "write1") == 0)
        rc = run_write(n, 1);
    else if (strcmp(mode, "write4k") == 0)
        rc = run_write(n, sizeof(buf));
    else
        usage();
    t1 = now_ns();
    if (rc != 0)
        return 1;

    fprintf(stderr, "syscall_lat %s %ld %.1f\n", mode, n, (double)(t1 - t0) / (double)n);
    return 0;
}
