/*
 * Signal delivery: sending signals to threads and processes, and running them on the way
 * back to guest code — default actions, or a handler on a Linux-compatible signal frame.
 *
 * The frame is Linux's x86-64 rt_sigframe, so handlers that read or change the interrupted
 * context work, and rt_sigreturn restores it:
 *
 *   sp ->  pretcode      the handler's return address: sa_restorer (SA_RESTORER is required,
 *                        as on x86-64 Linux, where libcs always set it)
 *          ucontext      uc_flags, uc_link, uc_stack, uc_mcontext (struct sigcontext, whose
 *                        fpstate points at the XSAVE area below), uc_sigmask
 *          siginfo       128 bytes
 *   ...    XSAVE area    64-byte aligned, below the interrupted stack's red zone
 *
 * The guest's vector registers are live in the CPU (the LibOS never touches them), so they
 * are saved with XSAVE straight into the frame, and restored with XRSTOR from it after the
 * saved header has been checked (a forged header would fault inside the LibOS).
 *
 * Locking: proc->sighand.lock guards dispositions and every pending set of the process.
 */
#include "arch/arch.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "process/internal.h"
#include "process/process.h"
#include "process/spawn.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define UNBLOCKABLE (sigmask(SIGKILL) | sigmask(SIGSTOP))

static void process_continue(struct process *p);

/* struct sigcontext (x86-64): the 18 cpu_regs, then these. 256 bytes. */
struct sigcontext {
    uint64_t gregs[18]; /* r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags */
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;
    uint64_t reserved[8];
};
_Static_assert(sizeof(struct sigcontext) == 256, "sigcontext");

struct kucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    stack_t uc_stack;
    struct sigcontext uc_mcontext;
    sigset_t uc_sigmask;
};
_Static_assert(sizeof(struct kucontext) == 304, "ucontext");

struct rt_sigframe {
    uint64_t pretcode;
    struct kucontext uc;
    struct ksiginfo info;
};

#define UC_FP_XSTATE   0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FP_XSTATE_MAGIC1 0x46505853U
#define XSAVE_HDR_OFF  512
#define XSAVE_SW_OFF   464 /* struct _fpx_sw_bytes in the FXSAVE area's unused tail */
#define USER_RFLAGS    0x50dd5 /* CF PF AF ZF SF TF DF OF AC RF: what the guest may set */

static uint64_t xsave_size(void)
{
    static uint64_t size;
    if (!size) {
        uint32_t r[4];
        cpuid(0xd, 0, r);
        size = r[1]; /* for the features enabled in XCR0 */
    }
    return size;
}

/* The default action of each signal. */
enum sig_default { SIGDFL_TERM, SIGDFL_IGN, SIGDFL_CORE, SIGDFL_STOP, SIGDFL_CONT };

static enum sig_default default_action(int sig)
{
    switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH:
        return SIGDFL_IGN;
    case SIGCONT:
        return SIGDFL_CONT;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        return SIGDFL_STOP;
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
        return SIGDFL_CORE;
    default:
        return SIGDFL_TERM; /* including real-time signals */
    }
}

bool signal_ignored(struct process *p, int sig)
{
    spin_lock(&p->sighand.lock);
    uint64_t h = p->sighand.action[sig - 1].handler;
    spin_unlock(&p->sighand.lock);
    return h == SIG_IGN || (h == SIG_DFL && default_action(sig) == SIGDFL_IGN);
}

static void fill_default_info(struct ksiginfo *info, int sig)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = SI_KERNEL;
}

/* An ignored signal is discarded when sent, unless blocked (its disposition may change
 * before it is unblocked), as Linux does; sighand.lock held. */
static bool discard_locked(struct process *p, sigset_t mask, int sig)
{
    uint64_t h = p->sighand.action[sig - 1].handler;
    bool ignored = h == SIG_IGN || (h == SIG_DFL && default_action(sig) == SIGDFL_IGN);
    return ignored && !(mask & sigmask(sig));
}

