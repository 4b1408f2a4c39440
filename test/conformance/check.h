/*
 * The shared check macros of the conformance tests (test/conformance/<name>.c).
 *
 * A conformance test is a plain static Linux program, run natively and inside the enclave by
 * test/run_tests.sh, which compares the exit status and (for tests marked so in tests.list) the
 * standard output of both runs. So a test prints only deterministic text to stdout:
 *
 *   FAIL file:line: cond (errno N NAME)   one line per failed check, as it happens
 *   PASS <section> / FAIL <section>       one line per section (SECTION/END_SECTION)
 *   <test>: N checks, M failed            the last line (check_summary)
 *
 * and exits 0 only if every check passed. Never print addresses, times or random bytes.
 *
 * Only libc calls that both static glibc and musl provide may be used; anything else goes
 * through syscall(SYS_...). Faults cannot be tested by touching memory (the enclave has no
 * guest signal delivery yet): a protection or an unmapped range is probed through a system
 * call that must fail with EFAULT. Tests are single-threaded; the counters are plain globals.
 */
#ifndef CONFORMANCE_CHECK_H
#define CONFORMANCE_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_total;          /* checks evaluated so far */
static int check_failed;         /* checks that failed so far */
static int check_section_failed; /* check_failed when the current section began */
static const char *check_section_name;

/* Name of an errno value, so a FAIL line is readable without a table at hand. */
static inline const char *errno_name(int e)
{
    switch (e) {
    case 0:
        return "0";
    case EPERM:
        return "EPERM";
    case ENOENT:
        return "ENOENT";
    case EINTR:
        return "EINTR";
    case EIO:
        return "EIO";
    case EBADF:
        return "EBADF";
    case EAGAIN:
        return "EAGAIN";
    case ENOMEM:
        return "ENOMEM";
    case EACCES:
        return "EACCES";
    case EFAULT:
        return "EFAULT";
    case EEXIST:
        return "EEXIST";
    case ENOTDIR:
        return "ENOTDIR";
    case EISDIR:
        return "EISDIR";
    case EINVAL:
        return "EINVAL";
    case ENOTTY:
        return "ENOTTY";
    case ESPIPE:
        return "ESPIPE";
    case EROFS:
        return "EROFS";
    case ERANGE:
        return "ERANGE";
    case ENAMETOOLONG:
        return "ENAMETOOLONG";
    case ENOSYS:
        return "ENOSYS";
    case ELOOP:
        return "ELOOP";
    case EOVERFLOW:
        return "EOVERFLOW";
    default:
        return "?";
    }
}

static inline void check_fail(const char *file, int line, const char *what, int err)
{
    check_failed++;
    printf("FAIL %s:%d: %s (errno %d %s)\n", file, line, what, err, errno_name(err));
    fflush(stdout);
}

/* CHECK(cond): count one check; on failure print where, the condition and errno. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        int check_errno_ = errno;                                                                  \
        check_total++;                                                                             \
        if (!(cond))                                                                               \
            check_fail(__FILE__, __LINE__, #cond, check_errno_);                                   \
    } while (0)

/*
 * CHECK_ERR(expr, e): expr must evaluate to -1 with errno == e (the libc convention). errno is
 * cleared first so a stale value cannot make a wrong answer look right.
 */
#define CHECK_ERR(expr, e)                                                                         \
    do {                                                                                           \
        long check_ret_;                                                                           \
        int check_errno_;                                                                          \
        errno = 0;                                                                                 \
        check_ret_ = (long)(expr);                                                                 \
        check_errno_ = errno;                                                                      \
        check_total++;                                                                             \
        if (check_ret_ != -1 || check_errno_ != (e)) {                                             \
            char check_buf_[256];                                                                  \
            snprintf(check_buf_, sizeof(check_buf_), "%s -> %ld, want -1/%s", #expr, check_ret_,   \
                     errno_name(e));                                                               \
            check_fail(__FILE__, __LINE__, check_buf_, check_errno_);                              \
        }                                                                                          \
    } while (0)

/* CHECK_OK(expr): expr must not return -1; evaluates to nothing, use the value via a variable. */
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        long check_ret_;                                                                           \
        errno = 0;                                                                                 \
        check_ret_ = (long)(expr);                                                                 \
        check_total++;                                                                             \
        if (check_ret_ == -1)                                                                      \
            check_fail(__FILE__, __LINE__, #expr " failed", errno);                                \
    } while (0)

static inline void section_begin(const char *name)
{
    check_section_name = name;
    check_section_failed = check_failed;
}

static inline void section_end(void)
{
    printf("%s %s\n", check_failed == check_section_failed ? "PASS" : "FAIL", check_section_name);
    fflush(stdout);
}

/*
 * The program a test should spawn when it wants a copy of itself. All guest processes share
 * one address space, and two non-PIE programs with the same link addresses cannot both be
 * in it (a later capability lifts that), so a non-PIE build (glibc-nopie, musl) spawns its
 * static-pie sibling instead. The sibling's path follows the harness's naming: the variant
 * name in the path (.../musl/spawn natively, /bin/spawn-musl inside) becomes "glibc-pie".
 */
#include <elf.h>
extern const Elf64_Ehdr __ehdr_start; /* the ELF header, defined by the linker */

static inline const char *spawnable_self(const char *argv0, char *buf, size_t size)
{
    snprintf(buf, size, "%s", argv0);
    if (__ehdr_start.e_type != ET_EXEC)
        return buf;
    static const char *variants[] = {"glibc-nopie", "musl"};
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char *v = strstr(buf, variants[i]);
        if (v && strlen(buf) + 16 < size) {
            size_t n = strlen(variants[i]);
            memmove(v + 9, v + n, strlen(v + n) + 1);
            memcpy(v, "glibc-pie", 9);
            break;
        }
    }
    return buf;
}

/* Print the summary line; returns the exit status main() should return. */
static inline int check_summary(const char *test)
{
    printf("%s: %d checks, %d failed\n", test, check_total, check_failed);
    fflush(stdout);
    return check_failed ? 1 : 0;
}

#endif
