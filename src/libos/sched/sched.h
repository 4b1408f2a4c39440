/*
 * Scheduling primitives of the LibOS. Guest threads map 1:1 to host threads (DESIGN.md), so
 * the LibOS does no scheduling of its own: it parks a thread on its host event (no CPU
 * used) and wakes it by setting that event, and it asks the host for new threads.
 *
 * Wait queues follow the usual lost-wake-up-free pattern: a waiter queues itself *before* it
 * checks its condition, and a waker changes the condition *before* it wakes the queue. The
 * host event is sticky (a set before the wait makes the wait return), so the window between
 * the check and the host wait is safe. The host can only delay a waiter (spurious or late
 * wake-ups); every waiter re-checks its condition, so it cannot make one return wrongly.
 */
#ifndef LIBOS_SCHED_SCHED_H
#define LIBOS_SCHED_SCHED_H

#include "util/compiler.h"
#include "util/spinlock.h"
#include <stdbool.h>
#include <stdint.h>

struct thread;

struct waiter {
    struct thread *thread;
    struct waiter *next, *prev;
    bool queued; /* guarded by the queue's lock */
};

struct waitq {
    spinlock_t lock;
    struct waiter head; /* circular list of waiters; head.thread is NULL */
};

void waitq_init(struct waitq *wq);
/* Wakes every waiter / the first waiter. */
void waitq_wake_all(struct waitq *wq);
void waitq_wake_one(struct waitq *wq);

/*
 * Waits until cond(arg) is true, the deadline passes (deadline_ns: CLOCK_MONOTONIC ns, or
 * < 0 for none), or the thread is interrupted (a signal to handle or the process ending).
 * Returns 0, -ETIMEDOUT, -ERESTARTSYS (a signal to handle: signal_deliver decides between
 * a restart and -EINTR) or -EINTR (the thread is being killed). cond is called without the queue's lock held; it must be
 * cheap and may be called many times. If `lock` is given, it is held on entry, released
 * while parked and taken again before cond is checked and before returning.
 */
int wait_event(struct waitq *wq, bool (*cond)(void *arg), void *arg, int64_t deadline_ns,
               spinlock_t *lock);

/* As wait_event with no deadline, but only the thread being killed ends the wait (-EINTR),
 * not a pending signal: for waits Linux makes killable only (a vfork parent's). */
int wait_event_killable(struct waitq *wq, bool (*cond)(void *arg), void *arg, spinlock_t *lock);

/* True if the current thread has something to handle before blocking any longer: it is
 * being killed, or a signal is pending for it. */
bool thread_interrupted(struct thread *th);

/* Parks the current thread until its event is set or the deadline passes (see wait_event). */
int thread_park(int64_t deadline_ns);
/* Sets the event of `th` (wakes it if parked), and kicks it out of guest code if `kick`. */
void thread_wake(struct thread *th, bool kick);

/* Thread slots (one TCS, LibOS stack and host thread each). Slot 0 is the runtime's main
 * thread. */
/* Gives `th` a slot and gets it running there (th->tcs_index set; th->start_regs must be
 * ready): an idle slot's parked host thread, or a new host thread. -EAGAIN when
 * max_num_of_threads are in use or the host refuses a thread. */
int slot_assign(struct thread *th);
struct tcs;
/* The current guest thread has ended: park this host thread in its slot until slot_assign
 * hands it a new guest thread, which it then runs. Does not return. */
__noreturn void slot_park_idle(struct tcs *tcs);
void slots_init(uint64_t num_slots);
/* A free slot, reserved for `th`, or -EAGAIN when max_num_of_threads are in use. */
long slot_alloc(struct thread *th);
/* Gives the slot back; it is reused only once its TCS is no longer entered. */
void slot_free(uint64_t slot);
/* The thread waiting to run in `slot` (ECALL_THREAD), or NULL. */
struct thread *slot_thread(uint64_t slot);
/* Starts a host thread for `slot`: -EAGAIN if the host refuses. */
int slot_start_host_thread(uint64_t slot);

#endif
