/*
 * Signal calls, bookkeeping stage: rt_sigaction, rt_sigprocmask and sigaltstack record what
 * the guest asks for and answer as Linux would; kill, tkill and tgkill to the calling
 * process carry out the default action (terminate, ignore), at once or, for a blocked
 * signal, when rt_sigprocmask unblocks it. Running a guest handler needs
 * signal frames and comes with the multi-process issue: until then, a signal whose
 * disposition is a handler is logged and answered -ENOSYS rather than silently dropped.
 */
#include "process/process.h"
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

static bool targets_self(pid_t pid)
{
    struct process *p = current_process();
    return pid == p->pid || pid == 0 || pid == -1 || pid == -p->pgid;
}

DEFINE_SYSCALL2(kill, pid_t, pid, int, sig)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (!targets_self(pid))
        return -ESRCH;
    return signal_self(sig);
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
