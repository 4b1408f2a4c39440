/*
 * Preparing a host thread to carry an enclave thread on the `sim` platform, and entering it.
 *
 * Each enclave thread slot is bound to one host thread for good. Attaching gives that thread:
 *   - an alternate signal stack, so that the AEX handler never runs on guest memory;
 *   - the AEX handler for SIGSYS and the guest fault signals (installed once per process,
 *     with our own exempt sa_restorer, through the raw rt_sigaction syscall);
 *   - Syscall User Dispatch with the thread's selector byte in its tcs and the exempt range
 *     sud_exempt: while the selector says block, any syscall outside that range raises SIGSYS.
 *   - its OCALL marshalling buffer (host memory).
 */
#include "../enclave.h"
#include "occlum/ocall.h"
#include "occlum/ocall_sched.h"
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON           1
#endif
#ifndef PR_SYS_DISPATCH_OFF
#define PR_SYS_DISPATCH_OFF 0
#endif
#define SA_RESTORER_FLAG 0x04000000

long sim_eenter(struct tcs *tcs, long id, void *arg);
void sim_aex_handler(int sig, siginfo_t *si, void *uc);
void sim_sigreturn(void);
void sim_fatal_signal(int sig, siginfo_t *si, ucontext_t *uc);
extern char __start_sud_exempt[], __stop_sud_exempt[];

#define ALTSTACK_SIZE (64 * 1024)

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static const int aex_signals[] = {SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, 0};

/* The interrupt signal (ocall_sched.h), read by the AEX handler. */
int sim_kick_signo;

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;
static int handlers_rc;

static void install_handlers(void)
{
    sim_kick_signo = SIGRTMIN + SIM_KICK_SIGNAL_OFFSET;
    for (size_t i = 0; i < sizeof(aex_signals) / sizeof(aex_signals[0]); i++) {
        int sig = aex_signals[i] ? aex_signals[i] : sim_kick_signo;
        struct kernel_sigaction ka = {
            .handler = (void *)sim_aex_handler,
            .flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER_FLAG,
            .restorer = (void *)sim_sigreturn,
            .mask = 0,
        };
        if (syscall(SYS_rt_sigaction, sig, &ka, NULL, 8) < 0) {
            fprintf(stderr, "occlum: error: rt_sigaction: %s\n", strerror(errno));
            handlers_rc = -1;
        }
    }
}

void sim_fatal_signal(int sig, siginfo_t *si, ucontext_t *uc)
{
    char msg[160];
    int n = snprintf(msg, sizeof(msg),
                     "occlum: fatal: signal %d outside guest code at rip %#llx (addr %p)\n", sig,
                     (unsigned long long)uc->uc_mcontext.gregs[REG_RIP], si->si_addr);
    if (write(2, msg, (size_t)n) < 0) {
        /* nothing more to do */
    }
    signal(sig, SIG_DFL);
    raise(sig);
    abort();
}

int enclave_thread_attach(struct enclave *e, uint64_t slot)
{
    if (slot >= e->info.num_threads)
        return -1;
    pthread_once(&handlers_once, install_handlers);
    if (handlers_rc)
        return -1;

    struct tcs *tcs = (struct tcs *)enclave_tcs_addr(&e->info, slot);
    /* One host thread per TCS, from attach to detach: its selector byte is registered with
     * Syscall User Dispatch for this thread only. */
    uint8_t expected = 0;
    if (!__atomic_compare_exchange_n(&tcs->busy, &expected, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        fprintf(stderr, "occlum: error: thread slot %llu is in use\n", (unsigned long long)slot);
        return -1;
    }
    stack_t ss = {.ss_size = ALTSTACK_SIZE};
    ss.ss_sp = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
    /* The OCALL buffer belongs to the slot, not the host thread: a slot's next host thread
     * reuses it, so a thread still on its way out never frees what the next one uses. */
    void *buf = tcs->host_buf ? tcs->host_buf
                              : mmap(NULL, OCALL_BUF_SIZE, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ss.ss_sp == MAP_FAILED || buf == MAP_FAILED || sigaltstack(&ss, NULL) < 0) {
        fprintf(stderr, "occlum: error: cannot set up host thread: %s\n", strerror(errno));
        return -1;
    }
    tcs->host_buf = buf;
    tcs->host_buf_size = OCALL_BUF_SIZE;
    tcs->ocall_fn = (uint64_t)host_ocall_dispatch;
    tcs->selector = SUD_ALLOW;

    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
              (unsigned long)__start_sud_exempt,
              (unsigned long)(__stop_sud_exempt - __start_sud_exempt),
              (unsigned long)&tcs->selector) < 0) {
        fprintf(stderr, "occlum: error: Syscall User Dispatch is not available: %s "
                        "(Linux 5.11 or later is needed)\n", strerror(errno));
        return -1;
    }
    return 0;
}

void enclave_thread_detach(struct enclave *e, uint64_t slot)
{
    struct tcs *tcs = (struct tcs *)enclave_tcs_addr(&e->info, slot);
    /* Off first: the slot's next host thread will register the same selector byte. */
    prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
    stack_t ss = {.ss_flags = SS_DISABLE}, old;
    if (sigaltstack(&ss, &old) == 0 && old.ss_sp)
        munmap(old.ss_sp, ALTSTACK_SIZE);
    __atomic_store_n(&tcs->busy, 0, __ATOMIC_RELEASE);
}

long enclave_ecall(struct enclave *e, uint64_t slot, long id, void *arg)
{
    struct tcs *tcs = (struct tcs *)enclave_tcs_addr(&e->info, slot);
    return sim_eenter(tcs, id, arg);
}
