/*
 * The syscall entry: every trapped guest `syscall` arrives here through an AEX
 * (libos_exception_entry -> libos_handle_exception) with the guest's registers in
 * tcs->ssa.regs. The number is bounds-checked and looked up in the table generated from
 * syscalls.def; unknown and unserved numbers answer -ENOSYS with one log line naming the
 * call. At LOG_TRACE every call is printed strace-style.
 *
 * Guest faults arrive here too and kill the faulting process with the signal, as Linux's
 * default action would (handlers come with signal delivery, in a later issue).
 */
#include "arch/arch.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "process/process.h"
#include "process/internal.h"
#include "process/spawn.h"
#include "signal/signal.h"
#include "syscall/fastpath.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/printf.h"

void libos_handle_exception(struct tcs *tcs);

struct syscall_desc {
    const char *name;
    syscall_fn fn;
    int nargs;
};

static const struct syscall_desc syscall_table[] = {
#define SYSCALL(nr, name, nargs) [nr] = {#name, sys_##name, nargs},
#define NOSYS(nr, name)          [nr] = {#name, NULL, 6},
#include "syscall/syscalls.def"
#undef SYSCALL
#undef NOSYS
};

static void trace_call(long nr, const struct syscall_desc *d, const long a[6], long ret)
{
    char args[160];
    int n = 0;
    for (int i = 0; i < d->nargs && n < (int)sizeof(args); i++)
        n += snprintf(args + n, sizeof(args) - (size_t)n, i ? ", %#lx" : "%#lx", a[i]);
    if (d->nargs == 0)
        args[0] = '\0';
    log_trace("[pid %d] %s(%s) = %ld", current_process()->pid, d->name, args, ret);
}

long syscall_dispatch(long nr, const long a[6])
{
    const struct syscall_desc *d =
        nr >= 0 && (unsigned long)nr < ARRAY_SIZE(syscall_table) ? &syscall_table[nr] : NULL;
    if (!d || !d->fn) {
        if (d && d->name)
            log_warn("unsupported syscall %s (%ld): -ENOSYS", d->name, nr);
        else
            log_warn("unknown syscall %ld: -ENOSYS", nr);
        return -ENOSYS;
    }
    long ret = d->fn(a[0], a[1], a[2], a[3], a[4], a[5]);
    if (unlikely(libos_log_level >= LOG_TRACE))
        trace_call(nr, d, a, ret);
    return ret;
}


void libos_handle_exception(struct tcs *tcs)
{
    struct cpu_regs *r = &tcs->ssa.regs;
    if (tcs->ssa.reason == AEX_INTERRUPT) {
        /* Kicked out of guest code (THREAD_KICK): see why, then resume where it was. */
        signal_deliver(0, false);
        return_to_guest();
    }
    if (tcs->ssa.reason != AEX_SYSCALL && tcs->ssa.reason != AEX_FAST_SYSCALL) {
        /* A guest fault: the host signal number is the guest's (same ABI). */
        int signo = tcs->ssa.signo;
        if (signo < 1 || signo > NSIG)
            signo = SIGSEGV;
        if (signo == SIGSEGV && vm_fault_fixup(current_vm(), tcs->ssa.addr))
            return_to_guest(); /* a lazily committed page: the access now succeeds */
        signal_fault(signo, tcs->ssa.code, tcs->ssa.addr);
        return_to_guest();
    }
    const long args[6] = {(long)r->rdi, (long)r->rsi, (long)r->rdx,
                          (long)r->r10, (long)r->r8,  (long)r->r9};
    long nr = (long)r->rax;
    if (tcs->ssa.reason == AEX_SYSCALL && fastpath_enabled)
        fastpath_try_rewrite(r->rip, nr); /* next time, no trap */
    long ret = syscall_dispatch(nr, args);
    /* As the syscall instruction leaves them: result in rax, rip in rcx, rflags in r11. */
    r->rax = (uint64_t)ret;
    r->rcx = r->rip;
    r->r11 = r->rflags;
    signal_deliver(nr, true);
    return_to_guest();
}
