/*
 * wait4 and waitid: reaping children, and hearing of their stops and continues (job
 * control: WUNTRACED/WSTOPPED, WCONTINUED). A child is matched by pid (> 0), any (-1), own
 * process group (0) or a group (< -1). A reaped child leaves the process table; a stop or a
 * continue is reported once.
 */
#include "process/internal.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/uaccess.h"
#include "util/string.h"

#define WNOHANG    0x00000001
#define WUNTRACED  0x00000002
#define WSTOPPED   WUNTRACED
#define WEXITED    0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT    0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL     0x40000000
#define __WCLONE   0x80000000

#define P_ALL   0
#define P_PID   1
#define P_PGID  2
#define P_PIDFD 3


struct wait_query {
    struct process *self;
    pid_t pid;        /* > 0: that child */
    pid_t pgid;       /* > 0: children in that group */
    bool any;
    bool exited, stopped, continued; /* which changes of state to report */
    struct process *found; /* out: a child that matches, with a change to report */
    enum { FOUND_EXITED, FOUND_STOPPED, FOUND_CONTINUED } what; /* out */
    bool has_match;        /* out: some child matches at all */
};

static bool matches(const struct wait_query *q, const struct process *c)
{
    if (q->pid > 0)
        return c->pid == q->pid;
    if (q->pgid > 0)
        return c->pgid == q->pgid;
    return q->any;
}

/* Called with proc_lock held (wait_event's lock). */
static bool find_change(void *arg)
{
    struct wait_query *q = arg;
    q->found = NULL;
    q->has_match = false;
    for (struct process *c = q->self->children; c; c = c->sibling) {
        if (!matches(q, c))
            continue;
        q->has_match = true;
        if (c->state == PROCESS_ZOMBIE && q->exited) {
            q->found = c;
            q->what = FOUND_EXITED;
            return true;
        }
        if (c->state != PROCESS_ZOMBIE && q->stopped && c->stop_to_report) {
            q->found = c;
            q->what = FOUND_STOPPED;
            return true;
        }
        if (c->state != PROCESS_ZOMBIE && q->continued && c->cont_to_report) {
            q->found = c;
            q->what = FOUND_CONTINUED;
            return true;
        }
    }
    /* No match at all also ends the wait (-ECHILD). */
    return !q->has_match;
}

/* Waits for a matching zombie; returns it (unlinked unless `keep`), 0 with WNOHANG, or
 * -errno. On success *status holds its wait status. */
static long wait_child(struct wait_query *q, int options, bool keep, int *status,
                       struct process **out)
{
    spin_lock(&proc_lock);
    long rc;
    if (options & WNOHANG)
        rc = (find_change(q), 0);
    else
        rc = wait_event(&q->self->child_wq, find_change, q, -1, &proc_lock);
    if (rc == 0 && !q->found) {
        spin_unlock(&proc_lock);
        return q->has_match ? 0 : -ECHILD;
    }
    if (rc < 0) {
        spin_unlock(&proc_lock);
        return rc; /* -EINTR */
    }
    struct process *c = q->found;
    if (q->what != FOUND_EXITED) {
        /* A stop or a continue: reported once (unless WNOWAIT), the child stays. */
        *status = q->what == FOUND_STOPPED ? (c->stop_signal << 8) | 0x7f : 0xffff;
        if (!keep) {
            if (q->what == FOUND_STOPPED)
                c->stop_to_report = false;
            else
                c->cont_to_report = false;
        }
        spin_unlock(&proc_lock);
        *out = NULL;
        return c->pid;
    }
    *status = c->exit_status;
    if (!keep) {
        struct process **pp = &q->self->children;
        while (*pp != c)
            pp = &(*pp)->sibling;
        *pp = c->sibling;
        c->parent = NULL;
    }
    spin_unlock(&proc_lock);
    *out = c;
    return c->pid;
}

DEFINE_SYSCALL4(wait4, pid_t, pid, int *, ustatus, int, options, void *, urusage)
{
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;
    struct process *self = current_process();
    struct wait_query q = {.self = self, .exited = true, .stopped = options & WUNTRACED,
                           .continued = options & WCONTINUED};
    if (pid > 0)
        q.pid = pid;
    else if (pid == 0)
        q.pgid = self->pgid;
    else if (pid < -1)
        q.pgid = -pid;
    else
        q.any = true;
    int status = 0;
    struct process *c = NULL;
    long rc = wait_child(&q, options, false, &status, &c);
    if (rc <= 0)
        return rc;
    if (ustatus && copy_to_user(ustatus, &status, sizeof(status)))
        rc = -EFAULT;
    if (urusage && clear_user(urusage, 144))
        rc = -EFAULT;
    if (c)
        process_table_remove(c); /* reaped (not for a stop or continue) */
    return rc;
}

struct k_siginfo_chld {
    int32_t si_signo, si_errno, si_code, pad;
    int32_t si_pid;
    uint32_t si_uid;
    int32_t si_status;
    int32_t pad2;
    int64_t si_utime, si_stime;
    uint8_t rest[128 - 48];
};
_Static_assert(sizeof(struct k_siginfo_chld) == 128, "siginfo");

DEFINE_SYSCALL5(waitid, int, idtype, pid_t, id, void *, uinfo, int, options, void *, urusage)
{
    if (options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | __WNOTHREAD |
                    __WALL | __WCLONE) ||
        !(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    struct process *self = current_process();
    struct wait_query q = {.self = self, .exited = options & WEXITED,
                           .stopped = options & WSTOPPED, .continued = options & WCONTINUED};
    switch (idtype) {
    case P_ALL: q.any = true; break;
    case P_PID:
        if (id <= 0)
            return -EINVAL;
        q.pid = id;
        break;
    case P_PGID:
        if (id < 0)
            return -EINVAL;
        q.pgid = id ? id : self->pgid;
        break;
    default: return -EINVAL;
    }
    int status = 0;
    struct process *c = NULL;
    bool keep = options & WNOWAIT;
    long rc = wait_child(&q, options, keep, &status, &c);
    if (rc < 0)
        return rc;
    struct k_siginfo_chld si;
    memset(&si, 0, sizeof(si));
    if (rc > 0) {
        si.si_signo = SIGCHLD;
        si.si_pid = (int32_t)rc;
        if (status == 0xffff) {
            si.si_code = CLD_CONTINUED;
            si.si_status = SIGCONT;
        } else if ((status & 0xff) == 0x7f) {
            si.si_code = CLD_STOPPED;
            si.si_status = (status >> 8) & 0xff;
        } else if ((status & 0x7f) == 0) {
            si.si_code = CLD_EXITED;
            si.si_status = (status >> 8) & 0xff;
        } else {
            si.si_code = status & WCOREFLAG ? CLD_DUMPED : CLD_KILLED;
            si.si_status = status & 0x7f;
        }
    }
    if (uinfo && copy_to_user(uinfo, &si, sizeof(si)))
        rc = -EFAULT;
    if (urusage && clear_user(urusage, 144))
        rc = -EFAULT;
    if (c && !keep)
        process_table_remove(c);
    return rc < 0 ? rc : 0;
}
