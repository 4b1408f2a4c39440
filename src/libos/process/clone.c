/*
 * Creating threads and processes: clone, clone3, vfork and fork, and ECALL_THREAD, where a
 * new host thread picks up the guest thread waiting for its slot.
 *
 * All processes share one address space (DESIGN.md), so:
 *   - a thread (CLONE_THREAD) is a new guest thread of the same process on a new slot;
 *   - vfork, and clone(CLONE_VM | CLONE_VFORK) as posix_spawn uses it, make a child process
 *     that borrows its parent's address space until it execs or exits, while the parent
 *     waits; the child runs on a new slot with the parent's registers (rax = 0);
 *   - fork (a clone without CLONE_VM) needs a copy of the parent at the same addresses,
 *     which a later capability brings: it answers -ENOSYS and says so in the log.
 */
#include "arch/arch.h"
#include "fs/fs.h"
#include "mm/mm.h"
#include "process/internal.h"
#include "process/spawn.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_PIDFD          0x00001000
#define CLONE_PTRACE         0x00002000
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_NEWNS          0x00020000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_UNTRACED       0x00800000
#define CLONE_CHILD_SETTID   0x01000000
#define CLONE_NEWNAMESPACES  0x7e020000 /* all CLONE_NEW* */
#define CLONE_IO             0x80000000

struct clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

/* Starts `th` on a new slot with `regs`. */
static int start_thread(struct thread *th, const struct cpu_regs *regs)
{
    th->start_regs = *regs;
    th->sigmask = current_thread()->sigmask;
    thread_link(th);
    int rc = slot_assign(th);
    if (rc) {
        spin_lock(&proc_lock);
        struct thread **tp = &th->proc->threads;
        while (*tp != th)
            tp = &(*tp)->next;
        *tp = th->next;
        th->proc->nr_threads--;
        spin_unlock(&proc_lock);
    }
    return rc;
}

static bool vfork_done(void *arg)
{
    return ((struct process *)arg)->vfork_done;
}

