/*
 * Executing a program: exec_load (shared by ECALL_RUN and execve) and the execve and
 * execveat system calls.
 *
 * execve first loads the new program into a fresh address space, so that a failed exec
 * returns to a caller that is intact. A non-PIE program that needs addresses its own
 * process still holds (a program exec'ing itself) is the exception: then the old address
 * space goes first, past the point of no return, and a failure kills the process with
 * SIGSEGV, as Linux does after its own point of no return. Then: other threads leave,
 * close-on-exec fds close, handled signals revert to their default action, and a vfork
 * parent is released.
 */
#include "arch/arch.h"
#include "fs/fs.h"
#include "mm/mm.h"
#include "process/internal.h"
#include "process/process.h"
#include "process/spawn.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/printf.h"
#include "util/string.h"
#include "time/timer.h"
#include "util/uaccess.h"

#define ARG_MAX  (2 * 1024 * 1024)
#define MAX_ARGS (64 * 1024)

static void explain(char *why, size_t len, const char *path, int err)
{
    if (why[0])
        return;
    switch (err) {
    case -ENOEXEC: snprintf(why, len, "cannot execute %s: empty #! line", path); break;
    case -ENOENT:
    case -ENOTDIR: snprintf(why, len, "%s: no such file in the image", path); break;
    case -EACCES: snprintf(why, len, "%s: permission denied (not a regular file)", path); break;
    case -ELOOP: snprintf(why, len, "%s: too many levels of #! interpreters", path); break;
    default: snprintf(why, len, "%s: cannot load: error %d", path, -err); break;
    }
}

int exec_load(struct process *p, struct vm_space *vm, const char *path, char *const argv[],
              size_t argc, char *const envp[], size_t envc, struct cpu_regs *regs, char *why,
              size_t why_len)
{
    struct exec_args ex;
    struct elf_image img = {0};
    why[0] = '\0';
    int err = script_resolve(path, argv, argc, &ex);
    if (err) {
        explain(why, why_len, path, err);
        return err;
    }
    err = elf_load(vm, ex.path, &img);
    if (err) {
        if (ex.path != path && (err == -ENOENT || err == -ENOTDIR)) {
            snprintf(why, why_len, "%s: its interpreter %s is not in the image", path, ex.path);
            err = -ENOEXEC;
        } else if (err == -ENOEXEC || err == -EEXIST) {
            strlcpy(why, img.why, why_len);
        }
        explain(why, why_len, path, err);
        exec_args_free(&ex);
        return err;
    }
    /* /proc/self/exe is the file loaded (a script's interpreter); comm its base name. */
    size_t exe_len = strlen(ex.path) + 1;
    char *exe = kmalloc(exe_len);
    if (!exe) {
        exec_args_free(&ex);
        return -ENOMEM;
    }
    memcpy(exe, ex.path, exe_len);
    vm_set_brk_base(vm, img.brk_start);
    long sp = build_initial_stack(vm, &img, path, ex.argv, ex.argc, envp, envc);
    if (sp < 0) {
        snprintf(why, why_len, "%s: cannot set up the stack: error %ld", path, -sp);
        exec_args_free(&ex);
        kfree(exe);
        return (int)sp;
    }
    kfree(p->exe_path);
    p->exe_path = exe;
    const char *slash = strrchr(exe, '/');
    strlcpy(p->comm, slash ? slash + 1 : exe, sizeof(p->comm));
    exec_args_free(&ex);
    memset(regs, 0, sizeof(*regs));
    regs->rsp = (uint64_t)sp;
    regs->rip = img.entry;
    regs->rflags = 0x202;
    return 0;
}

/* Copies a guest NULL-terminated array of strings into one kmalloc'd block. */
static int copy_strv(char *const *uv, char ***out, size_t *count, size_t *budget)
{
    *out = NULL;
    *count = 0;
    if (!uv)
        return 0;
    size_t n = 0, cap = 16;
    char **v = kmalloc(cap * sizeof(char *));
    if (!v)
        return -ENOMEM;
    for (;; n++) {
        char *us;
        if (copy_from_user(&us, &uv[n], sizeof(us))) {
            goto fault;
        }
        if (!us)
            break;
        if (n + 1 >= cap) {
            if (cap >= MAX_ARGS)
                goto big;
            char **nv = krealloc(v, cap * 2 * sizeof(char *));
            if (!nv)
                goto nomem;
            v = nv;
            cap *= 2;
        }
        char *buf = kmalloc(PATH_MAX);
        if (!buf)
            goto nomem;
        long len = strncpy_from_user(buf, us, PATH_MAX);
        if (len == -ENAMETOOLONG) {
            /* A long argument: copy it whole, bounded by what is left of ARG_MAX. */
            kfree(buf);
            size_t max = *budget + 1;
            buf = kmalloc(max);
            if (!buf)
                goto nomem;
            len = strncpy_from_user(buf, us, max);
            if (len == -ENAMETOOLONG)
                len = -E2BIG;
        }
        if (len < 0) {
            kfree(buf);
            v[n] = NULL;
            *out = v;
            *count = n;
            return len == -EFAULT ? -EFAULT : (int)len;
        }
        if ((size_t)len + 1 > *budget) {
            kfree(buf);
            goto big;
        }
        *budget -= (size_t)len + 1;
        v[n] = buf;
    }
    v[n] = NULL;
    *out = v;
    *count = n;
    return 0;
fault:
    v[n] = NULL, *out = v, *count = n;
    return -EFAULT;
big:
    v[n] = NULL, *out = v, *count = n;
    return -E2BIG;
nomem:
    v[n] = NULL, *out = v, *count = n;
    return -ENOMEM;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        kfree(v[i]);
    kfree(v);
}

