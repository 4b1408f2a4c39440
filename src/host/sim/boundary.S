/*
 * The `sim` platform's side of the enclave boundary: what SGX hardware does on EENTER, EEXIT
 * and AEX, done in software by the host process.
 *
 *   sim_eenter(tcs, id, arg)   save the host's callee-saved registers and %fs, point %gs at
 *                              the thread's tcs, block host syscalls for this thread (Syscall
 *                              User Dispatch selector), and jump to the LibOS entry on the
 *                              thread's LibOS stack. Returns what the LibOS passes to
 *                              enclave_exit.
 *   sim_eexit_point            where the LibOS's enclave_exit resumes the host.
 *   sim_aex_handler            host signal handler for SIGSYS (a trapped guest syscall) and
 *                              guest faults: copies the guest registers from the signal frame
 *                              into tcs->ssa, as SGX's AEX fills the SSA, and makes the
 *                              signal return land in the LibOS's exception entry on the LibOS
 *                              stack; the kick signal (THREAD_KICK) arrives the same way. It
 *                              runs on the thread's alternate signal stack, with the
 *                              guest's %fs live, so it is assembly and touches no host TLS.
 *
 * The section sud_exempt holds the only code allowed to make host syscalls while the
 * selector blocks them: the signal-return trampoline. Syscall User Dispatch is given its
 * bounds (__start_sud_exempt, __stop_sud_exempt).
 */
#include "occlum/abi.h"

#define UC_GREGS  40            /* offsetof(ucontext_t, uc_mcontext.gregs) */
#define GREG(i)   (UC_GREGS + 8 * (i))
#define REG_RDI   8
#define REG_RSP   15
#define REG_RIP   16
#define REG_EFL   17
#define REG_ERR   19
#define REG_TRAPNO 20
#define SI_CODE   8             /* offsetof(siginfo_t, si_code) */
#define SI_ADDR   16            /* offsetof(siginfo_t, si_addr) */
#define SI_SYSCALL 24           /* offsetof(siginfo_t, si_syscall) for SIGSYS */
#define SIGSYS_NR 31

    .text

/* long sim_eenter(struct tcs *tcs, long id, void *arg) */
    .globl sim_eenter
    .type sim_eenter, @function
sim_eenter:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, TCS_HOST_RSP(%rdi)
    rdfsbase %rax
    mov %rax, TCS_HOST_FSBASE(%rdi)
    lea sim_eexit_point(%rip), %rax
    mov %rax, TCS_HOST_EXIT(%rdi)
    wrgsbase %rdi
    movb $SUD_BLOCK, TCS_SELECTOR(%rdi)
    mov TCS_LIBOS_STACK(%rdi), %rsp
    jmp *TCS_ENTRY(%rdi)
    .size sim_eenter, .-sim_eenter

/* Resumed by the LibOS's enclave_exit with %rax = result, %rsp = tcs->host_rsp and the
 * selector already set to allow host syscalls. */
    .globl sim_eexit_point
    .type sim_eexit_point, @function
sim_eexit_point:
    mov %gs:TCS_HOST_FSBASE, %rcx
    wrfsbase %rcx
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    .size sim_eexit_point, .-sim_eexit_point

/* void sim_aex_handler(int sig, siginfo_t *si, ucontext_t *uc) */
    .globl sim_aex_handler
    .type sim_aex_handler, @function
sim_aex_handler:
    rdgsbase %rax
    test %rax, %rax
    jz .Lnot_guest
    cmpb $1, TCS_IN_GUEST(%rax)
    jne .Lnot_guest
    /* in_guest is set just before the LibOS's last instructions on its way back to the
     * guest: only a rip inside the user range is guest code. */
    mov GREG(REG_RIP)(%rdx), %rcx
    sub host_user_base(%rip), %rcx
    cmp host_user_size(%rip), %rcx
    jae .Lnot_guest
    mov %edi, %r8d                      /* signal number */
    mov %rsi, %r9                       /* siginfo */
    mov %rdx, %r10                      /* ucontext */
    lea TCS_SSA(%rax), %rdi             /* ssa.regs <- gregs[0..17] */
    lea UC_GREGS(%r10), %rsi
    mov $REGS_NGREGS, %ecx
    rep movsq
    rdfsbase %rcx
    mov %rcx, TCS_SSA+REGS_FSBASE(%rax)
    cmp sim_kick_signo(%rip), %r8d
    jne 0f
    movl $AEX_INTERRUPT, TCS_SSA+SSA_REASON(%rax)
    jmp 2f
0:  cmp $SIGSYS_NR, %r8d
    jne 1f
    movslq SI_SYSCALL(%r9), %rcx        /* the kernel has set rax to -ENOSYS; the number */
    mov %rcx, TCS_SSA+REGS_RAX(%rax)    /* the guest asked for is in si_syscall */
    movl $AEX_SYSCALL, TCS_SSA+SSA_REASON(%rax)
    jmp 2f
1:  movl $AEX_FAULT, TCS_SSA+SSA_REASON(%rax)
    mov %r8d, TCS_SSA+SSA_SIGNO(%rax)
    mov SI_CODE(%r9), %ecx
    mov %ecx, TCS_SSA+SSA_CODE(%rax)
    mov SI_ADDR(%r9), %rcx
    mov %rcx, TCS_SSA+SSA_ADDR(%rax)
    mov GREG(REG_ERR)(%r10), %rcx
    mov %rcx, TCS_SSA+SSA_ERR(%rax)
    mov GREG(REG_TRAPNO)(%r10), %rcx
    mov %rcx, TCS_SSA+SSA_TRAPNO(%rax)
2:  movb $0, TCS_IN_GUEST(%rax)
    /* Resume in the LibOS: rip = exception entry, rsp = LibOS stack, rdi = tcs, DF clear. */
    mov TCS_EXCEPTION_ENTRY(%rax), %rcx
    mov %rcx, GREG(REG_RIP)(%r10)
    mov TCS_LIBOS_STACK(%rax), %rcx
    mov %rcx, GREG(REG_RSP)(%r10)
    mov %rax, GREG(REG_RDI)(%r10)
    andq $~0x400, GREG(REG_EFL)(%r10)
    ret
.Lnot_guest:
    /* The kick outside guest code needs nothing: the LibOS looks at its own state whenever
     * it is about to return to the guest, and a host wait it interrupts returns early. */
    cmp sim_kick_signo(%rip), %edi
    jne 4f
    ret
4:  /* Any other signal in the LibOS or in host code is nothing the guest caused. Give the
     * host its %fs back (if we came from inside the enclave) and let C report it. */
    test %rax, %rax
    jz 3f
    movb $SUD_ALLOW, TCS_SELECTOR(%rax)
    mov TCS_HOST_FSBASE(%rax), %rcx
    test %rcx, %rcx
    jz 3f
    wrfsbase %rcx
3:  and $-16, %rsp
    call sim_fatal_signal               /* does not return */
    ud2
    .size sim_aex_handler, .-sim_aex_handler

    .section sud_exempt, "ax", @progbits
/* The sa_restorer of every handler the runtime installs: rt_sigreturn must not trap. */
    .globl sim_sigreturn
    .type sim_sigreturn, @function
sim_sigreturn:
    mov $15, %eax
    syscall
    ud2
    .size sim_sigreturn, .-sim_sigreturn

    .section .note.GNU-stack, "", @progbits
