/*
 * How threads and processes end.
 *
 * A thread leaves through thread_exit: it clears and wakes its clear_child_tid futex,
 * unlinks itself, and, if it was the last thread, tears the process down: files, address
 * space, children reparented to init, then zombie (or reaped at once when init is the
 * parent, or when the parent ignores SIGCHLD). The parent's child_wq is woken for wait4 and
 * a vfork parent is released.
 *
 * A group exit (exit_group, a fatal signal, execve) marks the other threads `killed`, sets
 * their host events and kicks them out of guest code; each leaves at its next return towards
 * the guest (thread_check_killed) or when its wait is interrupted.
 *
 * The host thread of slot 0 carries the first program for ECALL_RUN. When its guest thread
 * leaves, that host thread waits until the first program has exited, then returns its wait
 * status from ECALL_RUN; other slots' host threads park as idle slots (sched/slots.c).
 */
#include "arch/arch.h"
#include "ipc/futex.h"
#include "mm/mm.h"
#include "process/internal.h"
#include "process/spawn.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "time/timer.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

void thread_check_killed(void)
{
    struct thread *th = current_thread();
    if (__atomic_load_n(&th->killed, __ATOMIC_ACQUIRE))
        thread_exit(0);
}

/* Marks all threads of p but `except` killed and gets them moving. proc_lock held; the
 * wake-ups are non-blocking OCALLs, so holding the spinlock across them is safe. */
static void kill_threads_locked(struct process *p, struct thread *except)
{
    for (struct thread *t = p->threads; t; t = t->next) {
        if (t == except)
            continue;
        __atomic_store_n(&t->killed, true, __ATOMIC_RELEASE);
        thread_wake(t, true);
    }
}

void process_kill(struct process *p, int status)
{
    spin_lock(&proc_lock);
    if (!p->exiting && p->state == PROCESS_RUNNING) {
        p->exiting = true;
        p->exit_status = status;
        kill_threads_locked(p, NULL);
    }
    spin_unlock(&proc_lock);
}

void process_exit(int wait_status)
{
    struct thread *th = current_thread();
    struct process *p = th->proc;
    spin_lock(&proc_lock);
    if (!p->exiting) {
        p->exiting = true;
        p->exit_status = wait_status;
    }
    kill_threads_locked(p, th);
    spin_unlock(&proc_lock);
    thread_exit(wait_status);
}

void vfork_release(struct process *child)
{
    spin_lock(&proc_lock);
    child->vfork_done = true;
    struct process *parent = child->parent;
    spin_unlock(&proc_lock);
    if (parent)
        waitq_wake_all(&parent->child_wq);
}

/* True if the parent wants no zombies: SIGCHLD ignored or SA_NOCLDWAIT (wait(2)). */
static bool parent_autoreaps(struct process *parent)
{
    spin_lock(&parent->sighand.lock);
    struct k_sigaction *ka = &parent->sighand.action[SIGCHLD - 1];
    bool r = ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT);
    spin_unlock(&parent->sighand.lock);
    return r;
}

