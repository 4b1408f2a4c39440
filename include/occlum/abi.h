/*
 * The enclave boundary ABI: everything the untrusted host runtime and the trusted LibOS must
 * agree on, and nothing else. Both sides include this header; neither includes the other's
 * internals.
 *
 * The enclave is one contiguous range of the host process (ELRANGE). On the `sim` platform
 * the host reserves it at a fixed address, so that the same image and config always give the
 * same layout and so the same measurement:
 *
 *   ENCLAVE_BASE
 *   | user range           user_space_size      every guest process's mappings
 *   | LibOS image          (from the ELF)        text RX, data RW, loaded page by page
 *   | enclave info page    1 page                struct enclave_info (layout, measured)
 *   | config pages         config_size           Occlum.json, resolved by `occlum build`
 *   | LibOS heap           kernel_heap_size
 *   | thread slot 0..N-1   each: guard page, LibOS stack, struct tcs
 *   ENCLAVE_BASE + enclave_size
 *
 * ENCLAVE_BASE is low so that a non-PIE executable's link address (0x400000) is inside the
 * user range; the host runtime itself is a PIE and its libraries live far above.
 *
 * Control crosses the boundary in three ways, as on SGX:
 *   ECALL  host thread -> sim_eenter(tcs, ...) -> LibOS entry on the thread's LibOS stack.
 *          The LibOS leaves with enclave_exit(), which resumes the host after sim_eenter.
 *   OCALL  LibOS -> ocall(id, host_buf): switches to the host stack and the host's %fs,
 *          lets the thread make host syscalls, calls tcs->ocall_fn, and comes back.
 *   AEX    a guest `syscall` (trapped by Syscall User Dispatch) or a guest fault raises a
 *          host signal; the platform's handler stores the guest registers in the thread's
 *          state save area (tcs->ssa), as SGX's AEX does, and resumes the thread in the
 *          LibOS at tcs->exception_entry on its LibOS stack.
 */
#ifndef OCCLUM_ABI_H
#define OCCLUM_ABI_H

#define PAGE_SIZE 4096UL

#define ENCLAVE_BASE       0x200000UL
#define ENCLAVE_INFO_MAGIC 0x4f43434c554d4331ULL /* "OCCLUMC1" */

/* Syscall User Dispatch selector values (Linux's SYSCALL_DISPATCH_FILTER_*). */
#define SUD_ALLOW 0
#define SUD_BLOCK 1

/* Why the thread entered the LibOS through the exception entry (tcs.ssa.reason). */
#define AEX_SYSCALL 1 /* a guest syscall instruction, trapped */
#define AEX_FAULT   2 /* a guest fault: ssa.signo/code/addr say which */
#define AEX_INTERRUPT 3 /* the LibOS kicked this thread out of guest code (THREAD_KICK) */
#define AEX_FAST_SYSCALL 4 /* a rewritten syscall site entered directly (no host signal) */

/* ECALL numbers (the second argument of sim_eenter). */
#define ECALL_INIT   1 /* first call on the first thread: arg = struct ecall_init_args * */
#define ECALL_RUN    2 /* run a program to its end: arg = struct ecall_run_args * */
#define ECALL_THREAD 3 /* a new host thread runs the guest thread waiting for its slot */

/*
 * Offsets inside struct tcs, for assembly. Checked against the struct below.
 */
#define TCS_SELF            0x00
#define TCS_HOST_RSP        0x08
#define TCS_HOST_FSBASE     0x10
#define TCS_LIBOS_STACK     0x18
#define TCS_OCALL_FN        0x20
#define TCS_STACK_GUARD     0x28
#define TCS_SELECTOR        0x30
#define TCS_IN_GUEST        0x31
#define TCS_BUSY            0x32
#define TCS_ENTRY           0x38
#define TCS_EXCEPTION_ENTRY 0x40
#define TCS_OCALL_RSP       0x48
#define TCS_OCALL_FSBASE    0x50
#define TCS_HOST_EXIT       0x58
#define TCS_FAST_ENTRY      0x88
#define TCS_SSA             0x100
#define TCS_XSAVE           0x1000
#define TCS_SIZE            0x2000

/* Offsets inside struct cpu_regs. The first 18 follow Linux's ucontext gregs order. */
#define REGS_RAX    0x68
#define REGS_RCX    0x70
#define REGS_RSP    0x78
#define REGS_RIP    0x80
#define REGS_RFLAGS 0x88
#define REGS_FSBASE 0x90
#define REGS_RDI    0x40
#define REGS_NGREGS 18
#define SSA_REASON  0x98
#define SSA_SIGNO   0x9c
#define SSA_CODE    0xa0
#define SSA_ADDR    0xa8
#define SSA_ERR     0xb0
#define SSA_TRAPNO  0xb8

