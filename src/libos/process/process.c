/*
 * The process table, process creation, and ECALL_RUN (the first program of an enclave run).
 *
 * pid 1 is the enclave's init (the LibOS itself, with no threads of its own); the first
 * program gets pid 2 and has init as its parent. Threads take their ids from the same
 * counter, as on Linux.
 *
 * Locking: process_table_lock guards next_pid and the table; it nests inside proc_lock.
 */
#include "arch/arch.h"
#include "config/config.h"
#include "fs/fs.h"
#include "mm/mm.h"
#include "ocall/ocall.h"
#include "occlum/abi.h"
#include "process/internal.h"
#include "process/process.h"
#include "process/spawn.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/spinlock.h"
#include "util/printf.h"
#include "util/string.h"
#include <stdarg.h>


#define ARG_MAX   (2 * 1024 * 1024)  /* Linux's limit on argv + envp for one execve */
#define MAX_ARGS  (64 * 1024)

#define MAX_PROCESSES 4096

static spinlock_t process_table_lock = SPINLOCK_INIT;
static pid_t next_pid = INIT_PID + 1;
/* Live processes, sorted by pid; guarded by process_table_lock. */
static struct process *process_table[MAX_PROCESSES];
static size_t num_processes;

int process_subsystem_init(void)
{
    waitq_init(&first_exit_wq);
    slots_init(enclave_info->num_threads);
    return 0;
}

spinlock_t proc_lock = SPINLOCK_INIT;
struct process *first_process;
struct waitq first_exit_wq;

pid_t alloc_pid(void)
{
    spin_lock(&process_table_lock);
    pid_t pid = next_pid++;
    spin_unlock(&process_table_lock);
    return pid;
}

static void default_rlimits(struct rlimit *rl)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        rl[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
    rl[RLIMIT_STACK] = (struct rlimit){8UL << 20, RLIM_INFINITY};
    rl[RLIMIT_CORE] = (struct rlimit){0, RLIM_INFINITY};
    rl[RLIMIT_NOFILE] = (struct rlimit){1024, 1024 * 1024};
    rl[RLIMIT_NPROC] = (struct rlimit){libos_config.max_threads, libos_config.max_threads};
    rl[RLIMIT_MEMLOCK] = (struct rlimit){8UL << 20, 8UL << 20};
    rl[RLIMIT_SIGPENDING] = (struct rlimit){1024, 1024};
    rl[RLIMIT_MSGQUEUE] = (struct rlimit){819200, 819200};
}

static void process_free(struct process *p);

struct process *process_lookup(pid_t pid)
{
    struct process *found = NULL;
    spin_lock(&process_table_lock);
    for (size_t i = 0; i < num_processes; i++)
        if (process_table[i]->pid == pid) {
            found = process_table[i];
            __atomic_add_fetch(&found->refcount, 1, __ATOMIC_RELAXED);
            break;
        }
    spin_unlock(&process_table_lock);
    return found;
}

void process_put(struct process *p)
{
    if (__atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        process_free(p);
}

size_t process_list_pids(pid_t *out, size_t max)
{
    spin_lock(&process_table_lock);
    size_t n = num_processes;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = process_table[i]->pid;
    spin_unlock(&process_table_lock);
    return n;
}

/* Lists a new process (pids only grow, so appending keeps the table sorted). */
static int process_table_add(struct process *p)
{
    int rc = -EAGAIN;
    spin_lock(&process_table_lock);
    if (num_processes < MAX_PROCESSES) {
        process_table[num_processes++] = p;
        __atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED);
        rc = 0;
    }
    spin_unlock(&process_table_lock);
    return rc;
}

void process_table_remove(struct process *p)
{
    bool listed = false;
    spin_lock(&process_table_lock);
    for (size_t i = 0; i < num_processes; i++)
        if (process_table[i] == p) {
            memmove(&process_table[i], &process_table[i + 1],
                    (num_processes - i - 1) * sizeof(process_table[0]));
            num_processes--;
            listed = true;
            break;
        }
    spin_unlock(&process_table_lock);
    if (listed)
        process_put(p);
}

void process_res_get(struct process *p)
{
    spin_lock(&p->res_lock);
    __atomic_add_fetch(&p->res_readers, 1, __ATOMIC_ACQUIRE);
    spin_unlock(&p->res_lock);
}

void process_res_put(struct process *p)
{
    __atomic_sub_fetch(&p->res_readers, 1, __ATOMIC_RELEASE);
}

void process_res_swap(struct process *p, struct vm_space *vm, bool vm_borrowed,
                      struct fdtable *files, struct fs_context *fs, struct process_res *old)
{
    spin_lock(&p->res_lock);
    old->vm = p->vm_borrowed ? NULL : p->vm;
    old->files = p->files;
    old->fs = p->fs;
    p->vm = vm;
    p->vm_borrowed = vm_borrowed;
    p->files = files;
    p->fs = fs;
    spin_unlock(&p->res_lock);
    /* Readers registered before the swap may still look at the old objects. */
    while (__atomic_load_n(&p->res_readers, __ATOMIC_ACQUIRE))
        host_sched_yield();
}

