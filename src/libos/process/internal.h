/* What the process/ files share among themselves. */
#ifndef LIBOS_PROCESS_INTERNAL_H
#define LIBOS_PROCESS_INTERNAL_H

#include "process/process.h"
#include "util/compiler.h"

#define INIT_PID 1

struct vm_space;

extern struct process *first_process; /* the program ECALL_RUN started */
extern struct waitq first_exit_wq;    /* woken when first_process exits */

pid_t alloc_pid(void);
/* A new process, child of `parent` (NULL: a child of init, with fresh resources), sharing
 * the parent's vm if `borrow_vm` (vfork). Listed in the process table; no threads yet. */
struct process *process_create(struct process *parent, bool borrow_vm);
void process_table_remove(struct process *p);
/* What process_res_swap took out of a process, to destroy once it is unreachable. */
struct process_res {
    struct vm_space *vm; /* NULL if it was borrowed */
    struct fdtable *files;
    struct fs_context *fs;
};
/* Installs new resources in `p` and hands back the old ones, after every procfs reader that
 * could see them has left. */
void process_res_swap(struct process *p, struct vm_space *vm, bool vm_borrowed,
                      struct fdtable *files, struct fs_context *fs, struct process_res *old);
void process_res_destroy(struct process_res *old);
/* Drops the vm (unless borrowed), files and fs context. */
void process_release_resources(struct process *p);
/* A new thread of `p` with a fresh tid, not linked into p yet. */
struct thread *thread_create(struct process *p);
/* Links `th` into its process's thread list. */
void thread_link(struct thread *th);

/* Loads `path` with argv/envp into `vm` for `p` and sets `regs` to start it. On failure
 * returns -errno and a one-line reason in `why`. */
int exec_load(struct process *p, struct vm_space *vm, const char *path, char *const argv[],
              size_t argc, char *const envp[], size_t envc, struct cpu_regs *regs, char *why,
              size_t why_len);
/* execve from a multi-threaded process: makes the other threads leave and waits for them.
 * -EINTR if the caller itself is being killed. */
int exec_begin(struct process *p);
/* A vfork child has exec'd or exited: its parent may go on. */
void vfork_release(struct process *child);

/* The current thread leaves for good; if it is the last one, the process exits with
 * `status` (unless a group exit already set one). */
__noreturn void thread_exit(int status);
/* Makes every thread of `p` leave; the process's wait status becomes `status`. */
void process_kill(struct process *p, int status);
/* Kills the thread if its process is going away: called before returning to the guest. */
void thread_check_killed(void);

#endif
