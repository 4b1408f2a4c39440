/*
 * The LibOS's side of the enclave boundary.
 *
 *   libos_entry            ECALL entry (tcs->entry): rdi = tcs, rsi = ECALL id, rdx = arg,
 *                          rsp = the thread's LibOS stack. Calls libos_ecall() and leaves
 *                          with its result.
 *   enclave_exit(result)   EEXIT: back to the host after sim_eenter, host syscalls allowed.
 *   libos_exception_entry  where an AEX (trapped guest syscall or guest fault) resumes the
 *                          thread: rdi = tcs, rsp = LibOS stack, guest state in tcs->ssa.
 *   return_to_guest()      restores every register from tcs->ssa.regs and jumps to its rip.
 *   ocall(id, host_buf)    calls the host's OCALL handler on the host stack with the host's
 *                          %fs and host syscalls allowed; the guest's %fs and vector state
 *                          (which the host may clobber) are saved around it.
 */
#include "occlum/abi.h"

    .section .text.entry, "ax", @progbits

    .globl libos_entry
    .type libos_entry, @function
libos_entry:
    cmpq $0, %gs:TCS_STACK_GUARD        /* first entry on this thread: pick a canary */
    jne 2f
1:  rdrand %rax
    jnc 1b
    mov %rax, %gs:TCS_STACK_GUARD
2:  and $-16, %rsp
    xor %ebp, %ebp
    cld
    call libos_ecall
    mov %rax, %rdi
    jmp enclave_exit
    .size libos_entry, .-libos_entry

    .globl enclave_exit
    .hidden enclave_exit
    .type enclave_exit, @function
enclave_exit:
    mov %rdi, %rax
    movb $SUD_ALLOW, %gs:TCS_SELECTOR
    mov %gs:TCS_HOST_RSP, %rsp
    jmp *%gs:TCS_HOST_EXIT
    .size enclave_exit, .-enclave_exit

    .globl libos_exception_entry
    .hidden libos_exception_entry
    .type libos_exception_entry, @function
libos_exception_entry:
    and $-16, %rsp
    xor %ebp, %ebp
    cld
    call libos_handle_exception         /* does not return */
    ud2
    .size libos_exception_entry, .-libos_exception_entry

/*
 * The direct syscall entry (syscall/fastpath.c rewrites trapped `mov $nr, %eax; syscall` and
 * `xor %eax, %eax; syscall` sites into jumps to per-site stubs, which set rax, set in_guest
 * to 0, store the site's return
 * address in the SSA and jump here with every other guest register live, rax = nr). It
 * saves them as an AEX would, without a host signal, and enters the LibOS.
 */
    .globl libos_fast_syscall
    .hidden libos_fast_syscall
    .type libos_fast_syscall, @function
libos_fast_syscall:
    mov %rsp, %gs:TCS_SSA+REGS_RSP
    mov %gs:TCS_LIBOS_STACK, %rsp
    pushfq
    popq %gs:TCS_SSA+REGS_RFLAGS
    mov %r8, %gs:TCS_SSA+0x00
    mov %r9, %gs:TCS_SSA+0x08
    mov %r10, %gs:TCS_SSA+0x10
    mov %r11, %gs:TCS_SSA+0x18
    mov %r12, %gs:TCS_SSA+0x20
    mov %r13, %gs:TCS_SSA+0x28
    mov %r14, %gs:TCS_SSA+0x30
    mov %r15, %gs:TCS_SSA+0x38
    mov %rdi, %gs:TCS_SSA+REGS_RDI
    mov %rsi, %gs:TCS_SSA+0x48
    mov %rbp, %gs:TCS_SSA+0x50
    mov %rbx, %gs:TCS_SSA+0x58
    mov %rdx, %gs:TCS_SSA+0x60
    mov %rax, %gs:TCS_SSA+REGS_RAX
    mov %rcx, %gs:TCS_SSA+REGS_RCX
    rdfsbase %rax
    mov %rax, %gs:TCS_SSA+REGS_FSBASE
    movl $AEX_FAST_SYSCALL, %gs:TCS_SSA+SSA_REASON
    mov %gs:TCS_SELF, %rdi
    jmp libos_exception_entry
    .size libos_fast_syscall, .-libos_fast_syscall

    .globl return_to_guest
    .hidden return_to_guest
    .type return_to_guest, @function
return_to_guest:
    movb $1, %gs:TCS_IN_GUEST
    mov %gs:TCS_SSA+REGS_FSBASE, %rax
    wrfsbase %rax
    pushq %gs:TCS_SSA+REGS_RFLAGS
    popfq
    mov %gs:TCS_SSA+0x00, %r8
    mov %gs:TCS_SSA+0x08, %r9
    mov %gs:TCS_SSA+0x10, %r10
    mov %gs:TCS_SSA+0x18, %r11
    mov %gs:TCS_SSA+0x20, %r12
    mov %gs:TCS_SSA+0x28, %r13
    mov %gs:TCS_SSA+0x30, %r14
    mov %gs:TCS_SSA+0x38, %r15
    mov %gs:TCS_SSA+0x48, %rsi
    mov %gs:TCS_SSA+0x50, %rbp
    mov %gs:TCS_SSA+0x58, %rbx
    mov %gs:TCS_SSA+0x60, %rdx
    mov %gs:TCS_SSA+REGS_RAX, %rax
    mov %gs:TCS_SSA+REGS_RCX, %rcx
    mov %gs:TCS_SSA+REGS_RDI, %rdi
    mov %gs:TCS_SSA+REGS_RSP, %rsp
    jmp *%gs:TCS_SSA+REGS_RIP
    .size return_to_guest, .-return_to_guest

    .text
    .globl ocall
    .hidden ocall
    .type ocall, @function
ocall:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdi, %r12
    mov %rsi, %r13
    mov $XSAVE_MASK, %eax
    xor %edx, %edx
    xsave64 %gs:TCS_XSAVE
    rdfsbase %rax
    mov %rax, %gs:TCS_OCALL_FSBASE
    mov %rsp, %gs:TCS_OCALL_RSP
    mov %gs:TCS_HOST_FSBASE, %rax
    wrfsbase %rax
    mov %gs:TCS_HOST_RSP, %rsp
    and $-16, %rsp
    movb $SUD_ALLOW, %gs:TCS_SELECTOR
    mov %r12, %rdi
    mov %r13, %rsi
    call *%gs:TCS_OCALL_FN
    movb $SUD_BLOCK, %gs:TCS_SELECTOR
    mov %gs:TCS_OCALL_RSP, %rsp
    mov %gs:TCS_OCALL_FSBASE, %rax
    wrfsbase %rax
    mov $XSAVE_MASK, %eax
    xor %edx, %edx
    xrstor64 %gs:TCS_XSAVE
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    .size ocall, .-ocall

    .section .note.GNU-stack, "", @progbits