/* After a successful load: the rest of execve's effects on the process. */
static void exec_commit(struct process *p, struct vm_space *new_vm)
{
    bool borrowed = p->vm_borrowed;
    struct fdtable *files = fdtable_clone(p->files, true);
    struct process_res old;
    process_res_swap(p, new_vm, false, files ? files : p->files, p->fs, &old);
    if (old.vm == new_vm)
        old.vm = NULL; /* exec past the point of no return already installed it */
    if (!files)
        old.files = NULL;
    old.fs = NULL; /* kept */
    process_res_destroy(&old);
    spin_lock(&p->sighand.lock);
    for (int i = 0; i < NSIG; i++) {
        struct k_sigaction *ka = &p->sighand.action[i];
        if (ka->handler != SIG_IGN)
            *ka = (struct k_sigaction){0};
    }
    spin_unlock(&p->sighand.lock);
    timers_exec(p); /* POSIX timers go; itimers and alarm survive exec, as on Linux */
    current_thread()->altstack = (stack_t){.ss_flags = SS_DISABLE};
    p->did_exec = true;
    current_thread()->tid = p->pid; /* the only thread left takes the leader's id, as Linux */
    current_thread()->clear_child_tid = 0;
    current_thread()->robust_list = 0;
    if (borrowed)
        vfork_release(p);
}

static long do_execve(const char *upath, char *const *uargv, char *const *uenvp)
{
    struct process *p = current_process();
    char *path = kmalloc(PATH_MAX);
    char **argv = NULL, **envp = NULL;
    size_t argc = 0, envc = 0, budget = ARG_MAX;
    if (!path)
        return -ENOMEM;
    long rc = strncpy_from_user(path, upath, PATH_MAX);
    if (rc >= 0)
        rc = copy_strv(uargv, &argv, &argc, &budget);
    if (rc >= 0)
        rc = copy_strv(uenvp, &envp, &envc, &budget);
    if (rc < 0)
        goto out;
    if (argc == 0) {
        /* Linux runs a program with an empty argv with argv[0] = "" (and warns). */
        char **v = krealloc(argv, 2 * sizeof(char *));
        char *empty = kzalloc(1);
        if (!v || !empty) {
            kfree(empty);
            argv = v ? v : argv;
            rc = -ENOMEM;
            goto out;
        }
        argv = v;
        argv[0] = empty, argv[1] = NULL, argc = 1;
    }
    /* A relative path is relative to the cwd: the loader resolves it that way too. */
    rc = exec_begin(p);
    if (rc < 0)
        goto out;

    struct vm_space *vm = vm_space_create();
    if (!vm) {
        rc = -ENOMEM;
        goto out;
    }
    struct cpu_regs regs;
    char why[160];
    rc = exec_load(p, vm, path, argv, argc, envp, envc, &regs, why, sizeof(why));
    if (rc == -EEXIST && !p->vm_borrowed) {
        /* The program needs addresses the old image holds: past the point of no return. */
        vm_space_destroy(vm);
        vm = vm_space_create();
        struct process_res old;
        process_res_swap(p, vm, false, p->files, p->fs, &old);
        old.files = NULL, old.fs = NULL;
        process_res_destroy(&old);
        rc = vm ? exec_load(p, vm, path, argv, argc, envp, envc, &regs, why, sizeof(why))
                : -ENOMEM;
        if (rc) {
            log_info("execve %s failed after the point of no return: %s", path, why);
            process_exit(SIGSEGV);
        }
    } else if (rc) {
        /* A vfork child whose program needs addresses its parent holds: two non-PIE
         * programs with overlapping link ranges cannot run at once (yet). */
        if (rc == -EEXIST)
            log_error("execve %s: %s (another process holds them)", path, why);
        else
            log_debug("execve %s: %s", path, why);
        vm_space_destroy(vm);
        if (rc == -EEXIST)
            rc = -ENOMEM;
        goto out;
    }
    exec_commit(p, vm);
    current_tcs()->ssa.regs = regs;
    free_strv(argv, argc);
    free_strv(envp, envc);
    kfree(path);
    return_to_guest();
out:
    free_strv(argv, argc);
    free_strv(envp, envc);
    kfree(path);
    return rc;
}

DEFINE_SYSCALL3(execve, const char *, upath, char *const *, uargv, char *const *, uenvp)
{
    return do_execve(upath, uargv, uenvp);
}

DEFINE_SYSCALL5(execveat, int, dirfd, const char *, upath, char *const *, uargv,
                char *const *, uenvp, int, flags)
{
    char first;
    if (copy_from_user(&first, upath, 1))
        return -EFAULT;
    if (dirfd != AT_FDCWD && first != '/') {
        log_warn("execveat relative to a directory fd is not supported yet");
        return -ENOSYS;
    }
    if (flags & ~AT_SYMLINK_NOFOLLOW)
        return flags & AT_EMPTY_PATH ? -ENOSYS : -EINVAL;
    return do_execve(upath, uargv, uenvp);
}
