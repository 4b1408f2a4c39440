/*
 * Signals: the Linux ABI types and, for now, the bookkeeping of dispositions and masks that
 * static programs set up at start-up. Delivery to handlers comes with the multi-process
 * issue; what is served today is the default action of a signal a process sends itself
 * (abort(), raise()).
 */
#ifndef LIBOS_SIGNAL_SIGNAL_H
#define LIBOS_SIGNAL_SIGNAL_H

#include "util/spinlock.h"
#include <stdint.h>

#define NSIG 64

#define SIGHUP    1
#define SIGINT    2
#define SIGQUIT   3
#define SIGILL    4
#define SIGTRAP   5
#define SIGABRT   6
#define SIGBUS    7
#define SIGFPE    8
#define SIGKILL   9
#define SIGUSR1   10
#define SIGSEGV   11
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGSTKFLT 16
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define SIGTSTP   20
#define SIGTTIN   21
#define SIGTTOU   22
#define SIGURG    23
#define SIGXCPU   24
#define SIGXFSZ   25
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGWINCH  28
#define SIGIO     29
#define SIGPWR    30
#define SIGSYS    31

#define SIG_DFL 0UL
#define SIG_IGN 1UL

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO   0x00000004
#define SA_RESTORER  0x04000000
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048

typedef uint64_t sigset_t; /* the kernel's sigset: 64 bits, sigsetsize == 8 */

/* The kernel's struct sigaction for rt_sigaction (not libc's). */
struct k_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    sigset_t mask;
};

typedef struct {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
} stack_t;

struct sighand {
    spinlock_t lock;
    struct k_sigaction action[NSIG]; /* index signo-1 */
};

#define sigmask(sig) (1ULL << ((sig) - 1))

/* Sends `sig` to the calling thread (SIGPIPE from a write, for example): it acts now, or
 * when unblocked, as its disposition says. May not return (a fatal default action). */
void signal_send_self(int sig);

#endif
