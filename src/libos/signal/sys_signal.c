/*
 * The signal system calls: dispositions (rt_sigaction), masks (rt_sigprocmask,
 * rt_sigsuspend, pause), alternate stacks, sending (kill, tkill, tgkill, rt_sigqueueinfo,
 * rt_tgsigqueueinfo) and waiting (rt_sigpending, rt_sigtimedwait). Delivery itself is in
 * signal/deliver.c, on the way back to guest code.
 */
#include "process/process.h"
#include "process/internal.h"
#include "process/spawn.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "time/time.h"
#include "util/string.h"
#include "util/uaccess.h"

#define UNBLOCKABLE (sigmask(SIGKILL) | sigmask(SIGSTOP))


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
    if (uset)
        th->sigmask = set & ~UNBLOCKABLE; /* newly unblocked signals go out on return */
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

static void user_info(struct ksiginfo *info, int sig, int code)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = code;
    info->kill.pid = current_process()->pid;
    info->kill.uid = current_process()->uid;
}

/* kill() to one process: permission is always granted (everyone is root here). */
static long kill_process(struct process *p, int sig)
{
    if (p->state == PROCESS_ZOMBIE || sig == 0)
        return 0;
    struct ksiginfo info;
    user_info(&info, sig, SI_USER);
    signal_send_process(p, sig, &info);
    return 0;
}

DEFINE_SYSCALL2(kill, pid_t, pid, int, sig)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct process *self = current_process();
    if (pid > 0) {
        struct process *p = process_lookup(pid);
        if (!p)
            return -ESRCH;
        long rc = kill_process(p, sig);
        process_put(p);
        return rc;
    }
    if (pid == INT32_MIN)
        return -ESRCH;
    /* A group (0: our own, < -1: -pid) or everyone but init (-1). */
    pid_t pgid = pid == 0 ? self->pgid : -pid;
    pid_t pids[256];
    size_t n = MIN(process_list_pids(pids, ARRAY_SIZE(pids)), ARRAY_SIZE(pids));
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        struct process *p = process_lookup(pids[i]);
        if (!p)
            continue;
        if (p->state != PROCESS_ZOMBIE && (pid == -1 || p->pgid == pgid)) {
            found = true;
            kill_process(p, sig);
        }
        process_put(p);
    }
    return found ? 0 : -ESRCH;
}

/* The thread `tid` of process `tgid` (any process if tgid <= 0), referenced through its
 * process (returned in *pp, to be put), or NULL. */
static struct thread *find_thread(pid_t tgid, pid_t tid, struct process **pp)
{
    pid_t pids[256];
    size_t n = tgid > 0 ? 1 : MIN(process_list_pids(pids, ARRAY_SIZE(pids)), ARRAY_SIZE(pids));
    if (tgid > 0)
        pids[0] = tgid;
    for (size_t i = 0; i < n; i++) {
        struct process *p = process_lookup(pids[i]);
        if (!p)
            continue;
        spin_lock(&proc_lock);
        for (struct thread *t = p->threads; t; t = t->next)
            if (t->tid == tid) {
                spin_unlock(&proc_lock);
                *pp = p;
                return t;
            }
        spin_unlock(&proc_lock);
        process_put(p);
    }
    return NULL;
}

static long kill_thread(pid_t tgid, pid_t tid, int sig, const struct ksiginfo *info)
{
    struct process *p;
    struct thread *t = find_thread(tgid, tid, &p);
    if (!t)
        return -ESRCH;
    if (sig) {
        spin_lock(&proc_lock);
        /* Still listed: it cannot be freed while proc_lock is held. */
        bool live = false;
        for (struct thread *x = p->threads; x; x = x->next)
            live |= x == t;
        /* proc_lock keeps `t` from being freed while the signal is queued on it. */
        if (live && sig != SIGKILL)
            signal_send_thread(t, sig, info);
        spin_unlock(&proc_lock);
        if (live && sig == SIGKILL)
            process_kill(p, SIGKILL);
    }
    process_put(p);
    return 0;
}

