/*
 * A process's timers (internal to time/): its three itimers (itimer.c) and its POSIX timers
 * (posix_timer.c), in one struct reached through process->timers, allocated at the first
 * timer and freed when the process's last thread leaves (timers_process_exit).
 *
 * Locking: timers_lock guards process->timers, all of struct proc_timers and the timers in
 * it; the service thread holds it while it fires them, so a timer and its process stay valid
 * for the whole callback.
 */
#ifndef LIBOS_TIME_PROC_TIMERS_H
#define LIBOS_TIME_PROC_TIMERS_H

#include "time/timer.h"

#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2

struct process;
struct posix_timer;

struct itimer {
    struct ktimer kt;
    struct proc_timers *owner;
    uint64_t interval; /* as the guest set it (the queue may use a longer period) */
};

struct proc_timers {
    struct process *proc;
    struct itimer itimers[3];  /* by ITIMER_* */
    struct posix_timer *posix; /* list of POSIX timers, newest first */
    int nr_posix;
    int next_id; /* next POSIX timer id to try */
};

/* p's timers, allocated if needed; NULL on -ENOMEM. timers_lock held. */
struct proc_timers *proc_timers_get_locked(struct process *p);
/* Deletes every POSIX timer of pt. timers_lock held. */
void posix_timers_release_locked(struct proc_timers *pt);

#endif
