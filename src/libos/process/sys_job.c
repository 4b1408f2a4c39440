/*
 * Process groups and sessions (setpgid, setsid), prctl, resource usage (getrusage, times)
 * and CPU affinity (sched_setaffinity, getcpu).
 *
 * The enclave's processes have no terminal of their own, so sessions and groups are
 * bookkeeping with Linux's rules (setpgid(2), setsid(2)); job control is not served.
 */
#include "process/internal.h"
#include "process/process.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

extern int libos_num_cpus;

/* True if some process other than `except` is in group `pgid` of session `sid`. */
static bool group_exists_locked(pid_t pgid, pid_t sid, struct process *except)
{
    pid_t pids[256];
    size_t n = MIN(process_list_pids(pids, ARRAY_SIZE(pids)), ARRAY_SIZE(pids));
    for (size_t i = 0; i < n; i++) {
        struct process *p = process_lookup(pids[i]);
        if (!p)
            continue;
        bool hit = p != except && p->pgid == pgid && p->sid == sid;
        process_put(p);
        if (hit)
            return true;
    }
    return false;
}

DEFINE_SYSCALL2(setpgid, pid_t, pid, pid_t, pgid)
{
    struct process *self = current_process();
    if (pid < 0 || pgid < 0)
        return -EINVAL;
    struct process *p = pid == 0 ? self : process_lookup(pid);
    if (!p)
        return -ESRCH;
    long rc = 0;
    spin_lock(&proc_lock);
    bool is_child = p->parent == self;
    if (p != self && !is_child)
        rc = -ESRCH;
    else if (is_child && p->did_exec)
        rc = -EACCES;
    else if (p->sid == p->pid)
        rc = -EPERM; /* a session leader */
    else if (p->sid != self->sid)
        rc = -EPERM;
    spin_unlock(&proc_lock);
    if (!rc) {
        pid_t target = pgid ? pgid : p->pid;
        if (target != p->pid && !group_exists_locked(target, self->sid, NULL))
            rc = -EPERM;
        else
            p->pgid = target;
    }
    if (p != self)
        process_put(p);
    return rc;
}

DEFINE_SYSCALL0(setsid)
{
    struct process *self = current_process();
    if (self->pgid == self->pid || group_exists_locked(self->pid, self->sid, self))
        return -EPERM;
    self->sid = self->pgid = self->pid;
    return self->sid;
}

#define PR_SET_PDEATHSIG        1
#define PR_GET_PDEATHSIG        2
#define PR_GET_DUMPABLE         3
#define PR_SET_DUMPABLE         4
#define PR_SET_NAME             15
#define PR_GET_NAME             16
#define PR_SET_CHILD_SUBREAPER  36
#define PR_GET_CHILD_SUBREAPER  37
#define PR_SET_NO_NEW_PRIVS     38
#define PR_GET_NO_NEW_PRIVS     39

DEFINE_SYSCALL5(prctl, int, option, unsigned long, arg2, unsigned long, arg3,
                unsigned long, arg4, unsigned long, arg5)
{
    struct process *p = current_process();
    switch (option) {
    case PR_SET_NAME: {
        char name[16];
        long n = strncpy_from_user(name, (const char *)arg2, sizeof(name));
        if (n == -EFAULT)
            return -EFAULT;
        name[sizeof(name) - 1] = '\0'; /* longer names are cut, as Linux does */
        if (n < 0) {
            if (copy_from_user(name, (const char *)arg2, sizeof(name) - 1))
                return -EFAULT;
            name[sizeof(name) - 1] = '\0';
        }
        memcpy(p->comm, name, sizeof(name));
        return 0;
    }
    case PR_GET_NAME:
        return copy_to_user((void *)arg2, p->comm, sizeof(p->comm));
    case PR_SET_PDEATHSIG:
        if (arg2 > NSIG)
            return -EINVAL;
        current_thread()->pdeath_signal = (int)arg2;
        return 0;
    case PR_GET_PDEATHSIG: {
        int sig = current_thread()->pdeath_signal;
        return copy_to_user((void *)arg2, &sig, sizeof(sig));
    }
    case PR_SET_CHILD_SUBREAPER:
        p->child_subreaper = arg2 != 0;
        return 0;
    case PR_GET_CHILD_SUBREAPER: {
        int v = p->child_subreaper;
        return copy_to_user((void *)arg2, &v, sizeof(v));
    }
    case PR_GET_DUMPABLE:
        return 1;
    case PR_SET_DUMPABLE:
        return arg2 <= 1 ? 0 : -EINVAL;
    case PR_SET_NO_NEW_PRIVS:
        if (arg2 != 1 || arg3 || arg4 || arg5)
            return -EINVAL;
        p->no_new_privs = true;
        return 0;
    case PR_GET_NO_NEW_PRIVS:
        return p->no_new_privs;
    default:
        log_warn("prctl option %d is not supported", option);
        return -EINVAL;
    }
}

struct rusage {
    struct timeval ru_utime, ru_stime;
    int64_t rest[14];
};
_Static_assert(sizeof(struct rusage) == 144, "rusage");

#define RUSAGE_SELF     0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD   1

/* CPU time: the host's clock for the calling thread. Per-process and children's totals are
 * not accounted yet, so RUSAGE_SELF and times() report the calling thread's time and the
 * children's as zero (the README says so). */
static void thread_cpu(struct timeval *tv)
{
    struct timespec ts = {0, 0};
    time_clock_get(CLOCK_THREAD_CPUTIME_ID, &ts);
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
}

DEFINE_SYSCALL2(getrusage, int, who, struct rusage *, uru)
{
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    if (who != RUSAGE_CHILDREN)
        thread_cpu(&ru.ru_utime);
    return copy_to_user(uru, &ru, sizeof(ru));
}

struct tms {
    int64_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};

DEFINE_SYSCALL1(times, struct tms *, ubuf)
{
    struct timeval tv;
    thread_cpu(&tv);
    struct tms t = {tv.tv_sec * 100 + tv.tv_usec / 10000, 0, 0, 0};
    if (ubuf && copy_to_user(ubuf, &t, sizeof(t)))
        return -EFAULT;
    /* Clock ticks (100 Hz) since an arbitrary point: the enclave's uptime. */
    return (long)(time_monotonic_ns() / 10000000ULL);
}

DEFINE_SYSCALL3(sched_setaffinity, pid_t, pid, size_t, len, const void *, umask)
{
    if (pid < 0)
        return -ESRCH;
    if (pid != 0 && pid != current_process()->pid && pid != current_thread()->tid) {
        struct process *p = process_lookup(pid);
        if (!p)
            return -ESRCH;
        process_put(p);
    }
    uint64_t mask = 0;
    if (copy_from_user(&mask, umask, MIN(len, sizeof(mask))))
        return -EFAULT;
    uint64_t online = libos_num_cpus >= 64 ? ~0ULL : (1ULL << libos_num_cpus) - 1;
    /* Host threads are scheduled by the host; the mask is checked, not applied. */
    return mask & online ? 0 : -EINVAL;
}

DEFINE_SYSCALL3(getcpu, unsigned *, ucpu, unsigned *, unode, void *, unused)
{
    (void)unused;
    unsigned zero = 0;
    /* The host's scheduler decides; the enclave cannot know where it runs (nor should a
     * program rely on it): report CPU 0 of node 0. */
    if (ucpu && copy_to_user(ucpu, &zero, sizeof(zero)))
        return -EFAULT;
    if (unode && copy_to_user(unode, &zero, sizeof(zero)))
        return -EFAULT;
    return 0;
}