void signal_send_thread(struct thread *th, int sig, const struct ksiginfo *info)
{
    struct process *p = th->proc;
    if (sig == SIGCONT)
        process_continue(p);
    spin_lock(&p->sighand.lock);
    if (discard_locked(p, th->sigmask, sig)) {
        spin_unlock(&p->sighand.lock);
        return;
    }
    /* Standard signals do not queue: a second one while pending is merged. */
    if (!(th->sigpending & sigmask(sig))) {
        th->sigpending |= sigmask(sig);
        if (info)
            th->pending_info[sig - 1] = *info;
        else
            fill_default_info(&th->pending_info[sig - 1], sig);
    }
    spin_unlock(&p->sighand.lock);
    if (th != current_thread())
        thread_wake(th, true);
}

/* Job control (signal(7)): a stop signal's default action stops every thread of the process
 * at its next way back to the guest, until SIGCONT (or SIGKILL). The parent hears of both
 * through SIGCHLD (CLD_STOPPED, unless SA_NOCLDSTOP; CLD_CONTINUED) and wait4's WUNTRACED
 * and WCONTINUED. */
static void notify_parent(struct process *p, int code, int status)
{
    spin_lock(&proc_lock);
    struct process *parent = p->parent;
    if (parent)
        __atomic_add_fetch(&parent->refcount, 1, __ATOMIC_RELAXED);
    spin_unlock(&proc_lock);
    if (!parent)
        return;
    spin_lock(&parent->sighand.lock);
    bool nocldstop = parent->sighand.action[SIGCHLD - 1].flags & SA_NOCLDSTOP;
    spin_unlock(&parent->sighand.lock);
    if (code != CLD_STOPPED || !nocldstop) {
        struct ksiginfo info;
        memset(&info, 0, sizeof(info));
        info.si_signo = SIGCHLD;
        info.si_code = code;
        info.chld.pid = p->pid;
        info.chld.status = status;
        signal_send_process(parent, SIGCHLD, &info);
    }
    waitq_wake_all(&parent->child_wq);
    process_put(parent);
}

static bool not_stopped(void *arg)
{
    struct process *p = arg;
    return !__atomic_load_n(&p->stopped, __ATOMIC_ACQUIRE);
}

static void wait_while_stopped(struct process *p)
{
    wait_event_killable(&p->child_wq, not_stopped, p, NULL);
}

static void process_stop(struct process *p, int sig)
{
    spin_lock(&proc_lock);
    bool newly = !p->stopped && !p->exiting;
    if (newly) {
        __atomic_store_n(&p->stopped, true, __ATOMIC_RELEASE);
        p->stop_signal = sig;
        p->stop_to_report = true;
        p->cont_to_report = false;
        for (struct thread *t = p->threads; t; t = t->next)
            if (t != current_thread())
                thread_wake(t, true); /* to stop at their next way back to the guest */
    }
    spin_unlock(&proc_lock);
    if (newly)
        notify_parent(p, CLD_STOPPED, sig);
}

/* SIGCONT continues a stopped process when it is sent, whatever its disposition. */
static void process_continue(struct process *p)
{
    spin_lock(&proc_lock);
    bool was = p->stopped;
    if (was) {
        __atomic_store_n(&p->stopped, false, __ATOMIC_RELEASE);
        p->stop_to_report = false;
        p->cont_to_report = true;
    }
    spin_unlock(&proc_lock);
    if (was) {
        waitq_wake_all(&p->child_wq); /* its own threads wait there while stopped */
        notify_parent(p, CLD_CONTINUED, SIGCONT);
    }
}