/* Features saved around OCALLs with XSAVE: x87, SSE, AVX, AVX-512 (not AMX). */
#define XSAVE_MASK 0xe7

/* Values an ECALL returns, beside a guest's wait status (which is >= 0). */
#define ECALL_ERR_BADARG   (-1) /* malformed arguments */
#define ECALL_ERR_NOENT    (-2) /* program not found in the image */
#define ECALL_ERR_NOTENTRY (-3) /* program outside Occlum.json's entry_points */
#define ECALL_ERR_NOEXEC   (-4) /* not a loadable ELF */
#define ECALL_ERR_NOMEM    (-5)
#define ECALL_ERR_INIT     (-6) /* LibOS initialisation failed */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* Guest register state. Order and size of the first 18 fields match Linux's mcontext gregs. */
struct cpu_regs {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
    uint64_t fsbase;
};

/* What the platform saves on an AEX: the registers and why the thread left guest code. */
struct ssa {
    struct cpu_regs regs;
    uint32_t reason;   /* AEX_SYSCALL or AEX_FAULT */
    int32_t signo;     /* host signal for AEX_FAULT (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) */
    int32_t code;      /* si_code */
    uint32_t pad;
    uint64_t addr;     /* si_addr */
    uint64_t err;      /* page-fault error code */
    uint64_t trapno;
};

/*
 * Thread control structure: one per enclave thread, page aligned, in enclave memory. %gs
 * points at it whenever the host thread is inside the enclave. The host runtime writes the
 * fields marked (host) before each EENTER; the LibOS owns the rest.
 */
struct tcs {
    struct tcs *self;          /* 0x00 (host) so that %gs:0 is a plain pointer */
    uint64_t host_rsp;         /* 0x08 (host) host stack at EENTER */
    uint64_t host_fsbase;      /* 0x10 (host) host thread's %fs */
    uint64_t libos_stack_top;  /* 0x18 (host, from the layout) */
    uint64_t ocall_fn;         /* 0x20 (host) void ocall_fn(long id, void *host_buf) */
    uint64_t stack_guard;      /* 0x28 LibOS stack-protector canary, %gs:0x28 */
    uint8_t selector;          /* 0x30 Syscall User Dispatch selector for this thread */
    uint8_t in_guest;          /* 0x31 1 while guest code runs: an AEX is the guest's */
    uint8_t busy;              /* 0x32 (platform) 1 while a host thread is attached to this
                                * TCS: one host thread at a time, as SGX enforces */
    uint8_t pad0[5];
    uint64_t entry;            /* 0x38 (host, from the image) LibOS ECALL entry */
    uint64_t exception_entry;  /* 0x40 LibOS entry after an AEX */
    uint64_t ocall_rsp;        /* 0x48 LibOS stack during an OCALL */
    uint64_t ocall_fsbase;     /* 0x50 guest %fs during an OCALL */
    uint64_t host_exit;        /* 0x58 (host) where enclave_exit resumes the host */
    uint64_t index;            /* 0x60 (host) thread slot number */
    void *host_buf;            /* 0x68 (host) this thread's untrusted marshalling buffer */
    uint64_t host_buf_size;    /* 0x70 (host) */
    void *thread;              /* 0x78 LibOS per-thread state */
    uint32_t park_state;       /* 0x80 LibOS: 1 while parked on the host event */
    uint32_t wake_pending;     /* 0x84 LibOS: a wake-up not yet consumed */
    uint64_t fast_entry;       /* 0x88 LibOS: where a rewritten syscall site enters */
    uint8_t pad1[TCS_SSA - 0x90];
    struct ssa ssa;            /* 0x100 */
    uint8_t pad2[TCS_XSAVE - TCS_SSA - sizeof(struct ssa)];
    uint8_t xsave[TCS_SIZE - TCS_XSAVE] __attribute__((aligned(64))); /* guest FPU at OCALLs */
};

