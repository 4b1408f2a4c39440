/*
 * sud_floor N: the cost of one bare Syscall User Dispatch trap, natively, as a floor for the
 * getppid row of bench/run.sh.
 *
 * Inside the enclave every guest `syscall` instruction becomes a SIGSYS delivered by the host
 * kernel, a LibOS handler and a sigreturn. This program does the same with an empty handler:
 * it turns dispatch on for itself, and each of N syscall(SYS_getppid) calls traps to a handler
 * that only sets the return value. The difference between the LibOS's getppid and this floor
 * is what the LibOS itself adds (entry, dispatch, exit); the floor is the host kernel's price.
 *
 * The selector byte is set to BLOCK just before each call and back to ALLOW by the handler, so
 * the handler's own sigreturn and the clock reads outside the loop go to the kernel. Run only
 * natively; prints "sud_floor N NS_PER_CALL" to stdout. Exit 1 if dispatch cannot be turned
 * on (kernel older than 5.11) or a trapped call did not return the handler's value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#ifndef PR_SYS_DISPATCH_ON
#define PR_SYS_DISPATCH_ON 1
#endif
#define SUD_ALLOW 0 /* SYSCALL_DISPATCH_FILTER_ALLOW */
#define SUD_BLOCK 1 /* SYSCALL_DISPATCH_FILTER_BLOCK */

/* The value every trapped call returns; not a pid, so a call that was not trapped shows. */
#define TRAPPED_RET (-4242L)

static volatile char selector = SUD_ALLOW;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;

    (void)sig;
    (void)si;
    uc->uc_mcontext.gregs[REG_RAX] = TRAPPED_RET;
    selector = SUD_ALLOW;
}

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    long long t0, t1;
    long bad = 0;

    if (argc != 2 || n <= 0) {
        fprintf(stderr, "usage: sud_floor N\n");
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0) {
        perror("sud_floor: sigaction");
        return 1;
    }
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &selector) != 0) {
        fprintf(stderr, "sud_floor: cannot turn on syscall user dispatch: %s\n", strerror(errno));
        return 1;
    }

    t0 = now_ns();
    for (long i = 0; i < n; i++) {
        selector = SUD_BLOCK;
        if (syscall(SYS_getppid) != TRAPPED_RET)
            bad++;
    }
    t1 = now_ns();

    if (bad != 0) {
        fprintf(stderr, "sud_floor: %ld of %ld calls were not trapped\n", bad, n);
        return 1;
    }
    printf("sud_floor %ld %.1f\n", n, (double)(t1 - t0) / (double)n);
    return 0;
}