void signal_send_process(struct process *p, int sig, const struct ksiginfo *info)
{
    /* SIGKILL cannot be caught: it ends the process at once. */
    if (sig == SIGKILL) {
        process_kill(p, SIGKILL);
        return;
    }
    if (sig == SIGCONT)
        process_continue(p);
    spin_lock(&proc_lock);
    struct thread *target = NULL;
    for (struct thread *t = p->threads; t; t = t->next)
        if (!(t->sigmask & sigmask(sig))) {
            target = t;
            break;
        }
    spin_lock(&p->sighand.lock);
    if (discard_locked(p, target ? target->sigmask : ~0ULL, sig)) {
        spin_unlock(&p->sighand.lock);
        spin_unlock(&proc_lock);
        return;
    }
    if (!(p->sighand.shared_pending & sigmask(sig))) {
        p->sighand.shared_pending |= sigmask(sig);
        if (info)
            p->sighand.shared_info[sig - 1] = *info;
        else
            fill_default_info(&p->sighand.shared_info[sig - 1], sig);
    }
    spin_unlock(&p->sighand.lock);
    if (target && target != current_thread())
        thread_wake(target, true);
    spin_unlock(&proc_lock);
}

void signal_send_self(int sig)
{
    struct ksiginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = sig;
    info.si_code = SI_KERNEL;
    signal_send_thread(current_thread(), sig, &info);
}

int signal_dequeue(struct thread *th, sigset_t set, struct ksiginfo *info)
{
    struct sighand *sh = &th->proc->sighand;
    int sig = 0;
    spin_lock(&sh->lock);
    sigset_t own = th->sigpending & set;
    sigset_t shared = sh->shared_pending & set;
    if (own) {
        sig = __builtin_ctzll(own) + 1;
        th->sigpending &= ~sigmask(sig);
        *info = th->pending_info[sig - 1];
    } else if (shared) {
        sig = __builtin_ctzll(shared) + 1;
        sh->shared_pending &= ~sigmask(sig);
        *info = sh->shared_info[sig - 1];
    }
    spin_unlock(&sh->lock);
    return sig;
}

bool thread_interrupted(struct thread *th)
{
    if (__atomic_load_n(&th->killed, __ATOMIC_ACQUIRE))
        return true;
    sigset_t pend = __atomic_load_n(&th->sigpending, __ATOMIC_RELAXED) |
                    __atomic_load_n(&th->proc->sighand.shared_pending, __ATOMIC_RELAXED);
    return (pend & ~th->sigmask) != 0;
}

static __noreturn void die_of(int sig)
{
    int status = sig;
    if (default_action(sig) == SIGDFL_CORE)
        status |= WCOREFLAG;
    process_exit(status);
}

/* Builds the frame for `sig` on the guest stack and points the registers at the handler.
 * Returns false if the frame cannot be written (the process then dies of SIGSEGV). */
static bool setup_frame(struct thread *th, struct cpu_regs *r, int sig,
                        const struct k_sigaction *ka, const struct ksiginfo *info,
                        sigset_t old_mask)
{
    uint64_t sp = r->rsp;
    bool on_alt = th->altstack.ss_size && sp > th->altstack.ss_sp &&
                  sp <= th->altstack.ss_sp + th->altstack.ss_size;
    if ((ka->flags & SA_ONSTACK) && th->altstack.ss_size &&
        !(th->altstack.ss_flags & SS_DISABLE) && !on_alt)
        sp = th->altstack.ss_sp + th->altstack.ss_size;
    else
        sp -= 128; /* the red zone of the interrupted code */
    uint64_t xs = xsave_size();
    uint64_t fp = ALIGN_DOWN(sp - xs, 64);
    uint64_t frame_addr = ALIGN_DOWN(fp - sizeof(struct rt_sigframe), 16) - 8;

    if (!user_range_ok((void *)frame_addr, fp + xs - frame_addr, PROT_READ | PROT_WRITE))
        return false;
    /* The guest's vector state, straight into the frame (range checked just above). */
    if (clear_user((void *)fp, xs))
        return false;
    __asm__ volatile("xsave64 (%0)" : : "r"(fp), "a"(XSAVE_MASK), "d"(0) : "memory");
    uint32_t sw[4] = {FP_XSTATE_MAGIC1, 0, (uint32_t)xs + 4, XSAVE_MASK};
    if (copy_to_user((void *)(fp + XSAVE_SW_OFF), sw, sizeof(sw)))
        return false;

    struct rt_sigframe f;
    memset(&f, 0, sizeof(f));
    f.pretcode = ka->restorer;
    f.uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    f.uc.uc_stack.ss_sp = th->altstack.ss_sp;
    f.uc.uc_stack.ss_size = th->altstack.ss_size;
    f.uc.uc_stack.ss_flags = !th->altstack.ss_size ? SS_DISABLE : on_alt ? SS_ONSTACK : 0;
    memcpy(f.uc.uc_mcontext.gregs, r, sizeof(f.uc.uc_mcontext.gregs));
    f.uc.uc_mcontext.cs = 0x33;
    f.uc.uc_mcontext.ss = 0x2b;
    f.uc.uc_mcontext.fpstate = fp;
    f.uc.uc_mcontext.oldmask = old_mask;
    f.uc.uc_sigmask = old_mask;
    f.info = *info;
    if (copy_to_user((void *)frame_addr, &f, sizeof(f)))
        return false;

    r->rsp = frame_addr;
    r->rip = ka->handler;
    r->rdi = (uint64_t)sig;
    r->rsi = frame_addr + offsetof(struct rt_sigframe, info);
    r->rdx = frame_addr + offsetof(struct rt_sigframe, uc);
    r->rax = 0;
    r->rflags &= ~(0x400ULL | 0x100ULL); /* DF and TF clear in the handler */
    return true;
}