_Static_assert(offsetof(struct tcs, host_rsp) == TCS_HOST_RSP, "tcs");
_Static_assert(offsetof(struct tcs, host_fsbase) == TCS_HOST_FSBASE, "tcs");
_Static_assert(offsetof(struct tcs, libos_stack_top) == TCS_LIBOS_STACK, "tcs");
_Static_assert(offsetof(struct tcs, ocall_fn) == TCS_OCALL_FN, "tcs");
_Static_assert(offsetof(struct tcs, stack_guard) == TCS_STACK_GUARD, "tcs");
_Static_assert(offsetof(struct tcs, selector) == TCS_SELECTOR, "tcs");
_Static_assert(offsetof(struct tcs, in_guest) == TCS_IN_GUEST, "tcs");
_Static_assert(offsetof(struct tcs, busy) == TCS_BUSY, "tcs");
_Static_assert(offsetof(struct tcs, entry) == TCS_ENTRY, "tcs");
_Static_assert(offsetof(struct tcs, exception_entry) == TCS_EXCEPTION_ENTRY, "tcs");
_Static_assert(offsetof(struct tcs, ocall_rsp) == TCS_OCALL_RSP, "tcs");
_Static_assert(offsetof(struct tcs, ocall_fsbase) == TCS_OCALL_FSBASE, "tcs");
_Static_assert(offsetof(struct tcs, host_exit) == TCS_HOST_EXIT, "tcs");
_Static_assert(offsetof(struct tcs, fast_entry) == TCS_FAST_ENTRY, "tcs");
_Static_assert(offsetof(struct tcs, ssa) == TCS_SSA, "tcs");
_Static_assert(offsetof(struct tcs, xsave) == TCS_XSAVE, "tcs");
_Static_assert(sizeof(struct tcs) == TCS_SIZE, "tcs");
_Static_assert(offsetof(struct cpu_regs, rax) == REGS_RAX, "regs");
_Static_assert(offsetof(struct cpu_regs, rcx) == REGS_RCX, "regs");
_Static_assert(offsetof(struct cpu_regs, rsp) == REGS_RSP, "regs");
_Static_assert(offsetof(struct cpu_regs, rip) == REGS_RIP, "regs");
_Static_assert(offsetof(struct cpu_regs, rflags) == REGS_RFLAGS, "regs");
_Static_assert(offsetof(struct cpu_regs, fsbase) == REGS_FSBASE, "regs");
_Static_assert(offsetof(struct cpu_regs, rdi) == REGS_RDI, "regs");
_Static_assert(offsetof(struct ssa, reason) == SSA_REASON, "ssa");
_Static_assert(offsetof(struct ssa, signo) == SSA_SIGNO, "ssa");
_Static_assert(offsetof(struct ssa, code) == SSA_CODE, "ssa");
_Static_assert(offsetof(struct ssa, addr) == SSA_ADDR, "ssa");
_Static_assert(offsetof(struct ssa, err) == SSA_ERR, "ssa");
_Static_assert(offsetof(struct ssa, trapno) == SSA_TRAPNO, "ssa");

/*
 * The enclave info page, written by the loader right after the LibOS image and measured with
 * it. The LibOS trusts it because it is part of MRENCLAVE.
 *
 *   offset size field
 *   0x00   8    magic            ENCLAVE_INFO_MAGIC
 *   0x08   8    enclave_base
 *   0x10   8    enclave_size
 *   0x18   8    user_base        start of the user range
 *   0x20   8    user_size
 *   0x28   8    image_base       LibOS image load address
 *   0x30   8    config_base      resolved config text (NUL terminated, config_size bytes)
 *   0x38   8    config_size
 *   0x40   8    heap_base
 *   0x48   8    heap_size
 *   0x50   8    threads_base     first thread slot
 *   0x58   8    thread_slot_size
 *   0x60   8    num_threads
 *   0x68   8    libos_stack_size
 */
struct enclave_info {
    uint64_t magic;
    uint64_t enclave_base, enclave_size;
    uint64_t user_base, user_size;
    uint64_t image_base;
    uint64_t config_base, config_size;
    uint64_t heap_base, heap_size;
    uint64_t threads_base, thread_slot_size, num_threads;
    uint64_t libos_stack_size;
};
_Static_assert(sizeof(struct enclave_info) == 0x70, "enclave_info");

/* The TCS of thread slot i sits at the end of its slot; its LibOS stack grows down below it. */
static inline uint64_t enclave_tcs_addr(const struct enclave_info *ei, uint64_t i)
{
    return ei->threads_base + (i + 1) * ei->thread_slot_size - TCS_SIZE;
}

/* ECALL_INIT argument, in host memory. The LibOS copies it in and validates it. */
struct ecall_init_args {
    int32_t log_level;     /* LOG_* from occlum/log_level.h; out of range is clamped */
    int32_t image_fd;      /* host fd of build/image.fs, opened read-only */
    int32_t num_cpus;      /* online host CPUs; clamped to 1..64 */
    int32_t pad;
};

/*
 * ECALL_RUN argument, in host memory: the program to run and its arguments, and the host's
 * environment variables that Occlum.json's env.untrusted allows in. Strings are packed in
 * `strings` (total bytes `strings_size`) as NUL-terminated strings: path, then argc argv
 * strings, then nenv "NAME=value" strings. When the program cannot be started, the LibOS
 * writes why into `error`, for the host to show as the one line the user sees.
 */
struct ecall_run_args {
    uint32_t argc;
    uint32_t nenv;
    uint64_t strings_size;
    const char *strings;
    char *error;           /* out: on an ECALL_ERR_* result, a one-line reason, NUL terminated */
    uint64_t error_size;   /* bytes at `error` (the LibOS writes at most this many) */
};


#endif /* !__ASSEMBLER__ */
#endif /* OCCLUM_ABI_H */
