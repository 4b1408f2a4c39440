/*
 * LibOS start-up and the ECALL dispatcher.
 *
 * The first ECALL (ECALL_INIT, on thread slot 0) relocates the image, checks the enclave info
 * page that the loader measured, parses the config and brings the subsystems up. Only then
 * are other ECALLs served; before it, or after a failed init, they answer ECALL_ERR_INIT.
 */
#include "arch/arch.h"
#include "config/config.h"
#include "fs/fs.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "process/process.h"
#include "process/spawn.h"
#include "syscall/fastpath.h"
#include "uapi/elf.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

long libos_ecall(struct tcs *tcs, long id, void *uarg);
extern int libos_num_cpus;

extern const char __ehdr_start[]; /* the image's first byte: its load address */
extern const char __libos_end[];  /* page-aligned end of the image (libos.lds) */
extern Elf64_Dyn _DYNAMIC[];

static enum { INIT_NONE, INIT_DONE, INIT_FAILED } init_state;
const struct enclave_info *enclave_info;

/* Applies the image's R_X86_64_RELATIVE relocations (the only kind the build allows). Runs
 * before anything reads a pointer from initialised data. */
static void relocate_self(void)
{
    uint64_t base = (uint64_t)__ehdr_start;
    const Elf64_Rela *rela = NULL;
    uint64_t relasz = 0;
    for (const Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_RELA)
            rela = (const Elf64_Rela *)(base + d->d_val);
        else if (d->d_tag == DT_RELASZ)
            relasz = d->d_val;
    }
    for (uint64_t i = 0; rela && i < relasz / sizeof(*rela); i++)
        if (ELF64_R_TYPE(rela[i].r_info) == R_X86_64_RELATIVE)
            *(uint64_t *)(base + rela[i].r_offset) = base + (uint64_t)rela[i].r_addend;
}

static long libos_init(struct tcs *tcs, const struct ecall_init_args *uargs)
{
    struct ecall_init_args args;
    memcpy(&args, uargs, sizeof(args)); /* host memory: copy once, then check the copy */
    if (args.log_level < LOG_OFF)
        args.log_level = LOG_OFF;
    if (args.log_level > LOG_TRACE)
        args.log_level = LOG_TRACE;
    libos_log_level = args.log_level;
    libos_num_cpus = args.num_cpus < 1 ? 1 : args.num_cpus > 64 ? 64 : args.num_cpus;

    const struct enclave_info *ei = (const struct enclave_info *)__libos_end;
    if (ei->magic != ENCLAVE_INFO_MAGIC || ei->image_base != (uint64_t)__ehdr_start ||
        tcs != (struct tcs *)enclave_tcs_addr(ei, tcs->index) || tcs->index != 0) {
        log_error("enclave layout does not match the image");
        return ECALL_ERR_INIT;
    }
    enclave_info = ei;
    heap_init(ei->heap_base, ei->heap_size);
    user_range_init(ei->user_base, ei->user_size);
    if (libos_config_parse((const char *)ei->config_base, ei->config_size))
        return ECALL_ERR_INIT;
    int rc = vfs_init(args.image_fd);
    if (rc) {
        log_error("cannot mount the image: %d", rc);
        return ECALL_ERR_INIT;
    }
    fastpath_init();
    rc = process_subsystem_init();
    if (rc)
        return ECALL_ERR_INIT;
    log_info("LibOS ready: user range %#llx+%#llx, heap %llu KiB, %llu threads",
             (unsigned long long)ei->user_base, (unsigned long long)ei->user_size,
             (unsigned long long)ei->heap_size / 1024, (unsigned long long)ei->num_threads);
    return 0;
}

long libos_ecall(struct tcs *tcs, long id, void *uarg)
{
    if (id == ECALL_INIT) {
        if (init_state != INIT_NONE)
            return ECALL_ERR_INIT;
        relocate_self();
        long rc = libos_init(tcs, uarg);
        init_state = rc ? INIT_FAILED : INIT_DONE;
        return rc;
    }
    if (init_state != INIT_DONE)
        return ECALL_ERR_INIT;
    fastpath_init_tcs(tcs);
    switch (id) {
    case ECALL_RUN:
        return process_run_first(tcs, uarg);
    case ECALL_THREAD:
        return thread_enter_slot(tcs);
    default:
        log_error("unknown ECALL %ld", id);
        return ECALL_ERR_BADARG;
    }
}
