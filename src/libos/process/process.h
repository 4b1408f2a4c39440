/*
 * Processes and threads. Every guest thread runs on its own host thread and so has its own
 * struct tcs (thread slot), whose `thread` field points at its struct thread;
 * current_thread() is one %gs-relative load.
 *
 * Lifetime: a process is created by ECALL_RUN or clone, lives while it has threads, then is
 * a zombie until its parent reaps it (wait4) — or is reaped at once when its parent is the
 * enclave's init (pid 1, the LibOS itself). struct process is refcounted: the process table
 * and lookups hold references; its memory goes with the last one.
 *
 * Locking: proc_lock (process/process.c) guards the process tree (parent, children,
 * sibling), each process's thread list, nr_threads, state, exit_status and exiting. It is
 * the outermost LibOS lock: take it before a vm_space, fdtable or waitq lock, never after.
 * Other fields are written by the process's own threads (noted where not).
 */
#ifndef LIBOS_PROCESS_PROCESS_H
#define LIBOS_PROCESS_PROCESS_H

#include "occlum/abi.h"
#include "sched/sched.h"
#include "signal/signal.h"
#include "uapi/linux_types.h"
#include "util/spinlock.h"

struct vm_space;
struct fdtable;
struct fs_context;

enum process_state { PROCESS_RUNNING, PROCESS_ZOMBIE };

struct process {
    int refcount;              /* atomic; the table holds one reference while it is listed */
    pid_t pid, pgid, sid;
    uid_t uid, euid, suid;
    gid_t gid, egid, sgid;
    /*
     * vm, files and fs may be read by other processes (procfs) between process_res_get and
     * process_res_put; they are replaced or released (exit, execve) only under res_lock and
     * destroyed once no such reader is left.
     */
    spinlock_t res_lock;
    int res_readers;           /* atomic */
    struct vm_space *vm;
    bool vm_borrowed;          /* a vfork child on its parent's vm until it execs or exits */
    struct fdtable *files;     /* fs/: the fd table */
    struct fs_context *fs;     /* fs/: cwd, root, umask */
    struct sighand sighand;    /* dispositions, guarded by sighand.lock */
    struct rlimit rlimits[RLIM_NLIMITS];
    char *exe_path;            /* absolute path of the executable (kmalloc'd) */
    char comm[16];             /* PR_SET_NAME; the executable's base name at exec */
    uint64_t start_ns;         /* monotonic time the process started */
    bool did_exec;             /* has called execve (setpgid's EACCES) */
    /* Where the initial stack holds the argument and environment strings (for
     * /proc/[pid]/cmdline and environ); set at exec, in the process's own memory. */
    uint64_t arg_start, arg_end, env_start, env_end;
    bool child_subreaper;      /* PR_SET_CHILD_SUBREAPER: orphaned descendants come here */
    bool no_new_privs;         /* PR_SET_NO_NEW_PRIVS */

    /* Guarded by proc_lock. */
    struct process *parent;    /* NULL: the enclave's init (pid 1) */
    struct process *children;  /* first child; siblings linked through `sibling` */
    struct process *sibling;
    struct thread *threads;    /* live threads, linked through thread->next */
    int nr_threads;
    enum process_state state;
    bool exiting;              /* a group exit is under way: threads are leaving */
    int exit_status;           /* wait status, set when exiting starts */
    bool vfork_done;           /* vfork child: it has exec'd or exited */
    bool stopped;              /* job control: its threads wait for SIGCONT */
    int stop_signal;           /* the signal that stopped it */
    bool stop_to_report;       /* a stop wait4(WUNTRACED) has not reported yet */
    bool cont_to_report;       /* a continue wait4(WCONTINUED) has not reported yet */

    struct waitq child_wq;     /* this process's waiters for its children (wait4, vfork) */
    struct proc_timers *timers; /* time/: itimers and POSIX timers, NULL until the first one;
                                 * guarded by timers_lock (time/timer.h) */
};

struct thread {
    pid_t tid;
    struct process *proc;
    uint64_t tcs_index;        /* its slot */
    struct thread *next;       /* in proc->threads, guarded by proc_lock */
    bool killed;               /* atomic: leave at the next chance (group exit, exec) */
    uint64_t clear_child_tid;  /* set_tid_address / CLONE_CHILD_CLEARTID */
    uint64_t robust_list;      /* set_robust_list head */
    uint64_t robust_list_len;
    sigset_t sigmask;          /* blocked signals; written only by the thread itself */
    sigset_t sigpending;       /* guarded by proc->sighand.lock; read racily as a hint */
    struct ksiginfo pending_info[NSIG]; /* guarded by proc->sighand.lock */
    sigset_t saved_mask;       /* rt_sigsuspend: the mask to restore after the handler */
    bool restore_mask;
    stack_t altstack;
    int pdeath_signal;         /* PR_SET_PDEATHSIG: sent when the parent process exits */
    struct cpu_regs start_regs; /* a new thread's first registers (ECALL_THREAD) */
    void (*kthread_fn)(void);   /* a LibOS kernel thread (no process): ECALL_THREAD runs this
                                 * on the slot's LibOS stack instead of guest code; it never
                                 * returns. NULL for guest threads. */
};

extern spinlock_t proc_lock;

/* Lets another process read p->vm, p->files and p->fs (which may be NULL: an exited
 * process) until process_res_put. Never held across a wait. */
void process_res_get(struct process *p);
void process_res_put(struct process *p);

/* The parent's pid as getppid reports it (1 for init). */
pid_t process_ppid(struct process *p);

/* The process with `pid`, referenced (drop with process_put), or NULL. */
struct process *process_lookup(pid_t pid);
void process_put(struct process *p);
/* Fills `out` with up to `max` live pids in increasing order; returns how many there are. */
size_t process_list_pids(pid_t *out, size_t max);

static inline struct tcs *current_tcs(void)
{
    struct tcs *t;
    __asm__("mov %%gs:0, %0" : "=r"(t));
    return t;
}

static inline struct thread *current_thread(void)
{
    return (struct thread *)current_tcs()->thread;
}

static inline struct process *current_process(void)
{
    return current_thread()->proc;
}

#endif