void signal_deliver(long nr, bool in_syscall)
{
    struct thread *th = current_thread();
    struct process *p = th->proc;
    struct cpu_regs *r = &current_tcs()->ssa.regs;
    for (;;) {
        if (__atomic_load_n(&th->killed, __ATOMIC_ACQUIRE))
            thread_exit(0);
        if (__atomic_load_n(&p->stopped, __ATOMIC_ACQUIRE))
            wait_while_stopped(p);
        struct ksiginfo info;
        int sig = signal_dequeue(th, ~th->sigmask, &info);
        if (!sig)
            break;
        spin_lock(&p->sighand.lock);
        struct k_sigaction ka = p->sighand.action[sig - 1];
        if (ka.handler > SIG_IGN && (ka.flags & SA_RESETHAND))
            p->sighand.action[sig - 1].handler = SIG_DFL;
        spin_unlock(&p->sighand.lock);

        if (ka.handler == SIG_IGN)
            continue;
        if (ka.handler == SIG_DFL) {
            switch (default_action(sig)) {
            case SIGDFL_IGN:
            case SIGDFL_CONT:
                continue;
            case SIGDFL_STOP:
                process_stop(p, sig);
                continue;
            default:
                die_of(sig);
            }
        }
        if (!(ka.flags & SA_RESTORER)) {
            log_warn("signal %d handler without SA_RESTORER: cannot return; killing", sig);
            die_of(SIGSEGV);
        }
        /* A handler runs: an interrupted syscall restarts after it only with SA_RESTART. */
        if (in_syscall && (long)r->rax == -ERESTARTSYS) {
            if (ka.flags & SA_RESTART) {
                r->rip -= 2; /* back onto the syscall instruction, its number in rax */
                r->rax = (uint64_t)nr;
            } else {
                r->rax = (uint64_t)-EINTR;
            }
        }
        in_syscall = false;
        sigset_t old_mask = th->restore_mask ? th->saved_mask : th->sigmask;
        th->restore_mask = false;
        if (!setup_frame(th, r, sig, &ka, &info, old_mask)) {
            log_info("pid %d: cannot write the frame for signal %d: killed", p->pid, sig);
            die_of(SIGSEGV);
        }
        sigset_t block = ka.mask;
        if (!(ka.flags & SA_NODEFER))
            block |= sigmask(sig);
        th->sigmask = (old_mask | block) & ~UNBLOCKABLE;
        break; /* one frame at a time; others are delivered when it returns */
    }
    if (th->restore_mask) {
        th->sigmask = th->saved_mask;
        th->restore_mask = false;
    }
    if (in_syscall && (long)r->rax == -ERESTARTSYS) {
        /* No handler ran (the signal was ignored or has gone): restart transparently. */
        r->rip -= 2;
        r->rax = (uint64_t)nr;
    }
}

