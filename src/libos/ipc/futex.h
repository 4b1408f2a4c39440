/* Futexes (futex(2)). All guest processes share one address space, so a futex is named by
 * its address alone: private and shared futexes are the same thing here. */
#ifndef LIBOS_IPC_FUTEX_H
#define LIBOS_IPC_FUTEX_H

#include <stdint.h>

/* Wakes up to `n` waiters on the futex at `uaddr`; returns how many were woken. */
int futex_wake(uint64_t uaddr, int n, uint32_t bitset);

#endif
