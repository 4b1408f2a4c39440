/*
 * Conformance: thread-local storage and arch_prctl.
 *
 * __thread variables of the static program (initialised .tdata, zeroed .tbss) must hold their
 * initial images; %fs:0 (the TCB self pointer both libcs keep), ARCH_GET_FS, rdfsbase and
 * __builtin_thread_pointer must agree. The test then points %fs at a block of its own with
 * ARCH_SET_FS and back: between the two calls no libc function may run (errno, stdio and the
 * stack protector all live behind %fs), so the calls are made with an inline `syscall`.
 */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

__thread int tls_init = 42;
__thread long tls_init2[3] = {1, 2, 3};
__thread char tls_zero[256];
static __thread int tls_static = -7;

static inline long raw_syscall2(long nr, long a1, long a2)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2) : "rcx", "r11", "memory");
    return ret;
}

static inline uintptr_t fs_word(unsigned long off)
{
    uintptr_t v;
    __asm__ volatile("movq %%fs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
    return v;
}

struct fake_tcb {
    struct fake_tcb *self; /* %fs:0 */
    uintptr_t word1;       /* %fs:8 */
    uintptr_t pad[30];
};

static void test_tls_vars(void)
{
    section_begin("__thread variables");
    CHECK(tls_init == 42);
    CHECK(tls_init2[0] == 1 && tls_init2[1] == 2 && tls_init2[2] == 3);
    CHECK(tls_static == -7);
    int zero = 1;
    for (size_t i = 0; i < sizeof(tls_zero); i++)
        if (tls_zero[i])
            zero = 0;
    CHECK(zero);
    tls_init = 43;
    tls_zero[255] = 1;
    CHECK(tls_init == 43 && tls_zero[255] == 1);

    /* x86-64 uses TLS variant II: the static block lies just below the thread pointer. */
    uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
    CHECK((uintptr_t)&tls_init < tp && tp - (uintptr_t)&tls_init < (1u << 20));
    CHECK((uintptr_t)tls_zero < tp && tp - (uintptr_t)tls_zero < (1u << 20));
    section_end();
}

static void test_get_fs(void)
{
    section_begin("arch_prctl ARCH_GET_FS");
    uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
    unsigned long fs = 0;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) == 0);
    CHECK(fs == tp);
    CHECK(fs_word(0) == tp); /* the TCB points at itself */
    CHECK((tp & 7) == 0);
    /* With FSGSBASE (AT_HWCAP2 bit 1) user code may read the base directly. */
    if (getauxval(AT_HWCAP2) & 2) {
        uintptr_t base;
        __asm__ volatile("rdfsbase %0" : "=r"(base));
        CHECK(base == tp);
    }
    section_end();
}

static void test_set_fs(void)
{
    section_begin("arch_prctl ARCH_SET_FS");
    static struct fake_tcb blk;
    blk.self = &blk;
    blk.word1 = 0x5eed;
    unsigned long old = 0, seen = 0;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &old) == 0);

    /* --- no libc from here --- */
    long r1 = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, (long)&blk);
    uintptr_t w0 = fs_word(0), w1 = fs_word(8);
    long r2 = raw_syscall2(SYS_arch_prctl, ARCH_GET_FS, (long)&seen);
    long r3 = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, (long)old);
    /* --- libc usable again --- */

    CHECK(r1 == 0 && r2 == 0 && r3 == 0);
    CHECK(w0 == (uintptr_t)&blk);
    CHECK(w1 == 0x5eed);
    CHECK(seen == (unsigned long)&blk);
    CHECK((uintptr_t)__builtin_thread_pointer() == old);
    CHECK(tls_init == 43); /* our own TLS is back */
    errno = 0;
    CHECK(close(-1) == -1 && errno == EBADF); /* and errno, which lives in it */
    section_end();
}

static void test_bad_arch_prctl(void)
{
    section_begin("arch_prctl bad arguments");
    unsigned long v;
    CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, &v), EINVAL);
    CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, NULL), EFAULT);
    CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, 0xffff800000000000UL), EFAULT);
    CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)-4), EFAULT);
    /* A base outside user space is refused (Linux: EPERM) and %fs stays ours. */
    CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000UL), EPERM);
    CHECK(tls_init == 43);
    section_end();
}

int main(void)
{
    test_tls_vars();
    test_get_fs();
    test_set_fs();
    test_bad_arch_prctl();
    return check_summary("tls");
}