DEFINE_SYSCALL2(tkill, pid_t, tid, int, sig)
{
    if (tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    struct ksiginfo info;
    user_info(&info, sig, SI_TKILL);
    return kill_thread(0, tid, sig, &info);
}

DEFINE_SYSCALL3(tgkill, pid_t, tgid, pid_t, tid, int, sig)
{
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    struct ksiginfo info;
    user_info(&info, sig, SI_TKILL);
    return kill_thread(tgid, tid, sig, &info);
}

/* The caller's siginfo for sigqueue: only negative codes, as Linux allows from user space. */
static int queue_info(int sig, const struct ksiginfo *uinfo, struct ksiginfo *info)
{
    if (copy_from_user(info, uinfo, sizeof(*info)))
        return -EFAULT;
    if (info->si_code >= 0 || info->si_code == SI_TKILL)
        return -EPERM;
    info->si_signo = sig;
    return 0;
}

DEFINE_SYSCALL3(rt_sigqueueinfo, pid_t, pid, int, sig, const struct ksiginfo *, uinfo)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct ksiginfo info;
    int rc = queue_info(sig, uinfo, &info);
    if (rc)
        return rc;
    struct process *p = process_lookup(pid);
    if (!p)
        return -ESRCH;
    if (sig && p->state != PROCESS_ZOMBIE)
        signal_send_process(p, sig, &info);
    process_put(p);
    return 0;
}

DEFINE_SYSCALL4(rt_tgsigqueueinfo, pid_t, tgid, pid_t, tid, int, sig,
                const struct ksiginfo *, uinfo)
{
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    struct ksiginfo info;
    int rc = queue_info(sig, uinfo, &info);
    return rc ? rc : kill_thread(tgid, tid, sig, &info);
}

DEFINE_SYSCALL2(rt_sigpending, sigset_t *, uset, size_t, sigsetsize)
{
    if (sigsetsize > sizeof(sigset_t))
        return -EINVAL;
    struct thread *th = current_thread();
    struct sighand *sh = &th->proc->sighand;
    spin_lock(&sh->lock);
    sigset_t set = (th->sigpending | sh->shared_pending) & th->sigmask;
    spin_unlock(&sh->lock);
    return copy_to_user(uset, &set, sigsetsize);
}

static bool never(void *unused)
{
    (void)unused;
    return false;
}

/* Sleeps until a signal is pending for the thread (delivered on the way out). */
static long wait_for_signal(void)
{
    struct waitq wq;
    waitq_init(&wq);
    while (!thread_interrupted(current_thread()))
        wait_event(&wq, never, NULL, -1, NULL);
    return -EINTR; /* never restarted: -EINTR, not -ERESTARTSYS */
}

DEFINE_SYSCALL0(pause)
{
    return wait_for_signal();
}

DEFINE_SYSCALL2(rt_sigsuspend, const sigset_t *, umask, size_t, sigsetsize)
{
    if (sigsetsize != sizeof(sigset_t))
        return -EINVAL;
    sigset_t set;
    if (copy_from_user(&set, umask, sizeof(set)))
        return -EFAULT;
    struct thread *th = current_thread();
    th->saved_mask = th->sigmask;
    th->restore_mask = true; /* the handler's frame gets the old mask */
    th->sigmask = set & ~UNBLOCKABLE;
    return wait_for_signal();
}

DEFINE_SYSCALL4(rt_sigtimedwait, const sigset_t *, uset, struct ksiginfo *, uinfo,
                const struct timespec *, uts, size_t, sigsetsize)
{
    if (sigsetsize != sizeof(sigset_t))
        return -EINVAL;
    sigset_t set;
    if (copy_from_user(&set, uset, sizeof(set)))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    int64_t deadline = -1;
    if (uts) {
        struct timespec ts;
        if (copy_from_user(&ts, uts, sizeof(ts)))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        deadline = (int64_t)time_monotonic_ns() + ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    struct thread *th = current_thread();
    struct sighand *sh = &th->proc->sighand;
    for (;;) {
        spin_lock(&sh->lock);
        sigset_t ready = (th->sigpending | sh->shared_pending) & set;
        if (ready) {
            int sig = __builtin_ctzll(ready) + 1;
            struct ksiginfo info;
            if (th->sigpending & sigmask(sig)) {
                th->sigpending &= ~sigmask(sig);
                info = th->pending_info[sig - 1];
            } else {
                sh->shared_pending &= ~sigmask(sig);
                info = sh->shared_info[sig - 1];
            }
            spin_unlock(&sh->lock);
            if (uinfo && copy_to_user(uinfo, &info, sizeof(info)))
                return -EFAULT;
            return sig;
        }
        spin_unlock(&sh->lock);
        /* Waiting for signals in `set` that the mask may block: only others interrupt. */
        sigset_t saved = th->sigmask;
        th->sigmask &= ~set;
        int rc = thread_park(deadline);
        th->sigmask = saved;
        (void)rc;
        if (deadline >= 0 && (int64_t)time_monotonic_ns() >= deadline)
            return -EAGAIN;
        if (__atomic_load_n(&th->killed, __ATOMIC_ACQUIRE))
            return -EINTR;
        spin_lock(&sh->lock);
        bool other = ((th->sigpending | sh->shared_pending) & ~th->sigmask & ~set) != 0;
        spin_unlock(&sh->lock);
        if (other)
            return -EINTR;
    }
}
