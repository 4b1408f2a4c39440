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

/* The kernel's siginfo_t: 128 bytes; the fields used here. */
struct ksiginfo {
    int32_t si_signo;
    int32_t si_errno;
    int32_t si_code;
    int32_t pad0;
    union {
        struct { int32_t pid; uint32_t uid; } kill;       /* SI_USER, SI_TKILL, SI_QUEUE */
        struct { int32_t pid; uint32_t uid; int32_t status; int32_t pad;
                 int64_t utime, stime; } chld;             /* SIGCHLD */
        struct { uint64_t addr; } fault;                    /* SIGSEGV, SIGBUS, ... */
        struct { int32_t pid; uint32_t uid; uint64_t value; } rt; /* sigqueue */
        struct { int32_t tid; int32_t overrun; uint64_t value; } timer;
        uint8_t bytes[112];
    };
};
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo");

#define SI_USER    0
#define SI_KERNEL  0x80
#define SI_QUEUE   (-1)
#define SI_TIMER   (-2)
#define SI_TKILL   (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* Dispositions and the process-wide pending set (signals sent to the process rather than
 * to one of its threads). */
struct sighand {
    spinlock_t lock;                 /* guards all of struct sighand and threads' pending */
    struct k_sigaction action[NSIG]; /* index signo-1 */
    sigset_t shared_pending;
    struct ksiginfo shared_info[NSIG];
};

#define sigmask(sig) (1ULL << ((sig) - 1))

struct thread;
struct process;

/* Sends `sig` to the calling thread (SIGPIPE from a write, for example), to be acted on
 * before it returns to guest code. */
void signal_send_self(int sig);
/* Sends `sig` to one thread / to a process (delivered to a thread that does not block it).
 * `info` may be NULL (SI_KERNEL). The target is woken and kicked out of guest code. */
void signal_send_thread(struct thread *th, int sig, const struct ksiginfo *info);
void signal_send_process(struct process *p, int sig, const struct ksiginfo *info);
/* Takes the lowest pending signal in `set` for `th` (its own first, then its process's) and
 * its siginfo; 0 if none. For delivery, signalfd and sigtimedwait. */
int signal_dequeue(struct thread *th, sigset_t set, struct ksiginfo *info);
/* True if `sig` would be ignored by `p` (SIG_IGN, or SIG_DFL with an ignoring default). */
bool signal_ignored(struct process *p, int sig);

/* Internal result of an interrupted blocking call: restarted after a handler with
 * SA_RESTART (or no handler at all), -EINTR otherwise. Never seen by the guest. */
#define ERESTARTSYS 512

/*
 * Called on every way back to guest code, with the current thread's registers in its SSA
 * (after a syscall: the result already in rax). Acts on pending unblocked signals: runs
 * default actions (which may not return) or builds a frame for a handler; a syscall that
 * returned -ERESTARTSYS (`in_syscall`, number `nr`) becomes -EINTR, or is restarted after a
 * handler with SA_RESTART or when no handler runs.
 */
void signal_deliver(long nr, bool in_syscall);
/* A guest fault (AEX_FAULT): delivers it to a handler or kills the process. */
void signal_fault(int signo, int code, uint64_t addr);

#endif
