/*
 * Conformance: system call numbers nobody serves answer ENOSYS, and the program carries on.
 * Numbers in the hole of the x86-64 table (387..423, kept for other ABIs' time64 calls), far
 * above it, and negative ones are ENOSYS on Linux and must be in the enclave too (libcs fall
 * back on ENOSYS, never on EINVAL). Not 335: since Linux 6.11 that is uretprobe, which raises
 * SIGILL when called outside a probe.
 * clone3 with no arguments is EINVAL natively and ENOSYS while the LibOS lacks it: either is
 * accepted, success is not.
 */
#define _GNU_SOURCE
#include "check.h"

#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

int main(void)
{
    section_begin("unknown syscall numbers");
    static const long nrs[] = {387, 400, 423, 500, 1000, 4096, 100000, -1, -100};
    for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
        CHECK_ERR(syscall(nrs[i]), ENOSYS);
        CHECK_ERR(syscall(nrs[i], 1, 2, 3, 4, 5, 6), ENOSYS);
    }
    section_end();

    section_begin("clone3 without arguments");
    errno = 0;
    long r = syscall(SYS_clone3, NULL, 0);
    CHECK(r == -1 && (errno == ENOSYS || errno == EINVAL));
    section_end();

    section_begin("the process continues");
    CHECK(getpid() > 0);
    CHECK(syscall(SYS_getppid) == getppid());
    section_end();
    return check_summary("enosys");
}
