/*
 * OCALLs for scheduling: lending new host threads to the enclave, parking a thread with no
 * CPU cost, waking it, and interrupting guest code. They are part of the one OCALL list
 * (occlum/ocall.h includes OCALL_SCHED_LIST in OCALL_LIST).
 *
 *   call          in                         ret
 *   THREAD_SPAWN  slot                       0: a new host thread attaches to `slot` and
 *                                            enters it with ECALL_THREAD; -EAGAIN
 *   THREAD_KICK   slot                       0: the slot's host thread gets the interrupt
 *                                            signal (an AEX if it runs guest code; an early
 *                                            return if it waits in EVENT_WAIT)
 *   EVENT_WAIT    slot (the caller's own),   0 once the slot's event is set (and clears
 *                 timeout_ns (< 0: none)     it), -ETIMEDOUT, -EINTR
 *   EVENT_SET     slot                       0; a later or current EVENT_WAIT returns
 *
 * The host's answers are hints, never trusted for correctness: a spurious or missing wake-up
 * can only delay the LibOS, which re-checks its own state after every wait.
 */
#ifndef OCCLUM_OCALL_SCHED_H
#define OCCLUM_OCALL_SCHED_H

#include <stdint.h>

#define OCALL_SCHED_LIST(X)                                                                    \
    X(THREAD_SPAWN, ocall_thread)                                                              \
    X(THREAD_KICK, ocall_thread)                                                               \
    X(EVENT_WAIT, ocall_event)                                                                 \
    X(EVENT_SET, ocall_event)

struct ocall_thread {
    int64_t ret;
    uint64_t slot;
};

struct ocall_event {
    int64_t ret;
    uint64_t slot;
    int64_t timeout_ns;
};

/* The host signal that interrupts an enclave thread (THREAD_KICK): SIGRTMIN + 2, which
 * glibc leaves to applications. */
#define SIM_KICK_SIGNAL_OFFSET 2

#endif
