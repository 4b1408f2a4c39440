/* Entry points of arch/entry.S and the few x86 instructions the LibOS uses directly. */
#ifndef LIBOS_ARCH_ARCH_H
#define LIBOS_ARCH_ARCH_H

#include "util/compiler.h"
#include <stdint.h>

struct tcs;
struct enclave_info;

/* The measured layout of this enclave (main.c), valid after ECALL_INIT. */
extern const struct enclave_info *enclave_info;

/* Leaves the enclave: the host's sim_eenter returns `result`. */
__noreturn void enclave_exit(long result);
/* Where an AEX resumes the thread (tcs->exception_entry). */
void libos_exception_entry(void);
/* Resumes guest code with the registers in current_tcs()->ssa.regs. */
__noreturn void return_to_guest(void);

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

/* Hardware random numbers (RDRAND, retried as Intel advises); false if the DRNG fails. */
static inline bool rdrand64(uint64_t *out)
{
    for (int i = 0; i < 100; i++) {
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

#endif