/* The last thread is gone: release everything but the struct, and become a zombie. */
static void process_teardown(struct process *p)
{
    timers_process_exit(p); /* first, with no lock held: its timers stop firing */
    bool borrowed = p->vm_borrowed;
    process_release_resources(p);
    if (borrowed)
        vfork_release(p);

    struct process *reap_now[64];
    size_t n_reap = 0;
    struct process *orphans_signalled[64];
    int orphan_signal[64];
    size_t n_sig = 0;
    spin_lock(&proc_lock);
    /* Children go to the nearest subreaper ancestor, else to init, which reaps the zombies
     * among them at once. A child that asked for PR_SET_PDEATHSIG gets its signal. */
    struct process *reaper = p->parent;
    while (reaper && !reaper->child_subreaper)
        reaper = reaper->parent;
    struct process *c = p->children;
    while (c) {
        struct process *next = c->sibling;
        c->parent = reaper;
        c->sibling = NULL;
        if (reaper) {
            c->sibling = reaper->children;
            reaper->children = c;
        } else if (c->state == PROCESS_ZOMBIE && n_reap < ARRAY_SIZE(reap_now)) {
            reap_now[n_reap++] = c;
        }
        if (c->state == PROCESS_RUNNING && c->threads && c->threads->pdeath_signal &&
            n_sig < ARRAY_SIZE(orphans_signalled)) {
            __atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED);
            orphan_signal[n_sig] = c->threads->pdeath_signal;
            orphans_signalled[n_sig++] = c;
        }
        c = next;
    }
    p->children = NULL;
    p->state = PROCESS_ZOMBIE;
    p->vfork_done = true;
    struct process *parent = p->parent;
    bool autoreap = !parent || parent_autoreaps(parent);
    if (autoreap && parent) {
        struct process **pp = &parent->children;
        while (*pp && *pp != p)
            pp = &(*pp)->sibling;
        if (*pp)
            *pp = p->sibling;
        p->parent = NULL;
    }
    spin_unlock(&proc_lock);

    for (size_t i = 0; i < n_reap; i++)
        process_table_remove(reap_now[i]);
    for (size_t i = 0; i < n_sig; i++) {
        signal_send_process(orphans_signalled[i], orphan_signal[i], NULL);
        process_put(orphans_signalled[i]);
    }
    if (reaper)
        waitq_wake_all(&reaper->child_wq);
    if (parent) {
        struct ksiginfo info;
        memset(&info, 0, sizeof(info));
        info.si_signo = SIGCHLD;
        info.chld.pid = p->pid;
        if ((p->exit_status & 0x7f) == 0) {
            info.si_code = CLD_EXITED;
            info.chld.status = (p->exit_status >> 8) & 0xff;
        } else {
            info.si_code = p->exit_status & WCOREFLAG ? CLD_DUMPED : CLD_KILLED;
            info.chld.status = p->exit_status & 0x7f;
        }
        signal_send_process(parent, SIGCHLD, &info);
        waitq_wake_all(&parent->child_wq);
    }
    if (p == first_process)
        waitq_wake_all(&first_exit_wq);
    /* The first program stays listed until ECALL_RUN has read its status. */
    if (autoreap && p != first_process)
        process_table_remove(p);
    log_debug("pid %d exited with status %#x", p->pid, p->exit_status);
}

static bool first_process_exited(void *unused)
{
    (void)unused;
    return __atomic_load_n(&first_process->state, __ATOMIC_ACQUIRE) == PROCESS_ZOMBIE;
}

void thread_exit(int status)
{
    struct thread *th = current_thread();
    struct process *p = th->proc;

    if (th->robust_list && p->vm)
        futex_exit_robust_list(th->robust_list, th->tid);
    if (th->clear_child_tid) {
        /* As Linux's exit: zero the tid word and wake one waiter (pthread_join). */
        uint32_t zero = 0;
        if (p->vm && copy_to_user((void *)th->clear_child_tid, &zero, sizeof(zero)) == 0)
            futex_wake(th->clear_child_tid, 1, ~0U);
    }

    spin_lock(&proc_lock);
    struct thread **tp = &p->threads;
    while (*tp && *tp != th)
        tp = &(*tp)->next;
    if (*tp) {
        *tp = th->next;
        p->nr_threads--;
    }
    bool last = p->nr_threads == 0;
    if (last && !p->exiting) {
        p->exiting = true;
        p->exit_status = status;
    }
    spin_unlock(&proc_lock);
    if (last)
        process_teardown(p);

    struct tcs *tcs = current_tcs();
    uint64_t slot = tcs->index;
    tcs->thread = NULL;
    kfree(th);
    if (slot != 0)
        slot_park_idle(tcs); /* this host thread waits for the next new guest thread */
    /* Slot 0: ECALL_RUN returns once the first program has exited. It parks here with no
     * thread of its own (so thread_park's OCALL needs only the slot). */
    struct thread parked = {.tcs_index = 0};
    tcs->thread = &parked;
    wait_event(&first_exit_wq, first_process_exited, NULL, -1, NULL);
    int final = first_process->exit_status;
    tcs->thread = NULL;
    enclave_exit(final);
}

DEFINE_SYSCALL1(exit, int, code)
{
    thread_exit(W_EXITCODE(code & 0xff, 0));
}

DEFINE_SYSCALL1(exit_group, int, code)
{
    process_exit(W_EXITCODE(code & 0xff, 0));
}

int exec_begin(struct process *p)
{
    struct thread *th = current_thread();
    spin_lock(&proc_lock);
    if (p->nr_threads == 1) {
        spin_unlock(&proc_lock);
        return 0;
    }
    kill_threads_locked(p, th);
    /* The leavers wake nobody in particular; poll their count with short parks. */
    int rc = 0;
    while (p->nr_threads > 1 && rc == 0) {
        spin_unlock(&proc_lock);
        if (__atomic_load_n(&th->killed, __ATOMIC_ACQUIRE))
            rc = -EINTR;
        else
            thread_park((int64_t)time_monotonic_ns() + 1000000);
        spin_lock(&proc_lock);
    }
    spin_unlock(&proc_lock);
    return rc;
}
