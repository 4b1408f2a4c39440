/*
 * getppid_loop N [wrapper]: calls getppid N times and says so: through syscall(SYS_getppid)
 * (a register-numbered syscall site), or with `wrapper` through libc's getppid() (a
 * `mov $nr, %eax; syscall` site, which the LibOS's fast path rewrites after its first trap).
 *
 * Used by test/strace_test.sh: run inside the enclave under `strace -f`, the host must see
 * none of these calls (the LibOS serves them), while natively strace sees all N. Also run as
 * an ordinary conformance test: every answer must be the same positive-or-zero pid.
 */
#define _GNU_SOURCE
#include "check.h"

#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    int wrapper = argc > 2 && !strcmp(argv[2], "wrapper");
    long first = wrapper ? getppid() : syscall(SYS_getppid);
    long made = 1, differ = 0;

    CHECK(n > 0);
    CHECK(first >= 0);
    for (; made < n; made++)
        if ((wrapper ? getppid() : syscall(SYS_getppid)) != first)
            differ++;
    CHECK(differ == 0);
    printf("getppid_loop: made %ld getppid calls\n", made);
    return check_summary("getppid_loop");
}
