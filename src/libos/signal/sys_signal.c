/*
 * Signal calls, bookkeeping stage: rt_sigaction, rt_sigprocmask and sigaltstack record what
 * the guest asks for and answer as Linux would; kill, tkill and tgkill to the calling
 * process carry out the default action (terminate, ignore), at once or, for a blocked
 * signal, when rt_sigprocmask unblocks it. Running a guest handler needs
 * signal frames and comes with the multi-process issue: until then, a signal whose
 * disposition is a handler is logged and answered -ENOSYS rather than silently dropped.
 */
#include "process/process.h"
#include "process/internal.h"
#include "process/spawn.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/uaccess.h"

#define UNBLOCKABLE (sigmask(SIGKILL) | sigmask(SIGSTOP))

static void act_on_unblocked(void);

DEFINE_SYSCALL4(rt_sigaction, int, sig, const struct k_sigaction *, uact,
                struct k_sigaction *, uold, size_t, sigsetsize)
{
    if (sigsetsize != sizeof(sigset_t))
        return -EINVAL;
    if (sig < 1 || sig > NSIG || (uact && (sig == SIGKILL || sig == SIGSTOP)))
        return -EINVAL;
    struct k_sigaction act;
    if (uact && copy_from_user(&act, uact, sizeof(act)))
        return -EFAULT;
    struct sighand *sh = &current_process()->sighand;
    spin_lock(&sh->lock);
    struct k_sigaction old = sh->action[sig - 1];
    if (uact) {
        act.mask &= ~UNBLOCKABLE;
        sh->action[sig - 1] = act;
    }
    spin_unlock(&sh->lock);
    if (uold && copy_to_user(uold, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

DEFINE_SYSCALL4(rt_sigprocmask, int, how, const sigset_t *, uset, sigset_t *, uold,
                size_t, sigsetsize)
{
    if (sigsetsize != sizeof(sigset_t))
        return -EINVAL;
    struct thread *th = current_thread();
    sigset_t set, old = th->sigmask;
    if (uset) {
        if (copy_from_user(&set, uset, sizeof(set)))
            return -EFAULT;
        switch (how) {
        case SIG_BLOCK:
            set = old | set;
            break;
        case SIG_UNBLOCK:
            set = old & ~set;
            break;
        case SIG_SETMASK:
            break;
        default:
            return -EINVAL;
        }
    }
    if (uold && copy_to_user(uold, &old, sizeof(old)))
        return -EFAULT;
    if (uset) {
        th->sigmask = set & ~UNBLOCKABLE;
        act_on_unblocked();
    }
    return 0;
}

DEFINE_SYSCALL2(sigaltstack, const stack_t *, uss, stack_t *, uold)
{
    struct thread *th = current_thread();
    stack_t ss, old = th->altstack;
    if (!old.ss_size)
        old.ss_flags = SS_DISABLE;
    if (uss) {
        if (copy_from_user(&ss, uss, sizeof(ss)))
            return -EFAULT;
        if (ss.ss_flags & ~SS_DISABLE)
            return -EINVAL;
        if (!(ss.ss_flags & SS_DISABLE) && ss.ss_size < MINSIGSTKSZ)
            return -ENOMEM;
    }
    if (uold && copy_to_user(uold, &old, sizeof(old)))
        return -EFAULT;
    if (uss)
        th->altstack = ss.ss_flags & SS_DISABLE ? (stack_t){.ss_flags = SS_DISABLE} : ss;
    return 0;
}

/* Signals whose default action is to ignore them. */
static bool default_ignored(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

/* Carries out what `sig`'s disposition says, for the calling thread, which has it unblocked. */
static long signal_act(int sig)
{
    struct sighand *sh = &current_process()->sighand;
    spin_lock(&sh->lock);
    uint64_t handler = sh->action[sig - 1].handler;
    spin_unlock(&sh->lock);
    if (handler == SIG_IGN || (handler == SIG_DFL && default_ignored(sig)))
        return 0;
    if (handler != SIG_DFL) {
        log_warn("signal %d has a handler; running guest signal handlers is not supported "
                 "yet", sig);
        return -ENOSYS;
    }
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
        log_warn("stopping a process (signal %d) is not supported yet", sig);
        return -ENOSYS;
    }
    process_exit(sig);
}

/* Delivers `sig` to the calling thread, which is its own target: now, or when the thread
 * unblocks it. A blocked signal stays pending even if ignored, as on Linux: the disposition
 * may change before it is unblocked. */
static long signal_self(int sig)
{
    if (sig == 0)
        return 0;
    struct thread *th = current_thread();
    if (th->sigmask & sigmask(sig)) {
        th->sigpending |= sigmask(sig);
        return 0;
    }
    return signal_act(sig);
}

static void act_on_unblocked(void)
{
    struct thread *th = current_thread();
    while (th->sigpending & ~th->sigmask) {
        int sig = __builtin_ctzll(th->sigpending & ~th->sigmask) + 1;
        th->sigpending &= ~sigmask(sig);
        signal_act(sig);
    }
}

void signal_send_self(int sig)
{
    signal_self(sig);
}

/* Delivers `sig` to another process, as its disposition says: the default action (terminate
 * or ignore) is carried out; a handler cannot run yet. */
static long signal_other(struct process *p, int sig)
{
    if (sig == 0)
        return 0;
    spin_lock(&p->sighand.lock);
    uint64_t handler = p->sighand.action[sig - 1].handler;
    spin_unlock(&p->sighand.lock);
    if (sig == SIGKILL || handler == SIG_DFL) {
        if (default_ignored(sig))
            return 0;
        if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
            log_warn("stopping a process (signal %d) is not supported yet", sig);
            return -ENOSYS;
        }
        process_kill(p, sig);
        return 0;
    }
    if (handler == SIG_IGN)
        return 0;
    log_warn("signal %d to pid %d has a handler; running guest signal handlers is not "
             "supported yet", sig, p->pid);
    return -ENOSYS;
}

DEFINE_SYSCALL2(kill, pid_t, pid, int, sig)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct process *self = current_process();
    if (pid == self->pid)
        return signal_self(sig);
    if (pid > 0) {
        struct process *p = process_lookup(pid);
        if (!p)
            return -ESRCH;
        long rc = p->state == PROCESS_ZOMBIE ? 0 : signal_other(p, sig);
        process_put(p);
        return rc;
    }
    if (pid == INT32_MIN)
        return -ESRCH;
    /* A group (0: our own, < -1: -pid) or everyone but init (-1). Self last: its default
     * action may not return. */
    pid_t pgid = pid == 0 ? self->pgid : -pid;
    pid_t pids[256];
    size_t n = MIN(process_list_pids(pids, ARRAY_SIZE(pids)), ARRAY_SIZE(pids));
    bool found = false, to_self = false;
    long rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct process *p = process_lookup(pids[i]);
        if (!p)
            continue;
        if (p->state != PROCESS_ZOMBIE && (pid == -1 || p->pgid == pgid)) {
            found = true;
            if (p == self)
                to_self = true;
            else if (signal_other(p, sig) < 0)
                rc = -ENOSYS;
        }
        process_put(p);
    }
    if (!found)
        return -ESRCH;
    if (to_self)
        return signal_self(sig);
    return rc;
}

DEFINE_SYSCALL2(tkill, pid_t, tid, int, sig)
{
    if (tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    if (tid != current_thread()->tid)
        return -ESRCH;
    return signal_self(sig);
}

DEFINE_SYSCALL3(tgkill, pid_t, tgid, pid_t, tid, int, sig)
{
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    if (tgid != current_process()->pid || tid != current_thread()->tid)
        return -ESRCH;
    return signal_self(sig);
}