void process_res_destroy(struct process_res *old)
{
    if (old->vm)
        vm_space_destroy(old->vm);
    if (old->files)
        fdtable_destroy(old->files);
    if (old->fs)
        fs_context_destroy(old->fs);
}

void process_release_resources(struct process *p)
{
    struct process_res old;
    process_res_swap(p, NULL, false, NULL, NULL, &old);
    process_res_destroy(&old);
}

static void process_free(struct process *p)
{
    process_release_resources(p);
    kfree(p->exe_path);
    kfree(p);
}

pid_t process_ppid(struct process *p)
{
    spin_lock(&proc_lock);
    pid_t ppid = p->parent ? p->parent->pid : INIT_PID;
    spin_unlock(&proc_lock);
    return ppid;
}

struct process *process_create(struct process *parent, bool borrow_vm)
{
    struct process *p = kzalloc(sizeof(*p));
    if (!p)
        return NULL;
    p->refcount = 1;
    p->res_lock = (spinlock_t)SPINLOCK_INIT;
    p->pid = alloc_pid();
    waitq_init(&p->child_wq);
    p->start_ns = time_monotonic_ns();
    if (parent) {
        p->pgid = parent->pgid;
        p->sid = parent->sid;
        p->uid = parent->uid, p->euid = parent->euid, p->suid = parent->suid;
        p->gid = parent->gid, p->egid = parent->egid, p->sgid = parent->sgid;
        memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
        spin_lock(&parent->sighand.lock);
        memcpy(p->sighand.action, parent->sighand.action, sizeof(p->sighand.action));
        spin_unlock(&parent->sighand.lock);
        memcpy(p->comm, parent->comm, sizeof(p->comm));
        size_t n = strlen(parent->exe_path) + 1;
        p->exe_path = kmalloc(n);
        if (p->exe_path)
            memcpy(p->exe_path, parent->exe_path, n);
        p->vm = borrow_vm ? parent->vm : vm_space_create();
        p->vm_borrowed = borrow_vm;
        p->files = fdtable_clone(parent->files, false);
        p->fs = fs_context_clone(parent->fs);
    } else {
        p->pgid = p->sid = p->pid;
        default_rlimits(p->rlimits);
        p->exe_path = kzalloc(1);
        p->vm = vm_space_create();
        p->files = fdtable_create_stdio();
        p->fs = fs_context_create();
    }
    if (!p->exe_path || !p->vm || !p->files || !p->fs || process_table_add(p)) {
        process_free(p);
        return NULL;
    }
    spin_lock(&proc_lock);
    p->parent = parent;
    if (parent) {
        p->sibling = parent->children;
        parent->children = p;
    }
    spin_unlock(&proc_lock);
    return p;
}

struct thread *thread_create(struct process *p)
{
    struct thread *th = kzalloc(sizeof(*th));
    if (!th)
        return NULL;
    th->tid = alloc_pid();
    th->proc = p;
    return th;
}

void thread_link(struct thread *th)
{
    struct process *p = th->proc;
    spin_lock(&proc_lock);
    th->next = p->threads;
    p->threads = th;
    p->nr_threads++;
    spin_unlock(&proc_lock);
}

/* The run request, copied out of host memory: strings[] holds path, argv..., env.... */
struct run_request {
    char *strings;
    char **argv;
    size_t argc;
    char **envp;
    size_t envc;
};

