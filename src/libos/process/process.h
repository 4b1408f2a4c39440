/*
 * Processes and threads. Every guest thread runs on its own host thread and so has its own
 * struct tcs, whose `thread` field points at its struct thread; current_thread() is one
 * %gs-relative load.
 *
 * Lifetime: a process is created by the loader (process/spawn.c) and freed when it exits
 * (later: when its parent reaps it). Its fields are written by its own threads only, except
 * where noted.
 */
#ifndef LIBOS_PROCESS_PROCESS_H
#define LIBOS_PROCESS_PROCESS_H

#include "occlum/abi.h"
#include "signal/signal.h"
#include "uapi/linux_types.h"

struct vm_space;
struct fdtable;
struct fs_context;

struct process {
    int refcount;              /* atomic; the table holds one reference while it is listed */
    pid_t pid, ppid, pgid, sid;
    uid_t uid, euid, suid;
    gid_t gid, egid, sgid;
    struct vm_space *vm;
    struct fdtable *files;     /* fs/: the fd table */
    struct fs_context *fs;     /* fs/: cwd, root, umask */
    struct sighand sighand;    /* dispositions, guarded by sighand.lock */
    struct rlimit rlimits[RLIM_NLIMITS];
    char *exe_path;            /* absolute path of the executable (kmalloc'd) */
    char comm[16];             /* PR_SET_NAME; the executable's base name at exec */
    uint64_t start_ns;         /* monotonic time the process started */
    int exit_status;           /* wait status once exited */
};

struct thread {
    pid_t tid;
    struct process *proc;
    struct tcs *tcs;
    uint64_t clear_child_tid;  /* set_tid_address */
    uint64_t robust_list;      /* set_robust_list head */
    uint64_t robust_list_len;
    sigset_t sigmask;
    sigset_t sigpending;       /* sent while blocked; acted on when unblocked */
    stack_t altstack;
};

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
