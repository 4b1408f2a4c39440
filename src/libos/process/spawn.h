/* Creating processes and loading programs into them. */
#ifndef LIBOS_PROCESS_SPAWN_H
#define LIBOS_PROCESS_SPAWN_H

#include "uapi/linux_types.h"
#include "util/compiler.h"
#include <stdint.h>

struct tcs;
struct vm_space;
struct ecall_run_args;

/* What the ELF loader tells the stack builder. */
struct elf_image {
    uint64_t entry;      /* where the first instruction is (interpreter's, if any) */
    uint64_t prog_entry; /* the program's own entry point: AT_ENTRY */
    uint64_t phdr;       /* AT_PHDR: the program headers in memory */
    uint64_t phnum;
    uint64_t base;       /* AT_BASE: interpreter load address, 0 without one */
    uint64_t brk_start;  /* page-aligned end of the program's segments */
    char why[160];       /* set with -ENOEXEC: what is wrong with the file */
};

int process_subsystem_init(void);

/* What to execute once "#!" scripts are resolved: the program file and its arguments. */
struct exec_args {
    const char *path; /* the ELF file to load */
    char **argv;      /* kmalloc'd; strings point into the caller's argv or `strings` */
    size_t argc;
    char *strings;    /* kmalloc'd interpreter lines */
};

/* Resolves `path` (following "#!" interpreter lines) into what to load and its argv. The
 * caller's argv must outlive `out`. -ELOOP beyond 4 levels; -ENOEXEC for an empty "#!". */
int script_resolve(const char *path, char *const argv[], size_t argc, struct exec_args *out);
void exec_args_free(struct exec_args *a);

/* ECALL_RUN: starts the first program of this enclave run on the calling thread and returns
 * only through enclave_exit (the program's wait status) or with an ECALL_ERR_* code. */
long process_run_first(struct tcs *tcs, const struct ecall_run_args *uargs);

/* Loads the executable at `path` (absolute) into `vm`. -ENOENT, -EACCES, -ENOMEM, or, with
 * img->why naming the file and what is wrong (also logged at info level), -ENOEXEC, or
 * -EEXIST when a non-PIE program's link addresses are taken. */
int elf_load(struct vm_space *vm, const char *path, struct elf_image *img);

/* Maps the main thread's stack and lays out argc, argv, envp and the auxiliary vector as
 * Linux does; returns the initial stack pointer or -errno. */
long build_initial_stack(struct vm_space *vm, const struct elf_image *img, const char *execfn,
                         char *const argv[], size_t argc, char *const envp[], size_t envc);

/* ECALL_THREAD: runs the guest thread waiting for this slot; returns only on error. */
long thread_enter_slot(struct tcs *tcs);

/* Ends the calling thread's process with a wait status (exit code << 8, or a signal number)
 * and releases its resources. */
__noreturn void process_exit(int wait_status);

#endif
