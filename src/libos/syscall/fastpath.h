/*
 * The syscall fast path (DESIGN.md): a guest `syscall` site that has trapped once is
 * rewritten so that its next executions enter the LibOS directly, without the host signal
 * that a trap costs.
 */
#ifndef LIBOS_SYSCALL_FASTPATH_H
#define LIBOS_SYSCALL_FASTPATH_H

#include <stdint.h>

struct tcs;

#include <stdbool.h>

/* True once the stub area exists. */
extern bool fastpath_enabled;

/* Called once at start-up; the fast path stays off if its stub area cannot be mapped. */
void fastpath_init(void);
/* Sets up a thread slot's TCS for direct entries. */
void fastpath_init_tcs(struct tcs *tcs);
/* The trapped syscall `nr` returned to `rip` (just after its syscall instruction): rewrite
 * the site if it is `mov $nr, %eax; syscall`, or `xor %eax, %eax; syscall` (nr 0) with
 * usable alignment padding after its function's exit. Call with no vm lock held (it takes
 * the current process's). Best effort: anything unusual leaves the site as it is (it keeps
 * trapping, which is always correct). */
void fastpath_try_rewrite(uint64_t rip, long nr);

#endif