static long copy_run_request(const struct ecall_run_args *args, struct run_request *rq)
{
    struct ecall_run_args a = *args;
    if (a.strings_size == 0 || a.strings_size > ARG_MAX || a.argc > MAX_ARGS ||
        a.nenv > MAX_ARGS)
        return ECALL_ERR_BADARG;
    uint64_t s = (uint64_t)a.strings;
    if (range_wraps(s, a.strings_size) ||
        (s < enclave_info->enclave_base + enclave_info->enclave_size &&
         s + a.strings_size > enclave_info->enclave_base))
        return ECALL_ERR_BADARG; /* must be host memory, never the enclave's own */
    rq->strings = kmalloc(a.strings_size);
    size_t nenv_max = a.nenv + libos_config.n_env_default;
    rq->argv = kmalloc((a.argc + 2) * sizeof(char *));
    rq->envp = kmalloc((nenv_max + 1) * sizeof(char *));
    if (!rq->strings || !rq->argv || !rq->envp)
        return ECALL_ERR_NOMEM;
    memcpy(rq->strings, a.strings, a.strings_size);
    if (rq->strings[a.strings_size - 1] != '\0')
        return ECALL_ERR_BADARG;

    /* Split: path (= argv[0]), the arguments, then the untrusted environment. */
    char *p = rq->strings, *end = rq->strings + a.strings_size;
    size_t n = 0, total = 1 + a.argc + a.nenv;
    char **slots = kmalloc(total * sizeof(char *));
    if (!slots)
        return ECALL_ERR_NOMEM;
    for (; n < total && p < end; n++) {
        slots[n] = p;
        p += strlen(p) + 1;
    }
    if (n != total || p != end) {
        kfree(slots);
        return ECALL_ERR_BADARG;
    }
    rq->argc = 1 + a.argc;
    memcpy(rq->argv, slots, rq->argc * sizeof(char *));
    rq->argv[rq->argc] = NULL;
    /* Environment: env.default, then what env.untrusted lets the host override or add. */
    rq->envc = 0;
    for (size_t i = 0; i < libos_config.n_env_default; i++)
        rq->envp[rq->envc++] = (char *)libos_config.env_default[i];
    for (size_t i = 0; i < a.nenv; i++) {
        char *kv = slots[rq->argc + i];
        if (!config_env_untrusted_allowed(kv)) {
            log_warn("host passed environment variable not in env.untrusted; dropped");
            continue;
        }
        size_t name_len = (size_t)(strchr(kv, '=') - kv) + 1;
        size_t j = 0;
        while (j < rq->envc && strncmp(rq->envp[j], kv, name_len))
            j++;
        rq->envp[j] = kv;
        if (j == rq->envc)
            rq->envc++;
    }
    rq->envp[rq->envc] = NULL;
    kfree(slots);
    return 0;
}

/* Writes the one-line reason for a failed ECALL_RUN into the host's buffer (bounded by the
 * size the host gave, always terminated) and logs it at info level. */
static void report_run_error(const struct ecall_run_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report_run_error(const struct ecall_run_args *a, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_info("%s", msg);
    uint64_t e = (uint64_t)a->error;
    if (!a->error || a->error_size == 0 || a->error_size > 4096 || range_wraps(e, a->error_size) ||
        (e < enclave_info->enclave_base + enclave_info->enclave_size &&
         e + a->error_size > enclave_info->enclave_base))
        return; /* not host memory: say nothing rather than write into the enclave */
    size_t n = MIN(strlen(msg), a->error_size - 1);
    memcpy(a->error, msg, n);
    a->error[n] = '\0';
}

static long errno_to_ecall(int err)
{
    switch (err) {
    case -ENOENT:
    case -ENOTDIR:
        return ECALL_ERR_NOENT;
    case -ENOMEM:
        return ECALL_ERR_NOMEM;
    default:
        return ECALL_ERR_NOEXEC;
    }
}

long process_run_first(struct tcs *tcs, const struct ecall_run_args *uargs)
{
    struct ecall_run_args a;
    memcpy(&a, uargs, sizeof(a)); /* host memory: one copy, then only the copy is used */
    struct run_request rq = {0};
    long rc = copy_run_request(&a, &rq);
    if (rc) {
        report_run_error(&a, "malformed run request from the host");
        goto out_free;
    }
    const char *path = rq.argv[0];
    if (path[0] != '/') {
        report_run_error(&a, "%s: give the program's absolute path in the image", path);
        rc = ECALL_ERR_NOENT;
        goto out_free;
    }
    if (!config_is_entry_point(path)) {
        report_run_error(&a, "%s is not under any of Occlum.json's entry_points", path);
        rc = ECALL_ERR_NOTENTRY;
        goto out_free;
    }

    struct process *proc = process_create(NULL, false);
    struct thread *th = proc ? thread_create(proc) : NULL;
    if (!th) {
        if (proc) {
            process_table_remove(proc);
            process_put(proc);
        }
        rc = ECALL_ERR_NOMEM;
        goto out_free;
    }
    th->tid = proc->pid; /* the main thread's id is the pid */
    th->tcs_index = tcs->index;
    tcs->thread = th;
    tcs->exception_entry = (uint64_t)libos_exception_entry;

    char why[160] = "";
    int err = exec_load(proc, proc->vm, path, rq.argv, rq.argc, rq.envp, rq.envc,
                        &tcs->ssa.regs, why, sizeof(why));
    if (err) {
        report_run_error(&a, "%s", why);
        rc = errno_to_ecall(err);
        tcs->thread = NULL;
        process_table_remove(proc);
        process_put(proc);
        kfree(th);
        goto out_free;
    }
    kfree(rq.strings); /* the stack holds copies */
    kfree(rq.argv);
    kfree(rq.envp);
    thread_link(th);
    first_process = proc;
    log_debug("pid %d: starting %s", proc->pid, proc->exe_path);
    return_to_guest();

out_free:
    kfree(rq.strings);
    kfree(rq.argv);
    kfree(rq.envp);
    return rc;
}
