/*
 * Spinlocks for short LibOS critical sections. A LibOS lock is never held across a blocking
 * host call unless the call site says why that is safe.
 */
#ifndef LIBOS_UTIL_SPINLOCK_H
#define LIBOS_UTIL_SPINLOCK_H

#include <stdbool.h>

typedef struct {
    volatile int locked;
} spinlock_t;

#define SPINLOCK_INIT {0}

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static inline bool spin_trylock(spinlock_t *l)
{
    return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
    return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