static long do_clone(const struct clone_args *ca)
{
    uint64_t flags = ca->flags;
    struct process *self = current_process();
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    if (flags & CLONE_NEWNAMESPACES) {
        log_warn("clone with new namespaces (%#llx) is not supported",
                 (unsigned long long)flags);
        return -EINVAL;
    }
    if (!(flags & CLONE_VM)) {
        log_warn("fork (clone without CLONE_VM) is not supported yet: processes share one "
                 "address space; use vfork or posix_spawn");
        return -ENOSYS;
    }
    if (flags & CLONE_PIDFD) {
        log_warn("clone with CLONE_PIDFD is not supported yet");
        return -ENOSYS;
    }
    if (!(flags & CLONE_THREAD) && !(flags & CLONE_VFORK)) {
        /* A process sharing memory with its parent for its whole life. */
        log_warn("clone(CLONE_VM) without CLONE_VFORK or CLONE_THREAD is not supported yet");
        return -ENOSYS;
    }

    struct cpu_regs regs = current_tcs()->ssa.regs;
    regs.rax = 0;
    regs.rcx = regs.rip; /* as a syscall returns */
    regs.r11 = regs.rflags;
    if (ca->stack)
        regs.rsp = ca->stack + ca->stack_size;
    if (flags & CLONE_SETTLS)
        regs.fsbase = ca->tls;

    if (flags & CLONE_THREAD) {
        struct thread *th = thread_create(self);
        if (!th)
            return -ENOMEM;
        pid_t tid = th->tid;
        if (flags & CLONE_CHILD_CLEARTID)
            th->clear_child_tid = ca->child_tid;
        if (((flags & CLONE_PARENT_SETTID) &&
             copy_to_user((void *)ca->parent_tid, &tid, sizeof(tid))) ||
            ((flags & CLONE_CHILD_SETTID) &&
             copy_to_user((void *)ca->child_tid, &tid, sizeof(tid)))) {
            kfree(th);
            return -EFAULT;
        }
        int rc = start_thread(th, &regs);
        if (rc) {
            kfree(th);
            return rc;
        }
        return tid;
    }

    /* vfork-style child process. */
    struct process *parent = (flags & CLONE_PARENT) && self->parent ? self->parent : self;
    struct process *child = process_create(parent, true);
    struct thread *th = child ? thread_create(child) : NULL;
    if (!th) {
        if (child) {
            spin_lock(&proc_lock);
            parent->children = child->sibling; /* it was linked first */
            spin_unlock(&proc_lock);
            process_table_remove(child);
        }
        return -ENOMEM;
    }
    th->tid = child->pid;
    pid_t pid = child->pid;
    if (flags & CLONE_CHILD_CLEARTID)
        th->clear_child_tid = ca->child_tid;
    if ((flags & CLONE_PARENT_SETTID) &&
        copy_to_user((void *)ca->parent_tid, &pid, sizeof(pid)))
        log_debug("clone: parent_tid not writable");
    if (flags & CLONE_CHILD_SETTID)
        copy_to_user((void *)ca->child_tid, &pid, sizeof(pid));
    /* The child holds a reference until the parent has stopped waiting on it. */
    __atomic_add_fetch(&child->refcount, 1, __ATOMIC_RELAXED);
    int rc = start_thread(th, &regs);
    if (rc) {
        kfree(th);
        spin_lock(&proc_lock);
        child->state = PROCESS_ZOMBIE;
        child->exit_status = SIGKILL;
        spin_unlock(&proc_lock);
        process_release_resources(child);
        process_put(child);
        return rc;
    }
    /* CLONE_VFORK: wait until the child execs or exits; not interruptible by our signals
     * (as Linux, where the wait is killable only). */
    spin_lock(&proc_lock);
    wait_event_killable(&parent->child_wq, vfork_done, child, &proc_lock);
    spin_unlock(&proc_lock);
    process_put(child);
    return pid;
}

DEFINE_SYSCALL5(clone, uint64_t, flags, uint64_t, newsp, uint64_t, uparent_tid,
                uint64_t, uchild_tid, uint64_t, tls)
{
    struct clone_args ca = {
        .flags = flags & ~CSIGNAL,
        .exit_signal = flags & CSIGNAL,
        .stack = newsp,
        .parent_tid = uparent_tid,
        .child_tid = uchild_tid,
        .tls = tls,
    };
    return do_clone(&ca);
}

DEFINE_SYSCALL2(clone3, struct clone_args *, uargs, size_t, size)
{
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    if (size < 64 || size > 4096)
        return -EINVAL;
    if (copy_from_user(&ca, uargs, MIN(size, sizeof(ca))))
        return -EFAULT;
    if (ca.set_tid || ca.set_tid_size || ca.cgroup || (ca.exit_signal & ~CSIGNAL))
        return -EINVAL;
    if ((ca.stack == 0) != (ca.stack_size == 0))
        return -EINVAL;
    return do_clone(&ca);
}

DEFINE_SYSCALL0(vfork)
{
    struct clone_args ca = {.flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD};
    return do_clone(&ca);
}

DEFINE_SYSCALL0(fork)
{
    struct clone_args ca = {.flags = 0, .exit_signal = SIGCHLD};
    return do_clone(&ca);
}

long thread_enter_slot(struct tcs *tcs)
{
    struct thread *th = slot_thread(tcs->index);
    if (!th || tcs->index == 0)
        return ECALL_ERR_BADARG;
    tcs->thread = th;
    if (th->kthread_fn)
        th->kthread_fn(); /* a LibOS kernel thread (time/timer.c): never returns */
    tcs->exception_entry = (uint64_t)libos_exception_entry;
    tcs->ssa.regs = th->start_regs;
    thread_check_killed();
    return_to_guest();
}
