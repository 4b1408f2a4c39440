/*
 * Conformance: identity and limits -- uname, the pid/uid families, sysinfo, getrlimit and
 * prlimit64, sched_getaffinity, getcwd. Values differ between machines and runs, so only their
 * shape and their agreement with one another are checked; only PASS lines are printed.
 */
#define _GNU_SOURCE
#include "check.h"

#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

static int terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static void test_uname(void)
{
    section_begin("uname");
    struct utsname u;
    memset(&u, 0xff, sizeof(u));
    CHECK(uname(&u) == 0);
    CHECK(terminated(u.sysname, sizeof(u.sysname)) && terminated(u.nodename, sizeof(u.nodename)) &&
          terminated(u.release, sizeof(u.release)) && terminated(u.version, sizeof(u.version)) &&
          terminated(u.machine, sizeof(u.machine)) &&
          terminated(u.domainname, sizeof(u.domainname)));
    CHECK(strcmp(u.sysname, "Linux") == 0);
    CHECK(strcmp(u.machine, "x86_64") == 0);
    /* glibc refuses to start on a kernel older than it supports: the release is "N.N..." */
    CHECK((u.release[0] >= '3' && u.release[0] <= '9' && u.release[1] == '.') ||
          (u.release[0] == '1' && u.release[1] >= '0' && u.release[1] <= '9'));
    CHECK(u.version[0] != '\0');
    CHECK_ERR(syscall(SYS_uname, NULL), EFAULT);
    section_end();
}

static void test_ids(void)
{
    section_begin("pid and uid families");
    pid_t pid = getpid();
    CHECK(pid > 0);
    CHECK(syscall(SYS_getpid) == pid);
    CHECK(syscall(SYS_gettid) == pid); /* the main thread's tid is the pid */
    CHECK(getppid() >= 0);
    CHECK(syscall(SYS_getppid) == getppid());
    CHECK(getuid() == (uid_t)syscall(SYS_getuid));
    CHECK(geteuid() == (uid_t)syscall(SYS_geteuid));
    CHECK(getgid() == (gid_t)syscall(SYS_getgid));
    CHECK(getegid() == (gid_t)syscall(SYS_getegid));
    /* Linux reports 0 for a group or session whose leader lives outside the caller's pid
     * namespace (as in a CI container), so only the sign and the two spellings are fixed. */
    CHECK(getpgrp() >= 0);
    CHECK(getpgid(0) == getpgrp());
    CHECK(getsid(0) >= 0);
    CHECK(getsid(0) == getsid(getpid()));
    section_end();
}

static void test_sysinfo(void)
{
    section_begin("sysinfo");
    struct sysinfo si;
    memset(&si, 0xff, sizeof(si));
    CHECK(sysinfo(&si) == 0);
    CHECK(si.uptime > 0);
    CHECK(si.mem_unit >= 1);
    CHECK(si.totalram > 0);
    CHECK(si.freeram <= si.totalram);
    CHECK(si.procs >= 1);
    CHECK(si.totalswap >= si.freeswap);
    CHECK_ERR(sysinfo(NULL), EFAULT);
    section_end();
}

static void test_rlimit(void)
{
    section_begin("getrlimit and prlimit64");
    static const int res[] = {RLIMIT_STACK, RLIMIT_NOFILE, RLIMIT_AS,
                              RLIMIT_DATA,  RLIMIT_CORE,   RLIMIT_NPROC};
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        struct rlimit a, b;
        CHECK(getrlimit(res[i], &a) == 0);
        CHECK(a.rlim_cur <= a.rlim_max);
        CHECK(prlimit(0, res[i], NULL, &b) == 0);
        CHECK(a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max);
        CHECK(syscall(SYS_prlimit64, getpid(), res[i], NULL, &b) == 0);
        CHECK(a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max);
    }
    struct rlimit r;
    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur >= 3);
    CHECK(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur >= 64 * 1024);
    /* Setting a limit to what it already is succeeds. */
    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && setrlimit(RLIMIT_NOFILE, &r) == 0);
    CHECK_ERR(syscall(SYS_prlimit64, 0, 100, NULL, &r), EINVAL);
    CHECK_ERR(syscall(SYS_getrlimit, 100, &r), EINVAL);
    CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL), EFAULT);
    CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, 0xffff800000000000UL), EFAULT);
    section_end();
}

static void test_affinity(void)
{
    section_begin("sched_getaffinity");
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
    CHECK(CPU_COUNT(&set) >= 1);
    unsigned long mask[16];
    long n = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    CHECK(n > 0 && n % 8 == 0 && n <= (long)sizeof(mask));
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 0, mask), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 7, mask), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof(mask), NULL), EFAULT);
    CHECK(sched_getaffinity(getpid(), sizeof(set), &set) == 0);
    section_end();
}

static void test_getcwd(void)
{
    section_begin("getcwd");
    char buf[4096];
    CHECK(getcwd(buf, sizeof(buf)) == buf);
    CHECK(buf[0] == '/');
    long n = syscall(SYS_getcwd, buf, sizeof(buf));
    CHECK(n == (long)strlen(buf) + 1);
    CHECK_ERR(syscall(SYS_getcwd, buf, 0), ERANGE);
    CHECK_ERR(syscall(SYS_getcwd, buf, 1), ERANGE);
    CHECK_ERR(syscall(SYS_getcwd, NULL, sizeof(buf)), EFAULT);
    section_end();
}

int main(void)
{
    test_uname();
    test_ids();
    test_sysinfo();
    test_rlimit();
    test_affinity();
    test_getcwd();
    return check_summary("sysinfo");
}