void signal_fault(int signo, int code, uint64_t addr)
{
    struct thread *th = current_thread();
    struct process *p = th->proc;
    spin_lock(&p->sighand.lock);
    uint64_t handler = p->sighand.action[signo - 1].handler;
    spin_unlock(&p->sighand.lock);
    /* A fault that is blocked or ignored cannot be survived: the default action, as Linux
     * forces it. */
    if (handler <= SIG_IGN || (th->sigmask & sigmask(signo))) {
        log_info("pid %d: signal %d (code %d) at address %#llx: terminated", p->pid, signo, code,
                 (unsigned long long)addr);
        die_of(signo);
    }
    /* The host sees every unmapped page of the user range as reserved (SEGV_ACCERR); the
     * LibOS knows whether the guest has a mapping there. */
    if (signo == SIGSEGV && (code == SEGV_MAPERR || code == SEGV_ACCERR))
        code = vm_range_ok(p->vm, ALIGN_DOWN(addr, PAGE_SIZE), 1, PROT_NONE) ? SEGV_ACCERR
                                                                             : SEGV_MAPERR;
    struct ksiginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = signo;
    info.si_code = code;
    info.fault.addr = addr;
    spin_lock(&p->sighand.lock);
    th->sigpending |= sigmask(signo);
    th->pending_info[signo - 1] = info;
    spin_unlock(&p->sighand.lock);
    signal_deliver(0, false);
}

/* rt_sigreturn: back from a handler to the context saved in its frame. */
DEFINE_SYSCALL0(rt_sigreturn)
{
    struct thread *th = current_thread();
    struct cpu_regs *r = &current_tcs()->ssa.regs;
    uint64_t frame_addr = r->rsp - 8; /* the handler's `ret` popped pretcode */
    struct rt_sigframe f;
    if (copy_from_user(&f, (void *)frame_addr, sizeof(f))) {
        log_info("pid %d: rt_sigreturn with a bad frame: killed", th->proc->pid);
        die_of(SIGSEGV);
    }
    uint64_t fsbase = r->fsbase;
    memcpy(r, f.uc.uc_mcontext.gregs, sizeof(f.uc.uc_mcontext.gregs));
    r->fsbase = fsbase;
    r->rflags = (r->rflags & USER_RFLAGS) | 0x202;
    th->sigmask = f.uc.uc_sigmask & ~UNBLOCKABLE;
    uint64_t fp = f.uc.uc_mcontext.fpstate;
    if (fp) {
        /* XRSTOR faults on a malformed header: check it first (Linux checks it too). */
        uint64_t xs = xsave_size();
        uint64_t hdr[8];
        uint32_t mxcsr;
        if (fp % 64 || !user_range_ok((void *)fp, xs, PROT_READ) ||
            copy_from_user(hdr, (void *)(fp + XSAVE_HDR_OFF), sizeof(hdr)) ||
            copy_from_user(&mxcsr, (void *)(fp + 24), sizeof(mxcsr)) ||
            (hdr[0] & ~(uint64_t)XSAVE_MASK) || hdr[1] || hdr[2] || hdr[3] || hdr[4] ||
            hdr[5] || hdr[6] || hdr[7] || (mxcsr & 0xffff0000U)) {
            log_info("pid %d: rt_sigreturn with a bad FPU state: killed", th->proc->pid);
            die_of(SIGSEGV);
        }
        __asm__ volatile("xrstor64 (%0)" : : "r"(fp), "a"(XSAVE_MASK), "d"(0) : "memory");
    }
    /* Whatever became deliverable under the restored mask goes first. */
    signal_deliver(0, false);
    thread_check_killed();
    return_to_guest();
}
