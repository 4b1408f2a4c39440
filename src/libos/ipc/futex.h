/* Futexes (futex(2)). All guest processes share one address space, so a futex is named by
 * its address alone: private and shared futexes are the same thing here. */
#ifndef LIBOS_IPC_FUTEX_H
#define LIBOS_IPC_FUTEX_H

#include <stdint.h>

/* Wakes up to `n` waiters on the futex at `uaddr`; returns how many were woken. */
int futex_wake(uint64_t uaddr, int n, uint32_t bitset);

/* A thread is exiting: each robust futex it still holds (its set_robust_list list) is
 * marked FUTEX_OWNER_DIED and a waiter woken, as Linux does. */
void futex_exit_robust_list(uint64_t head, int tid);

#endif
