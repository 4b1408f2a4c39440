/*
 * The host runtime's view of an enclave: creating it (reserve, load, measure), lending host
 * threads to it, and calling into it.
 */
#ifndef HOST_ENCLAVE_H
#define HOST_ENCLAVE_H

#include "occlum/abi.h"
#include <stddef.h>
#include <stdint.h>

/* What `occlum build` resolved from Occlum.json (build/enclave.conf), as the host needs it. */
struct host_config {
    uint64_t user_space_size;
    uint64_t kernel_heap_size;
    uint64_t kernel_stack_size;
    uint64_t max_threads;
    char *text;          /* the whole file, NUL terminated: copied into the enclave */
    size_t text_size;
    char **env_untrusted; /* names the host may pass in */
    size_t n_env_untrusted;
};

/* True if `source` is the source of a hostfs mount line of the loaded config. */
int host_hostfs_source_allowed(const char *source);

/* Reads and checks build/enclave.conf; on error prints one line naming the problem. */
int host_config_load(const char *path, struct host_config *cfg);

struct enclave {
    struct enclave_info info;
    uint8_t mrenclave[32];   /* SHA-256 over the pages as loaded (see enclave_load.c) */
};

/* Reserves the enclave range, loads the LibOS image and the config, measures them. Returns 0
 * or -1 after printing why. */
int enclave_create(struct enclave *e, const char *libos_path, const struct host_config *cfg);

/* Prepares the calling host thread to run enclave thread slot `slot` (alternate signal stack,
 * Syscall User Dispatch, OCALL buffer). Once per host thread. */
int enclave_thread_attach(struct enclave *e, uint64_t slot);

/* Undoes enclave_thread_attach when the host thread leaves the enclave for good. */
void enclave_thread_detach(struct enclave *e, uint64_t slot);

/* Host threads for enclave thread slots (sched.c); slot 0 is the calling thread. */
int host_sched_init(struct enclave *e);
/* Handlers of OCALL_SCHED_LIST (occlum/ocall_sched.h). */
void host_thread_spawn(void *buf);
void host_thread_kick(void *buf);
void host_event_wait(void *buf);
void host_event_set(void *buf);

/* ECALL on the calling (attached) thread. */
long enclave_ecall(struct enclave *e, uint64_t slot, long id, void *arg);

/* The OCALL dispatcher the LibOS calls through tcs->ocall_fn. */
void host_ocall_dispatch(long id, void *buf);

/* Host log (stderr), honouring OCCLUM_LOG_LEVEL. */
extern int host_log_level;
void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
